from __future__ import annotations

from stance.progress import Progress


def test_track_yields_every_item_and_the_bar_ends_complete():
    with Progress(enabled=True, plain=False) as bar:
        out = list(bar.track(iter(range(5000)), "rows", total=5000))
        words = list(bar.track(["a b", "c", "d e f"], "words", weight=lambda s: len(s.split())))
        done = [task.completed for task in bar._progress.tasks]
    assert out == list(range(5000)) and words == ["a b", "c", "d e f"]
    assert done == [5000, 6]


def test_disabled_progress_passes_items_through():
    with Progress(enabled=False) as bar:
        assert list(bar.track(iter("abc"), "x")) == ["a", "b", "c"]


def test_unthreaded_bar_starts_no_thread_and_still_completes():
    import threading

    before = threading.active_count()
    with Progress(enabled=True, threaded=False, plain=False) as bar:
        assert threading.active_count() == before  # nothing a fork could inherit mid-lock
        list(bar.track(iter(range(300)), "rows", total=300))
        assert bar._progress.tasks[0].completed == 300
