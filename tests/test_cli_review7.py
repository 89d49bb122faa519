"""`stance score` in batch jobs (review 7): interruption, progress in logs, error records
that join back, empty CSV cells."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from stance.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


def test_sigterm_removes_the_partial_file_and_says_so(tmp_path):
    out = tmp_path / "scored.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "stance.cli", "score", "-", "-o", str(out)],
                            stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    proc.stdin.write(b'{"text": "first comment"}\n')  # stdin stays open: the run waits
    proc.stdin.flush()
    deadline = time.time() + 120
    while not list(tmp_path.glob(".scored.jsonl.*.part")) and time.time() < deadline:
        time.sleep(0.2)
    assert list(tmp_path.glob(".scored.jsonl.*.part")), "the run never opened its output"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert "terminated after 0 records; " in err.decode() and "not written" in err.decode()
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no hidden .part, no output


def test_ctrl_c_says_how_many_records_were_written_and_that_out_was_not(tmp_path, monkeypatch):
    from stance.scorer import Scorer

    def score_jsonl(self, records):
        for i, _ in enumerate(records):
            if i == 3:
                raise KeyboardInterrupt
            yield json.dumps({"n": i})

    monkeypatch.setattr(Scorer, "score_jsonl", score_jsonl)
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"text": f"c{i}"}) + "\n" for i in range(10)))
    out = tmp_path / "out.jsonl"
    res = runner.invoke(app, ["score", str(src), "-o", str(out), "-j", "1"])
    assert res.exit_code == 130
    assert f"interrupted after 3 records; {out} not written" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]
    if hasattr(os, "mkfifo"):  # a pipe is written to directly: its records were delivered
        import threading

        fifo = tmp_path / "pipe"
        os.mkfifo(fifo)
        got: list[str] = []
        reader = threading.Thread(target=lambda: got.extend(fifo.open().read().splitlines()))
        reader.start()
        res = runner.invoke(app, ["score", str(src), "-o", str(fifo), "-j", "1"])
        reader.join(10)
        assert res.exit_code == 130 and len(got) == 3
        assert f"interrupted after 3 records; the records before it went to {fifo}" in res.stderr


def test_csv_input_has_no_line_total_and_keeps_empty_cells_and_error_ids(tmp_path,
                                                                         monkeypatch):
    from stance.progress import Progress

    totals = []
    track = Progress.track

    def spy(self, items, description, total=None, **kw):
        totals.append(total)
        return track(self, items, description, total=total, **kw)

    monkeypatch.setattr(Progress, "track", spy)
    src = tmp_path / "export.csv"
    src.write_bytes(b'id,text,parent_id\nc1,"a comment\nover two lines",\n'
                    b'c2,bad \xff byte,c1\nc3,a reply,c1\n')
    res = runner.invoke(app, ["score", str(src), "-j", "1"])
    assert res.exit_code == 1  # one bad row
    out = [json.loads(line) for line in res.stdout.splitlines()]
    assert totals == [None]  # before: 5 physical lines for 3 rows
    assert out[0]["parent_id"] == "" and out[2]["parent_id"] == "c1"
    assert {k: out[1][k] for k in ("id", "row", "line", "source")} == {
        "id": "c2", "row": 2, "line": 4, "source": str(src)}
    assert "incivility" not in out[1]
