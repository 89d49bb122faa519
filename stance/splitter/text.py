"""The plain-text reader: dumps made by copy-paste or text scrapers.

The dump is cut at the start of the comment section (a "N Comments" header, a comment
prompt or form, or the first line that opens a comment record). Before it: outlet chrome
up to the title, bylines, dates, photo credits, copyright and widgets are dropped; the
article paragraphs and sub-headings are kept. After it: ``parse_thread`` rebuilds the
records from the thread's own structure (numbering, bullets, indentation, repeated
metadata lines). A thread is kept when its records carry names and dates, open with their
own bylines ("#3 Ann wrote:", "Ann says:", dated or not) or are seen by the block model.

No line is lost silently: paragraphs above the chosen title stay in the article, and when a
record opener ("The mayor says:") leads to no thread, the lines after it are the article's.
Only an announced comment section ("12 Comments", "Leave a Reply") whose records show no
structure is dropped as a whole (it is comment material, not article text). A short line
set apart by a blank line above a longer paragraph is the headline even without a byline.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

from stance.splitter.decode import Deadline
from stance.splitter.fields import LIKES, find_author, find_likes, find_time
from stance.splitter.patterns import (
    COMMENT_PROMPT,
    DATE,
    DATE_ONLY,
    UI_LINE,
    WIDGET,
    announced_comments,
    is_prompt,
    is_section_head,
    reply_to,
)

_WORD = re.compile(r"\w+")
MAX_LINE = 20000  # longer lines are cut before any pattern sees them

# ------------------------------------------------------------------ line classes (article part)
ICON_RUN = re.compile(r"^(?:\s*\bicon\b[\w -]{0,40}){2,}$", re.I)
BYLINE = re.compile(
    r"^\s*(?:by|von|par|por|door|written\s+by|story\s+by|posted\s+by|started\s+by)\s*:?\s+"
    r"[\w.'’ -]{2,80}(?:\s+(?:and|&)\s+[\w.'’ -]{2,40})?\s*[,|]?.{0,60}$",
    re.I,
)
PUBLISHED = re.compile(
    r"^\s*(?:published|updated|last\s+updated|posted|date|time)\b[^\n]{0,80}$", re.I
)
CREDIT = re.compile(
    r"(?:^\s*©|^\s*\(c\)|\bgetty\s+images\b|^\s*(?:photo|image|picture|credit|source|file\s+photo)"
    r"\s*(?:credit)?\s*[:©]|\b(?:reuters|afp|ap\s+photo|epa|sputnik|tass|ria\s+novosti|anadolu|"
    r"shutterstock|istock|global\s+look\s+press)\s*(?:/|$)|/\s*(?:reuters|afp|getty|epa|ap)\b|"
    r"all\s+rights\s+reserved)",
    re.I,
)
PLAYER_TIMES = re.compile(r"^\s*(?:\d{1,2}:\d{2}(?::\d{2})?\s*){1,3}$")
ENTRY_MARK = re.compile(r"^(?P<ind>[ \t]*)(?P<mark>\d{1,4}[.)]|[•◦▪●○■□‣⁃*·-])[ \t]+(?P<rest>.*)$")
SAYS = re.compile(
    r"^\s*(?:#\d+\s+)?(?P<a>[^\n:]{1,60}?)\s+(?:says|said|wrote|writes)\b"
    r"(?P<tail>[^\n]{0,80})$",
    re.I,
)
FORUM = re.compile(r"^\s*#\s?(?P<n>\d{1,6})\s+(?P<a>[^\n]{1,60}?)(?:\s+wrote:?|\s*:)?\s*$", re.I)
DISQUS = re.compile(r"^\s*(?P<a>[^\n•·|]{1,50}?)\s*[•·]\s*(?P<t>[^\n]{1,60})$")
AVATAR = re.compile(
    r"^\s*(?:avatar|user\s+avatar|profile\s+(?:image|picture|photo))"
    r"(?:\s+(?:of|for)\s+.*)?\s*$",
    re.I,
)
VOTES = re.compile(r"^\s*[△▽▲▼↑↓+\-]*\s*\d{1,6}(?:\s*[△▽▲▼↑↓|•]+\s*\d{0,6})*\s*$")
FOOTER_WORD = re.compile(r"^(?:reply|like|share|report)\b", re.I)
QUOTE_OPEN = re.compile(r"^\s*(?:>|[“\"«„]|quote:|quote\s+from\s+[^:\n]{1,60}:)", re.I)
# "#3 Ann wrote:" / "Ann says:" alone on a line: a comment record's own opener, dated or not
FORUM_BYLINE = re.compile(r"^\s*#\s?\d{1,6}\s+[^\n]{1,60}?\s+wrote\s*:?\s*$", re.I)
SAYS_BYLINE = re.compile(r"^\s*(?P<a>[^\s:][^\n:]{0,40}?)\s+(?:says|wrote)\s*:\s*$", re.I)
# a reported-speech opener in an article ("The minister says:"), never a commenter's name
_NOT_COMMENTER = re.compile(
    r"^(?:the|a|an|he|she|it|they|we|i|you|this|that|these|those|who|which|someone|"
    r"everyone|nobody|one|officials?|police|reports?)\b",
    re.I,
)
# a forum's own footer after the last post ("Reply to thread", "Powered by phpBB")
FORUM_FOOTER = re.compile(
    r"^\s*(?:(?:post\s+)?reply\s+to\s+(?:this\s+)?(?:thread|topic)|"
    r"powered\s+by\s+(?:phpbb|vbulletin|xenforo|mybb|smf|simple\s+machines|discourse|"
    r"invision|fluxbb|punbb|vanilla)\b.{0,60})\s*$",
    re.I,
)


def is_byline(line: str) -> bool:
    """A line that opens a comment record by itself: "#3 Ann wrote:" or "Ann says:"."""
    s = line.strip()
    if len(s) > 80:
        return False
    if FORUM_BYLINE.match(s):
        return True
    m = SAYS_BYLINE.match(s)
    return bool(
        m and len(_WORD.findall(m.group("a"))) <= 4 and not _NOT_COMMENTER.match(m.group("a"))
    )


def _ticker(deadline: Deadline | None):
    """``tick(i)`` checks the deadline every 512 steps (and returns None)."""
    if deadline is None:
        return lambda i: None

    def tick(i: int) -> None:
        if not i & 511:
            deadline.check()

    return tick


def _indent(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip(" "))


def _script(text: str) -> str:
    """The dominant script of a line (LATIN, CYRILLIC, ...), or '' when it has no letters."""
    counts: dict[str, int] = {}
    for ch in text[:400]:
        if ch.isalpha():
            try:
                s = unicodedata.name(ch).split(" ", 1)[0]
            except ValueError:
                continue
            counts[s] = counts.get(s, 0) + 1
    return max(counts, key=counts.get) if counts else ""


def is_chrome(line: str) -> bool:
    """Outlet chrome, metadata and widget lines that never belong to an article."""
    s = line.strip()
    if not s:
        return False
    return bool(
        ICON_RUN.match(s)
        or WIDGET.match(s)
        or PLAYER_TIMES.match(s)
        or UI_LINE.match(s)
        or COMMENT_PROMPT.search(s[:300])
        or AVATAR.match(s)
        or (
            len(s) < 160
            and (CREDIT.search(s) or BYLINE.match(s) or PUBLISHED.match(s) or DATE_ONLY.match(s))
        )
    )


# ------------------------------------------------------------------ comment section start


def _starts_thread(lines: list[str], i: int, labels: list[int] | None = None) -> bool:
    s = lines[i].strip()
    if not s or len(s) > 200:
        return False
    m = SAYS.match(s)
    if m and len(s) < 120:
        # "Ann says:" (a date after it or on the next line); a reported-speech sentence such
        # as "Western officials said the incident was staged." only where the block model
        # also reads the line as a comment
        tail = m.group("tail").strip(" :,.-–—")
        if not tail or DATE.search(tail) or _next_is_date(lines, i):
            return True
        if labels is not None and labels[i] == 2:
            return True
    if FORUM.match(s) and ("wrote" in s.lower() or _next_is_date(lines, i)):
        return True
    m = DISQUS.match(s)
    return bool(m and DATE.search(m.group("t")))


def _next_is_date(lines: list[str], i: int) -> bool:
    for j in range(i + 1, min(i + 3, len(lines))):
        t = lines[j].strip()
        if t:
            return bool(DATE_ONLY.match(t))
    return False


def find_comment_start(lines: list[str], first_body: int, deadline: Deadline | None = None,
                       labels: list[int] | None = None) -> int:
    """Index of the first line of the comment section (len(lines) when there is none);
    ``labels`` are the block model's line labels, when there is a model."""
    n = len(lines)
    for i in range(first_body, n):
        if deadline is not None and not i & 1023:
            deadline.check()
        s = lines[i].strip()
        if not s or len(s) > 300:
            continue
        if is_section_head(s) or COMMENT_PROMPT.search(s):
            return i
        if _starts_thread(lines, i, labels):
            return i
        m = ENTRY_MARK.match(lines[i])
        if m and m.group("mark")[0] == "1" and m.group("mark")[1:] in (".", ")"):
            # "1. Name" followed within a few lines by a date: a numbered comment list
            rest = m.group("rest").strip()
            if len(rest) < 80 and any(DATE.search(lines[j]) for j in range(i, min(i + 4, n))):
                return i
    return n


