"""Comment blocks of an HTML page -> comment records (who, when, likes, quote, text, nesting).

The record boundary is found from the page's own structure: among the elements that hold
comment blocks, the markup signature (tag + stable class tokens) whose repeated instances
each carry one metadata block (a date, an author) is the comment record. Records nested in
records are replies; the depth is the number of enclosing records.

The chosen records also vouch for blocks the block labels missed (``complete_records``):
a record of the thread's own signature that carries a byline keeps its text even when the
block classifier called that text boilerplate (a short or rude comment, a comment with no
reply link). Inside a record, a byline's fields come from the inline elements that hold
them (``span.author``, ``a.time-ago``; see ``blocks.Element.text``) before the line's
wording, so touching spans ("Ann30 minutes ago") and a reply's "in reply to" link do not
end up in the author; a bare number (a vote count) is never comment text.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict

from stance.splitter.blocks import Page
from stance.splitter.features import _GENERIC_CLASS
from stance.splitter.fields import find_author, find_likes, find_time, name_of
from stance.splitter.patterns import (
    COMMENTS_HEADER,
    DATE,
    UI_LINE,
    WIDGET,
    has_date,
    is_prompt,
    reply_to,
)

AUTHOR_TOKENS = frozenset(
    [
        "author",
        "fn",
        "name",
        "user",
        "username",
        "nick",
        "nickname",
        "commenter",
        "poster",
        "vcard",
        "cite",
        "by",
        "who",
        "usr",
        "member",
    ]
)
LIKE_TOKENS = frozenset(
    [
        "like",
        "likes",
        "vote",
        "votes",
        "voting",
        "score",
        "points",
        "pts",
        "rating",
        "karma",
        "upvote",
        "upvotes",
        "thumbs",
        "rate",
        "rates",
        "respect",
        "react",
        "recommend",
        "recommends",
    ]
)
#: Class tokens of an inline element that names the comment replied to ("in reply to Ann"),
#: which is not the comment's own author.
PARENT_TOKENS = frozenset(["parent", "replyto", "mention", "mentions"])
_BARE_NUMBER = re.compile(r"^\s*[-+]?\d[\d,.]{0,6}\s*$")
#: A record's reply link in other languages (UI_LINE has the English ones; it is also a
#: block-model feature, so it is left as trained).
_REPLY_LINK = re.compile(
    r"^\s*(?:antworten|beantworten|répondre|responder|rispondi|ответить|odpowiedz|odpowiedź|"
    r"reageer|reageren|svara|svar|vastaa|odpovědět|válasz)\s*[.:!›»↓]*\s*$",
    re.I,
)
QUOTE_TOKENS = frozenset(["quote", "blockquote", "quoted"])
INLINE_TAGS = frozenset(
    [
        "p",
        "span",
        "a",
        "b",
        "i",
        "em",
        "strong",
        "font",
        "small",
        "br",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "cite",
        "abbr",
        "time",
        "img",
        "label",
        "u",
        "sup",
        "sub",
        "code",
        "pre",
        "tt",
    ]
)
_WORD = re.compile(r"\w+")
#: A block of separators only ("•", "|", "·"): a list bullet between links, never text.
_PUNCT_ONLY = re.compile(r"^[\s•·|/\\\-–—…*.,:;()\[\]]+$")
#: A line that may be a record's action links ("Answer  Complain", "41 Reply Share"):
#: a few short words and numbers, no sentence.
_ACTION_SHAPE = re.compile(r"^(?:[^\W\d_]{1,14}|#)(?:\s+(?:[^\W\d_]{1,14}|#)){0,5}$")
_DIGITS = re.compile(r"[+-]?\d[\d,.]*")


def _shape(text: str) -> str:
    """A short line with its numbers masked: "Respect 33  Reply" -> "respect # reply"."""
    return " ".join(_DIGITS.sub(" # ", text.lower()).replace("›", " ").replace("»", " ").split())


def action_lines(texts_by_record: list[list[tuple[int, str]]]) -> set[int]:
    """Keys of the lines that are the records' own action links: the same short shape of
    words (numbers masked) in at least 80 % of three or more records, or in every one of
    two when it carries a count. Names and comments vary between records; the footer
    "Answer  Complain" (any words, any language) does not."""
    n = len(texts_by_record)
    if n < 2:
        return set()
    seen: dict[str, set[int]] = defaultdict(set)
    keys: dict[str, list[int]] = defaultdict(list)
    for r, lines in enumerate(texts_by_record):
        for key, text in lines:
            if len(text) > 60:
                continue
            sh = _shape(text)
            if not _ACTION_SHAPE.match(sh) or not _WORD.search(sh) or has_date(text):
                continue
            seen[sh].add(r)
            keys[sh].append(key)
    out: set[int] = set()
    for sh, recs in seen.items():
        k = len(recs)
        if (n >= 3 and k >= 3 and k >= 0.8 * n) or (k == n == 2 and "#" in sh):
            out.update(keys[sh])
    return out


#: Class tokens that mark a record's place in the thread, not its kind: a reply is a
#: ``div.comment.reply`` among ``div.comment`` siblings, one record type all the same.
_THREAD_POSITION = frozenset(["reply", "replies", "child", "children", "nested", "toplevel"])


_SIG: dict[tuple, str] = {}


def _sig(page: Page, idx: int) -> str:
    """``tag.tok1.tok2``: the element's sorted class/id tokens without generic and thread
    position ones (at most 4), memoised per (tag, tokens)."""
    e = page.elements[idx]
    key = (e.tag, e.tokens)
    got = _SIG.get(key)
    if got is None:
        toks = sorted(
            {t for t in e.tokens if not _GENERIC_CLASS.match(t) and t not in _THREAD_POSITION}
        )[:4]
        got = e.tag + "." + ".".join(toks)
        if len(_SIG) < 50000:
            _SIG[key] = got
    return got


def _is_meta(page: Page, bi: int) -> bool:
    b = page.blocks[bi]
    n = len(_WORD.findall(b.text))
    if n > 25:
        return False
    if has_date(b.text):
        return True
    if b.elem >= 0:
        idxs = [b.elem, *b.inline]
        for i in idxs:
            if AUTHOR_TOKENS.intersection(page.elements[i].tokens):
                return True
    return False


def _has_ancestor_in(page: Page, idx: int, elems: set[int]) -> bool:
    p = page.elements[idx].parent
    steps = 0
    while p >= 0 and steps < 60:
        if p in elems:
            return True
        p = page.elements[p].parent
        steps += 1
    return False


def choose_records(page: Page, cblocks: list[int]):
    """(signature, {block index: owner element}) for the best record signature, or None."""
    anc_of = {
        bi: page.ancestors(page.blocks[bi].elem, 40) for bi in cblocks if page.blocks[bi].elem >= 0
    }
    if len(anc_of) < 2:
        return None
    tok = {bi: len(_WORD.findall(page.blocks[bi].text)) for bi in cblocks}
    total = sum(tok.values()) or 1
    meta = {bi: _is_meta(page, bi) for bi in anc_of}
    # for every block, the nearest ancestor of each signature
    first: dict[int, dict[str, int]] = {}
    by_sig: dict[str, set[int]] = defaultdict(set)
    sig_cache: dict[int, str] = {}
    for bi, anc in anc_of.items():
        near: dict[str, int] = {}
        for a in anc:
            s = sig_cache.get(a)
            if s is None:
                s = sig_cache[a] = _sig(page, a)
            if s not in near:
                near[s] = a
            by_sig[s].add(a)
        first[bi] = near
    best = None
    for s, elems in by_sig.items():
        if len(elems) < 2 or page.elements[next(iter(elems))].tag in INLINE_TAGS:
            continue
        owner = {bi: near[s] for bi, near in first.items() if s in near}
        records = set(owner.values())
        if len(records) < 2:
            continue
        cov = sum(tok[bi] for bi in owner) / total
        with_meta = {owner[bi] for bi in owner if meta[bi]}
        with_text = {owner[bi] for bi in owner if not meta[bi] and tok[bi] >= 3}
        good = len(with_meta & with_text)
        score = round(cov * (good / len(records)) * math.log1p(good), 6)
        # on a tie prefer records that nest (replies) and then the outer element
        nested = sum(1 for r in records if _has_ancestor_in(page, r, elems))
        depth = sum(page.elements[r].depth for r in records) / len(records)
        key = (score, nested, -depth)
        if best is None or key > best[0]:
            best = (key, s, owner)
    if best is None or best[0][0] < 0.2:
        return None
    return best[1], best[2]


def complete_records(page: Page, cblocks: list[int], chosen) -> list[int]:
    """Blocks outside ``cblocks`` that the thread's own records vouch for (the records
    ``chosen`` from ``cblocks``; their owner map gains the blocks added).

    Every element of the chosen signature beside a chosen record (same parent) or inside
    one (a reply) is a record too, and so is a variant of it (same tag, at least half of the
    signature's class tokens: the post author's reply is ``div.comment.by-author`` among
    ``div.comment.guest``) that leaves the record around it a byline and text of its own (a
    ``div.comment-body`` is part of a record, not a reply). A record whose labelled blocks
    hold a byline and text is vouched for; any other must look like those: a byline in an
    element of the same signature as theirs, and not many more blocks than the largest of
    them (a page-wide wrapper of the same signature is not a comment). A vouched-for record
    keeps its text blocks and byline even where the block labels said boilerplate or
    article. Needs two records with byline and text.
    """
    sig, owner = chosen
    meta = {bi: _is_meta(page, bi) for bi in owner}
    with_meta = {owner[bi] for bi in owner if meta[bi]}
    good = with_meta.intersection(owner[bi] for bi in owner if not meta[bi])
    if len(good) < 2:
        return []
    records = set(owner.values())
    els = page.elements
    tag = els[next(iter(records))].tag
    parents = {els[r].parent for r in records}
    first = min(records)
    sig_toks = set(sig.split(".")[1:]) - {""}
    need = max(1, (len(sig_toks) + 1) // 2)
    # near[e]: the innermost record holding element e (elements come parents first)
    near: dict[int, int] = {}
    variant: set[int] = set()
    for idx in range(first, len(els)):
        e = els[idx]
        up = near.get(e.parent, -1)
        if idx in records:
            near[idx] = idx
        elif e.tag == tag and (up >= 0 or e.parent in parents) and sig_toks:
            s2 = _sig(page, idx)
            if s2 == sig:
                near[idx] = idx
            elif up >= 0 and len(sig_toks.intersection(e.tokens)) >= need:
                near[idx] = idx
                variant.add(idx)
            elif up >= 0:
                near[idx] = up
        elif up >= 0:
            near[idx] = up
    own: dict[int, list[int]] = defaultdict(list)
    for bi, b in enumerate(page.blocks):
        r = near.get(b.elem, -1)
        if r >= 0:
            own[r].append(bi)
    most = max(len(own[r]) for r in good)
    most += max(2, most // 2)
    meta_sigs = {_sig(page, page.blocks[bi].elem) for bi in owner if meta[bi] and owner[bi] in good}

    def looks_like(bis: list[int]) -> bool:
        return len(bis) <= most and any(
            _sig(page, page.blocks[bi].elem) in meta_sigs and _is_meta(page, bi) for bi in bis
        )

    def has_own(bis: list[int]) -> bool:
        m = [_is_meta(page, bi) for bi in bis]
        return any(m) and not all(m)

    have = set(cblocks)
    added: list[int] = []
    for r, bis in own.items():
        if r in variant:
            outer = near.get(els[r].parent, -1)
            if not looks_like(bis) or (outer >= 0 and not has_own(own.get(outer, []))):
                continue  # blocks of a part of a record stay with nobody new
        elif r not in good and not looks_like(bis):
            continue
        for bi in bis:
            if bi not in have:
                if not _drop(page.blocks[bi].text):
                    added.append(bi)
                    owner[bi] = r
            elif r in variant:
                owner[bi] = r  # a labelled block of a variant record is that record's
    return sorted(added)


def build_thread(page: Page, cblocks: list[int]) -> tuple[list[dict], list[int]]:
    """Comment records from the comment blocks (block indices in page order), and the blocks
    outside ``cblocks`` that the records vouched for (``complete_records``)."""
    cblocks = [bi for bi in cblocks if not _section_line(page.blocks[bi].text)]
    if not cblocks:
        return [], []
    chosen = choose_records(page, cblocks)
    if chosen is None:
        return [], []  # caller falls back to the text reader
    added = complete_records(page, cblocks, chosen)
    if added:
        cblocks = sorted({*cblocks, *added})
    return _records(page, cblocks, chosen[1]), added


def build_records(page: Page, cblocks: list[int]) -> list[dict]:
    """Comment records from the comment blocks (block indices in page order)."""
    return build_thread(page, cblocks)[0]


def _records(page: Page, cblocks: list[int], owner: dict[int, int]) -> list[dict]:
    record_elems = set(owner.values())
    if len(record_elems) >= 3:  # enough repetitions for the structure to vouch for a byline
        cblocks = _with_record_metadata(page, cblocks, record_elems, owner)
    order: list[int] = []
    own: dict[int, list[int]] = defaultdict(list)
    last = None
    for bi in cblocks:
        r = owner.get(bi)
        if r is None:  # a comment block outside any record joins the record before it
            r = last if last is not None else -1 - bi
        if r not in own:
            order.append(r)
        own[r].append(bi)
        last = r
    # nesting: the nearest enclosing record element
    parent_rec: dict[int, int | None] = {}
    for r in order:
        parent_rec[r] = None
        if r < 0:
            continue
        p = page.elements[r].parent
        steps = 0
        while p >= 0 and steps < 200:
            if p in record_elems:
                parent_rec[r] = p
                break
            p = page.elements[p].parent
            steps += 1
    ids = {r: f"c{i + 1}" for i, r in enumerate(order)}
    chrome = action_lines(
        [
            [(bi, page.blocks[bi].text) for bi in own[r] if not _is_meta(page, bi)]
            for r in order
        ]
    )
    buttons = _record_buttons(page, record_elems)
    out = []
    depth_of: dict[int, int] = {}
    for r in order:
        pr = parent_rec[r]
        while pr is not None and pr not in ids:  # parent record had no text of its own
            pr = parent_rec.get(pr)
        depth = depth_of[pr] + 1 if pr is not None and pr in depth_of else 0
        depth_of[r] = depth
        rec = record_fields(page, own[r], chrome)
        if rec is None:
            continue
        if rec["likes"] is None and r in buttons:
            rec["likes"] = buttons[r]
        rec.update(id=ids[r], parent_id=ids[pr] if pr is not None else None, depth=depth)
        out.append(rec)
    return [_ordered(r) for r in out]


def _record_buttons(page: Page, record_elems: set[int]) -> dict[int, int]:
    """{record element: likes} from the like buttons inside each record (not inside a
    nested reply): a button whose class, id or label is a like/vote/reaction and whose
    label carries a count ("Respect 33", "Like 3", a bare "41")."""
    els = page.elements
    out: dict[int, int] = {}
    for idx, e in enumerate(els):
        btns = e.extra.get("buttons") if e.extra else None
        if not btns:
            continue
        rec = idx
        steps = 0
        while rec >= 0 and rec not in record_elems and steps < 40:
            rec = els[rec].parent
            steps += 1
        if rec < 0 or rec not in record_elems or rec in out:
            continue
        for toks, text in btns:
            if not LIKE_TOKENS.intersection(toks) and find_likes(text) is None:
                continue
            lk = find_likes(text)
            if lk is None:
                m = re.fullmatch(r"\s*\D{0,20}?([+-]?\d[\d,]*)\s*", text)
                lk = int(m.group(1).replace(",", "")) if m else None
            if lk is not None:
                out[rec] = lk
                break
    return out


def _with_record_metadata(page: Page, cblocks: list[int], record_elems: set[int],
                          owner: dict[int, int]) -> list[int]:
    """``cblocks`` plus the short author/date blocks that sit inside a chosen record
    element but that the block labels missed: the record's structure vouches for them."""
    lo = max(cblocks[0] - 3, 0)  # a record may open with its byline
    have = set(cblocks)
    added = []
    for bi in range(lo, cblocks[-1] + 1):
        b = page.blocks[bi]
        if bi in have or b.elem < 0 or len(b.text) > 120:
            continue
        rec = next((a for a in page.ancestors(b.elem, 40) if a in record_elems), None)
        if rec is not None and not _drop(b.text) and _is_meta(page, bi):
            owner[bi] = rec
            added.append(bi)
    return sorted(have.union(added)) if added else cblocks


