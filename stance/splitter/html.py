"""The HTML reader: blocks -> article / comment / other, then comment records."""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

from stance.splitter.blocks import Page, parse
from stance.splitter.decode import Deadline
from stance.splitter.learn import _COMMENT_TOKENS, FastScorer, page_features
from stance.splitter.patterns import COMMENTS_HEADER, UI_LINE, WIDGET, is_prompt
from stance.splitter.thread import build_records

_WORD = re.compile(r"\w+")
_TITLE_SEP = re.compile(r"\s+(?:[|·•»«:–—-]|::)\s+")
_BOILER_TOKENS = frozenset(
    [
        "nav",
        "navigation",
        "menu",
        "footer",
        "sidebar",
        "widget",
        "header",
        "breadcrumb",
        "breadcrumbs",
        "share",
        "sharing",
        "social",
        "related",
        "promo",
        "ad",
        "ads",
        "advert",
        "advertisement",
        "banner",
        "cookie",
        "login",
        "signup",
        "subscribe",
        "newsletter",
        "respond",
        "form",
    ]
)
#: Fewer predicted comment tokens than this on a page means "no comments".
MIN_COMMENT_TOKENS = 12


def split_html(text: str, options, name: str, model=None) -> dict:
    deadline = Deadline(options.timeout, name)
    page = parse(text, max_depth=options.max_depth, deadline=deadline)
    deadline.check()
    labels = classify(page, model)
    deadline.check()
    title = find_title(page)
    article_blocks = [i for i, lab in enumerate(labels) if lab == 1]
    comment_blocks = [i for i, lab in enumerate(labels) if lab == 2]
    ntok = sum(len(_WORD.findall(page.blocks[i].text)) for i in comment_blocks)
    comments: list[dict] = []
    if ntok >= MIN_COMMENT_TOKENS:
        comments = build_records(page, comment_blocks)
        if not comments:
            comments = fallback_records(page, comment_blocks)
    deadline.check()
    parts = [page.blocks[i].text for i in article_blocks]
    if parts and title and _norm(parts[0]) == _norm(title):
        parts = parts[1:]
    parts = [p for p in parts if not (UI_LINE.match(p) or (len(p) < 200 and WIDGET.match(p)))]
    return {"title": title, "article": "\n\n".join(parts), "comments": comments}


def _norm(s: str) -> str:
    return " ".join(_WORD.findall(s.lower()))


def classify(page: Page, model=None) -> list[int]:
    """0 other, 1 article, 2 comment for every block."""
    if not page.blocks:
        return []
    if model is not None:
        rows = page_features(page)
        proba = _scorer(model).predict_proba(rows)
        classes = list(model.classes_)
        full = np.zeros((len(rows), 3))
        for j, c in enumerate(classes):
            full[:, int(c)] = proba[:, j]
        return smooth(full).tolist()
    return rule_labels(page)


_SCORERS: dict[int, FastScorer] = {}


def _scorer(model) -> FastScorer:
    sc = _SCORERS.get(id(model))
    if sc is None or sc.pipe is not model:
        sc = _SCORERS[id(model)] = FastScorer(model)
    return sc


def smooth(proba: np.ndarray) -> np.ndarray:
    """Argmax after a light neighbour smoothing of the class probabilities."""
    if len(proba) >= 3:
        k = np.array([0.2, 0.6, 0.2])
        sm = np.vstack([np.convolve(proba[:, j], k, mode="same") for j in range(3)]).T
        proba = 0.7 * proba + 0.3 * sm
    return proba.argmax(axis=1)


def rule_labels(page: Page) -> list[int]:
    """No model: a readability-style content container plus comment markup."""
    els = page.elements
    nb = len(page.blocks)
    labels = [0] * nb
    score: dict[int, float] = defaultdict(float)
    is_comment = [False] * nb
    is_boiler = [False] * nb
    for i, b in enumerate(page.blocks):
        anc = page.ancestors(b.elem, 12) if b.elem >= 0 else []
        toks = set()
        for a in anc:
            toks.update(els[a].tokens)
        is_comment[i] = bool(_COMMENT_TOKENS & toks) and not is_prompt(b.text)
        is_boiler[i] = bool(_BOILER_TOKENS & toks)
        n = len(_WORD.findall(b.text))
        dens = b.link_chars / max(len(b.text), 1)
        if is_comment[i] or is_boiler[i] or n < 8 or dens > 0.3:
            continue
        w = n * (1 + min(b.text.count(",") + b.text.count("."), 10) / 10)
        for k, a in enumerate(anc[1:4]):
            score[a] += w / (k + 1)
    if score:
        best = max(score, key=score.get)
        for i, b in enumerate(page.blocks):
            if is_comment[i] or is_boiler[i]:
                continue
            anc = page.ancestors(b.elem, 40) if b.elem >= 0 else []
            dens = b.link_chars / max(len(b.text), 1)
            if best in anc and dens < 0.5 and not UI_LINE.match(b.text):
                labels[i] = 1
    for i in range(nb):
        if is_comment[i]:
            labels[i] = 2
    return labels


def find_title(page: Page) -> str:
    """The headline: an h1/h2 that the <title> contains, else the <title> minus the site."""
    t = page.title
    heads = []
    for b in page.blocks[:400]:
        if b.elem >= 0 and page.elements[b.elem].tag in ("h1", "h2") and len(b.text) < 300:
            heads.append(b.text)
    nt = _norm(t)
    for h in heads:
        nh = _norm(h)
        if nh and len(nh) >= 8 and nh in nt:
            return h
    if t:
        parts = _TITLE_SEP.split(t)
        if len(parts) > 1:
            return max(parts, key=len).strip()
        return t.strip()
    for b in page.blocks[:400]:
        if b.elem >= 0 and page.elements[b.elem].tag == "h1":
            return b.text
    return heads[0] if heads else ""


def fallback_records(page: Page, cblocks: list[int]) -> list[dict]:
    """No repeated record markup: read the comment region as a text dump."""
    from stance.splitter.text import parse_thread

    lines: list[str] = []
    for i in cblocks:
        t = page.blocks[i].text
        if COMMENTS_HEADER.match(t) and len(t) < 120:
            continue
        lines.extend(t.split("\n"))
        lines.append("")
    recs = parse_thread(lines)
    if recs:
        return recs
    out = []
    for i in cblocks:
        t = page.blocks[i].text
        if UI_LINE.match(t) or is_prompt(t) or (len(t) < 120 and COMMENTS_HEADER.match(t)):
            continue
        out.append(
            {
                "id": f"c{len(out) + 1}",
                "parent_id": None,
                "depth": 0,
                "author": None,
                "time": None,
                "likes": None,
                "quote": None,
                "text": t,
            }
        )
    return out
