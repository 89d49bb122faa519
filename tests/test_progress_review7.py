from __future__ import annotations

import logging

from stance.progress import Progress


def test_plain_progress_logs_lines_with_count_rate_and_total(caplog):
    with caplog.at_level(logging.INFO, logger="stance"), \
            Progress(enabled=True, plain=True, interval=0.0) as bar:
        assert bar._progress is None  # no rich bar: it draws nothing into a log file
        out = list(bar.track(iter(range(5)), "scoring", total=10, unit="comments"))
    assert out == list(range(5))
    lines = [r.getMessage() for r in caplog.records]
    assert lines and lines[0].startswith("scoring: 1 comments of 10 (10 %)")
    assert "comments/s" in lines[0] and "ETA" in lines[0]
    assert lines[-1].startswith("scoring: 5 comments of 10 (50 %)")


def test_plain_progress_without_total_and_quiet_between_intervals(caplog):
    with caplog.at_level(logging.INFO, logger="stance"):
        with Progress(enabled=True, plain=True, interval=3600.0) as bar:
            assert list(bar.track(iter("abc"), "scoring")) == ["a", "b", "c"]
        with Progress(enabled=True, plain=True, interval=0.0) as bar:
            list(bar.track(iter("ab"), "scoring", unit="comments"))
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0].startswith("scoring: 1 comments in") and " of " not in lines[0]
    assert len(lines) == 3  # the hour-long interval logged nothing