# ------------------------------------------------------------------ the article part


def find_title(lines: list[str]) -> tuple[str, int]:
    """(title, index of the first line after it) from the top of the dump."""
    head = [(i, ln.strip()) for i, ln in enumerate(lines[:80]) if ln.strip()]
    norm = [(i, " ".join(_WORD.findall(s.lower()))) for i, s in head]
    # 1) a line printed twice (or contained at the end of a breadcrumb line)
    for k, (i, ns) in enumerate(norm):
        if len(ns.split()) < 3 or is_chrome(lines[i]):
            continue
        for j, nt in norm[k + 1 : k + 12]:
            if nt == ns and len(lines[i].strip()) <= 300:
                return lines[i].strip(), j + 1
    for k, (i, ns) in enumerate(norm):
        if len(ns.split()) < 3 or is_chrome(lines[i]):
            continue
        for _j, nb in norm[max(0, k - 6) : k]:
            if nb != ns and nb.endswith(" " + ns) and len(nb.split()) - len(ns.split()) <= 5:
                return lines[i].strip(), i + 1
    # 2) the best early line: not chrome, headline-sized, followed by a byline or date
    best, best_score = None, -99.0
    for k, (i, s) in enumerate(head[:30]):
        nw = len(_WORD.findall(s))
        if _starts_thread(lines, i):
            break  # the thread has started
        if is_chrome(s) or len(s) > 250 or nw < 2:
            continue
        if s.endswith((".", "!", "?")) and nw > 25:
            break  # the article has started
        score = -0.1 * k + (1.0 if nw >= 5 else -1.5 if nw < 4 else 0.0)
        nxt = head[k + 1][1] if k + 1 < len(head) else ""
        if _headline_shape(s, nw, lines, i, nxt):
            score += 2.5
        if nxt and (
            BYLINE.match(nxt)
            or DATE_ONLY.match(nxt)
            or PUBLISHED.match(nxt)
            or (len(nxt) < 100 and DATE.search(nxt) and is_chrome(nxt))
        ):
            score += 3.0
        if score > best_score:
            best, best_score = (s, i + 1), score
    if best is not None:
        return best
    if head and len(head[0][1]) <= 300:
        return head[0][1], head[0][0] + 1
    return "", head[0][0] if head else 0  # a paragraph is no headline


