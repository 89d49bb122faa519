from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from stance.cli import app

runner = CliRunner()

ROWS = [
    {"text": "Ukraine deserves every weapon we can send.", "target": "Ukraine", "stance": "favor"},
    {"text": "Stop funding Zelensky's corrupt regime.", "target": "Ukraine", "stance": "against"},
    {"text": "The summit starts on Tuesday in Vilnius.", "target": "Ukraine", "stance": "none"},
    {"text": "You are a moron and a liar.", "uncivil": 1},
    {"text": "Thank you for the thoughtful article.", "uncivil": 0},
    {"text": "Go back to your troll farm, idiot.", "uncivil": 1},
    {"text": "I disagree, but it is a fair point.", "uncivil": 0},
    {"text": "Is there a source for this?", "parent_text": "Kyiv fell yesterday.",
     "reply_stance": "query"},
    {"text": "That is false, Kyiv is fine.", "parent_text": "Kyiv fell yesterday.",
     "reply_stance": "deny"},
]


def test_evaluate_writes_contract_json(tmp_path):
    data = tmp_path / "gold.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n")
    out = tmp_path / "m.json"
    res = runner.invoke(app, ["evaluate", str(data), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    m = json.loads(out.read_text())
    assert set(m) == {"stance", "incivility", "reply_stance"}
    assert set(m["stance"]) == {"f_avg", "macro_f1", "n"} and m["stance"]["n"] == 3
    assert set(m["incivility"]) == {"auc", "ap", "f1", "n"} and m["incivility"]["n"] == 4
    assert set(m["reply_stance"]) == {"macro_f1", "n"} and m["reply_stance"]["n"] == 2
    assert m["incivility"]["auc"] >= 0.75  # these four are not hard
    assert "stance evaluate" in res.stdout  # the printed table


def test_evaluate_reports_bad_lines(tmp_path):
    data = tmp_path / "gold.jsonl"
    bad_label = {"text": "x", "target": "NATO", "stance": "pro"}
    bad_uncivil = {"text": "y", "uncivil": "yes"}
    data.write_text("\n".join([json.dumps(ROWS[3]), "{oops", json.dumps(bad_label),
                               json.dumps(bad_uncivil), json.dumps(ROWS[4])]) + "\n")
    res = runner.invoke(app, ["evaluate", str(data), "-q", "-o", str(tmp_path / "m.json")])
    assert res.exit_code == 1  # bad lines are reported, the good ones still evaluated
    assert "gold.jsonl:2" in res.output and "gold.jsonl:3" in res.output
    assert "gold.jsonl:4" in res.output
    assert json.loads((tmp_path / "m.json").read_text())["incivility"]["n"] == 2


def test_evaluate_a_page_is_one_clear_error(tmp_path):
    page = Path(__file__).resolve().parents[1] / "data" / "samples" / "pages" / \
        "nato_summit_article.html"
    res = runner.invoke(app, ["evaluate", str(page), "-q"])
    assert res.exit_code == 2, res.output
    assert "starts with markup" in res.output and "not valid JSON" not in res.output
    dump = tmp_path / "dump.jsonl"
    dump.write_text("Comments (2)\nalice: hello\nbob: hi\n")
    res = runner.invoke(app, ["evaluate", str(dump), "-q"])
    assert res.exit_code == 2 and "not JSONL" in res.output


def test_corpora_lists_registry_with_licences(tmp_path):
    res = runner.invoke(app, ["corpora", "--data-dir", str(tmp_path)])
    assert res.exit_code == 0
    ucc = next(line for line in res.stdout.splitlines() if line.startswith("ucc_unhealthy"))
    assert "MISSING" in ucc and "NC" in ucc and "CC BY-NC-SA" in ucc


def test_evaluate_reads_a_local_hf_dataset_and_keys_json_by_source(tmp_path, private_hf_cache):
    ds = tmp_path / "my_labels"
    ds.mkdir()
    inc = [r for r in ROWS if "uncivil" in r] * 10  # enough rows that the carved dev is not empty
    (ds / "train.jsonl").write_text("\n".join(json.dumps(r) for r in inc) + "\n")
    (ds / "validation.jsonl").write_text("\n".join(json.dumps(r) for r in inc[:4]) + "\n")
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n")
    out = tmp_path / "m.json"
    res = runner.invoke(app, ["evaluate", f"hf:{ds}", str(gold), "--by", "domain", "-q",
                              "-o", str(out)])
    assert res.exit_code == 0, res.output
    m = json.loads(out.read_text())
    assert set(m) == {f"hf:{ds}", str(gold)}
    assert m[f"hf:{ds}"]["incivility"]["n"] == 4  # its validation split
    assert "by" in m[str(gold)] and "stance" in m[str(gold)]


def test_evaluate_bad_corpus_spec_is_a_clear_error():
    res = runner.invoke(app, ["evaluate", "corpus:vast:nosuchsplit", "-q"])
    assert res.exit_code == 2
    assert "corpus:vast:nosuchsplit" in res.output and "SPLIT" in res.output


def test_library_evaluate_rejects_bad_labels_naming_the_row():
    import pytest

    from stance.errors import DataError
    from stance.evaluate import evaluate

    with pytest.raises(DataError, match="row 2: 'uncivil' must be 0 or 1"):
        evaluate([{"text": "a", "uncivil": 1}, {"text": "b", "uncivil": "yes"}])


def test_evaluate_without_any_usable_label_says_so(tmp_path):
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"text": "no labels here"}\n{"text": "nor here", "stance": "favor"}\n')
    res = runner.invoke(app, ["evaluate", str(rows)])
    assert res.exit_code == 1 and "no row carries a usable label" in res.output
    res = runner.invoke(app, ["evaluate", str(rows), "--by", "outlet"])
    assert "no row has the field 'outlet'" in res.output
    res = runner.invoke(app, ["evaluate", str(rows), "-o", str(tmp_path)])
    assert res.exit_code == 2 and "is a directory" in res.output
