"""The `stance score` contract, through typer's CliRunner, with the shipped model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stance.cli import app

runner = CliRunner()


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def parse(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_score_sample_keeps_order_and_fields(sample_comments):
    res = run("score", str(sample_comments), "--quiet")
    assert res.exit_code == 0, res.output
    inp = parse(sample_comments.read_text())
    out = parse(res.stdout)
    assert [o["id"] for o in out] == [i["id"] for i in inp]
    for i, o in zip(inp, out):
        assert o["outlet"] == i["outlet"]  # unknown fields pass through
        inc = o["incivility"]
        assert 0.0 <= inc["score"] <= 1.0 and isinstance(inc["label"], bool)
        assert {"insult", "threat"} <= set(inc["kinds"])
        targets = i.get("target") or i["title"]
        targets = [targets] if isinstance(targets, str) else targets
        assert [s["target"] for s in o["stance"]] == targets
        for s in o["stance"]:
            assert set(s["scores"]) == {"favor", "against", "none"}
            assert s["label"] == max(s["scores"], key=s["scores"].get)
            assert sum(s["scores"].values()) == pytest.approx(1.0, abs=1e-3)


def test_reply_stance_from_parent_id_in_file(sample_comments):
    out = parse(run("score", str(sample_comments), "-q").stdout)
    by_id = {o["id"]: o for o in out}
    assert "reply_stance" in by_id["c2"] and "reply_stance" in by_id["c3"]
    assert "reply_stance" not in by_id["c1"]
    assert by_id["c3"]["reply_stance"]["label"] in {"support", "deny", "query", "comment"}


def test_malformed_line_in_the_middle_comes_back_in_place(tmp_path):
    lines = [
        json.dumps({"text": "NATO should stay out of this.", "target": "NATO"}),
        '{"text": "broken line", ',
        json.dumps({"no_text": True}),
        json.dumps({"text": "Putin is a war criminal.", "target": ["Russia"]}),
    ]
    f = tmp_path / "mixed.jsonl"
    f.write_text("\n".join(lines) + "\n")
    res = run("score", str(f), "-q")
    assert res.exit_code == 1  # some lines were bad
    out = parse(res.stdout)
    assert len(out) == 4
    assert set(out[1]) == {"error", "line", "source"} and out[1]["line"] == 2
    assert str(f) in out[1]["error"] and out[1]["source"] == str(f)
    assert set(out[2]) == {"error", "line", "source"} and out[2]["line"] == 3
    assert out[3]["stance"][0]["target"] == "Russia"


def test_no_target_no_title_gives_empty_stance_and_cli_target_fills_in():
    line = json.dumps({"text": "Nobody asked for this war."}) + "\n"
    out = parse(run("score", "-", "-q", input=line).stdout)
    assert out[0]["stance"] == []
    out = parse(run("score", "-", "-q", "-t", "Russia", "-t", "NATO", input=line).stdout)
    assert [s["target"] for s in out[0]["stance"]] == ["Russia", "NATO"]


def test_output_file_and_missing_input(tmp_path, sample_comments):
    dest = tmp_path / "out" / "scored.jsonl"
    res = run("score", str(sample_comments), "-q", "-o", str(dest))
    assert res.exit_code == 0 and len(parse(dest.read_text())) == 12
    res = run("score", str(tmp_path / "nope.jsonl"), "-q")
    assert res.exit_code == 2 and "nope.jsonl" in res.output and "no such file" in res.output


def test_wrong_model_dir_is_a_clear_error(tmp_path, sample_comments):
    res = run("score", str(sample_comments), "-q", "--model", str(tmp_path))
    assert res.exit_code == 2 and "model_card.json" in res.output


def test_every_command_help_shows_an_example():
    for cmd in ("split", "score", "train", "evaluate"):
        res = run(cmd, "--help")
        assert res.exit_code == 0 and "Examples" in res.stdout and f"stance {cmd}" in res.stdout


def test_progress_bar_and_logs_do_not_touch_stdout(sample_comments):
    res = run("score", str(sample_comments))  # progress enabled (no --quiet)
    assert res.exit_code == 0, res.output
    assert len(parse(res.stdout)) == 12


def test_worker_processes_give_the_same_output_in_order(sample_comments):
    # batch size 3 makes several batches, so both --jobs 2 and the automatic default use workers;
    # a malformed line and parent_id links across batch boundaries must survive the hand-off
    lines = sample_comments.read_text().splitlines()
    text = "\n".join(lines[:4] + ["{not json"] + lines[4:]) + "\n"
    alone = run("score", "-", "-q", "--jobs", "1", "--batch-size", "3", input=text)
    assert alone.exit_code == 1
    for jobs in ("2", "0"):
        res = run("score", "-", "-q", "--jobs", jobs, "--batch-size", "3", input=text)
        assert res.exit_code == 1
        assert res.stdout == alone.stdout
    out = parse(alone.stdout)
    assert len(out) == len(lines) + 1 and out[4]["line"] == 5
    assert sum("reply_stance" in o for o in out) >= 2


@pytest.mark.parametrize("fork", [True, False])
def test_forked_and_self_loading_workers_match_one_process(sample_comments, monkeypatch, fork):
    import stance.scorer as sc
    from stance.io import read_records
    from stance.options import ScoreOptions

    if fork and not sc._can_fork():
        pytest.skip("this OS cannot fork")
    monkeypatch.setattr(sc, "_can_fork", lambda: fork)
    records = list(read_records(sample_comments))
    serial = list(sc.Scorer(options=ScoreOptions(batch_size=2, jobs=1)).score(records))
    parallel = sc.Scorer(options=ScoreOptions(batch_size=2, jobs=2))
    assert list(parallel.score(records)) == serial and len(serial) == len(records)
    assert [json.loads(line) for line in parallel.score_jsonl(records)] == serial
    assert sc._FORKED_SCORER is None  # only workers hold one


def test_chained_forked_scorers_each_use_their_own_models_and_options(sample_comments):
    # B's workers are forked while A's pool waits for its first batch: each pool must still
    # score with its own scorer (here: its own precision)
    from stance.io import read_records
    from stance.options import ScoreOptions
    from stance.scorer import Scorer, _can_fork

    if not _can_fork():
        pytest.skip("this OS cannot fork")
    records = list(read_records(sample_comments))
    a = Scorer(options=ScoreOptions(batch_size=2, jobs=2, precision=2))
    b = Scorer(options=ScoreOptions(batch_size=2, jobs=2, precision=6))
    chained = list(a.score(b.score(records)))
    alone = list(Scorer(options=ScoreOptions(batch_size=2, jobs=1, precision=2)).score(records))
    b_alone = list(Scorer(options=ScoreOptions(batch_size=2, jobs=1, precision=6)).score(records))
    for c, a1, b1 in zip(chained, alone, b_alone, strict=True):
        # A's scores (2 decimals) in every record; B's (6), its input, kept as input_<field>
        assert {k: v for k, v in c.items() if not k.startswith("input_")} == a1
        assert {k: c["input_" + k] for k in ("stance", "incivility", "reply_stance")
                if k in b1} == {k: b1[k] for k in ("stance", "incivility", "reply_stance")
                                if k in b1}


def test_forked_workers_end_with_their_parent(sample_comments, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    from stance.scorer import _can_fork

    if not _can_fork() or not sys.platform.startswith("linux"):
        pytest.skip("parent-death signal is Linux only")
    big = tmp_path / "big.jsonl"
    big.write_text(sample_comments.read_text() * 400)
    proc = subprocess.Popen([sys.executable, "-m", "stance.cli", "score", str(big), "-q",
                             "-j", "2", "--batch-size", "16", "-o", str(tmp_path / "o.jsonl")])
    kids: list[int] = []
    for _ in range(600):  # wait for the two workers
        time.sleep(0.05)
        out = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True)
        kids = [int(x) for x in out.stdout.split()]
        if len(kids) >= 2 or proc.poll() is not None:
            break
    if proc.poll() is not None:
        pytest.skip("scoring finished before the workers could be seen")
    def running(pid: int) -> bool:  # exists and is not a zombie
        try:
            return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
        except OSError:
            return False

    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 10
    while time.time() < deadline and any(map(running, kids)):
        time.sleep(0.1)
    alive = [k for k in kids if running(k)]
    for k in alive:
        os.kill(k, signal.SIGKILL)
    assert kids and not alive


def test_a_dead_forked_worker_is_a_clear_error_not_a_hang(sample_comments, monkeypatch):
    import os

    import stance.scorer as sc
    from stance.errors import StanceError
    from stance.io import read_records
    from stance.options import ScoreOptions

    if not sc._can_fork():
        pytest.skip("this OS cannot fork")
    monkeypatch.setattr(sc, "_encoded", lambda *a: os._exit(9))  # the worker dies (OOM kill)
    scorer = sc.Scorer(options=ScoreOptions(batch_size=2, jobs=2))
    with pytest.raises(StanceError, match="worker process died"):
        list(scorer.score(read_records(sample_comments)))


def test_forked_workers_share_the_cores_between_their_thread_pools(sample_comments,
                                                                   monkeypatch):
    # two workers, each with every core's worth of BLAS threads, would oversubscribe the cores
    from threadpoolctl import threadpool_info

    import stance.scorer as sc
    from stance.io import read_records
    from stance.options import ScoreOptions

    if not sc._can_fork():
        pytest.skip("this OS cannot fork")
    # each worker answers with its thread pools instead of scored records
    monkeypatch.setattr(sc, "_encoded", lambda records, as_json: threadpool_info())
    scorer = sc.Scorer(options=ScoreOptions(batch_size=2, jobs=2))
    pools = list(scorer.score(read_records(sample_comments)))
    if not pools:
        pytest.skip("no BLAS / OpenMP thread pool loaded")
    want = max(1, sc.available_cores() // 2)
    assert {p["num_threads"] for p in pools} == {want}


def test_parent_id_matches_only_within_its_own_file(tmp_path):
    # two outlets' exports with overlapping ids: a reply whose parent is not in its own file
    # gets no reply stance from the other file's comment
    first, second = tmp_path / "outlet1.jsonl", tmp_path / "outlet2.jsonl"
    first.write_text(json.dumps({"id": "1", "text": "The ceasefire will hold."}) + "\n")
    second.write_text(
        json.dumps({"id": "7", "parent_id": "1", "text": "No it won't, nonsense."}) + "\n"
        + json.dumps({"id": "8", "parent_id": "7", "text": "Why do you think so?"}) + "\n")
    for jobs in ("1", "2"):
        res = run("score", str(first), str(second), "-q", "--batch-size", "1", "-j", jobs)
        assert res.exit_code == 0, res.output
        out = parse(res.stdout)
        assert [o["id"] for o in out] == ["1", "7", "8"]
        assert "reply_stance" not in out[1] and "reply_stance" in out[2]


def test_predict_returns_label_scores_and_refuses_a_target_list(scorer):
    one = scorer.predict("Only an idiot would trust NATO.", target="NATO")
    assert {"uncivil", "insult", "favor", "against", "none"} <= set(one)
    assert one["uncivil"] > 0.5 and abs(one["favor"] + one["against"] + one["none"] - 1) < 1e-6
    both = scorer.predict(["Only an idiot would trust NATO.", "Lovely weather."])
    assert len(both) == 2 and "favor" not in both[0] and both[0]["uncivil"] > both[1]["uncivil"]
    with pytest.raises(TypeError, match="one target string"):
        scorer.predict("NATO is fine.", target=["NATO", "EU"])


def test_library_score_turns_invalid_records_into_error_records(scorer):
    records = [{"text": "NATO is fine."}, "just a string", {"no_text": 1}, {"text": 5},
               {"text": "ok", "target": 3}, {"text": "Russia lies.", "target": "Russia"}]
    out = list(scorer.score(records))
    assert len(out) == len(records)
    assert [set(o) == {"error", "line"} for o in out] == [False, True, True, True, True, False]
    assert out[1]["error"].startswith("<records>:2:") and out[3]["line"] == 4
    assert out[5]["stance"][0]["target"] == "Russia"
    assert len(scorer.score_batch(records[:2])) == 2


def test_empty_and_blank_texts_are_scored_not_fatal():
    # a batch whose texts hold no word at all (and an empty reply) still gets scores
    lines = [json.dumps({"id": "1", "text": "Vaccines are great."}),
             json.dumps({"id": "2", "text": "", "parent_id": "1", "target": "vaccines"}),
             json.dumps({"id": "3", "text": "\u00a0\u3000", "target": "NATO"})]
    res = run("score", "-", "-q", "--batch-size", "1", input="\n".join(lines) + "\n")
    assert res.exit_code == 0, res.output
    out = parse(res.stdout)
    assert [o["id"] for o in out] == ["1", "2", "3"]
    assert "reply_stance" in out[1] and out[2]["stance"][0]["target"] == "NATO"


def test_parent_is_the_latest_earlier_record_whatever_the_batch_size():
    from stance.scorer import resolve_parents

    recs = [
        {"id": "c1", "text": "NATO should admit Ukraine."},
        {"id": "c2", "text": "Agreed.", "parent_id": "c1"},
        {"id": "c1", "text": "Is the new bridge open on weekends?"},  # next page, ids restart
        {"id": "c2", "text": "Yes.", "parent_id": "c1"},
        {"id": "c0", "text": "Too early.", "parent_id": "c9"},  # parent comes later: unknown
        {"id": "c9", "text": "Later comment."},
    ]
    for size in (1, 2, 3, 100):
        parents = [p for _, ps in resolve_parents(iter(recs), size) for p in ps]
        assert parents == [None, recs[0]["text"], None, recs[2]["text"], None, None], size


def test_workers_use_the_options_of_their_own_scorer():
    from stance.options import ScoreOptions
    from stance.scorer import _WORKER_SCORERS, _score_in_worker, default_model_dir

    model_dir = str(default_model_dir())
    rec = [{"text": "You are an idiot."}]
    low = _score_in_worker(model_dir, ScoreOptions(threshold=0.0), rec, [None])
    high = _score_in_worker(model_dir, ScoreOptions(threshold=1.0, kinds=False), rec, [None])
    assert low[0]["incivility"]["label"] is True and low[0]["incivility"]["kinds"]
    assert high[0]["incivility"]["label"] is False and high[0]["incivility"]["kinds"] == {}
    _WORKER_SCORERS.clear()


def test_blank_or_repeated_targets():
    from stance.scorer import record_targets

    assert record_targets({"text": "x", "target": ""}, ("NATO",)) == ["NATO"]
    assert record_targets({"text": "x", "target": []}, (), ) == []
    assert record_targets({"text": "x", "target": [" "], "title": "T"}) == ["T"]
    assert record_targets({"text": "x", "target": ["NATO", "NATO", "Russia"]}) == ["NATO", "Russia"]


def test_score_tunes_the_gc_while_scoring_and_restores_it(sample_comments):
    import gc

    from stance.cli import _frozen_after_first, _scoring_gc

    before = gc.get_threshold()
    with _scoring_gc():
        assert gc.get_threshold()[0] > before[0]  # young objects collected less often
        lines = _frozen_after_first(iter(["a", "b"]))
        assert gc.get_freeze_count() == 0
        assert next(lines) == "a" and gc.get_freeze_count() > 0  # after the first line
        assert list(lines) == ["b"]
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    res = run("score", str(sample_comments), "--quiet", "-j", "1")
    assert res.exit_code == 0, res.output
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    keep = [object() for _ in range(3)]  # a caller's own freeze (a server before forking)
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        res = run("score", str(sample_comments), "--quiet", "-j", "1")
        assert res.exit_code == 0, res.output
        assert 0 < gc.get_freeze_count() <= frozen  # neither unfrozen nor grown (some die)
    finally:
        gc.unfreeze()
    del keep