def _headline_shape(s: str, nw: int, lines: list[str], i: int, nxt: str) -> bool:
    """A short line set apart by a blank line above a longer paragraph ("Bridge tolls are
    back", blank, the lede): how a headline looks in a dump without a byline."""
    if nw > 15 or len(s) > 150 or s.endswith((".", ",", ":", ";")):
        return False
    if i + 1 >= len(lines) or lines[i + 1].strip() or not nxt:
        return False
    return _is_paragraph(nxt) and len(_WORD.findall(nxt)) >= 2 * nw


def article_lines(lines: list[str], title: str, deadline: Deadline | None = None) -> list[str]:
    """Paragraphs and sub-headings of the article part, chrome dropped."""
    nt = " ".join(_WORD.findall(title.lower()))
    scripts: dict[str, int] = {}
    for ln in lines:
        sc = _script(ln)
        if sc:
            scripts[sc] = scripts.get(sc, 0) + len(ln)
    main_script = max(scripts, key=scripts.get) if scripts else ""
    kept: list[str] = []
    for k, ln in enumerate(lines):
        if deadline is not None and not k & 1023:
            deadline.check()
        s = ln.strip()
        if not s or is_chrome(s) or FORUM_FOOTER.match(s):
            continue
        if nt and " ".join(_WORD.findall(s.lower())) == nt:
            continue  # the title printed again
        sc = _script(s)
        if sc and main_script and sc != main_script:
            continue  # a stray line in another script
        if not _WORD.search(s):
            continue
        kept.append(s)
    # trailing widgets: short lines after the last real paragraph
    last = max((k for k, s in enumerate(kept) if _is_paragraph(s)), default=-1)
    if last >= 0:
        kept = kept[: last + 1]
    return kept


