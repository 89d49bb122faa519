"""Features of text blocks for the learned block classifier, and gold labels for training.

Every block gets its shape (length, link density, punctuation, dates), the tokens of its own
and its ancestors' class/id attributes, its tag path, the words of short blocks, its
neighbours' shape, how often its markup signature repeats on the page and where it sits
relative to the first "comments" anchor. Labels come from aligning blocks to the gold text
(word trigrams). No scikit-learn here: the HTML reader imports this on every page.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from stance.splitter.blocks import Block, Page
from stance.splitter.patterns import COMMENTS_HEADER, UI_LINE, has_date, is_prompt

LABELS = ("other", "article", "comment")
_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
_COMMENT_TOKENS = frozenset(
    [
        "comment",
        "comments",
        "commentlist",
        "comentarios",
        "kommentar",
        "kommentare",
        "commentaires",
        "reply",
        "replies",
        "disqus",
        "dsq",
        "respond",
        "discussion",
        "talkback",
        "reaction",
        "reactions",
    ]
)
_GENERIC_CLASS = re.compile(
    r"^(?:odd|even|alt|thread|depth|first|last|clearfix|clear|"
    r"byuser|bypostauthor|parent|item|\d+)$"
)


def signature(page: Page, idx: int, levels: int = 3) -> str:
    """Markup signature of an element: tag and stable class tokens of it and its parents."""
    parts = []
    els = page.elements
    while idx >= 0 and levels > 0:
        e = els[idx]
        parts.append(_elem_sig(e.tag, e.tokens))
        idx = e.parent
        levels -= 1
    return "/".join(parts)


_ELEM_SIG: dict[tuple, str] = {}


def _elem_sig(tag: str, tokens: tuple[str, ...]) -> str:
    """``tag.tok1.tok2`` with generic class tokens dropped (at most 4), memoised."""
    key = (tag, tokens)
    got = _ELEM_SIG.get(key)
    if got is None:
        toks = [t for t in tokens if not _GENERIC_CLASS.match(t)][:4]
        got = tag + "." + ".".join(toks)
        if len(_ELEM_SIG) < 50000:
            _ELEM_SIG[key] = got
    return got


def _shape(text: str, words: list[str]) -> dict:
    n = len(words)
    chars = max(len(text), 1)
    return {
        "n": n,
        "punct": (
            text.count(".")
            + text.count(",")
            + text.count(";")
            + text.count(":")
            + text.count("!")
            + text.count("?")
        )
        / max(n, 1),
        "digits": len(_DIGIT.findall(text[:400])) / min(chars, 400),
        "upper": len([w for w in words[:60] if w[:1].isupper()]) / max(min(n, 60), 1),
        "end": text.rstrip()[-1:] in ".!?\"'”)",
    }


def _anc_features(els, anc: list[int]) -> dict:
    """Markup features of a block's ancestors (shared by all blocks under one parent)."""
    f = {}
    for k, a in enumerate(anc[1:10], start=1):
        e = els[a]
        if k <= 2:
            f[f"pt{k}=" + e.tag] = 1.0
        for tok in e.tokens:
            f["a=" + tok] = 1.0
            if k <= 3:
                f["a3=" + tok] = 1.0
    return f


def text_page(lines: list[str]) -> Page:
    """A plain-text dump as a Page: one block per non-empty line, no markup."""
    return Page("", [], [Block(s, -1, 0, ()) for s in (ln.strip() for ln in lines) if s])


# neighbour feature names and offsets
_NEIGHBOURS = tuple(
    (d + "_log_n", d + "_link", d + "_none", j)
    for d, j in (("p", -1), ("n", 1), ("p2", -2), ("n2", 2))
)


