"""The HTML reader: blocks -> article / comment / other, then comment records."""

from __future__ import annotations

import math
import re
from collections import defaultdict

import numpy as np

from stance.splitter.blocks import Page, parse
from stance.splitter.decode import Deadline
from stance.splitter.features import _COMMENT_TOKENS, block_rows
from stance.splitter.patterns import (
    COMMENTS_HEADER,
    UI_LINE,
    WIDGET,
    announced_comments,
    is_prompt,
)
from stance.splitter.text import is_chrome
from stance.splitter.thread import build_thread

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
    labels, comments, stats = predict_thread(page, model, deadline)
    gate = getattr(model, "stance_page_gate_", None)
    if stats is not None and gate and not gate_keeps(gate, stats):
        comments = []
    deadline.check()
    title = find_title(page)
    article_blocks = [i for i, lab in enumerate(labels) if lab == 1]
    parts = [page.blocks[i].text for i in article_blocks]
    if title:
        # chrome before the headline (site name, breadcrumbs) is not article
        nt = _norm(title)
        at = next((k for k, p in enumerate(parts[:40]) if _norm(p) == nt), None)
        if at is not None and sum(len(_WORD.findall(p)) for p in parts[:at]) <= 3 * (at + 1):
            parts = parts[at + 1 :]
    parts = [p for p in parts if not (len(p) < 300 and (is_chrome(p) or COMMENTS_HEADER.match(p)))]
    out = {"title": title, "article": "\n\n".join(parts), "comments": comments}
    if not comments:
        out["announced"] = announced_comments(b.text for b in page.blocks)
    return out


def _norm(s: str) -> str:
    return " ".join(_WORD.findall(s.lower()))


def predict_thread(page: Page, model=None, deadline: Deadline | None = None):
    """Block labels, the comment records, and the page's GATE_FEATURES (None without a thread,
    without a model, or for a thread of repeated reply/date records)."""
    labels, rows, proba = _classify(page, model)
    structural = repeated_records(page)
    for i in structural:
        if labels[i] != 2 and not is_prompt(page.blocks[i].text):
            labels[i] = 2
    if deadline is not None:
        deadline.check()
    comment_blocks = [i for i, lab in enumerate(labels) if lab == 2]
    counts = page.ntoks
    if counts is None:
        counts = [len(_WORD.findall(b.text)) for b in page.blocks]
    ntok = sum(counts[i] for i in comment_blocks)
    if ntok < MIN_COMMENT_TOKENS:
        # no thread yet: records of a comment system in no known wording, if any
        found = unnamed_records(page)
        if found:
            structural = found
            for i in found:
                if not is_prompt(page.blocks[i].text):
                    labels[i] = 2
            comment_blocks = [i for i, lab in enumerate(labels) if lab == 2]
            ntok = sum(counts[i] for i in comment_blocks)
    comments: list[dict] = []
    stats = None
    if ntok >= MIN_COMMENT_TOKENS:
        comments, extra = build_thread(page, comment_blocks)
        if extra:  # blocks inside the thread's records that the labels missed
            for i in extra:
                labels[i] = 2
            comment_blocks = sorted({*comment_blocks, *extra})
        if not comments:
            comments = fallback_records(page, comment_blocks)
        kept = sum(
            len(_WORD.findall(" ".join(c[k] or "" for k in ("author", "time", "quote", "text"))))
            for c in comments
        )
        if kept < MIN_COMMENT_TOKENS:
            comments = []
        elif rows is not None and not structural:
            # the page gate judges threads that rest on the block model alone; repeated
            # records with dates and reply links are evidence enough
            stats = gate_stats(page, rows, proba, comment_blocks, comments, kept)
    return labels, comments, stats


def classify(page: Page, model=None) -> list[int]:
    """0 other, 1 article, 2 comment for every block."""
    return _classify(page, model)[0]


def _classify(page: Page, model=None):
    """Block labels, and with a model also the feature rows and (n, 3) class probabilities."""
    if not page.blocks:
        return [], None, None
    if model is not None:
        rows = block_rows(page)
        proba = _scorer(model).predict_proba(rows)
        classes = list(model.classes_)
        full = np.zeros((len(rows), 3))
        for j, c in enumerate(classes):
            full[:, int(c)] = proba[:, j]
        return smooth(full).tolist(), rows, full
    return rule_labels(page), None, None


