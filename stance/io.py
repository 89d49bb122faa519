"""Reading and writing JSONL records without losing any.

Every input line yields exactly one item: the parsed record, or an error record
``{"error": "<file>:<line>: <why>", "line": n}`` in its place. ``line`` is the physical line
of the file (for a CSV/TSV row, the line where the row ends); an error record also carries
``row`` (CSV/TSV: the data row's number, 1 = the first row after the header) and the record's
``id`` whenever that could be read.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import IO, Any

from stance.errors import InputError

Record = dict[str, Any]


def error_record(why: str, line: int, source: str, **extra: Any) -> Record:
    """An error record; ``extra`` fields (``row``, ``id``, ``source``; see ``ERROR_FIELDS``)
    are added when not None."""
    rec: Record = {"error": f"{source}:{line}: {why}", "line": line}
    rec.update((k, v) for k, v in extra.items() if v is not None)
    return rec


#: The fields an error record may carry: ``error`` and ``line`` always; ``row`` (CSV/TSV),
#: ``id`` (when it could be read) and ``source`` (the file, added by ``stance score``).
ERROR_FIELDS = frozenset({"error", "line", "row", "id", "source"})


def is_error(record: Record) -> bool:
    return "error" in record and "line" in record and record.keys() <= ERROR_FIELDS


def _id_of(obj: Any) -> Any:
    """The ``id`` of a parsed object, if it is one an error record can carry (a string that
    is valid Unicode, or a number), else None."""
    rid = obj.get("id") if isinstance(obj, dict) else None
    if isinstance(rid, bool) or not isinstance(rid, (str, int, float)):
        return None
    if isinstance(rid, str) and not rid.isascii() and _not_unicode(rid):
        return None
    return rid


def _decoded_id(line: str) -> Any:
    """The ``id`` of a JSON line that is otherwise not usable, or None."""
    try:
        return _id_of(_decoder().decode(line))
    except (ValueError, RecursionError):
        return None


def validate(obj: Any) -> str | None:
    """Why ``obj`` is not a valid comment record, or None if it is."""
    if not isinstance(obj, dict):
        return f"expected a JSON object, got {type(obj).__name__}"
    text = obj.get("text")
    if text is None and isinstance(obj.get("comments"), list):
        return ("a page as `stance split` writes it (a 'comments' list, no 'text'), not a "
                "comment record: score the page files themselves (`stance score page.html`), "
                "or write one record per comment, e.g. "
                "jq -c '.title as $t | .comments[] | . + {title: $t}'")
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


def check_fields(fields: Mapping[str, str]) -> None:
    """Reject a ``fields`` mapping (schema name -> your field name) that would lose data:
    two schema names read from one field."""
    cols = list(fields.values())
    twice = sorted({c for c in cols if cols.count(c) > 1})
    if twice:
        raise InputError(f"field(s) {twice} mapped to more than one name", "--field")


def rename(obj: Record, fields: Mapping[str, str]) -> str | None:
    """Rename, in place, each field ``fields[name]`` of ``obj`` to ``name`` (your export's
    ``comment_body`` read as ``text``); a record holding both names is not renamed and its
    problem is returned (nothing is overwritten)."""
    for name, col in fields.items():
        if col in obj and name != col and name in obj:
            return f"has both {name!r} and {col!r} (--field {name}={col})"
    new = {col: name for name, col in fields.items()}
    if not new.keys().isdisjoint(obj):
        items = [(new.get(k, k), v) for k, v in obj.items()]  # in place, order kept
        obj.clear()
        obj.update(items)
    return None


@cache
def _decoder() -> json.JSONDecoder:
    """One strict decoder (no NaN/Infinity, no out-of-range floats), built once."""
    return json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite)


def _no_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number {text[:40]} is out of range")
    return value


def _not_unicode(line: str) -> str | None:
    """Why ``line`` cannot be written back as UTF-8 (undecodable bytes, read with
    ``surrogateescape``, or lone surrogates), or None."""
    try:
        line.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = line[exc.start]
        if 0xDC80 <= ord(bad) <= 0xDCFF:  # a byte that was not UTF-8
            return (f"not valid UTF-8 (byte 0x{ord(bad) - 0xDC00:02x} at column {exc.start + 1}); "
                    "re-encode the file as UTF-8")
        return f"a string holds an unpaired surrogate (U+{ord(bad):04X}), not valid Unicode"
    return None


def parse_lines(lines: Iterable[str], source: str,
                fields: Mapping[str, str] | None = None) -> Iterator[Record]:
    """Parse JSONL lines into records or error records, one per line, in order.

    Besides malformed JSON and invalid records, a line is an error when it is not valid
    UTF-8, when its strings hold unpaired surrogates (``"\\ud83d"``), or when it uses
    NaN/Infinity or an out-of-range number (they could not be written back as JSON).
    ``fields``: schema name -> your field name, read under the schema name (``rename``).
    """
    for n, raw in enumerate(lines, start=1):
        line = raw.strip()
        if n == 1 and line.startswith("\ufeff"):  # a BOM (files strip it when opened)
            line = line[1:].lstrip()
        if not line:
            yield error_record("empty line", n, source)
            continue
        why = None if line.isascii() else _not_unicode(line)
        if why:
            yield error_record(why, n, source, id=_decoded_id(line))
            continue
        try:
            obj = _decoder().decode(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            why = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            yield error_record(f"not valid JSON ({why})", n, source)
            continue
        except ValueError as exc:
            yield error_record(f"not valid JSON ({exc})", n, source)
            continue
        if "\\u" in line and ("\\ud" in line or "\\uD" in line):
            why = _not_unicode(dumps(obj))
        if fields and isinstance(obj, dict):
            why = why or rename(obj, fields)
        why = why or validate(obj)
        if why and fields and isinstance(obj, dict) and "id" not in obj:
            obj = {"id": obj.get(fields.get("id", "id"))}  # the id under your name
        yield error_record(why, n, source, id=_id_of(obj)) if why else obj


@contextmanager
def open_text(path: str | Path, newline: str | None = None) -> Iterator[IO[str]]:
    """Open ``path`` for reading as UTF-8 (with or without BOM); ``-`` is stdin; a ``.gz``
    file is decompressed on the fly."""
    if str(path) == "-":
        yield sys.stdin
        return
    p = Path(path)
    if not p.exists():
        raise InputError("no such file", str(p))
    if p.is_dir():
        raise InputError("is a directory, expected a file", str(p))
    # undecodable bytes stay visible (as surrogates) so parse_lines reports their line
    kw = dict(encoding="utf-8-sig", errors="surrogateescape", newline=newline)
    if p.suffix.lower() == ".gz":
        import gzip

        with gzip.open(p, "rt", **kw) as fh:
            yield fh
        return
    with p.open("r", **kw) as fh:
        yield fh


def _format(path: str | Path) -> str:
    """"csv", "tsv", "xml" or "jsonl", from the file name (a ``.gz`` suffix aside)."""
    name = str(path).lower().removesuffix(".gz")
    return next((kind for kind in ("csv", "tsv", "xml") if name.endswith("." + kind)), "jsonl")


#: The longest CSV/TSV cell read (characters): far above any comment, below what a C long
#: holds on every platform (``csv.field_size_limit`` takes one).
CSV_FIELD_LIMIT = 2**31 - 1


def parse_csv(fh: IO[str], source: str, delimiter: str = ",",
              fields: Mapping[str, str] | None = None) -> Iterator[Record]:
    """Rows of a CSV file with a header row naming the fields (``text`` required), as
    records or error records; ``line`` is the file line where the row ends, ``row`` the data
    row's number. Empty cells are kept as ``""``. ``fields``: schema name -> your column,
    read under the schema name."""
    for _, rec in _csv_rows(fh, source, delimiter, fields):
        yield rec


def _csv_rows(fh: IO[str], source: str, delimiter: str,
              fields: Mapping[str, str] | None = None) -> Iterator[tuple[int, Record]]:
    """``parse_csv`` with the file line where each row ends (a quoted cell may span lines)."""
    import csv

    # a cell may be as long as a JSONL line may be (Python's default stops at 131,072 chars)
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.DictReader(fh, delimiter=delimiter)
    if reader.fieldnames is None:
        return
    if fields:
        problem = rename(dict.fromkeys(reader.fieldnames), fields)
        if problem:
            raise InputError(f"the header {problem}", source)
        new = {col: name for name, col in fields.items()}  # by position: a header may repeat
        reader.fieldnames = [new.get(c, c) for c in reader.fieldnames]
    if "text" not in reader.fieldnames:
        hint = "" if fields else "; name yours with --field text=COLUMN"
        raise InputError(f"no 'text' column in the header (columns: {reader.fieldnames}"
                         f"{hint})", source)
    row_no = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            row_no += 1
            yield reader.line_num, error_record(f"not valid CSV ({exc})", reader.line_num, source,
                                                row=row_no)
            continue
        n = reader.line_num
        row_no += 1
        rid = row.get("id")
        rid = rid if isinstance(rid, str) and rid and not _not_unicode(rid) else None
        if None in row:  # more cells than header fields
            yield n, error_record("more cells than the header has columns", n, source,
                                  row=row_no, id=rid)
            continue
        # empty cells stay "" (a blank id or parent_id links nothing: scorer.resolve_parents)
        rec = {k: v for k, v in row.items() if v is not None}
        if "text" not in rec:  # fewer cells than the header: DictReader leaves them out
            yield n, error_record("fewer cells than the header has columns: no 'text'", n,
                                  source, row=row_no, id=rid)
            continue
        why = None if all(v.isascii() for v in rec.values()) else _not_unicode(dumps(rec))
        yield n, error_record(why, n, source, row=row_no, id=rid) if why else rec


def read_records(path: str | Path, fields: Mapping[str, str] | None = None
                 ) -> Iterator[Record]:
    """Yield one record or error record per line of a JSONL file, per row of a CSV/TSV
    file with a header row, or per post of a Disqus XML export (``stance.exports``); ``-``
    is stdin, read as JSONL; ``.gz`` files are read too. ``fields`` maps schema names to
    your field names (``{"text": "comment_body"}``): those fields are read, and written back
    out, under the schema names (a Disqus export has its own names)."""
    for _, rec in read_numbered(path, fields):
        yield rec


def read_numbered(path: str | Path, fields: Mapping[str, str] | None = None
                  ) -> Iterator[tuple[int, Record]]:
    """``read_records`` with where each record is: its line (JSONL), the line where its row
    ends (CSV/TSV), or its position (a Disqus export's posts)."""
    if fields:
        check_fields(fields)
    source = "<stdin>" if str(path) == "-" else str(path)
    kind = "jsonl" if str(path) == "-" else _format(path)
    if kind in ("jsonl", "xml") and str(path) != "-" and Path(path).is_file():
        from stance.exports import is_disqus_export, read_disqus

        if is_disqus_export(path):
            yield from enumerate(read_disqus(path, source), start=1)
            return
        if kind == "xml":
            raise InputError("an XML file that is not a Disqus export (the XML format read)",
                             source)
    if kind != "jsonl":
        with open_text(path, newline="") as fh:
            yield from _csv_rows(fh, source, "\t" if kind == "tsv" else ",", fields)
        return
    with open_text(path) as fh:
        yield from enumerate(parse_lines(fh, source, fields), start=1)


#: check_circular=False: no id bookkeeping per dict/list (~15 % of the encoding); records are
#: parsed JSON or built by the scorer, never self-containing
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "), check_circular=False)


def dumps(record: Record) -> str:
    """One record as a line of JSON (UTF-8 text kept as is, no newline)."""
    return _ENCODER.encode(record)


def write_lines(lines: Iterable[str], out: IO[str]) -> int:
    """Write each line and a newline; return how many."""
    n = 0
    for line in lines:
        out.write(line)
        out.write("\n")
        n += 1
    return n


@contextmanager
def open_output(path: str | Path | None) -> Iterator[IO[str]]:
    """stdout for None or ``-``, else a UTF-8 file (parent directories created).

    A regular file is written under a temporary name beside it and renamed into place when
    the block ends without an error: an existing file (even the input being read) is left
    intact until the new content is complete, and a failed run leaves no partial output. A
    symbolic link stays a link (the file it points to is replaced). Anything else that
    exists (``/dev/null``, a named pipe, ``/dev/fd/N`` of a shell's ``>(...)``) is written
    to directly, never replaced.
    """
    if path is None or str(path) == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    p = Path(path)
    if p.is_dir():
        raise InputError("is a directory, expected a file to write", str(p))
    if p.exists() and not p.is_file():  # a device, a pipe: streamed into, as a shell would
        try:
            fh = p.open("w", encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write: {exc.strerror or exc}", str(p)) from exc
        with fh:
            yield fh
        return
    target = p.resolve() if p.is_symlink() else p
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fh = tmp.open("w", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", str(p)) from exc
    try:
        with fh:
            yield fh
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise

