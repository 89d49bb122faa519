"""Bytes to text, and HTML-or-text sniffing, with the checks that keep hostile input out."""

from __future__ import annotations

import codecs
import re
import time

from stance.errors import InputError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""", re.I)
_HTML_SNIFF = re.compile(
    r"<\s*(?:!doctype\s+html|html|head|body|div|p|article|table|span|section|meta|title|a\s)\b",
    re.I,
)
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*[^<>]{0,200}>")
# Control characters that never occur in real text (tab, LF, CR, FF excepted).
_CTRL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")
# The same as UTF-8 bytes: each control character is one byte (no other character's UTF-8
# holds a byte below 0x80), U+FFFD is EF BF BD.
_CTRL_BYTES = bytes(range(0x00, 0x09)) + b"\x0b" + bytes(range(0x0E, 0x20)) + b"\x7f"
_REPLACEMENT = "\ufffd".encode()


class Deadline:
    """A wall-clock budget; ``check()`` raises InputError once it is spent."""

    __slots__ = ("end", "name", "seconds")

    def __init__(self, seconds: float, name: str):
        self.seconds = seconds
        self.name = name
        self.end = time.perf_counter() + seconds if seconds and seconds > 0 else float("inf")

    def check(self) -> None:
        if time.perf_counter() > self.end:
            raise InputError(f"page took longer than {self.seconds:g} s to split", source=self.name)


def decode(data: bytes, name: str = "<bytes>") -> str:
    """Decode page bytes: BOM, then a declared charset, then UTF-8, then cp1252."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(enc, errors="replace")
    head = data[:4096]
    # UTF-16 without a BOM: every other byte is NUL in ASCII-heavy text.
    if len(head) >= 16 and head[1::2].count(0) > 0.4 * len(head[1::2]) and head[::2].count(0) == 0:
        return data.decode("utf-16-le", errors="replace")
    if len(head) >= 16 and head[::2].count(0) > 0.4 * len(head[::2]) and head[1::2].count(0) == 0:
        return data.decode("utf-16-be", errors="replace")
    m = _CHARSET.search(head)
    declared = m.group(1).decode("ascii", "replace").lower() if m else None
    if declared and declared not in ("utf-8", "utf8"):
        try:
            codecs.lookup(declared)
        except LookupError:
            declared = None
    if declared in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii"):
        declared = "cp1252"  # what browsers do (WHATWG encoding standard)
    candidates = ["utf-8"] if not declared else [declared, "utf-8"]
    for enc in candidates:
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    # Undeclared single-byte pages (cp1252 is what browsers assume for Western pages).
    return data.decode("cp1252", errors="replace")


def check_text(text: str, name: str) -> None:
    """Refuse binary junk: many control characters or replacement characters."""
    sample = text[:65536]
    if not sample.strip():
        return
    # len(_CTRL.findall(sample)), counted on the UTF-8 bytes (C loops, not the regex engine)
    raw = sample.encode("utf-8", "surrogatepass")
    bad = len(raw) - len(raw.translate(None, _CTRL_BYTES)) + raw.count(_REPLACEMENT)
    if bad > 0.05 * len(sample) + 8:
        raise InputError(
            f"looks like binary data, not HTML or text ({bad} control bytes in the first "
            f"{len(sample)} characters)",
            source=name,
        )


def to_text(source: str | bytes, max_bytes: int, name: str) -> str:
    """The page as a str, after size and binary checks."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if len(data) > max_bytes:
            raise InputError(f"page is {len(data)} bytes, over the limit of {max_bytes}", name)
        text = decode(data, name)
    elif isinstance(source, str):
        if len(source) > max_bytes:
            raise InputError(
                f"page is {len(source)} characters, over the limit of {max_bytes}", name
            )
        text = source[1:] if source.startswith("\ufeff") else source
    else:
        raise InputError(f"expected str or bytes, got {type(source).__name__}", source=name)
    check_text(text, name)
    return text.replace("\x00", "")


def looks_like_html(text: str) -> bool:
    """True when the start of the page is markup rather than a plain-text dump."""
    head = text[:65536]
    if _HTML_SNIFF.search(head[:2048]) and head.lstrip()[:1] == "<":
        return True
    tags = len(_TAG.findall(head))
    lines = head.count("\n") + 1
    return tags >= 5 and tags >= 0.5 * lines