def _ordered(r: dict) -> dict:
    return {
        k: r.get(k)
        for k in (
            "id", "parent_id", "depth", "author", "time", "datetime", "likes", "quote", "text"
        )
    }


def _section_line(text: str) -> bool:
    return bool(is_prompt(text) or (len(text) < 120 and COMMENTS_HEADER.match(text)))


def _drop(text: str) -> bool:
    return bool(
        UI_LINE.match(text)
        or _REPLY_LINK.match(text)
        or is_prompt(text)
        or (len(text) < 120 and (COMMENTS_HEADER.match(text) or WIDGET.match(text)))
    )


def inline_fields(page: Page, bi: int) -> tuple[str | None, str | None, list[str]]:
    """(author, time, texts naming another comment) read from the classed inline elements of
    block ``bi``: the innermost author element's name, the first short date, and the text of
    "in reply to" links (``PARENT_TOKENS``)."""
    b = page.blocks[bi]
    els = page.elements
    author = time_ = None
    author_el = -1
    other: list[str] = []
    for i in b.inline:
        e = els[i]
        t = e.text
        if not t:
            continue
        if PARENT_TOKENS.intersection(e.tokens):
            other.append(t)
            continue
        if time_ is None and len(t) <= 80 and has_date(t):
            time_ = find_time(t)
        if AUTHOR_TOKENS.intersection(e.tokens) and (author_el < 0 or _inside(page, i, author_el)):
            name = name_of(t)
            if name:
                author, author_el = name, i
    if author:
        for t in other:  # an author element that also holds the "in reply to" link
            if t in author and t != author:
                author = author.replace(t, " ").strip(" ,:|•·-–—→▶►»›\t") or None
    return author, time_, other