def _above_title(head: list[str], title: str) -> list[str]:
    """Paragraphs among the lines above the title (``find_title`` looks at the first 80
    lines only): text, where the outlet's chrome up there is short lines; the title itself
    and a breadcrumb that ends in it are not."""
    nt = " ".join(_WORD.findall(title.lower()))
    return [
        s
        for s in (ln.strip() for ln in head)
        if s
        and _is_paragraph(s)
        and not is_chrome(s)
        and not _contains(" ".join(_WORD.findall(s.lower())), nt)
    ]


def _contains(ns: str, nt: str) -> bool:
    """The normalised line is the normalised title, or holds it as a run of 3+ words."""
    if not nt:
        return False
    return ns == nt or (len(nt.split()) >= 3 and f" {nt} " in f" {ns} ")


def _is_paragraph(s: str) -> bool:
    return len(_WORD.findall(s)) >= 12 or (
        len(_WORD.findall(s)) >= 5 and s.endswith((".", "!", "?", "”", '"'))
    )


# ------------------------------------------------------------------ the thread


class _Entry:
    __slots__ = ("indent", "numbered", "lines", "header")

    def __init__(self, indent: int, numbered: bool, header: str | None):
        self.indent = indent
        self.numbered = numbered
        self.lines: list[str] = []
        self.header = header


