"""Cut an HTML page into a flat sequence of text blocks (selectolax / Lexbor parser).

A block is the text between two block-level tag boundaries. Every block remembers the
element that holds it; elements remember their tag, class/id tokens and parent, so that
later stages can look at the block's ancestors (the markup context) without re-walking
the tree.
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
LINK_TAGS = frozenset(("a",))
_TOKEN_SPLIT = re.compile(r"[^a-z]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_WS = re.compile(r"[ \t\r\f\v\u00a0\u200b\u2009\u202f]+")
_NL = re.compile(r"\s*\n\s*")


_TOKEN_CACHE: dict[str, tuple[str, ...]] = {}


def attr_tokens(cls: str) -> tuple[str, ...]:
    """Lower-case word tokens of class/id values ("commentList-item_3" -> comment list item)."""
    if not cls:
        return ()
    got = _TOKEN_CACHE.get(cls)
    if got is None:
        got = tuple(t for t in _TOKEN_SPLIT.split(_CAMEL.sub(" ", cls).lower()) if len(t) > 1)
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

    def ancestors(self, idx: int, limit: int = 1000) -> list[int]:
        out = []
        els = self.elements
        while idx >= 0 and len(out) < limit:
            out.append(idx)
            idx = els[idx].parent
        return out


_NO_EXTRA: dict = {}
_BR = "\x00"  # stands for <br> while text is collected


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


# A tag with thousands of attributes (parsers check duplicates in quadratic time).
_HUGE_TAG_HINT = re.compile(r"<[a-zA-Z][^<>]{4000}")
_HUGE_TAG = re.compile(r"<([a-zA-Z][\w:-]{0,30})[^<>]{4000,}>?")


def flatten_deep(html: str, max_depth: int, name: str | None = None) -> str:
    """Drop the tags that would nest deeper than ``max_depth`` (their text stays).

    HTML parsers spend quadratic time on pathological nesting (10,000 unclosed ``<div>``);
    a running count of opening and closing tags finds it in linear time first.
    """
    if _HUGE_TAG_HINT.search(html):
        html = _HUGE_TAG.sub(r"<\1>", html)
    found = _NESTING.findall(html)
    if len(found) <= max_depth:
        return html
    steps = np.fromiter((-1 if f else 1 for f in found), dtype=np.int32, count=len(found))
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
    spans = [m.span() for m, d in zip(_NESTING.finditer(html), drop) if d]
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
    # stack entries: (mem_id, element index, is_block, skip, in_link, nearest block element)
    stack: list[tuple[int, int, bool, bool, bool, int]] = []
    parts: list[str] = []
    cur_elem = -1
    link = 0
    inline: list[int] = []
    count = 0
    append_block = blocks.append
    append_el = elements.append
    block_tags, skip_tags = BLOCK_TAGS, SKIP_TAGS
    top_id = -1
    top = None

    for node in root.traverse(include_text=True):
        count += 1
        if deadline is not None and not count & 1023:
            deadline.check()
        parent = node.parent
        pid = parent.mem_id if parent is not None else 0
        if pid != top_id:
            closed_block = False
            while stack and stack[-1][0] != pid:
                closed_block |= stack.pop()[2]
            top = stack[-1] if stack else None
            top_id = top[0] if top else -1
            if closed_block:
                if parts:
                    text = _clean("".join(parts))
                    if text:
                        append_block(Block(text, cur_elem, link, tuple(inline)))
                    parts = []
                    link = 0
                    inline = []
                cur_elem = top[5] if top else -1
        tag = node.tag
        if tag == "-text":
            if top is not None and top[3]:
                continue
            t = node.text_content
            if not t:
                continue
            parts.append(t)
            if top is not None and top[4]:
                link += len(t.strip())
            continue
        if tag is None or tag[0] == "-":
            continue
        if tag == "br":
            parts.append("\n")
            continue
        skip = (top is not None and top[3]) or tag in skip_tags
        in_link = (top is not None and top[4]) or tag == "a"
        is_block = tag in block_tags
        depth = len(stack)
        parent_idx = top[1] if top is not None else -1
        if depth < max_depth and not skip:
            attrs = node.attributes
            c, i = attrs.get("class"), attrs.get("id")
            cls = f"{c} {i}" if c and i else (c or i or "")
            extra = _NO_EXTRA
            if tag == "time" and attrs.get("datetime"):
                extra = {"datetime": attrs.get("datetime")}
            if "hidden" in attrs or "display:none" in (attrs.get("style") or "").replace(" ", ""):
                skip = True
            append_el(Element(tag, cls, attr_tokens(cls), parent_idx, depth, extra))
            idx = len(elements) - 1
        else:
            idx = parent_idx
            is_block = False
        if is_block:
            if parts:
                text = _clean("".join(parts))
                if text:
                    append_block(Block(text, cur_elem, link, tuple(inline)))
                parts = []
                link = 0
                inline = []
            cur_elem = idx
        elif idx != parent_idx and not skip:
            inline.append(idx)
        nearest = idx if is_block else (top[5] if top is not None else -1)
        entry = (node.mem_id, idx, is_block, skip, in_link, nearest)
        stack.append(entry)
        top = entry
        top_id = entry[0]
    if parts:
        text = _clean("".join(parts))
        if text:
            append_block(Block(text, cur_elem, link, tuple(inline)))
    return Page(title, elements, blocks)
