"""Reading and writing JSONL records without losing any.

Every input line yields exactly one item: the parsed record, or an error record
``{"error": "<file>:<line>: <why>", "line": n}`` in its place.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from stance.errors import InputError

Record = dict[str, Any]


def error_record(why: str, line: int, source: str) -> Record:
    return {"error": f"{source}:{line}: {why}", "line": line}


def is_error(record: Record) -> bool:
    return "error" in record and "line" in record and len(record) == 2


def validate(obj: Any) -> str | None:
    """Why ``obj`` is not a valid comment record, or None if it is."""
    if not isinstance(obj, dict):
        return f"expected a JSON object, got {type(obj).__name__}"
    text = obj.get("text")
    if not isinstance(text, str):
        return "missing string field 'text'" if text is None else "'text' must be a string"
    target = obj.get("target")
    if target is not None and not isinstance(target, str) and not (
        isinstance(target, list) and all(isinstance(t, str) for t in target)
    ):
        return "'target' must be a string or a list of strings"
    for key in ("title", "parent_text"):
        if obj.get(key) is not None and not isinstance(obj[key], str):
            return f"'{key}' must be a string"
    return None


def parse_lines(lines: Iterable[str], source: str) -> Iterator[Record]:
    """Parse JSONL lines into records or error records, one per line, in order."""
    for n, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            yield error_record("empty line", n, source)
            continue
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            why = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            yield error_record(f"not valid JSON ({why})", n, source)
            continue
        why = validate(obj)
        yield error_record(why, n, source) if why else obj


@contextmanager
def open_text(path: str | Path) -> Iterator[IO[str]]:
    """Open ``path`` for reading as UTF-8 (with or without BOM); ``-`` is stdin."""
    if str(path) == "-":
        yield sys.stdin
        return
    p = Path(path)
    if not p.exists():
        raise InputError("no such file", str(p))
    if p.is_dir():
        raise InputError("is a directory, expected a file", str(p))
    with p.open("r", encoding="utf-8-sig", errors="replace", newline=None) as fh:
        yield fh


def read_records(path: str | Path) -> Iterator[Record]:
    """Yield one record or error record per line of a JSONL file (``-`` for stdin)."""
    source = "<stdin>" if str(path) == "-" else str(path)
    with open_text(path) as fh:
        yield from parse_lines(fh, source)


def dumps(record: Record) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(", ", ": "))


@contextmanager
def open_output(path: str | Path | None) -> Iterator[IO[str]]:
    """stdout for None or ``-``, else a UTF-8 file (parent directories created)."""
    if path is None or str(path) == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("w", encoding="utf-8") as fh:
        yield fh


def write_records(records: Iterable[Record], out: IO[str]) -> int:
    n = 0
    for rec in records:
        out.write(dumps(rec))
        out.write("\n")
        n += 1
    return n
