"""Retraining as a moderation team does it (review 7): a failed run changes nothing, the
label threshold sits inside the gap of a separable dev set, dropped kind heads are warned
about, and the card's row counts say what was trained."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest
from typer.testing import CliRunner

from stance.cli import app
from stance.resources import training_dir

runner = CliRunner()


def _team_config(tmp_path, corpus: str):
    cfg = tmp_path / "mod.toml"
    cfg.write_text(f'name = "moderation"\ntasks = ["incivility"]\n[incivility]\n'
                   f'config = "{training_dir() / "incivility.toml"}"\ncorpora = ["{corpus}"]\n')
    return cfg


def test_a_failed_train_leaves_the_output_dir_as_it_was(tmp_path, private_hf_cache):
    raw = tmp_path / "raw"  # the team's own column names: no `text`, no `uncivil`
    raw.mkdir()
    (raw / "train.csv").write_text("comment_body,is_abusive\n" + "".join(
        f"comment number {i},{'yes' if i % 3 else 'no'}\n" for i in range(60)))
    cfg = _team_config(tmp_path, f"hf:{raw}")
    out = tmp_path / "runs" / "raw"
    res = runner.invoke(app, ["train", "--config", str(cfg), "--task", "incivility",
                              "--output-dir", str(out), "-q"])
    assert res.exit_code == 2, res.output
    assert "lacks columns" in res.output
    # the error lists the file's columns and points to the README section on mapping them
    assert "comment_body" in res.output and "mapping your columns" in res.output
    # before: the shipped set was copied into runs/raw and `stance score -m runs/raw` worked
    assert not out.exists()
    assert list(out.parent.iterdir()) == []  # no staging directory left behind either
    previous = tmp_path / "runs" / "prev"
    previous.mkdir()
    (previous / "notes.txt").write_text("kept")
    res = runner.invoke(app, ["train", "--config", str(cfg), "--task", "incivility",
                              "--output-dir", str(previous), "-q"])
    assert res.exit_code == 2
    assert sorted(p.name for p in previous.iterdir()) == ["notes.txt"]
    assert sorted(p.name for p in previous.parent.iterdir()) == ["prev"]


def test_threshold_sits_inside_the_gap_when_dev_separates_perfectly():
    from stance.incivility import best_f1_threshold

    y = np.array([0, 0, 0, 0, 1, 1, 1])
    p = np.array([0.0005, 0.001, 0.0018, 0.0012, 0.990, 0.998, 0.9991])
    thr = best_f1_threshold(y, p)
    assert 0.0018 < thr < 0.990  # before: 0.990, the lowest positive score itself
    logit = np.log(np.array([0.0018, 0.990]) / (1 - np.array([0.0018, 0.990])))
    assert np.isclose(thr, 1 / (1 + np.exp(-logit.mean())))  # the gap's middle, in logit space
    assert ((p >= thr) == (y == 1)).all()


def test_threshold_keeps_the_maximal_f1_on_overlapping_scores():
    from sklearn.metrics import f1_score

    from stance.incivility import best_f1_threshold

    rng = np.random.default_rng(0)
    for _ in range(20):
        y = rng.integers(0, 2, 40)
        p = np.clip(0.35 * y + rng.uniform(0, 0.65, 40), 0, 1)
        thr = best_f1_threshold(y, p)
        best = max(f1_score(y, (p >= t).astype(int)) for t in np.unique(p))
        assert np.isclose(f1_score(y, (p >= thr).astype(int)), best)


def test_a_dropped_kind_head_is_warned_about(caplog):
    import pandas as pd

    from stance.train import _warn_dropped_heads

    train = pd.DataFrame({"text": [f"t{i}" for i in range(100)],
                          "insult": [1.0] * 28 + [0.0] * 72,
                          "threat": [np.nan] * 100})
    info = {"dropped_heads": ["insult", "threat"], "config": {"min_head_positives": 30}}
    with caplog.at_level(logging.WARNING, logger="stance"):
        _warn_dropped_heads("incivility", info, train)
    text = caplog.text
    assert "'insult' dropped: 28 positive" in text and "min_head_positives = 30" in text
    assert "threat" not in text  # no row labels it: nothing was lost


def test_card_rows_say_what_was_trained_after_deduplication():
    from stance.train import _note_rows_trained, render_card

    info = {"train_rows": {"total": 202, "per_corpus": {"team_moderation": 202}},
            "sources": {"train": [{"name": "team_moderation", "rows": 346, "licence": "own"}],
                        "dev": [{"name": "team_moderation", "rows": 54, "licence": "own"}]}}
    _note_rows_trained(info)
    assert info["sources"]["train"][0]["rows_trained"] == 202
    card = render_card({"tasks": {"reply": {"sources": info["sources"]}}})
    assert "| team_moderation | 202 trained (346 read) | 54 |" in card
    json.dumps(info)  # the card stays JSON


def test_output_dir_is_replaced_file_by_file_from_inside(tmp_path, monkeypatch):
    """The staging directory lives inside --output-dir (which may be a mount point, ".", or
    in a directory the user cannot write); on success its files replace their namesakes."""
    import stance.train as tr
    from stance.options import TrainOptions

    def fake_train_into(work, out, *args):
        assert work.parent == out.resolve() or work.parent == out
        assert (work / "keep.txt").read_text() == "kept"  # the set's files are copied in
        (work / "incivility.joblib").write_text("new")
        return {"tasks": {}}

    monkeypatch.setattr(tr, "_train_into", fake_train_into)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep.txt").write_text("kept")
    (tmp_path / "incivility.joblib").write_text("old")
    opts = TrainOptions(tasks=("incivility",), output_dir=".", data_dir=tmp_path)
    tr.train(opts)  # "." crashed before (a staging name from an empty directory name)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["incivility.joblib", "keep.txt"]
    assert (tmp_path / "incivility.joblib").read_text() == "new"

    def failing(work, out, *args):
        (work / "incivility.joblib").write_text("half")
        raise RuntimeError("fit failed")

    monkeypatch.setattr(tr, "_train_into", failing)
    with pytest.raises(RuntimeError):
        tr.train(opts)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["incivility.joblib", "keep.txt"]
    assert (tmp_path / "incivility.joblib").read_text() == "new"
