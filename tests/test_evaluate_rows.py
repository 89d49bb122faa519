"""`stance evaluate` on awkward labelled rows: one class only, out-of-range or fractional
incivility labels, rows without text, replies that name their parent by id."""

from __future__ import annotations

import json
import logging
import math

import pytest
from typer.testing import CliRunner

from stance.cli import app
from stance.errors import DataError
from stance.evaluate import contract_view, evaluate, load_rows, resolve_parents

runner = CliRunner()


def _strict(text: str):
    def no_constant(name):
        raise ValueError(f"{name} is not strict JSON")

    return json.loads(text, parse_constant=no_constant)


def test_one_class_incivility_is_reported_not_a_crash(tmp_path, caplog):
    out = tmp_path / "m.json"
    res = runner.invoke(app, ["evaluate", "-", "-o", str(out)],
                        input='{"text": "You idiot.", "uncivil": 1}\n')
    assert res.exit_code == 0, res.output
    assert "incivility" in res.stdout  # the table
    m = _strict(out.read_text())
    assert m["incivility"]["n"] == 1 and m["incivility"]["auc"] is None
    assert m["incivility"]["f1"] == pytest.approx(1.0)


def test_one_class_details_say_why_auc_and_bias_are_missing(scorer, caplog):
    rows = [{"text": "You idiot.", "uncivil": 1}, {"text": "Moron.", "uncivil": 0.9}]
    with caplog.at_level(logging.WARNING, logger="stance"):
        res = evaluate(rows, scorer=scorer)
    assert math.isnan(res["incivility"]["auc"]) and math.isnan(res["incivility"]["ap"])
    bias = res["by"]["incivility"]["bias"]
    assert math.isnan(bias["final_metric"]) and "both classes" in bias["note"]
    assert "uncivil (1)" in caplog.text and "undefined" in caplog.text
    assert contract_view(res)["incivility"]["auc"] is None


def test_out_of_range_uncivil_is_a_located_error_and_fractions_are_binarised(tmp_path, scorer,
                                                                             caplog):
    data = tmp_path / "gold.jsonl"
    rows = [{"text": "You idiot.", "uncivil": 1}, {"text": "Nice piece.", "uncivil": 0},
            {"text": "Nice piece.", "uncivil": 0.2}, {"text": "Nice piece.", "uncivil": 7},
            {"text": "Nice piece.", "uncivil": -1}, {"text": "Nice piece.", "uncivil": "2"},
            {"text": "Rude.", "uncivil": 1, "insult": 3}, {"text": "Ok.", "uncivil": "FALSE"}]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    good, errors = load_rows(str(data))
    assert [e["line"] for e in errors] == [4, 5, 6, 7]
    assert all(str(data) in e["error"] and "must be 0 or 1" in e["error"] for e in errors)
    assert "not 7" in errors[0]["error"] and "'insult'" in errors[3]["error"]
    with caplog.at_level(logging.INFO, logger="stance"):
        res = evaluate(good, scorer=scorer)
    full = res["by"]["incivility"]["all"]
    assert full["n"] == 4 and full["positives"] == 1  # 0.2 and FALSE count as civil
    assert full["fractional_labels"] == 1 and full["binarised_at"] == 0.5
    assert "binarised at 0.5" in caplog.text
    with pytest.raises(DataError, match="row 2: 'uncivil' must be 0 or 1 .* not 7"):
        evaluate([rows[0], rows[3]], scorer=scorer)


def test_rows_without_text_are_errors_not_key_errors(tmp_path, scorer):
    with pytest.raises(DataError, match="row 2: missing string field 'text'"):
        evaluate([{"text": "fine", "uncivil": 0}, {"uncivil": 1}], scorer=scorer)
    csv = tmp_path / "short.csv"
    csv.write_text("uncivil,text\n1\n0,fine\n1,you idiot\n")
    good, errors = load_rows(str(csv))
    assert len(good) == 2 and len(errors) == 1
    assert errors[0]["error"].startswith(f"{csv}:2:")


def test_csv_label_errors_name_the_file_line_past_multi_line_cells(tmp_path):
    csv = tmp_path / "gold.csv"
    csv.write_text('uncivil,text\n1,"multi\nline"\n0,fine\nyes,you idiot\n7,"a\nb\nc"\n')
    good, errors = load_rows(str(csv))
    assert len(good) == 2
    assert [e["error"].split(": ")[0] for e in errors] == [f"{csv}:5", f"{csv}:8"]


REPLIES = [
    {"id": "1", "text": "Kyiv fell yesterday."},
    {"id": "2", "parent_id": "1", "text": "Is there a source for this?", "reply_stance": "query"},
    {"id": 3, "parent_id": 1, "text": "That is false, Kyiv is fine.", "reply_stance": "deny"},
    {"id": "4", "parent_id": "9", "text": "Agreed.", "reply_stance": "support"},
    {"id": "9", "text": "A later comment: not a parent of row 4."},
]


def test_resolve_parents_uses_earlier_rows_of_the_same_file():
    rows, missing = resolve_parents(REPLIES)
    assert [r.get("parent_text") for r in rows[1:4]] == ["Kyiv fell yesterday."] * 2 + [None]
    assert missing == 1 and "parent_text" not in REPLIES[1]  # the input is not changed
    own = {**REPLIES[1], "parent_text": "its own parent"}
    assert resolve_parents([REPLIES[0], own])[0][1]["parent_text"] == "its own parent"


def test_evaluate_scores_replies_that_name_their_parent_by_id(tmp_path, caplog):
    data = tmp_path / "thread.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in REPLIES))
    out = tmp_path / "m.json"
    res = runner.invoke(app, ["evaluate", str(data), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert _strict(out.read_text())["reply_stance"]["n"] == 2
    assert "1 reply_stance row(s) have a parent_id that no earlier row" in res.output
