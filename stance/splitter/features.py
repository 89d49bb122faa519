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

import numpy as np

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


def text_page(lines: list[str]) -> Page:
    """A plain-text dump as a Page: one block per non-empty line, no markup."""
    return Page("", [], [Block(s, -1, 0, ()) for s in (ln.strip() for ln in lines) if s])


#: Numeric features, in column order (a row's value is 0.0 where the old dict had no key).
NUMERIC = (
    "bias",
    "log_n",
    "n_le_3",
    "n_ge_20",
    "n_ge_60",
    "link",
    "link_hi",
    "punct",
    "digits",
    "upper",
    "end_punct",
    "date",
    "ui",
    "prompt",
    "head",
    "pos",
    "cpos",
    "rel_big",
    "after_attr",
    "after_head",
    "before_both",
    "sig_rep",
    "sig_share",
    "title_overlap",
    "p_log_n",
    "p_link",
    "p_none",
    "n_log_n",
    "n_link",
    "n_none",
    "p2_log_n",
    "p2_link",
    "p2_none",
    "n2_log_n",
    "n2_link",
    "n2_none",
    "depth",
)
_COL = {name: j for j, name in enumerate(NUMERIC)}
_NEIGHBOURS = (("p", -1), ("n", 1), ("p2", -2), ("n2", 2))
_PUNCT = ".,;:!?"
_END = ".!?\"'”)"


class BlockRows:
    """The features of a page's blocks, kept as arrays instead of one dict per block.

    ``num`` is an (n_blocks, len(NUMERIC)) float array; ``ind[i]`` is a tuple of groups of
    indicator feature names (value 1.0) of block ``i``: names are distinct within a row, and
    blocks under the same markup share one group object. ``prefix`` goes before every name
    ("T:" for plain-text dumps). ``to_dicts()`` gives the feature dicts the Pipeline hashes.
    """

    __slots__ = ("num", "ind", "prefix", "commentish")

    def __init__(self, num: np.ndarray, ind: list[tuple], prefix: str = "", commentish=None):
        self.num = num
        self.ind = ind
        self.prefix = prefix
        # per block: comment-ish class/id tokens on it or its 11 nearest ancestors
        self.commentish = commentish

    def __len__(self) -> int:
        return len(self.ind)

    def to_dicts(self) -> list[dict]:
        pre = self.prefix
        names = [pre + k for k in NUMERIC]
        rows = []
        for vals, groups in zip(self.num.tolist(), self.ind):
            f = {k: v for k, v in zip(names, vals) if v}
            for g in groups:
                for k in g:
                    f[pre + k] = 1.0
            rows.append(f)
        return rows


def page_features(page: Page, text: bool = False) -> list[dict]:
    """One feature dict per block of ``page`` (see ``block_rows``)."""
    return block_rows(page, text).to_dicts()