def _inside(page: Page, idx: int, anc: int) -> bool:
    """Whether element ``idx`` lies inside element ``anc`` (a short walk up)."""
    els = page.elements
    steps = 0
    while idx >= 0 and steps < 12:
        if idx == anc:
            return True
        idx = els[idx].parent
        steps += 1
    return False


def _like_markup(page: Page, b, toks: set[str]) -> bool:
    """Whether a bare number sits in vote/like markup (the block's own or 3 ancestors'),
    not in a reply/comment/view counter."""
    if toks & LIKE_TOKENS:
        return True
    if toks & {"reply", "replies", "comment", "comments", "views", "posts", "answers"}:
        return False
    near = set(toks)
    if b.elem >= 0:
        for a in page.ancestors(b.elem, 3):
            near.update(page.elements[a].tokens)
    return bool(near & LIKE_TOKENS or toks & {"count", "counter"})


def _stamp(page: Page, b) -> str | None:
    """The machine-readable time (``Element.extra["datetime"]``) of a block's elements."""
    for i in (b.elem, *b.inline):
        if i >= 0:
            v = page.elements[i].extra.get("datetime")
            if v:
                return v
    return None


def _time_element(page: Page, b) -> bool:
    """A short block that is all one element carrying a machine-readable time (a
    ``<time datetime>`` whose visible text DATE does not read, such as "Apr 15")."""
    if len(b.text) > 40 or len(_WORD.findall(b.text)) > 5 or b.elem < 0:
        return False
    if page.elements[b.elem].extra.get("datetime"):
        return True
    t = b.text.strip()
    return any(
        page.elements[i].extra.get("datetime") and page.elements[i].text == t for i in b.inline
    )


