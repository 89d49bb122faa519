"""`--field NAME=COLUMN` (score, evaluate) and ``read_records(fields=...)``: an export's own
column names read under the schema's names, nothing overwritten."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from stance.cli import app
from stance.errors import InputError
from stance.io import is_error, parse_lines, read_records

runner = CliRunner()
TEAM = {"text": "comment_body", "id": "comment_id", "parent_id": "reply_to"}


def test_csv_columns_are_read_under_schema_names_in_their_order(tmp_path):
    path = tmp_path / "team.csv"
    path.write_text("comment_id,comment_body,reply_to,desk\nk1,First.,,world\nk2,Second.,k1,\n")
    assert list(read_records(path, TEAM)) == [
        {"id": "k1", "text": "First.", "parent_id": "", "desk": "world"},
        {"id": "k2", "text": "Second.", "parent_id": "k1", "desk": ""}]
    repeated = tmp_path / "repeated.csv"  # a repeated column name reads as without --field
    repeated.write_text("comment_body,note,note\nHello.,a,b\n")
    assert list(read_records(repeated, TEAM)) == [{"text": "Hello.", "note": "b"}]
    with pytest.raises(InputError, match=r"--field text=COLUMN"):
        list(read_records(path))  # without the mapping: the error says how
    both = tmp_path / "both.csv"
    both.write_text("text,comment_body\na,b\n")
    with pytest.raises(InputError, match="has both 'text' and 'comment_body'"):
        list(read_records(both, TEAM))
    with pytest.raises(InputError, match="mapped to more than one name"):
        list(read_records(path, {"text": "comment_body", "title": "comment_body"}))


def test_jsonl_fields_renamed_in_place_and_a_clash_is_an_error_record():
    lines = ['{"comment_id": "k1", "comment_body": "Hi.", "x": 1}',
             '{"text": "mine", "comment_body": "theirs", "comment_id": "k2"}',
             '{"text": "already in the schema"}']
    got = list(parse_lines(lines, "c.jsonl", TEAM))
    assert got[0] == {"id": "k1", "text": "Hi.", "x": 1} and list(got[0]) == ["id", "text", "x"]
    assert is_error(got[1]) and "has both 'text' and 'comment_body'" in got[1]["error"]
    assert got[1]["id"] == "k2"  # the error record keeps the id (read under its own name)
    assert got[2] == {"text": "already in the schema"}


def test_score_and_evaluate_read_an_export_with_its_own_names(tmp_path):
    path = tmp_path / "team.csv"
    path.write_text("comment_id,comment_body,reply_to,is_abusive\n"
                    "k1,The council should keep the bridge tolls as they are.,,0\n"
                    "k2,You are a complete idiot and a liar.,k1,1\n"
                    "k3,Thanks for the clear explanation of the budget.,,0\n")
    args = ["-f", "text=comment_body", "-f", "id=comment_id", "-f", "parent_id=reply_to"]
    res = runner.invoke(app, ["score", str(path), *args, "-j", "1", "-q"])
    assert res.exit_code == 0, res.output
    out = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["id"] for r in out] == ["k1", "k2", "k3"] and "comment_body" not in out[0]
    assert "reply_stance" in out[1] and "reply_stance" not in out[0]  # reply_to linked
    assert out[1]["incivility"]["score"] > out[2]["incivility"]["score"]
    res = runner.invoke(app, ["evaluate", str(path), *args, "-f", "uncivil=is_abusive", "-q"])
    assert res.exit_code == 0, res.output
    assert "incivility" in res.stdout
    res = runner.invoke(app, ["score", str(path), "-f", "text:comment_body", "-q"])
    assert res.exit_code == 2 and "expected NAME=COLUMN" in res.output