def _segment(lines: list[str], deadline: Deadline | None = None) -> list[_Entry]:
    """Cut the thread lines into entries, one per comment."""
    tick = _ticker(deadline)
    marks = [i for i, ln in enumerate(lines) if not tick(i) and ENTRY_MARK.match(ln)]
    heads = [i for i in range(len(lines)) if not tick(i) and _starts_thread(lines, i)]
    mark_set, head_set = set(marks), set(heads)
    entries: list[_Entry] = []
    cur: _Entry | None = None
    first_line = next((i for i, ln in enumerate(lines) if ln.strip()), len(lines))
    # list markers open comments only when the thread starts with one
    use_marks = bool(marks) and marks[0] <= first_line + 3 and (len(marks) >= 2 or not heads)
    if use_marks:
        for i, ln in enumerate(lines):
            m = ENTRY_MARK.match(ln)
            if m and (i in mark_set):
                mark = m.group("mark")
                cur = _Entry(_indent(ln), mark[0].isdigit(), None)
                entries.append(cur)
                rest = m.group("rest")
                if rest.strip():
                    cur.lines.append(rest)
            elif cur is not None:
                cur.lines.append(ln)
        return entries
    if heads:
        for i, ln in enumerate(lines):
            if i in head_set:
                cur = _Entry(_indent(ln), False, ln.strip())
                entries.append(cur)
                cur.lines.append(ln)
            elif cur is not None:
                cur.lines.append(ln)
        return entries
    # no markers: metadata lines (dates) delimit comments; decide header vs footer
    dates = [
        i
        for i, ln in enumerate(lines)
        if not tick(i)
        and ln.strip()
        and len(ln.strip()) < 160
        and DATE.search(ln)
        and len(_WORD.findall(ln)) <= 20
    ]
    if len(dates) >= 1:
        first_text = next(
            (i for i, ln in enumerate(lines) if len(_WORD.findall(ln)) > 12), len(lines)
        )
        footer = first_text < dates[0]
        if footer:
            start = 0
            for d in dates:
                e = _Entry(0, False, None)
                e.lines = lines[start : d + 1]
                entries.append(e)
                start = d + 1
            return entries
        starts = []
        for d in dates:
            # "Ann  May 4, 2023 10:15": the name and date line opens the comment itself
            before = lines[d][: DATE.search(lines[d]).start()].strip(" \t-|·•,")
            if 1 <= len(_WORD.findall(before)) <= 4 and not _footer_line(before):
                if not starts or d > starts[-1]:
                    starts.append(d)
                continue
            # a short name line right above the date opens the comment
            j = d - 1
            while j >= 0 and not lines[j].strip():
                j -= 1
            if (
                j >= 0
                and len(_WORD.findall(lines[j])) <= 5
                and not DATE.search(lines[j])
                and not _footer_line(lines[j])
                and (not starts or j > starts[-1])
            ):
                starts.append(j)
            elif not starts or d > starts[-1]:
                starts.append(d)
        for k, s in enumerate(starts):
            e = _Entry(_indent(lines[s]), False, None)
            e.lines = lines[s : starts[k + 1] if k + 1 < len(starts) else len(lines)]
            entries.append(e)
        return entries
    # last resort: blank-line separated paragraphs
    for ln in lines:
        if not ln.strip():
            cur = None
            continue
        if cur is None:
            cur = _Entry(_indent(ln), False, None)
            entries.append(cur)
        cur.lines.append(ln)
    return entries


def _footer_line(s: str) -> bool:
    """A comment's footer or the section's heading ("Reply  Like 14", "Comments (3)"):
    never the name line that opens the next comment."""
    s = s.strip()
    return bool(
        UI_LINE.match(s)
        or is_section_head(s)
        or (LIKES.search(s) and len(_WORD.findall(s)) <= 6 and re.search(r"\d", s))
        or FOOTER_WORD.match(s)
    )


def _in_article(s: str, article_norm: str) -> bool:
    ns = " ".join(_WORD.findall(s.lower()))
    return len(ns.split()) >= 5 and ns in article_norm