#: Page-level statistics of a predicted thread, for the "has comments" gate (learn.fit_gate).
GATE_FEATURES = (
    "log_kept",
    "log_records",
    "p_mean",
    "p_max",
    "share",
    "commentish",
    "head",
    "after_attr",
    "after_head",
    "with_author",
    "with_time",
    "log_blocks",
)


def gate_stats(page: Page, rows, proba, cblocks: list[int], comments: list[dict], kept: int):
    """The GATE_FEATURES of one page whose predicted thread passed the token floors."""
    from stance.splitter.features import _COL

    counts = page.ntoks or [len(_WORD.findall(b.text)) for b in page.blocks]
    w = np.asarray([counts[i] for i in cblocks], dtype=np.float64)
    pc = proba[cblocks, 2]
    num = rows.num
    return [
        math.log1p(kept),
        math.log1p(len(comments)),
        float((pc * w).sum() / max(w.sum(), 1.0)),
        float(pc.max()),
        float(w.sum()) / max(sum(counts), 1),
        float(rows.commentish[cblocks].mean()),
        float(num[:, _COL["head"]].max()),
        float(num[cblocks, _COL["after_attr"]].mean()),
        float(num[cblocks, _COL["after_head"]].mean()),
        sum(1 for c in comments if c["author"]) / len(comments),
        sum(1 for c in comments if c["time"]) / len(comments),
        math.log1p(len(cblocks)),
    ]


def gate_keeps(gate: dict, stats) -> bool:
    """Whether the learned page gate (a logistic model, see learn.fit_gate) keeps the thread."""
    x = (np.asarray(stats, dtype=np.float64) - gate["mean"]) / gate["scale"]
    score = float(x @ np.asarray(gate["coef"]) + gate["intercept"])
    return 1.0 / (1.0 + math.exp(-max(min(score, 500.0), -500.0))) >= gate["threshold"]


_SCORERS: dict[int, object] = {}


def _scorer(model):
    from stance.splitter.learn import FastScorer

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


def _teaser(page: Page, bl) -> bool:
    """A record that reads as a teaser card, not a comment: it holds a heading or a linked
    line of four or more words (a headline link)."""
    for i in bl:
        b = page.blocks[i]
        if b.elem >= 0 and page.elements[b.elem].tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            return True
        if b.link_chars >= 0.6 * len(b.text) and len(_WORD.findall(b.text)) >= 4:
            return True
    return False


def find_title(page: Page) -> str:
    """The headline: the h1/h2 that shares most words with <title>, else <title> minus the site."""
    t = page.title
    parts = _TITLE_SEP.split(t) if t else []
    heads = []
    for b in page.blocks[:400]:
        if b.elem >= 0 and page.elements[b.elem].tag in ("h1", "h2") and len(b.text) < 300:
            heads.append(b.text)
    tw = set(_norm(t).split())
    best, best_score = "", 0.0
    for h in heads:
        hw = _norm(h).split()
        if len(hw) < 2:
            continue
        score = sum(1 for w in hw if w in tw) / len(hw)
        if score > best_score + 1e-9:
            best, best_score = h, score
    if best and best_score >= 0.5:
        return best
    if parts:
        return max(parts, key=len).strip() if len(parts) > 1 else t.strip()
    for b in page.blocks[:400]:
        if b.elem >= 0 and page.elements[b.elem].tag == "h1":
            return b.text
    return heads[0] if heads else ""


def fallback_records(page: Page, cblocks: list[int]) -> list[dict]:
    """No repeated record element: metadata blocks (a date, an author) delimit the comments.

    A page whose first comment block is metadata has headers ("Ann, May 3" then the text);
    otherwise the metadata closes each comment (text, then "by Ann on May 3"). Nesting comes
    from how deep the metadata blocks sit in the markup.
    """
    from stance.splitter.thread import _is_meta, _ordered, _section_line, record_fields

    cblocks = [i for i in cblocks if not _section_line(page.blocks[i].text)]
    if not cblocks:
        return []
    metas = {i for i in cblocks if _is_meta(page, i)}
    groups: list[list[int]] = []
    if not metas:
        groups = [[i] for i in cblocks]
    elif cblocks[0] in metas:
        for i in cblocks:
            if i in metas and (not groups or any(j not in metas for j in groups[-1])):
                groups.append([i])
            elif groups:
                groups[-1].append(i)
    else:
        cur: list[int] = []
        for i in cblocks:
            cur.append(i)
            if i in metas:
                groups.append(cur)
                cur = []
        if cur:
            if groups:
                groups[-1].extend(cur)
            else:
                groups.append(cur)
    depths = []
    for g in groups:
        m = next((i for i in g if i in metas), g[0])
        e = page.blocks[m].elem
        depths.append(page.elements[e].depth if e >= 0 else 0)
    levels = sorted(set(depths))[:8]
    out: list[dict] = []
    stack: list[tuple[int, str]] = []
    for g, d in zip(groups, depths):
        rec = record_fields(page, g)
        if rec is None:
            continue
        depth = levels.index(d) if d in levels else len(levels)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        depth = min(depth, len(stack))
        cid = f"c{len(out) + 1}"
        rec.update(id=cid, parent_id=stack[-1][1] if stack else None, depth=depth)
        out.append(_ordered(rec))
        stack.append((depth, cid))
    return out


