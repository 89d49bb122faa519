"""Regular expressions shared by the HTML and text readers (all linear-time, no nesting)."""

from __future__ import annotations

import re

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]{0,6}\.?,?"
DATE = re.compile(
    r"(?:\b\d{1,2}(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+\d{2,4}\b"
    r"|\b" + _MONTH + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{2,4}\b"
    r"|\b" + _MONTH + r",?\s+\d{4}\b"
    r"|\b\d{4}-\d{2}-\d{2}\b"
    r"|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b"
    r"|\b\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?)?\b"
    r"|\b(?:\d+|an?|one)\s+(?:sec(?:ond)?s?|min(?:ute)?s?|hours?|hrs?|days?|weeks?|months?|"
    r"years?)\s+ago\b"
    r"|\b(?:yesterday|today)\b(?:\s+at\b)?"
    r"|\b" + _WEEKDAY + r"\s+\d{1,2}\s+" + _MONTH + r")",
    re.I,
)
# A line that is (almost) only a date or time.
DATE_ONLY = re.compile(
    r"^\s*(?:posted\s+|published\s+|updated:?\s+|on\s+)?(?:" + _WEEKDAY + r"\s*)?"
    r"[\w ,./:-]{0,12}?(?:" + DATE.pattern + r")[\w ,./:()+-]{0,30}$",
    re.I,
)
NUMBER = re.compile(r"[-+]?\d[\d,.]*")
# Interface words that are never part of an article or a comment.
UI_LINE = re.compile(
    r"^\s*(?:reply|reply\s*[↓#»›]|replies|report(?:\s+(?:abuse|comment|this))?|flag|share\s*[›»]?|"
    r"permalink|link|quote|like|likes|unlike|dislike|vote\s+up|vote\s+down|up|down|edit|delete|"
    r"hide|show|more|less|recommend|recommended|[↑↓▲▼\s]+|\+1|upvote|downvote|"
    r"log\s*in\s+to\s+reply|login\s+to\s+reply|sign\s+in\s+to\s+reply|#|¶|top|"
    r"view\s+(?:all\s+)?(?:\d+\s+)?(?:more\s+)?(?:replies|comments)|show\s+more\s+replies|"
    r"load\s+more(?:\s+comments)?|see\s+more|read\s+more|collapse|expand|"
    r"\d+\s*(?:likes?|points?|votes?|replies|reply)|"
    r"(?:reply|share|report|like|flag|permalink|quote)(?:\s*[|·•]?\s*(?:reply|share|report|"
    r"like|flag|permalink|edit|delete|quote))+)[\s.:!›»]*$",
    re.I,
)
COMMENTS_HEADER = re.compile(
    r"^\s*(?:\d[\d,]*\s+(?:comments?|responses?|replies|thoughts|reactions)\b.{0,80}|"
    r"(?:reader\s+)?comments?\s*(?:\(\d+\))?|discussion|"
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:comments?|responses?|"
    r"thoughts)\b.{0,80}|"
    r"(?:\d+\s+)?responses?\s+to\s+.{1,120}|what\s+(?:people|readers)\s+are\s+saying.{0,20})\s*$",
    re.I,
)
#: A comment section's heading with its count as tabs and widgets show it ("Discussion (3)",
#: "Comments 5", "Kommentare (12)"), beside COMMENTS_HEADER (a block-model feature, so
#: left as trained).
COUNTED_HEAD = re.compile(
    r"^\s*(?:comments?|discussion|kommentare?|commentaires?|comentarios?|commenti|"
    r"комментари[иейя]?|diskuse|dyskusja|reacties|kommentarer)\s*(?:\(\d[\d,]*\)|\d[\d,]*)\s*$",
    re.I,
)


def is_section_head(s: str) -> bool:
    """A comment section's heading: COMMENTS_HEADER or COUNTED_HEAD."""
    return bool(COMMENTS_HEADER.match(s) or COUNTED_HEAD.match(s))


def announced_comments(texts) -> int:
    """The largest count a comment section's counted heading ("Comments (5)", "Discussion
    12") announces among ``texts`` (short lines or blocks); 0 when none does."""
    best = 0
    for s in texts:
        if len(s) < 60 and COUNTED_HEAD.match(s):
            best = max(best, int(re.search(r"\d[\d,]*", s).group().replace(",", "")))
    return best


COMMENT_PROMPT = re.compile(
    r"(?:leave\s+a\s+(?:reply|comment)|post\s+a\s+comment|add\s+(?:a\s+|your\s+)?comment|"
    r"to\s+participate\s+in\s+the\s+discussion|log\s*in\s+or\s+register|"
    r"fill\s+in\s+your\s+details\s+below|click\s+an\s+icon\s+to\s+log\s+in|"
    r"akismet\s+to\s+reduce\s+spam|you\s+are\s+commenting\s+using|"
    r"notify\s+me\s+of\s+(?:new|follow-?up)|enter\s+your\s+comment|previewing\s+your\s+comment|"
    r"your\s+email\s+address\s+will\s+not\s+be\s+published|"
    r"required\s+fields\s+are\s+marked|cancel\s+reply|you\s+must\s+be\s+logged\s+in|"
    r"comments?\s+(?:are|is)\s+closed|join\s+the\s+discussion|sign\s+in\s+to\s+comment|"
    r"log\s+in\s+to\s+comment|comment\s+policy|comments?\s+powered\s+by|powered\s+by\s+disqus|"
    r"load\s+more\s+comments|"
    r"save\s+my\s+name,\s+email|be\s+the\s+first\s+to\s+comment|start\s+the\s+discussion|"
    r"sort\s+by\s+(?:best|newest|oldest)|subscribe\s+to\s+comments|"
    r"comments\s+rss|rss\s+feed\s+for\s+comments)",
    re.I,
)