def block_rows(page: Page, text: bool = False) -> BlockRows:
    """The features of every block of ``page``.

    ``text=True`` marks a plain-text dump (no markup): its features get their own weights
    (names prefixed ``T:``), so one pipeline serves both readers.
    """
    blocks = page.blocks
    nb = len(blocks)
    num = np.zeros((nb, len(NUMERIC)))
    if not nb:
        return BlockRows(num, [], "T:" if text else "")
    els = page.elements
    title_words = set(w.lower() for w in _WORD.findall(page.title))
    n_title = len(title_words)
    findall = _WORD.findall
    digit_findall = _DIGIT.findall
    ui_match = UI_LINE.match
    head_match = COMMENTS_HEADER.match
    ntoks = []
    lens = []
    links = []
    shape = []  # punct, digits, upper, end, date, ui, head, title_overlap
    word_groups = []
    anchor_head = nb
    for i, b in enumerate(blocks):
        t = b.text
        w = findall(t)
        n = len(w)
        ntoks.append(n)
        lens.append(len(t))
        links.append(b.link_chars)
        head = n <= 12 and head_match(t) is not None
        if anchor_head == nb and (head or (n <= 12 and is_prompt(t))):
            anchor_head = i
        shape.append(
            (
                sum(map(t.count, _PUNCT)),
                len(digit_findall(t[:400])),
                sum(map(str.isupper, [x[0] for x in w[:60]])),  # words' first letters
                t.rstrip()[-1:] in _END,
                n <= 25 and has_date(t),
                ui_match(t) is not None,
                head,
                len(title_words.intersection(map(str.lower, w))) / n_title
                if n_title and n
                else 0.0,
            )
        )
        if n <= 6:
            word_groups.append(tuple(dict.fromkeys(["w=" + x.lower() for x in w])))
        elif w:
            word_groups.append(("fw=" + w[0].lower(), "lw=" + w[-1].lower()))
        else:
            word_groups.append(())
    n_arr = np.asarray(ntoks, dtype=np.float64)
    len_arr = np.maximum(np.asarray(lens, dtype=np.float64), 1.0)
    link_d = np.minimum(np.asarray(links, dtype=np.float64) / len_arr, 1.0)
    sh = np.asarray(shape, dtype=np.float64)
    total = max(float(n_arr.sum()), 1.0)
    log_n = np.asarray([math.log1p(n) for n in ntoks])  # math's, as the dict features had
    c = _COL
    num[:, c["bias"]] = 1.0
    num[:, c["log_n"]] = log_n
    num[:, c["n_le_3"]] = n_arr <= 3
    num[:, c["n_ge_20"]] = n_arr >= 20
    num[:, c["n_ge_60"]] = n_arr >= 60
    num[:, c["link"]] = link_d
    num[:, c["link_hi"]] = link_d > 0.5
    num[:, c["punct"]] = np.minimum(sh[:, 0] / np.maximum(n_arr, 1.0), 1.0)
    num[:, c["digits"]] = sh[:, 1] / np.minimum(len_arr, 400.0)
    num[:, c["upper"]] = sh[:, 2] / np.maximum(np.minimum(n_arr, 60.0), 1.0)
    num[:, c["end_punct"]] = sh[:, 3]
    num[:, c["date"]] = sh[:, 4]
    num[:, c["ui"]] = sh[:, 5]
    num[:, c["head"]] = sh[:, 6]
    num[:, c["title_overlap"]] = sh[:, 7]
    idx = np.arange(nb, dtype=np.float64)
    num[:, c["pos"]] = idx / nb
    num[:, c["cpos"]] = (np.cumsum(n_arr) - n_arr) / total
    biggest = n_arr.max()
    if biggest:
        num[:, c["rel_big"]] = n_arr / biggest
    for d, j in _NEIGHBOURS:
        lo, hi = max(-j, 0), nb - max(j, 0)  # rows whose neighbour i + j exists
        if lo < hi:
            num[lo:hi, c[d + "_log_n"]] = log_n[lo + j : hi + j]
            num[lo:hi, c[d + "_link"]] = link_d[lo + j : hi + j]
        num[:lo, c[d + "_none"]] = 1.0
        num[max(hi, 0) :, c[d + "_none"]] = 1.0
    # markup: signatures, ancestors, the first block under comment-ish markup
    anchor_attr = nb
    if els:
        # distance from each element up to the nearest element with a comment-ish token
        # (parents come before their children in ``elements``)
        far = 1 << 30
        cdist = []
        isdisjoint = _COMMENT_TOKENS.isdisjoint
        for el in els:
            if el.tokens and not isdisjoint(el.tokens):
                cdist.append(0)
            else:
                cdist.append(cdist[el.parent] + 1 if el.parent >= 0 else far)
    esig: dict[int, str] = {}  # element -> its own part of a signature
    sig_of: dict[int, str] = {}
    anc_groups: dict[int, tuple] = {}
    sigs = []
    ind = []
    depth = num[:, c["depth"]]
    depths = [0.0] * nb
    commentish = np.zeros(nb, dtype=bool)
    inline_cache = _INLINE
    for i, b in enumerate(blocks):
        e = b.elem
        if e < 0:
            sigs.append("")
            ind.append((word_groups[i],))
            continue
        own = els[e]
        sg = sig_of.get(e)
        if sg is None:
            sg = sig_of[e] = _signature(els, e, esig)
        sigs.append(sg)
        if cdist[e] < 12:
            commentish[i] = True
            if anchor_attr == nb:
                anchor_attr = i
        depths[i] = min(own.depth, 60) / 60
        p = own.parent
        ag = anc_groups.get(p)
        if ag is None:
            ag = anc_groups[p] = _anc_names(els, p)
        inl = b.inline
        if inl:
            if len(inl) == 1:
                a = els[inl[0]]
                key = ((a.tag, a.tokens),)
            else:
                key = tuple([(a.tag, a.tokens) for a in map(els.__getitem__, inl)])
            ig = inline_cache.get(key)
            if ig is None:
                ig = _inline_names(key)
            ind.append((_own_names(own.tag, own.tokens), ag, word_groups[i], ig))
        else:
            ind.append((_own_names(own.tag, own.tokens), ag, word_groups[i]))
    depth[:] = depths
    sig_count = Counter(sigs)
    sig_tokens: Counter = Counter()
    for s, n in zip(sigs, ntoks):
        sig_tokens[s] += n
    num[:, c["sig_rep"]] = [math.log1p(sig_count[s]) for s in sigs]
    num[:, c["sig_share"]] = np.asarray([sig_tokens[s] for s in sigs], dtype=np.float64) / total
    num[anchor_attr:, c["after_attr"]] = 1.0
    num[anchor_head:, c["after_head"]] = 1.0
    num[: min(anchor_attr, anchor_head), c["before_both"]] = 1.0
    page.ntoks = ntoks
    return BlockRows(num, ind, "T:" if text else "", commentish)