def _fields(entry: _Entry, article_norm: str, chrome: set | frozenset = frozenset()) -> dict | None:
    """A record's fields from its lines; ``chrome`` holds the indices of its lines that are
    the thread's repeated action links (skipped, a like count read)."""
    author = time_ = likes = parent = None
    quote: list[str] = []
    text: list[str] = []
    meta_zone = True
    for k, raw in enumerate(entry.lines):
        s = raw.strip()
        if not s:
            continue
        if k in chrome:
            if likes is None:
                likes = find_likes(s)
            continue
        if _PUNCT_ONLY.match(s):
            continue
        to = reply_to(s)
        if to is not None:
            parent = parent or to  # "In reply to Ann": evidence of the parent, not text
            continue
        if AVATAR.match(s) or UI_LINE.match(s) or is_prompt(s) or (len(s) < 60 and WIDGET.match(s)):
            continue
        if LIKES.search(s) and len(_WORD.findall(s)) <= 6:
            lk = find_likes(s)
            if lk is not None:
                likes = lk if likes is None else likes
                continue
        if VOTES.match(s):
            if likes is None:
                nums = [int(x) for x in re.findall(r"\d+", s)]
                likes = nums[0] if nums else None
            continue
        short = len(_WORD.findall(s)) <= 12 and len(s) < 120
        if meta_zone and short:
            fm = FORUM.match(s)
            if fm and author is None:
                author = fm.group("a").strip()
                continue
            sm = SAYS.match(s)
            if sm and author is None:
                author = sm.group("a").strip(" ,:-")
                t = find_time(sm.group("tail"))
                if t:
                    time_ = t
                continue
            dm = DISQUS.match(s)
            if dm and DATE.search(dm.group("t")) and author is None:
                author = dm.group("a").strip()
                time_ = find_time(dm.group("t")) or dm.group("t").strip()
                continue
            if DATE_ONLY.match(s) and time_ is None:
                time_ = find_time(s)
                if author is None:
                    author = find_author(s, time_)
                continue
            if DATE.search(s) and time_ is None and len(_WORD.findall(s)) <= 14:
                t = find_time(s)
                a = find_author(s, t)
                if a or s.lower().startswith(("by ", "posted")):
                    time_, author = t, a
                    continue
            if author is None and _name_like(s, entry.lines, k):
                author = s
                continue
        meta_zone = False
        if not text and (QUOTE_OPEN.match(s) or _in_article(s, article_norm)):
            if QUOTE_OPEN.match(s) or quote:
                quote.append(s.lstrip(">").strip())
                continue
            quote.append(s)
            continue
        text.append(s)
    # footer-style metadata ("by Ann on May 3, 2011 at 9:59 am") comes last
    if time_ is None and text and len(_WORD.findall(text[-1])) <= 16 and DATE.search(text[-1]):
        t = find_time(text[-1])
        a = find_author(text[-1], t)
        if a or text[-1].lower().startswith(("by ", "posted")):
            time_, author = t, author or a
            text.pop()
    if not text and quote and not QUOTE_OPEN.match(entry.lines[0] if entry.lines else ""):
        text, quote = quote, []
    if not text and not quote:
        return None
    return {
        "author": author,
        "time": time_,
        "datetime": None,  # a text dump carries no machine-readable time
        "likes": likes,
        "quote": "\n".join(quote) or None,
        "text": "\n".join(text),
        "reply_to": parent,
    }


_PUNCT_ONLY = re.compile(r"^[\s•·|/\\\-–—…*.,:;()\[\]]+$")


def _entry_chrome(entries: list[_Entry]) -> list[set[int]]:
    """Per entry, the indices of its lines that are the thread's action links: the same
    short shape of words (numbers masked) in nearly every entry ("Respect 33  Reply  Share",
    "Answer  Complain"), see ``thread.action_lines``. In the last entry, the lines after its
    action line are the page's footer, not comment text, when the other entries end on
    theirs."""
    from stance.splitter.thread import action_lines

    found = action_lines(
        [[((n, k), ln.strip()) for k, ln in enumerate(e.lines) if ln.strip()]
         for n, e in enumerate(entries)]
    )
    out: list[set[int]] = [set() for _ in entries]
    for n, k in found:
        out[n].add(k)
    if len(entries) >= 3 and out[-1]:
        ends = 0
        for n, e in enumerate(entries[:-1]):
            last = max((k for k, ln in enumerate(e.lines) if ln.strip()), default=-1)
            ends += last in out[n]
        if ends >= 0.8 * (len(entries) - 1):
            cut = max(out[-1])
            entries[-1].lines = entries[-1].lines[: cut + 1]
    return out