def page_features(page: Page, text: bool = False) -> list[dict]:
    """One feature dict per block of ``page``.

    ``text=True`` marks a plain-text dump (no markup): its features get their own weights
    (keys prefixed ``T:``), so one pipeline serves both readers.
    """
    blocks = page.blocks
    nb = len(blocks)
    if not nb:
        return []
    els = page.elements
    words = [_WORD.findall(b.text) for b in blocks]
    ntoks = [len(w) for w in words]
    total = max(sum(ntoks), 1)
    link_d = [min(b.link_chars / max(len(b.text), 1), 1.0) for b in blocks]
    sig_of: dict[int, str] = {}
    sigs = []
    for b in blocks:
        sg = sig_of.get(b.elem)
        if sg is None:
            sg = sig_of[b.elem] = signature(page, b.elem)
        sigs.append(sg)
    sig_count = Counter(sigs)
    sig_tokens = Counter()
    for s, n in zip(sigs, ntoks):
        sig_tokens[s] += n
    # first block with a comment-ish ancestor, and first "N comments" header
    anchor_attr = nb
    anchor_head = nb
    anc_cache: dict[int, list[int]] = {}
    elem_cache: dict[int, dict] = {}
    no_comment_anc: set[int] = set()
    prompt = [False] * nb
    for i, b in enumerate(blocks):
        anc = anc_cache.get(b.elem)
        if anc is None:
            anc = page.ancestors(b.elem, 12) if b.elem >= 0 else []
            anc_cache[b.elem] = anc
        if anchor_attr == nb and b.elem not in no_comment_anc:
            if any(_COMMENT_TOKENS.intersection(els[a].tokens) for a in anc):
                anchor_attr = i
            else:
                no_comment_anc.add(b.elem)
        if (
            anchor_head == nb
            and ntoks[i] <= 12
            and (COMMENTS_HEADER.match(b.text) or is_prompt(b.text))
        ):
            anchor_head = i
    biggest = max(ntoks)
    cum = 0
    rows = []
    title_words = set(w.lower() for w in _WORD.findall(page.title))
    log_n = [math.log1p(n) for n in ntoks]
    for i, b in enumerate(blocks):
        w = words[i]
        n = ntoks[i]
        text_ = b.text
        sh = _shape(text_, w)
        sg = sigs[i]
        f: dict[str, float] = {"bias": 1.0}
        f["log_n"] = log_n[i]
        f["n_le_3"] = float(n <= 3)
        f["n_ge_20"] = float(n >= 20)
        f["n_ge_60"] = float(n >= 60)
        f["link"] = link_d[i]
        f["link_hi"] = float(link_d[i] > 0.5)
        f["punct"] = min(sh["punct"], 1.0)
        f["digits"] = sh["digits"]
        f["upper"] = sh["upper"]
        f["end_punct"] = float(sh["end"])
        f["date"] = float(n <= 25 and has_date(text_))
        f["ui"] = float(UI_LINE.match(text_) is not None)
        f["prompt"] = float(prompt[i])
        f["head"] = float(n <= 12 and COMMENTS_HEADER.match(text_) is not None)
        f["pos"] = i / nb
        f["cpos"] = cum / total
        f["rel_big"] = n / biggest if biggest else 0.0
        f["after_attr"] = float(i >= anchor_attr)
        f["after_head"] = float(i >= anchor_head)
        f["before_both"] = float(i < anchor_attr and i < anchor_head)
        f["sig_rep"] = math.log1p(sig_count[sg])
        f["sig_share"] = sig_tokens[sg] / total
        cum += n
        if title_words and n:
            f["title_overlap"] = len(title_words.intersection(map(str.lower, w))) / len(
                title_words
            )
        for d_log, d_link, d_none, j in _NEIGHBOURS:
            j += i
            if 0 <= j < nb:
                f[d_log] = log_n[j]
                f[d_link] = link_d[j]
            else:
                f[d_none] = 1.0
        if b.elem >= 0:
            anc = anc_cache[b.elem]
            own = els[b.elem]
            f["t=" + own.tag] = 1.0
            f["depth"] = min(own.depth, 60) / 60
            for tok in own.tokens:
                f["s=" + tok] = 1.0
            key = own.parent
            ef = elem_cache.get(key)
            if ef is None:
                ef = elem_cache[key] = _anc_features(els, anc)
            f.update(ef)
            for a in b.inline:
                e = els[a]
                f["i=" + e.tag] = 1.0
                for tok in e.tokens:
                    f["i=" + tok] = 1.0
        if n <= 6:
            for x in w:
                f["w=" + x.lower()] = 1.0
        elif w:
            f["fw=" + w[0].lower()] = 1.0
            f["lw=" + w[-1].lower()] = 1.0
        if text:
            f = {"T:" + k: v for k, v in f.items()}
        rows.append(f)
    return rows


# ----------------------------------------------------------------------------- labels


def _trigrams(toks: list[str]) -> set:
    return {(toks[i], toks[i + 1], toks[i + 2]) for i in range(len(toks) - 2)}


class GoldIndex:
    def __init__(self, content: str, comments: str):
        self.ct = [t.lower() for t in _WORD.findall(content)]
        self.mt = [t.lower() for t in _WORD.findall(comments)]
        self.c3 = _trigrams(self.ct)
        self.m3 = _trigrams(self.mt)
        self.cs = " " + " ".join(self.ct) + " "
        self.ms = " " + " ".join(self.mt) + " "

    def label(self, text: str) -> int:
        toks = [t.lower() for t in _WORD.findall(text)]
        if not toks:
            return 0
        if len(toks) >= 3:
            tg = _trigrams(toks)
            c = sum(1 for g in tg if g in self.c3) / len(tg)
            m = sum(1 for g in tg if g in self.m3) / len(tg)
        else:
            s = " " + " ".join(toks) + " "
            c = float(s in self.cs)
            m = float(s in self.ms)
        if m >= 0.5 and m >= c:
            return 2
        if c >= 0.5:
            return 1
        return 0


def label_page(page: Page, content: str, comments: str) -> list[int]:
    gold = GoldIndex(content, comments)
    return [gold.label(b.text) for b in page.blocks]
