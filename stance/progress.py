"""Progress bars and logging on stderr (stdout is reserved for results)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

log = logging.getLogger("stance")


def stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def setup_logging(verbose: int = 0, quiet: bool = False) -> None:
    """Logs on stderr: rich on a terminal, plain unwrapped lines (greppable) otherwise."""
    import sys

    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 0 else logging.INFO)
    if sys.stderr.isatty():
        from rich.logging import RichHandler

        handler: logging.Handler = RichHandler(console=stderr_console(), show_path=False,
                                               show_time=False)
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("stance: %(levelname)s: %(message)s"))
    root = logging.getLogger("stance")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


#: Seconds between two plain progress lines (stderr not a terminal).
LOG_INTERVAL = 30.0


class Progress:
    """A thin wrapper around rich's progress bar: rate and ETA, on stderr, or nothing.

    ``threaded=False`` draws only when ``track`` advances (no refresh thread): for work that
    forks worker processes, which must not inherit a thread holding the console's locks.
    ``plain`` (default: when stderr is not a terminal, as in a cron job's log) logs one plain
    line every ``interval`` seconds instead of drawing a bar: items done, rate, and the total
    when known."""

    def __init__(self, enabled: bool = True, threaded: bool = True, plain: bool | None = None,
                 interval: float = LOG_INTERVAL):
        self.enabled = enabled
        self.threaded = threaded
        self.plain = plain
        self.interval = interval
        self._progress = None

    def __enter__(self) -> Progress:
        if self.enabled and self.plain is None:
            import sys

            self.plain = not sys.stderr.isatty()
        if self.enabled and not self.plain:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self._progress = RichProgress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=stderr_console(),
                transient=False,
                auto_refresh=self.threaded,
            )
            self._progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)
            self._progress = None

    def track(self, items: Iterable[T], description: str, total: int | None = None,
              unit: str = "rows", weight=None) -> Iterator[T]:
        """Yield ``items``, advancing the bar by ``weight(item)`` (default 1) per item (the
        bar itself is updated at most every 0.1 s: millions of items cost no more)."""
        if self._progress is None:
            if self.enabled and self.plain:
                yield from self._logged(items, description, total, unit, weight)
            else:
                yield from items
            return
        task = self._progress.add_task(description, total=total, rate="")
        shown = 0

        def advance(done: int, seconds: float, final: bool) -> None:
            nonlocal shown
            if not final or done > shown:
                self._advance(task, done - shown, done / max(seconds, 1e-9), unit)
                shown = done

        yield from self._reporting(items, weight, 0.1, advance)

    def _logged(self, items: Iterable[T], description: str, total: int | None, unit: str,
                weight) -> Iterator[T]:
        """``track`` without a bar: a log line every ``interval`` seconds, and one at the end
        when any was written."""
        lines = 0

        def log_line(done: int, seconds: float, final: bool) -> None:
            nonlocal lines
            if not final or lines:
                self._log_line(description, done, total, seconds, unit)
                lines += 1

        yield from self._reporting(items, weight, self.interval, log_line)

    @staticmethod
    def _reporting(items: Iterable[T], weight, every: float, report) -> Iterator[T]:
        """Yield ``items``, counting ``weight(item)`` (default 1) each; call ``report(done,
        seconds, final=False)`` at most every ``every`` seconds and ``report(..., True)`` at
        the end."""
        start = last = time.perf_counter()
        done = 0
        for item in items:
            yield item
            done += weight(item) if weight else 1
            now = time.perf_counter()
            if now - last >= every:
                report(done, now - start, False)
                last = now
        report(done, time.perf_counter() - start, True)

    @staticmethod
    def _log_line(description: str, done: int, total: int | None, seconds: float,
                  unit: str) -> None:
        rate = done / max(seconds, 1e-9)
        of = f" of {total:,} ({100 * done / total:.0f} %)" if total else ""
        eta = ""
        if total and done < total and rate > 0:
            left = int((total - done) / rate)
            eta = f", ETA {left // 3600}:{left // 60 % 60:02d}:{left % 60:02d}"
        log.info("%s: %s %s%s in %.0f s, %s %s/s%s", description, f"{done:,}", unit, of,
                 seconds, f"{rate:,.0f}", unit, eta)

    def _advance(self, task, step: int, rate: float, unit: str) -> None:
        self._progress.update(task, advance=step, rate=f"{rate:,.0f} {unit}/s",
                              refresh=not self.threaded)

    @contextmanager
    def stage(self, description: str):
        """A spinner-like indeterminate task for one stage of work."""
        if self._progress is None:
            log.info(description)
            yield
            return
        task = self._progress.add_task(description, total=None, rate="")
        try:
            yield
        finally:
            self._progress.update(task, total=1, completed=1)