WIDGET = re.compile(
    r"^\s*(?:podcasts?|trends?|related(?:\s+(?:stories|articles|news))?|read\s+more|more\s+from|"
    r"most\s+(?:read|popular|viewed)|recommended(?:\s+for\s+you)?|you\s+may\s+also\s+like|"
    r"share(?:\s+this(?:\s+(?:story|article|page))?)?:?|tweet|facebook|twitter|telegram|vk|whatsapp|"
    r"email|print|subscribe|newsletter|advertisement|sponsored|follow\s+us.*|tags?:.*|topics?:.*|"
    r"sign\s+up.*|log\s*in|register|menu|search|home|skip\s+to\s+(?:main\s+)?content|"
    r"cookies?.*|accept|close|icon\s+\w+.*|listen\s+to\s+(?:this\s+)?article|privacy(?:\s+policy)?|"
    r"terms(?:\s+of\s+(?:use|service))?|contact(?:\s+us)?|about(?:\s+us)?|like\s+this:?|like\s+loading.*|"
    r"add\s+to\s+(?:favou?rites|bookmarks)|bookmark|copy\s+link|"
    r"(?:facebook|twitter|telegram|vk|whatsapp|email|print|reddit|linkedin)"
    r"(?:\s+(?:facebook|twitter|telegram|vk|whatsapp|email|print|reddit|linkedin))+)\s*$",
    re.I,
)

# "In reply to Ann": a reply's pointer to the comment it answers (the name is group "to").
IN_REPLY = re.compile(
    r"^\s*(?:↪\s*)?(?:in\s+reply\s+to|in\s+response\s+to|replying\s+to|reply\s+to|replied\s+to|"
    r"antwort\s+(?:an|auf)|als\s+antwort\s+auf|en\s+réponse\s+à|réponse\s+à|respuesta\s+a|"
    r"en\s+respuesta\s+a|in\s+risposta\s+a|risposta\s+a|em\s+resposta\s+a|"
    r"в\s+ответ\s+(?:на|для)|ответ\s+(?:для|на)|odpowiedź\s+(?:dla|na)|als\s+antwoord\s+op|"
    r"svar\s+till|odpověď\s+pro)\s*:?\s+@?(?P<to>[^\n]{1,60}?)\s*$",
    re.I,
)
_NOT_PARENT = re.compile(
    r"^(?:this|this\s+(?:comment|thread|topic|post)|thread|topic|comment)\W*$", re.I
)


def reply_to(text: str) -> str | None:
    """The name in an "In reply to Ann" line (None for any other line)."""
    if len(text) > 90:
        return None
    m = IN_REPLY.match(text)
    if not m or _NOT_PARENT.match(m.group("to")):
        return None
    name = m.group("to").strip()
    # a name, not a sentence ("In response to Mark: you are wrong" is comment text)
    if len(name.split()) > 4 or re.search(r"[!?;:,]|\b\w{2,}\.(?:\s|$)", name):
        return None
    return name


_DATE_HINT = re.compile(r"\d|ago\b|yesterday|today", re.I)
_PROMPT_KEYS = (
    "leave",
    "post",
    "add",
    "particip",
    "regist",
    "details",
    "icon",
    "akismet",
    "commenting",
    "notify",
    "email",
    "required",
    "cancel",
    "logged",
    "closed",
    "join",
    "sign",
    "log",
    "policy",
    "powered",
    "save",
    "first",
    "discussion",
    "sort",
    "subscribe",
    "rss",
)
# any of the keys as a substring (one regex scan instead of a Python loop over the keys)
_PROMPT_KEY = re.compile("|".join(map(re.escape, _PROMPT_KEYS)))


#: Answers of ``has_date`` / ``is_prompt`` for short texts: the readers ask about the same
#: block text several times (features, records, fields), and menus and reply links repeat.
_MEMO_CHARS = 300
_MEMO_SIZE = 8192
_DATE_MEMO: dict[str, bool] = {}
_PROMPT_MEMO: dict[str, bool] = {}


def _remember(memo: dict[str, bool], text: str, got: bool) -> bool:
    """Store ``got`` for a short ``text`` (the memo is emptied when full); return it."""
    if len(text) <= _MEMO_CHARS:
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[text] = got
    return got


def has_date(text: str) -> bool:
    """DATE.search on the first 300 characters, behind a cheap prefilter."""
    got = _DATE_MEMO.get(text)
    if got is None:
        head = text[:300]
        got = _remember(_DATE_MEMO, text, _DATE_HINT.search(head) is not None
                        and DATE.search(head) is not None)
    return got


def is_prompt(text: str) -> bool:
    """A comment prompt or form line ("Leave a Reply", "log in or register", ...)."""
    if len(text) > 400:
        return False
    got = _PROMPT_MEMO.get(text)
    if got is None:
        low = text.lower()
        got = _remember(_PROMPT_MEMO, text, _PROMPT_KEY.search(low) is not None
                        and COMMENT_PROMPT.search(low) is not None)
    return got
