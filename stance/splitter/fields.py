"""Pulling author, time and likes out of a comment's metadata line."""

from __future__ import annotations

import re

from stance.splitter.patterns import DATE, NUMBER

LIKES = re.compile(
    r"(?:liked\s+by\s+(\d[\d,]*)\s+(?:people|person|others?)|"
    r"(?:^|\s)(\d[\d,]*)\s+(?:likes?|points?|votes?|upvotes?|recommendations?|people\s+like\s+this|"
    r"respects?|recommends?|hearts?)\b|"
    r"(?:likes?|points?|votes?|score|rating|respects?|recommend(?:ed|s)?|hearts?)\s*:?\s*"
    r"([+-]?\d[\d,]*)|"
    r"(?:^|\s)([+]\d[\d,]*)(?:\s|$))",
    re.I,
)
LIKED_BY_ONE = re.compile(r"^\s*liked\s+by\s+(?:1\s+person|one\s+person)\s*$", re.I)
_AUTHOR_PATTERNS = (
    # "Name says:" / "Name said on <date>:" / "Name wrote:"
    re.compile(r"^\s*(?:#\d+\s+)?(?P<a>[^\n:]{1,60}?)\s+(?:says|said|wrote|writes)\b", re.I),
    # "by Name on <date>" / "Posted by Name | <date>"
    re.compile(
        r"^\s*(?:posted\s+|comment(?:ed)?\s+|submitted\s+)?by\s*:?\s+(?P<a>[^\n|•·,]{1,60}?)"
        r"(?:\s+(?:on|at|@|in|\|)\s|\s*[|•·,]|\s*$)",
        re.I,
    ),
    # "Name • 3 hours ago" / "Name | May 3, 2011"
    re.compile(r"^\s*(?P<a>[^\n|•·]{1,50}?)\s*[|•·—–-]\s*(?=.*\d)", re.I),
)
_NOT_NAME = re.compile(r"^(?:reply|share|report|posted|on|at|by|comments?|anonymous coward)$", re.I)


def find_time(text: str) -> str | None:
    """The date/time span of a short metadata line, or None."""
    ms = list(DATE.finditer(text[:300]))
    if not ms:
        return None
    start, end = ms[0].start(), ms[-1].end()
    span = text[start:end].strip(" ,.|•·")
    # extend over "at" / "," joining a date to a following time
    return span or None


def find_likes(text: str) -> int | None:
    if LIKED_BY_ONE.match(text):
        return 1
    m = LIKES.search(text[:300])
    if not m:
        return None
    raw = next(g for g in m.groups() if g)
    try:
        return int(raw.replace(",", "").replace("+", ""))
    except ValueError:
        return None


def find_author(text: str, time_span: str | None = None) -> str | None:
    """The commenter's name in a metadata line such as ``by Ann on May 3`` or ``Ann says:``."""
    line = text.strip().split("\n", 1)[0][:200]
    for pat in _AUTHOR_PATTERNS:
        m = pat.match(line)
        if m:
            name = m.group("a").strip(" ,:|•·-–—\t")
            if time_span and time_span in name:
                name = name.replace(time_span, "").strip(" ,:|•·-–—on")
            if (
                name
                and not _NOT_NAME.match(name)
                and len(name.split()) <= 6
                and not DATE.search(name)
                and not NUMBER.fullmatch(name)
            ):
                return name
    if time_span and time_span in line:
        before = line[: line.index(time_span)].strip(" ,:|•·-–—\t")
        before = re.sub(r"^(?:posted\s+)?by\s+|\s+(?:on|at|said|says)$", "", before, flags=re.I)
        before = before.strip(" ,:|•·-–—\t")
        if (
            before
            and len(before.split()) <= 5
            and not DATE.search(before)
            and not _NOT_NAME.match(before)
        ):
            return before
    return None


def name_of(text: str) -> str | None:
    """The commenter's name in the own text of an author element ("Ann", "by Ann",
    "Ann says:", "Ann 3 hours ago"), or None when it does not read as a name."""
    a = find_author(text, find_time(text))
    if a is not None:
        return a
    a = re.sub(r"\s+(?:says|said|wrote|writes)\s*:?\s*$", "", text, flags=re.I)
    a = re.sub(r"^\s*(?:posted\s+)?by\s*:?\s+", "", a, flags=re.I).strip(" ,:|•·-–—\t")
    if (
        not a
        or len(a.split()) > 6
        or _NOT_NAME.match(a)
        or DATE.search(a)
        or NUMBER.fullmatch(a)
    ):
        return None
    return a