def _signature(els, idx: int, esig: dict[int, str]) -> str:
    """``signature`` of element ``idx`` (3 levels), with each element's part memoised in
    ``esig`` (one page's)."""
    parts = []
    for _ in range(3):
        if idx < 0:
            break
        e = els[idx]
        s = esig.get(idx)
        if s is None:
            s = esig[idx] = _elem_sig(e.tag, e.tokens)
        parts.append(s)
        idx = e.parent
    return "/".join(parts)


def _anc_names(els, idx: int) -> tuple[str, ...]:
    """Markup feature names of a block's ancestors from its parent ``idx`` up (9 levels)."""
    if idx < 0:
        return ()
    e = els[idx]
    out = ["pt1=" + e.tag]
    if e.tokens:
        out += _tok_names(e.tokens, True)
    idx = e.parent
    if idx >= 0:
        e = els[idx]
        out.append("pt2=" + e.tag)
        if e.tokens:
            out += _tok_names(e.tokens, True)
        idx = e.parent
        if idx >= 0:
            e = els[idx]
            if e.tokens:
                out += _tok_names(e.tokens, True)
            idx = e.parent
            k = 4
            while idx >= 0 and k < 10:
                e = els[idx]
                if e.tokens:
                    out += _tok_names(e.tokens, False)
                idx = e.parent
                k += 1
    return tuple(dict.fromkeys(out))


_TOK_NAMES: dict[tuple, tuple[str, ...]] = {}


def _tok_names(tokens: tuple[str, ...], near: bool) -> tuple[str, ...]:
    """``a=tok`` for each class token, each followed by ``a3=tok`` when ``near``, memoised."""
    key = (tokens, near)
    got = _TOK_NAMES.get(key)
    if got is None:
        names = []
        for tok in tokens:
            names.append("a=" + tok)
            if near:
                names.append("a3=" + tok)
        got = tuple(names)
        if len(_TOK_NAMES) < 20000:
            _TOK_NAMES[key] = got
    return got


_OWN: dict[tuple, tuple[str, ...]] = {}
_INLINE: dict[tuple, tuple[str, ...]] = {}


def _own_names(tag: str, tokens: tuple[str, ...]) -> tuple[str, ...]:
    key = (tag, tokens)
    got = _OWN.get(key)
    if got is None:
        got = tuple(dict.fromkeys(["t=" + tag] + ["s=" + t for t in tokens]))
        if len(_OWN) < 20000:
            _OWN[key] = got
    return got


def _inline_names(key: tuple) -> tuple[str, ...]:
    got = _INLINE.get(key)
    if got is None:
        names = []
        for tag, tokens in key:
            names.append("i=" + tag)
            names += ["i=" + t for t in tokens]
        got = tuple(dict.fromkeys(names))
        if len(_INLINE) < 20000:
            _INLINE[key] = got
    return got


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
