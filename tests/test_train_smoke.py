"""`stance train` end to end on a small slice of the real corpora (skipped without them)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from stance.cli import app


def test_train_writes_a_usable_model_set(tmp_path, data_dir):
    out = tmp_path / "model"
    res = CliRunner().invoke(app, [
        "train", "--data-dir", str(data_dir), "--output-dir", str(out), "--limit", "150",
        "--task", "incivility", "--task", "stance", "--task", "reply",  # progress on
    ])
    assert res.exit_code == 0, res.output
    card = json.loads((out / "model_card.json").read_text())
    # the task not trained (splitter) is copied from the shipped set: the set is complete
    assert set(card["tasks"]) == {"incivility", "stance", "reply", "splitter"}
    assert (out / "splitter.joblib").exists() and "splitter.joblib" in card["files"]
    from stance.resources import default_model_dir

    shipped = json.loads((default_model_dir() / "model_card.json").read_text())
    assert card["tasks"]["splitter"] == shipped["tasks"]["splitter"]
    assert card["tasks"]["stance"] != shipped["tasks"]["stance"]  # retrained on 150 rows
    for name in ("incivility.joblib", "stance.joblib", "reply.joblib"):
        assert len(card["files"][name]["sha256"]) == 64
    assert "NON-COMMERCIAL" in card["licence_notice"]  # UCC is CC BY-NC-SA
    assert 0.0 < card["tasks"]["incivility"]["threshold"] < 1.0
    assert (out / "MODEL_CARD.md").read_text().startswith("# Model card")

    line = json.dumps({"text": "You people are idiots.", "target": "NATO"}) + "\n"
    res = CliRunner().invoke(app, ["score", "-", "--model", str(out), "-q"], input=line)
    assert res.exit_code == 0, res.output
    scored = json.loads(res.stdout)
    assert scored["stance"][0]["target"] == "NATO" and "score" in scored["incivility"]


def test_train_without_data_dir_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("STANCE_DATA_DIR", raising=False)
    res = CliRunner().invoke(app, ["train", "--output-dir", str(tmp_path / "m"), "-q"])
    assert res.exit_code == 2 and "data directory" in res.output
    res = CliRunner().invoke(app, ["train", "--data-dir", str(tmp_path / "nope"), "-q"])
    assert res.exit_code == 2 and "nope" in res.output