def _header_name(page: Page, bis: list[int]) -> int | None:
    """The block that names the commenter in a byline without author markup: a short,
    name-like block right before the record's date block, in the same header element
    (``div.header > span "Ann" + time "09:14"``)."""
    els = page.elements
    for k, bi in enumerate(bis):
        b = page.blocks[bi]
        if b.elem < 0 or not (has_date(b.text) or _stamp(page, b)) or len(b.text) > 80:
            continue
        if k == 0:
            return None
        prev = page.blocks[bis[k - 1]]
        if prev.elem < 0 or bis[k - 1] != bi - 1:
            return None
        t = _NUMBERING.sub("", prev.text.strip())
        if (
            len(_WORD.findall(b.text)) > 8
            or find_author(b.text, find_time(b.text))  # the date line names someone itself
            or len(t) > 50
            or len(_WORD.findall(t)) > 4
            or has_date(t)
            or _SENTENCE.search(t)
            or _drop(t)
        ):
            return None
        pe, te = prev.elem, b.elem
        related = (
            pe == te
            or els[te].parent == pe
            or els[pe].parent == te
            or (els[pe].parent == els[te].parent and els[pe].parent >= 0)
        )
        return bis[k - 1] if related and name_of(t) else None
    return None


_NUMBERING = re.compile(r"^#?\d{1,4}[.)]?\s+(?=\S)")
#: Punctuation of a sentence, not of a name ("G. Marsh" and "Sergei B." are names).
_SENTENCE = re.compile(r"[!?;:,]|\b\w{2,}\.(?:\s|$)")


