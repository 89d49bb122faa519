"""Cut an HTML page into a flat sequence of text blocks (selectolax / Lexbor parser).

A block is the text between two block-level tag boundaries. Every block remembers the
element that holds it; elements remember their tag, class/id tokens and parent, so that
later stages can look at the block's ancestors (the markup context) without re-walking
the tree. An inline element with class/id tokens also keeps its own short text
(``Element.text``): a comment byline is one block ("Ann30 minutes ago" when the spans
touch), and its fields are told apart by the spans that hold them (``span.author``,
``a.time-ago``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from selectolax.lexbor import LexborHTMLParser

from stance.errors import InputError
from stance.splitter.decode import Deadline

BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "center",
        "dd",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "frame",
        "frameset",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "html",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "caption",
        "legend",
        "time",
    ]
)
SKIP_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "math",
        "iframe",
        "object",
        "embed",
        "head",
        "select",
        "option",
        "textarea",
        "button",
        "input",
        "canvas",
        "video",
        "audio",
        "map",
    ]
)
_TOKEN_SPLIT = re.compile(r"[^a-z]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


_TOKEN_CACHE: dict[str, tuple[str, ...]] = {}


def attr_tokens(cls: str) -> tuple[str, ...]:
    """Lower-case word tokens of class/id values ("commentList-item_3" -> comment list item)."""
    if not cls:
        return ()
    got = _TOKEN_CACHE.get(cls)
    if got is None:
        low = cls.lower()
        if low != cls:  # else no A-Z: the camel-case split has nothing to do
            low = _CAMEL.sub(" ", cls).lower()
        got = tuple([t for t in _TOKEN_SPLIT.split(low) if len(t) > 1])
        if len(_TOKEN_CACHE) < 50000 and len(cls) < 200:
            _TOKEN_CACHE[cls] = got
    return got


@dataclass(slots=True)
class Element:
    tag: str
    attrs: str  # raw class + id (for signatures)
    tokens: tuple[str, ...]
    parent: int
    depth: int
    extra: dict = field(default_factory=dict)  # datetime attr etc.
    text: str | None = None  # own text of a classed inline element within one block (short)


@dataclass(slots=True)
class Block:
    text: str
    elem: int  # index of the nearest block-level element holding the text
    link_chars: int
    inline: tuple[int, ...]  # inline elements the text passed through (indices)


@dataclass
class Page:
    title: str
    elements: list[Element]
    blocks: list[Block]
    ntoks: list[int] | None = None  # word counts of the blocks, set by features.block_rows

    def ancestors(self, idx: int, limit: int = 1000) -> list[int]:
        out = []
        els = self.elements
        while idx >= 0 and len(out) < limit:
            out.append(idx)
            idx = els[idx].parent
        return out


_NO_EXTRA: dict = {}
_BR = "\x00"  # stands for <br> while text is collected
#: An inline element's own text is kept when it spans at most this many text pieces and
#: characters (bylines, dates and vote counts are short).
_FIELD_PIECES = 16
_FIELD_CHARS = 200


def _clean(text: str) -> str:
    if _BR in text:
        lines = (" ".join(part.split()) for part in text.split(_BR))
        return "\n".join(x for x in lines if x)
    return " ".join(text.split())


# Tags that nest (and that browsers re-open when misnested): these make the tree deep.
_NESTING = re.compile(
    r"<(/?)(?:div|span|section|article|aside|main|header|footer|nav|table|tbody|thead|tr|td|th|"
    r"ul|ol|li|dl|dd|dt|blockquote|form|fieldset|center|font|b|i|u|s|a|em|strong|small|big|"
    r"code|tt|strike|nobr|sub|sup|ins|del|label|q|cite|p|h[1-6]|pre|figure|details)\b",
    re.I,
)


# the tag names of _NESTING, for an exact-name lookup after one cheap tag-name regex
_NEST_NAMES = frozenset(
    _NESTING.pattern.split("(?:", 1)[1]
    .split(")", 1)[0]
    .replace("h[1-6]", "h1|h2|h3|h4|h5|h6")
    .split("|")
)
_TAG_NAME = re.compile(r"<(/?)([a-zA-Z]\w*)")

# A tag with thousands of attributes (parsers check duplicates in quadratic time).
_HUGE_TAG = re.compile(r"<([a-zA-Z][\w:-]{0,30})[^<>]{4000,}>?")
_HUGE = 4000


_NAME_WIDTH = 11  # longer than every name in _NEST_NAMES ("blockquote" has 10 letters)
_ASCII_WORD = np.zeros(256, dtype=bool)
for _c in b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_":
    _ASCII_WORD[_c] = True
_ALNUM = _ASCII_WORD.copy()
_ALNUM[95] = False
_LOWER = np.arange(256, dtype=np.uint8)
_LOWER[65:91] += 32


def _maybe_huge_tag(raw: np.ndarray) -> bool:
    """Whether some ``<`` and a letter are followed by 4000 bytes without ``<`` or ``>``
    (a cheap superset of ``_HUGE_TAG`` matches)."""
    delim = np.flatnonzero((raw == 60) | (raw == 62))
    if not len(delim):
        return False
    ends = np.append(delim[1:], len(raw))
    long = (raw[delim] == 60) & (ends - delim > _HUGE)
    if not long.any():
        return False
    after = _LOWER[raw[np.minimum(delim[long] + 1, len(raw) - 1)]]
    return bool(((after >= 97) & (after <= 122)).any())  # a tag name starts with a letter


def _name_key(name: bytes) -> int:
    """The first 8 bytes of a tag name as a little-endian integer (zero padded)."""
    return int.from_bytes(name[:8].ljust(8, b"\0"), "little")


_NEST_KEYS = np.array(sorted({_name_key(n.encode()) for n in _NEST_NAMES}), dtype=np.uint64)
_LONG_NAMES = {n.encode() for n in _NEST_NAMES if len(n) > 8}


def _depth_bound(raw: np.ndarray) -> int:
    """An upper bound on how deep the _NEST_NAMES tags of ``raw`` (UTF-8 bytes) nest.

    The running count of ``flatten_deep``, vectorised: an opening tag counts when its name
    is followed by any byte but an ASCII word character (so also by a non-ASCII byte, which
    the exact count may not accept), a closing tag only when followed by an ASCII non-word
    byte. So opening tags are over- and closing tags under-counted: never below the truth.
    """
    lt = np.flatnonzero(raw == 60)
    if not len(lt):
        return 0
    padded = np.concatenate([raw, np.zeros(_NAME_WIDTH + 2, dtype=np.uint8)])
    closing = padded[lt + 1] == 47
    start = lt + 1 + closing
    first = _LOWER[padded[start]]
    keep = (first >= 97) & (first <= 122)  # a tag name starts with a letter
    start, closing = start[keep], closing[keep]
    win = _LOWER[padded[start[:, None] + np.arange(_NAME_WIDTH + 1)]]
    alnum = _ALNUM[win]
    length = np.where(alnum.all(axis=1), _NAME_WIDTH, alnum.argmin(axis=1))
    term = win[np.arange(len(start)), length]
    head = np.ascontiguousarray(win[:, :8])
    head[np.arange(8)[None, :] >= length[:, None]] = 0
    keys = head.view("<u8").ravel()
    pos = np.minimum(np.searchsorted(_NEST_KEYS, keys), len(_NEST_KEYS) - 1)
    known = (_NEST_KEYS[pos] == keys) & (length <= 8)
    for i in np.flatnonzero(length > 8):  # rare: only a few long names nest
        known[i] = bytes(win[i, : length[i]]) in _LONG_NAMES
    known &= ~_ASCII_WORD[term]
    steps = (known & ~closing).astype(np.int64) - (known & closing & (term < 128))
    return int(np.cumsum(steps).max()) if len(steps) else 0


def flatten_deep(html: str, max_depth: int, name: str | None = None) -> str:
    """Drop the tags that would nest deeper than ``max_depth`` (their text stays).

    HTML parsers spend quadratic time on pathological nesting (10,000 unclosed ``<div>``);
    a running count of opening and closing tags finds it in linear time first.
    """
    raw = np.frombuffer(html.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    if _maybe_huge_tag(raw):
        html = _HUGE_TAG.sub(r"<\1>", html)
        raw = np.frombuffer(html.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    if html.count("<") <= max_depth or _depth_bound(raw) <= max_depth:
        return html
    names = _NEST_NAMES
    flags = "".join([s or "+" for s, t in _TAG_NAME.findall(html) if t.lower() in names])
    if len(flags) <= max_depth:
        return html
    steps = np.where(np.frombuffer(flags.encode("ascii"), dtype=np.uint8) == 47, -1, 1)
    depth = np.cumsum(steps)
    deepest = int(depth.max())
    if deepest <= max_depth:
        return html
    if deepest > 50 * max(max_depth, 100):
        raise InputError(
            f"element nesting is about {deepest} deep, refusing pages deeper "
            f"than {50 * max(max_depth, 100)}",
            source=name,
        )
    # drop the opening tags past the limit and the closing tags that match them
    drop = (depth > max_depth) | ((steps < 0) & (depth >= max_depth))
    # the same tag matches as ``flags`` (not _NESTING, whose re.I also folds e.g. "ſ" to "s")
    nesting = (m for m in _TAG_NAME.finditer(html) if m.group(2).lower() in names)
    spans = [m.span() for m, d in zip(nesting, drop) if d]
    out = []
    last = 0
    for start, end in spans:
        if start < last:
            continue
        out.append(html[last:start])
        close = html.find(">", end, end + 4096)
        last = close + 1 if close >= 0 else end
    out.append(html[last:])
    return " ".join(out)


#: Elements whose attributes may carry the machine-readable time of the date they show.
_STAMP_TAGS = frozenset(["time", "span", "a", "abbr", "small", "p"])
#: A timestamp attribute value: ISO 8601 (date, optionally time and zone), Unix seconds or
#: milliseconds, or a date written out with its year ("Wednesday, March 13, 2024 2:00 PM").
_ISO_STAMP = re.compile(
    r"^\s*(?:\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
    r"(?:Z|[+-]\d{2}:?\d{2}| ?UTC)?)?|1\d{9}(?:\d{3})?)\s*$"
)
_DATA_STAMP = re.compile(
    r"^data-(?:[\w-]*-)?(?:ts|u?time(?:stamp)?|date(?:time)?|created(?:-at)?|epoch)$"
)


def machine_time(attrs: dict) -> str | None:
    """The machine-readable time an element's attributes carry (``datetime``, a ``title``
    that is a full date, a ``data-*`` timestamp), or None."""
    v = attrs.get("datetime")
    if v and v.strip():
        return v.strip()
    v = attrs.get("title")
    if v and len(v) < 80 and (_ISO_STAMP.match(v) or _written_date(v)):
        return v.strip()
    for k, v in attrs.items():
        if (
            v
            and k.startswith("data-")
            and len(v) < 60
            and _DATA_STAMP.match(k)
            and _ISO_STAMP.match(v)
        ):
            return v.strip()
    return None


_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")


def _written_date(v: str) -> bool:
    if _YEAR.search(v) is None:
        return False
    from stance.splitter.patterns import DATE

    return DATE.search(v) is not None


def _keep_button(el: Element, node) -> None:
    """Keep a button's label on the element holding it (``extra["buttons"]``): buttons are
    not page text, but a like button's count ("Respect 33") is a comment's likes."""
    try:
        text = " ".join(node.text(deep=True).split())[:80]
    except Exception:  # pragma: no cover - parser edge case
        return
    attrs = node.attributes
    label = " ".join(v for v in (attrs.get("class"), attrs.get("id"), attrs.get("aria-label"),
                                 attrs.get("title"), attrs.get("data-action")) if v)
    if el.extra is _NO_EXTRA:
        el.extra = {}
    el.extra.setdefault("buttons", []).append((attr_tokens(label), text))


def _keep_text(el: Element, parts: list[str], start: int) -> None:
    """Store the text an inline element held (``parts[start:]``) if it is short. Its text
    nodes are joined by a space: a date and a time in touching spans stay two words."""
    if len(parts) - start <= _FIELD_PIECES:
        own = " ".join(parts[start:])
        if len(own) <= _FIELD_CHARS:
            el.text = _clean(own)


def parse(html: str, max_depth: int = 400, deadline: Deadline | None = None) -> Page:
    """Parse ``html`` into a Page. Nesting deeper than ``max_depth`` is flattened."""
    html = flatten_deep(html, max_depth, deadline.name if deadline is not None else None)
    if deadline is not None:
        deadline.check()
    tree = LexborHTMLParser(html)
    root = tree.root
    title_node = tree.css_first("title")
    title = _clean(title_node.text(deep=True)) if title_node is not None else ""
    elements: list[Element] = []
    blocks: list[Block] = []
    if root is None:
        return Page(title, elements, blocks)
    # stack entries: (mem_id, element index, is_block, skip, in_link, nearest block element,
    # start): start is (block generation, len(parts)) where a classed inline element's text
    # begins, else None; the bottom entry stands for the document node and is never popped
    doc = root.parent
    top = (doc.mem_id if doc is not None else 0, -1, False, False, False, -1, None)
    stack: list[tuple] = [top]
    top_id = top[0]
    pop = stack.pop
    push = stack.append
    parts: list[str] = []
    add = parts.append
    cur_elem = -1
    link = 0
    inline: list[int] = []
    gen = 0  # bumped whenever ``parts`` starts a new block
    append_block = blocks.append
    append_el = elements.append
    block_tags, skip_tags = BLOCK_TAGS, SKIP_TAGS
    check = deadline.check if deadline is not None else None
    tok_cache = _TOKEN_CACHE

    for count, node in enumerate(root.traverse(include_text=True), 1):
        if not count & 1023 and check is not None:
            check()
        parent = node.parent
        pid = parent.mem_id if parent is not None else 0
        if pid != top_id:
            closed_block = False
            while len(stack) > 1 and stack[-1][0] != pid:
                gone = pop()
                closed_block |= gone[2]
                if gone[6] is not None and gone[6][0] == gen:
                    _keep_text(elements[gone[1]], parts, gone[6][1])
            top = stack[-1]
            top_id = top[0]
            if closed_block:
                if parts:
                    text = "".join(parts)
                    text = " ".join(text.split()) if _BR not in text else _clean(text)
                    if text:
                        append_block(Block(text, cur_elem, link, tuple(inline)))
                    parts = []
                    add = parts.append
                    link = 0
                    inline = []
                    gen += 1
                cur_elem = top[5]
        tag = node.tag
        if tag == "-text":
            if top[3]:
                continue
            t = node.text_content
            if t:
                add(t)
                if top[4]:
                    link += len(t.strip())
            continue
        if tag is None or tag[0] == "-":
            continue
        if tag == "br":
            add("\n")
            continue
        skip = top[3] or tag in skip_tags
        parent_idx = top[1]
        if skip:
            if tag == "button" and not top[3] and parent_idx >= 0:
                _keep_button(elements[parent_idx], node)
            push((node.mem_id, parent_idx, False, True, top[4], top[5], None))
            top = stack[-1]
            top_id = top[0]
            continue
        is_block = tag in block_tags
        depth = len(stack) - 1
        start = None
        if depth < max_depth:
            attrs = node.attributes
            c = attrs.get("class")
            i = attrs.get("id")
            cls = f"{c} {i}" if c and i else (c or i or "")
            extra = _NO_EXTRA
            if tag in _STAMP_TAGS:
                stamp = machine_time(attrs)
                if stamp:
                    extra = {"datetime": stamp}
            if "hidden" in attrs or (
                "style" in attrs and "display:none" in (attrs["style"] or "").replace(" ", "")
            ):
                skip = True
            idx = len(elements)
            if cls:
                toks = tok_cache.get(cls)
                if toks is None:
                    toks = attr_tokens(cls)
            else:
                toks = ()
            append_el(Element(tag, cls, toks, parent_idx, depth, extra))
        else:
            idx = parent_idx
            is_block = False
        if is_block:
            if parts:
                text = "".join(parts)
                text = " ".join(text.split()) if _BR not in text else _clean(text)
                if text:
                    append_block(Block(text, cur_elem, link, tuple(inline)))
                parts = []
                add = parts.append
                link = 0
                inline = []
                gen += 1
            cur_elem = idx
            nearest = idx
        else:
            if idx != parent_idx and not skip:
                inline.append(idx)
                if toks:
                    start = (gen, len(parts))
            nearest = top[5]
        top = (node.mem_id, idx, is_block, skip, top[4] or tag == "a", nearest, start)
        push(top)
        top_id = top[0]
    while len(stack) > 1:  # inline elements still open at the end of the document
        gone = pop()
        if gone[6] is not None and gone[6][0] == gen:
            _keep_text(elements[gone[1]], parts, gone[6][1])
    if parts:
        text = _clean("".join(parts))
        if text:
            append_block(Block(text, cur_elem, link, tuple(inline)))
    return Page(title, elements, blocks)
