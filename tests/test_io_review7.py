"""Inputs a moderation team's exports hold (review 7): huge CSV cells, error records that
join back to the comment, empty cells, the README's dask recipe and its column mapping."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from stance.io import is_error, parse_lines, read_records

README = Path(__file__).resolve().parents[1] / "README.md"


def test_a_csv_cell_longer_than_pythons_default_limit_is_read(tmp_path):
    csv.field_size_limit(131072)  # Python's default, whatever an earlier test did
    big = "spam " * 40_000  # 200,000 characters
    path = tmp_path / "huge.csv"
    path.write_text(f'id,text\na,short\nb,"{big}"\nc,after\n', encoding="utf-8")
    out = list(read_records(path))
    assert [r.get("id") for r in out] == ["a", "b", "c"]
    assert not any(is_error(r) for r in out) and out[1]["text"] == big


def test_error_records_keep_id_and_row_and_line_is_the_physical_line(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(b'id,text,parent_id\nc1,"two\nlines",\nc2,bad \xff byte,c1\n'
                     b'c3,fine,\n')
    out = list(read_records(path))
    assert out[0] == {"id": "c1", "text": "two\nlines", "parent_id": ""}
    assert is_error(out[1]) and out[1]["id"] == "c2" and out[1]["row"] == 2
    assert out[1]["line"] == 4 and out[1]["error"].startswith(f"{path}:4: not valid UTF-8")
    assert out[2] == {"id": "c3", "text": "fine", "parent_id": ""}
    lines = ['{"id": 7, "body": "no text field"}', '{"id": "j2", "text": "bad \udcff"}',
             '{"id": "j3", "text": "ok"}', "{oops"]
    got = list(parse_lines(lines, "c.jsonl"))
    assert [r.get("id") for r in got] == [7, "j2", "j3", None]
    assert [is_error(r) for r in got] == [True, True, False, True]
    assert got[0]["line"] == 1 and "missing string field 'text'" in got[0]["error"]


def _readme_block(after: str, lang: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(after)
    return re.search(rf"```{lang}\n(.*?)```", text[start:], re.S).group(1)


def test_readme_dask_recipe_turns_a_bom_a_bad_byte_and_a_bad_line_into_error_records(
        tmp_path, monkeypatch):
    dask = pytest.importorskip("dask")
    good = [json.dumps({"id": f"c{i}", "text": f"Comment {i} about NATO."}) for i in range(4)]
    (tmp_path / "comments-1.jsonl").write_bytes(
        b"\xef\xbb\xbf" + good[0].encode() + b"\n" + b'{"id": "c9", "text": "bad \xff"}\n'
        + good[1].encode() + b"\n{not json\n")
    (tmp_path / "comments-2.jsonl").write_text("\n".join(good[2:]) + "\n", encoding="utf-8")
    (tmp_path / "scored-0.jsonl").write_text("stale\n")
    monkeypatch.chdir(tmp_path)
    code = _readme_block("## Scale", "python")
    with dask.config.set(scheduler="sync"):  # the recipe's logic, without worker processes
        exec(compile(code, "README.md", "exec"), {"__name__": "__main__"})
    first = [json.loads(line) for line in (tmp_path / "scored-0.jsonl").read_text().splitlines()]
    second = [json.loads(line) for line in (tmp_path / "scored-1.jsonl").read_text().splitlines()]
    assert [r.get("id") for r in first] == ["c0", "c9", "c1", None]
    assert [is_error(r) for r in first] == [False, True, False, True]
    assert first[1]["error"].startswith("comments-1.jsonl:2: not valid UTF-8")
    assert first[3]["line"] == 4 and "incivility" in first[0] and "incivility" in second[1]
    assert [r["id"] for r in second] == ["c2", "c3"]


def test_readme_column_mapping_example_loads_the_teams_export(tmp_path, private_hf_cache):
    from stance.corpora import load_corpus

    registry = tmp_path / "corpora.toml"
    registry.write_text(_readme_block("### Train on your own labels", "toml"))
    team = tmp_path / "data" / "mine" / "team"
    team.mkdir(parents=True)
    kinds = ["personal_attack", "threat", "", "vulgar"]
    with (team / "train.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["comment_body", "is_abusive", "abuse_type"])
        for i in range(40):
            w.writerow([f"Comment number {i}", "no" if i % 4 == 2 else "yes", kinds[i % 4]])
    ds = load_corpus("team_moderation", data_dir=tmp_path / "data", split="all",
                     registry=registry)
    rows = {r["text"]: r for r in ds.to_list()}
    assert len(rows) == 40
    assert rows["Comment number 0"]["uncivil"] == 1 and rows["Comment number 0"]["insult"] == 1
    assert rows["Comment number 2"]["uncivil"] == 0 and rows["Comment number 1"]["insult"] == 0


def test_empty_csv_cells_pass_through_and_blank_ids_link_nothing(tmp_path):
    from stance.scorer import resolve_parents

    path = tmp_path / "blank.csv"
    path.write_text("id,text,parent_id\n,First comment.,\n,Second comment.,\n"
                    "c3,Third.,\n c4,Reply to the third.,c3\n")
    out = list(read_records(path))
    assert out[0] == {"id": "", "text": "First comment.", "parent_id": ""}
    out.append({"id": " ", "text": "Fifth.", "parent_id": " "})  # blank, as JSONL may have
    (batch, parents), = resolve_parents(iter(out), batch_size=10)
    assert parents == [None, None, None, "Third.", None]