REPLY = re.compile(
    # an optional vote count first ("12 Reply Share ›", Disqus's comment footer)
    r"^\s*(?:[▲▼+-]?\s?\d{1,5}\s+(?:[▲▼]\s+)?)?"
    r"(?:reply|reply\s+to\s+this|respond|antworten|répondre|responder|rispondi|"
    r"ответить|odpowiedz|odpowiedź|reageer|svara)\s*(?:[#↓»›|·•]|\(\d+\))?\s*"
    r"(?:[+-]?\d{1,5}|(?:share|report|quote|like|permalink|flag)\s*[›»]?(?:\s*[|·•]?\s*"
    r"(?:share|report|quote|like|permalink|flag)\s*[›»]?)*)?\s*$",
    re.I,
)


def repeated_records(page: Page) -> set[int]:
    """Blocks inside repeated sibling records that carry a date, text and a reply link.

    This catches comment threads whose markup never says "comment".
    """
    blocks = page.blocks
    reply = [
        i for i, b in enumerate(blocks) if len(b.text) < 60 and REPLY.match(b.text) and b.elem >= 0
    ]
    return _repeated_with(page, reply, strict=False)


def unnamed_records(page: Page) -> set[int]:
    """Blocks of repeated records of a comment system whose markup and links use no known
    word (``repeated_records`` wants "Reply"), for pages where nothing else found a
    thread: records anchored on their own action links, a short line of links that repeats
    from record to record with its numbers masked ("41 Answer Complain", "7 Answer
    Complain"), or on bylines of one markup (``span.user`` + a date). Each record needs a
    date and a text that is not a byline; the records must not read as teaser cards (no
    headline, no linked line of several words) nor as one account's feed (every record
    opening alike).
    """
    found = _repeated_with(page, _action_anchors(page), strict=True)
    if not found:
        anchors = _byline_anchors(page)  # bylines alone: also teaser and product cards, so
        if anchors and _comment_evidence(page):  # the page must show a comment section
            found = _repeated_with(page, anchors, strict=True)
    if found and _in_boilerplate(page, found):
        return set()
    return found


#: Class/id tokens of the containers of teaser, product and promo cards, which repeat an
#: author or name and a date like comment records do.
_CARD_TOKENS = _BOILER_TOKENS | frozenset(
    ["teaser", "teasers", "card", "cards", "product", "products", "shop", "sponsored",
     "recommended", "recommendations", "popular", "trending", "latest", "columnists",
     "opinion", "more", "also"])


def _in_boilerplate(page: Page, blocks: set[int]) -> bool:
    """Whether most of ``blocks`` sit in an element whose class/id says sidebar, widget,
    teaser, product or promo card, and none in one that says comment."""
    hits = 0
    for i in blocks:
        tokens = set()
        for j in page.ancestors(page.blocks[i].elem, limit=12):
            tokens.update(page.elements[j].tokens)
        if not tokens.isdisjoint(_COMMENT_TOKENS):
            return False
        hits += not tokens.isdisjoint(_CARD_TOKENS)
    return hits * 2 > len(blocks)


def _comment_evidence(page: Page) -> bool:
    """A comment section's heading ("Comments", "Discussion (3)", "12 responses") or prompt
    ("Leave a reply", "log in or register") on the page, or an element classed comment,
    discussion, reply, ... (``_COMMENT_TOKENS``)."""
    from stance.splitter.patterns import is_prompt, is_section_head

    for b in page.blocks:
        t = b.text
        if len(t) < 200 and (is_section_head(t) or is_prompt(t)):
            return True
    return any(not _COMMENT_TOKENS.isdisjoint(e.tokens) for e in page.elements)


