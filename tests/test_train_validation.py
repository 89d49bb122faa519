"""`stance train` checks before any work: tasks a config lacks, when a data directory is
needed, and the licence notice of the card it writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stance.cli import app
from stance.resources import training_dir
from stance.train import (
    card_info,
    corpus_sources,
    licence_notice,
    refresh_licences,
    render_card,
)

runner = CliRunner()

REPLIES = [("Is there a source for this?", "query"), ("That is false, it never happened.", "deny"),
           ("Yes, confirmed by the BBC.", "support"), ("Interesting times.", "comment")]


def _config(tmp_path: Path, tasks: list[str], corpora: list[str] | None = None) -> Path:
    lines = ['name = "mine"', f"tasks = {json.dumps(tasks)}"]
    for task in tasks:
        lines += [f"[{task}]", f'config = "{training_dir() / (task + ".toml")}"']
        if corpora is not None:
            lines.append(f"corpora = {json.dumps(corpora)}")
    cfg = tmp_path / "my.toml"
    cfg.write_text("\n".join(lines) + "\n")
    return cfg


def test_a_task_the_config_lacks_is_an_error_and_writes_nothing(tmp_path):
    cfg = _config(tmp_path, ["stance", "incivility"])
    out = tmp_path / "runs" / "noop"
    res = runner.invoke(app, ["train", "--config", str(cfg), "--task", "reply",
                              "--output-dir", str(out), "--data-dir", str(tmp_path), "-q"])
    assert res.exit_code == 2, res.output
    assert "['stance', 'incivility']" in res.output and "'reply'" in res.output
    assert not out.exists()  # no directory, no rewritten model card
    existing = tmp_path / "set"
    existing.mkdir()
    (existing / "model_card.json").write_text('{"name": "kept"}')
    res = runner.invoke(app, ["train", "--config", str(cfg), "--task", "reply", "--task",
                              "stance", "--output-dir", str(existing), "-q"])
    assert res.exit_code == 2 and json.loads((existing / "model_card.json").read_text()) == {
        "name": "kept"}


def test_a_config_of_hf_datasets_only_needs_no_data_dir(tmp_path, monkeypatch, private_hf_cache):
    monkeypatch.delenv("STANCE_DATA_DIR", raising=False)
    ds = tmp_path / "replies"
    ds.mkdir()
    rows = [{"text": f"{text} #{i}", "parent_text": f"Claim number {i} about the war.",
             "reply_stance": label.upper() if i % 2 else label}  # any case, as evaluate reads
            for i in range(60) for text, label in REPLIES]
    (ds / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = _config(tmp_path, ["reply"], [f"hf:{ds}"])
    out = tmp_path / "model"
    res = runner.invoke(app, ["train", "--config", str(cfg), "--task", "reply",
                              "--output-dir", str(out), "-q"])
    assert res.exit_code == 0, res.output
    card = json.loads((out / "model_card.json").read_text())
    assert card["tasks"]["reply"]["sources"]["train"][0]["name"] == f"hf:{ds}"
    # dev metrics are printed for the task trained, not for the ones copied from the shipped set
    assert len(card["tasks"]) > 1
    printed = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    assert [p["task"] for p in printed] == ["reply"]
    # a registered corpus still needs the data directory, and says so
    res = runner.invoke(app, ["train", "--config", str(_config(tmp_path, ["reply"])),
                              "--task", "reply", "--output-dir", str(out), "-q"])
    assert res.exit_code == 2 and "no data directory" in res.output


def test_research_only_corpora_are_named_in_the_licence_notice(tmp_path):
    sources = corpus_sources({"corpus": ["vast", "vast", "reddit_incivility"]}, "stance")
    assert [(s["name"], s["research_only"]) for s in sources] == [
        ("reddit_incivility", False), ("vast", True)]
    notice = licence_notice({"tasks": {"stance": {"sources": {"train": sources}}}})
    assert "RESEARCH ONLY: trained on vast," in notice and "reddit_incivility" not in notice
    assert "do not redistribute" in notice
    card = {"tasks": {"stance": {"sources": {"train": sources}}}}
    assert "(research only)" in render_card(card)


def test_refresh_licences_updates_an_old_card_without_touching_models(tmp_path):
    old = {"name": "default", "files": {"reply.joblib": {"sha256": "ab" * 32, "bytes": 3}},
           "tasks": {"reply": {"sources": {"train": [
               {"name": "rumoureval2019", "rows": 10, "licence": "x", "noncommercial": False,
                "sharealike": False}]}}},
           "licence_notice": "old"}
    (tmp_path / "model_card.json").write_text(json.dumps(old))
    (tmp_path / "reply.joblib").write_bytes(b"abc")
    card = refresh_licences(tmp_path)
    assert card["tasks"]["reply"]["sources"]["train"][0]["research_only"] is True
    assert "RESEARCH ONLY: trained on rumoureval2019" in card["licence_notice"]
    on_disk = json.loads((tmp_path / "model_card.json").read_text())
    assert on_disk == card and on_disk["files"] == old["files"]
    assert "RESEARCH ONLY" in (tmp_path / "MODEL_CARD.md").read_text()
    assert (tmp_path / "reply.joblib").read_bytes() == b"abc"


@pytest.mark.parametrize("tasks", [["splitter"], ["incivility"]])
def test_registered_corpora_and_the_splitter_still_need_the_data_dir(tmp_path, monkeypatch,
                                                                     tasks):
    monkeypatch.delenv("STANCE_DATA_DIR", raising=False)
    res = runner.invoke(app, ["train", "--config", str(_config(tmp_path, tasks)),
                              "--task", tasks[0], "--output-dir", str(tmp_path / "m"), "-q"])
    assert res.exit_code == 2 and "no data directory" in res.output
    assert not (tmp_path / "m").exists()


def test_card_keeps_every_digit_of_config_and_thresholds():
    info = card_info({"config": {"alpha": 2e-5, "nested": {"tol": 1.23456789e-7}},
                      "threshold": 0.99973612, "kind_thresholds": {"insult": 0.123456789},
                      "dev": {"auc": 0.876543, "n": 12}})
    assert info["config"] == {"alpha": 2e-5, "nested": {"tol": 1.23456789e-7}}
    assert info["threshold"] == 0.99973612 and info["kind_thresholds"]["insult"] == 0.123456789
    assert info["dev"] == {"auc": 0.8765, "n": 12}  # metrics stay rounded
    assert "0.99973612" in render_card({"tasks": {"incivility": {"threshold": info["threshold"]}}})


def test_shipped_card_matches_its_pipelines():
    import joblib

    from stance.resources import default_model_dir

    d = default_model_dir()
    card = json.loads((d / "model_card.json").read_text())["tasks"]
    assert card["splitter"]["config"]["alpha"] == joblib.load(d / "splitter.joblib").get_params(
        )["clf__alpha"]
    assert card["incivility"]["threshold"] == joblib.load(d / "incivility.joblib")[-1].threshold_
    assert card["stance"]["config"]["alpha"] > 0  # 2e-5 in training/stance.toml