def _form_label(lines: list[str], i: int) -> bool:
    """A tab or button label of the section's head ("Discussions", "Submit"): a line of one
    or two words right above a comment prompt or form line."""
    s = lines[i].strip()
    if len(_WORD.findall(s)) > 2 or len(s) > 30 or any(ch.isdigit() for ch in s):
        return False
    nxt = next((ln.strip() for ln in lines[i + 1 : i + 4] if ln.strip()), "")
    return len(nxt) < 300 and is_prompt(nxt)


def _is_section_line(ln: str) -> bool:
    s = ln.strip()
    return len(s) < 300 and bool(is_section_head(s) or is_prompt(s) or is_chrome(s))


def _name_like(s: str, lines: list[str], k: int) -> bool:
    """A short line that names the commenter (a date follows it, or it has no sentence)."""
    if len(_WORD.findall(s)) > 4 or len(s) > 60:
        return False
    nxt = next((ln.strip() for ln in lines[k + 1 : k + 4] if ln.strip()), "")
    if nxt and DATE_ONLY.match(nxt):
        return True
    return not s.endswith((".", "!", "?"))


def parse_thread(
    lines: list[str],
    article: str = "",
    cut_at_form: bool = True,
    deadline: Deadline | None = None,
) -> list[dict]:
    """Comment records from the lines of a comment section."""
    tick = _ticker(deadline)
    lines = [ln[:MAX_LINE] for ln in lines]
    # the comment form after the thread ("Leave a Reply", "Fill in your details...") ends it
    first = len(lines)
    for i, ln in enumerate(lines):
        tick(i)
        if ln.strip() and not _is_section_line(ln) and not _form_label(lines, i):
            first = i
            break
    for i in range(first + 1, len(lines) if cut_at_form else 0):
        tick(i)
        if len(lines[i]) < 300 and (is_prompt(lines[i]) or FORUM_FOOTER.match(lines[i])):
            lines = lines[:i]
            break
    # drop section headers and forms before segmenting
    cleaned = []
    for i, ln in enumerate(lines):
        tick(i)
        s = ln.strip()
        cleaned.append("" if len(s) < 200 and (is_section_head(s) or is_prompt(s)) else ln)
    lines = cleaned
    article_norm = " " + " ".join(_WORD.findall(article.lower())) + " "
    entries = _segment(lines, deadline)
    if not entries:
        return []
    # depth from the indentation rank of the entry openers; numbered entries are top level
    indents = sorted({e.indent for e in entries})
    top_numbered = min((e.indent for e in entries if e.numbered), default=None)
    records: list[dict] = []
    stack: list[tuple[int, str]] = []  # (depth, id)
    chrome = _entry_chrome(entries)
    last_by: dict[str, dict] = {}  # the latest record of each author (for "In reply to")
    chains: dict[str, tuple] = {}  # each record's stack: its ancestors and itself
    for n, e in enumerate(entries):
        if deadline is not None and not n & 255:
            deadline.check()
        rec = _fields(e, article_norm, chrome[n])
        if rec is None:
            continue
        named = last_by.get((rec.pop("reply_to") or "").casefold())
        if e.numbered and top_numbered is not None and e.indent == top_numbered:
            depth = 0
        else:
            depth = indents.index(e.indent)
            if top_numbered is not None:
                depth = max(sum(1 for x in indents if top_numbered <= x <= e.indent) - 1, 0)
                if not e.numbered:
                    depth = max(depth, 1)
        if named is not None and depth <= named["depth"]:
            # a flat dump whose reply names its parent ("In reply to Ann"): that is the parent
            depth = named["depth"] + 1
            stack = list(chains[named["id"]])
        while stack and stack[-1][0] >= depth:
            stack.pop()
        depth = min(depth, len(stack))
        cid = f"c{len(records) + 1}"
        rec = {"id": cid, "parent_id": stack[-1][1] if stack else None, "depth": depth, **rec}
        out = {k: rec.get(k) for k in _KEYS}
        records.append(out)
        if out["author"]:
            last_by[out["author"].casefold()] = out
        stack.append((depth, cid))
        chains[cid] = tuple(stack)
    return records