def _byline_anchors(page: Page) -> list[int]:
    """Bylines of one markup (a short dated block whose inline author element holds a
    name: ``span.user "Ann"`` + ``span.date``) that recur at least three times."""
    from stance.splitter.patterns import has_date
    from stance.splitter.thread import AUTHOR_TOKENS, name_of

    els = page.elements
    by_sig: dict[tuple, list[int]] = defaultdict(list)
    for i, b in enumerate(page.blocks):
        if b.elem < 0 or not b.inline or len(b.text) > 120 or not has_date(b.text):
            continue
        for j in b.inline:
            e = els[j]
            if e.text and AUTHOR_TOKENS.intersection(e.tokens) and name_of(e.text):
                by_sig[(els[b.elem].tag, els[b.elem].tokens, e.tokens)].append(i)
                break
    return [i for idx in by_sig.values() if len(idx) >= 3 for i in idx]


def _action_anchors(page: Page) -> list[int]:
    """Short blocks of links whose shape (numbers masked) recurs: a record's action links."""
    from stance.splitter.thread import _ACTION_SHAPE, _shape

    by_shape: dict[str, list[int]] = defaultdict(list)
    for i, b in enumerate(page.blocks):
        t = b.text
        if b.elem < 0 or len(t) > 60 or not b.link_chars:
            continue
        letters = sum(1 for ch in t if ch.isalpha())
        if not letters or b.link_chars < 0.5 * letters:
            continue
        sh = _shape(t)
        if (
            " " not in sh  # one word: "Reply" and its translations are REPLY's
            or not _ACTION_SHAPE.match(sh)
            or WIDGET.match(t)
            or (UI_LINE.match(t) and "more" in sh)
        ):
            continue
        by_shape[sh].append(i)
    return [i for idx in by_shape.values() if len(idx) >= 3 for i in idx]


def _repeated_with(page: Page, reply: list[int], strict: bool) -> set[int]:
    from stance.splitter.patterns import has_date
    from stance.splitter.thread import INLINE_TAGS, _has_ancestor_in, _sig

    blocks = page.blocks
    if len(reply) < 2:
        return set()
    els = page.elements
    by_sig: dict[str, set[int]] = defaultdict(set)
    for i in reply:
        seen = set()
        for a in page.ancestors(blocks[i].elem, 30):
            sg = _sig(page, a)
            if sg not in seen and els[a].tag not in INLINE_TAGS:
                seen.add(sg)
                by_sig[sg].add(a)
    cands = {sg: el for sg, el in by_sig.items() if len(el) >= 2}
    if not cands:
        return set()
    # which candidate elements hold a date block and a text block
    owner_blocks: dict[int, list[int]] = defaultdict(list)
    wanted = set().union(*cands.values())
    for i, b in enumerate(blocks):
        if b.elem < 0:
            continue
        for a in page.ancestors(b.elem, 30):
            if a in wanted:
                owner_blocks[a].append(i)
    best = None
    for elems in cands.values():
        good = 0
        for e in elems:
            bl = owner_blocks.get(e, ())
            has_d = any(len(blocks[i].text) < 120 and has_date(blocks[i].text) for i in bl)
            if strict:  # the text is not a byline, and the record is not a teaser card
                has_t = any(
                    len(_WORD.findall(blocks[i].text)) >= 6 and not has_date(blocks[i].text)
                    for i in bl
                ) and not _teaser(page, bl)
            else:
                has_t = any(len(_WORD.findall(blocks[i].text)) >= 6 for i in bl)
            good += has_d and has_t
        if good < 2 or good < 0.6 * len(elems):
            continue
        openers = {blocks[owner_blocks[e][0]].text for e in elems if e in owner_blocks}
        if strict and len(openers) < 2:
            continue  # every record opens alike ("YahooSports"): one account's feed
        nested = sum(1 for e in elems if _has_ancestor_in(page, e, elems))
        depth = sum(els[e].depth for e in elems) / len(elems)
        key = (good, nested, -depth)
        if best is None or key > best[0]:
            best = (key, elems)
    if best is None:
        return set()
    out: set[int] = set()
    for e in best[1]:
        out.update(owner_blocks.get(e, ()))
    return out