def record_fields(page: Page, bis: list[int], chrome: set | frozenset = frozenset()) -> dict | None:
    """A record's fields from its blocks ``bis``; ``chrome`` holds blocks known to be
    action links (``action_lines``): skipped, their count read as likes."""
    author = time_ = likes = stamp = None
    quote_parts: list[str] = []
    text_parts: list[str] = []
    named = _header_name(page, bis)
    for bi in bis:
        b = page.blocks[bi]
        text = b.text
        if bi in chrome or _PUNCT_ONLY.match(text) or reply_to(text):
            if bi in chrome and likes is None:
                likes = _action_likes(page, b)
            continue
        if stamp is None and len(text) < 300:  # a byline's, not a link's in the text
            stamp = _stamp(page, b)
        if bi == named and author is None:
            author = name_of(_NUMBERING.sub("", text.strip()))
            continue
        if time_ is None and _time_element(page, b):  # <time datetime=...>Apr 15</time>
            time_ = text.strip()
            continue
        els = [page.elements[i] for i in (b.elem, *b.inline) if i >= 0]
        toks = set()
        for e in els:
            toks.update(e.tokens)
        anc_tags = {page.elements[a].tag for a in page.ancestors(b.elem, 4)} if b.elem >= 0 else ()
        n = len(_WORD.findall(text))
        fa = ft = None
        other: list[str] = []
        if n <= 25 and b.inline:
            fa, ft, other = inline_fields(page, bi)
        if n <= 25 and (has_date(text) or AUTHOR_TOKENS & toks or ft):
            t = None
            if time_ is None:
                t = find_time(text)
                if ft and (not t or ft not in t):  # touching spans hide a date from the line
                    t = ft
            if t and time_ is None:
                time_ = t
            if author is None:
                a = fa or find_author(text, t)
                if a is None and AUTHOR_TOKENS & toks and n <= 6 and not DATE.search(text):
                    a = re.sub(r"\s+(?:says|said|wrote)\s*:?\s*$", "", text, flags=re.I).strip()
                author = a or author
            lk = find_likes(text)
            if lk is not None and likes is None:
                likes = lk
            if t or author:
                rest = text
                for piece in (t, author, *other):
                    if piece:  # as read, and as the line has it when its spans touch
                        rest = rest.replace(piece, " ").replace(piece.replace(" ", ""), " ")
                rest = re.sub(
                    r"\bhttps?://\S+|\b(?:by|on|at|says|said|wrote|posted|reply|permalink|"
                    r"report|share|link|edit|quote)\b|[#|•·:,.\-–—]",
                    " ",
                    rest,
                    flags=re.I,
                )
                if len(_WORD.findall(rest)) <= 3:
                    continue
        if n <= 6 and (LIKE_TOKENS & toks or find_likes(text) is not None):
            lk = find_likes(text)
            if lk is None and LIKE_TOKENS & toks:
                m = re.search(r"[-+]?\d+", text)
                lk = int(m.group()) if m else None
            if lk is not None and likes is None:
                likes = lk
            continue
        if _BARE_NUMBER.match(text):  # a vote or reply count, never comment text
            if likes is None and _like_markup(page, b, toks):
                digits = text.strip().lstrip("+").replace(",", "")
                likes = int(digits) if re.fullmatch(r"-?\d+", digits) else None
            continue
        if _drop(text):
            continue
        if "blockquote" in anc_tags or QUOTE_TOKENS & toks:
            quote_parts.append(text)
        else:
            text_parts.append(text)
    body = "\n".join(text_parts).strip()
    if not body and not quote_parts:
        return None
    return {
        "author": author,
        "time": time_,
        "datetime": stamp,
        "likes": likes,
        "quote": "\n".join(quote_parts) or None,
        "text": body,
    }


def _action_likes(page: Page, b) -> int | None:
    """The count on a record's action line: a like count ("Respect 33", "Like 3"), or a
    number that sits in like/vote markup; reply counts and others are not likes."""
    lk = find_likes(b.text)
    if lk is not None:
        return lk
    for i in (b.elem, *b.inline):
        if i >= 0:
            e = page.elements[i]
            if e.text and _BARE_NUMBER.match(e.text) and LIKE_TOKENS.intersection(e.tokens):
                digits = e.text.strip().lstrip("+").replace(",", "")
                return int(digits) if re.fullmatch(r"-?\d+", digits) else None
    return None