# ------------------------------------------------------------------ entry point

_KEYS = ("id", "parent_id", "depth", "author", "time", "datetime", "likes", "quote", "text")


#: Fewer comment tokens than this (by the learned model) on a dump means "no comments".
MIN_COMMENT_TOKENS = 12


def line_labels(lines: list[str], model) -> list[int]:
    """0 other, 1 article, 2 comment for every line (blank lines get 0), by the block model."""
    from stance.splitter.features import block_rows, text_page
    from stance.splitter.html import _scorer, smooth

    idx = [i for i, ln in enumerate(lines) if ln.strip()]
    out = [0] * len(lines)
    if not idx:
        return out
    rows = block_rows(text_page([lines[i] for i in idx]), text=True)
    scorer = _scorer(model)
    proba = scorer.predict_proba(rows)
    full = np.zeros((len(rows), 3))
    for j, c in enumerate(scorer.classes_):
        full[:, int(c)] = proba[:, j]
    for i, lab in zip(idx, smooth(full).tolist()):
        out[i] = lab
    return out


def _announced(line: str) -> bool:
    """The comment section opens with its own header or form ("12 Comments", "Leave a
    Reply"): what follows is comment-section material even when no record is read."""
    s = line.strip()
    return len(s) < 300 and bool(is_section_head(s) or COMMENT_PROMPT.search(s))


def _bylined(lines: list[str], n_records: int) -> bool:
    """The records open with their own bylines ("#3 Ann wrote:", "Ann says:"), dated or
    not: for at least half of them, and a numbered forum post or two or more bylines."""
    bylines = [ln for ln in lines if is_byline(ln)]
    if len(bylines) < 0.5 * n_records:
        return False
    return len(bylines) >= 2 or any(FORUM_BYLINE.match(ln) for ln in bylines)


#: Dumps longer than this (lines) are read by the rules alone.
MAX_MODEL_LINES = 20000


def _structured(records: list[dict]) -> bool:
    """Most records carry a time and a name: the thread's own structure is evidence."""
    if not records:
        return False
    ok = sum(1 for r in records if r["time"] and r["author"] and _WORD.search(r["author"]))
    return ok >= 0.5 * len(records)


def split_text(text: str, options, name: str, model=None) -> dict:
    deadline = Deadline(options.timeout, name)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > 500000:
        lines = lines[:500000]
    lines = [ln[:MAX_LINE] for ln in lines]
    n = len(lines)
    title, body_start = find_title(lines)
    deadline.check()
    labels = None
    if model is not None and n <= MAX_MODEL_LINES:
        labels = line_labels(lines, model)
    deadline.check()
    cs = find_comment_start(lines, body_start, deadline, labels)
    comment_lines = [i for i in range(body_start, n) if labels and labels[i] == 2]
    if cs == n and comment_lines:
        cs = comment_lines[0]  # no header or record marker: the model places the thread
    region = [i for i in comment_lines if i >= cs]
    model_says = sum(len(_WORD.findall(lines[i])) for i in region) >= MIN_COMMENT_TOKENS
    pre = _above_title(lines[:body_start], title)
    art = pre + article_lines(lines[body_start:cs], title, deadline)
    deadline.check()
    article = "\n\n".join(art)
    comments = parse_thread(lines[cs:], article, deadline=deadline) if cs < n else []
    # without record structure, only a thread the model also sees is kept
    if (
        comments
        and not _structured(comments)
        and not _bylined(lines[cs:], len(comments))
        and not (labels is not None and model_says)
    ):
        comments = []
    if cs < n and not comments and not _announced(lines[cs]):
        # a record opener led to no thread after all: its lines are the article's
        article = "\n\n".join(pre + article_lines(lines[body_start:], title, deadline))
    deadline.check()
    out = {"title": title, "article": article, "comments": comments}
    if not comments:
        out["announced"] = announced_comments(ln.strip() for ln in lines)
    return out
