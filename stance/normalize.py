"""Text normalisation against obfuscation, usable by any model of ``stance``.

``normalize(text)`` undoes the usual ways people dodge word filters, in this order:

1. Unicode: NFKC (fullwidth and mathematical letters, ligatures), then remove zero-width,
   bidi-control and other invisible format characters and the accents of the general combining
   blocks ("ìdìót").
2. Homoglyphs: Cyrillic, Greek and other letters that look like a Latin letter ("іdіоt" with
   Cyrillic і/о) are folded to it, inside words that already mix in Latin letters or consist only
   of look-alikes (so real Russian or Greek words are left alone). The table is generated from
   the Unicode TR39 ``confusables.txt`` data (single BMP letters confusable with one ASCII letter
   and not already folded by NFKC), as shipped by the ``confusable-homoglyphs`` package.
3. Spaced or dotted letters: "i d i o t", "f.u.c.k", "s-t-u-p-i-d" are joined.
4. Leetspeak inside words that mix letters with digits or symbols: "1d10t", "sh1t", "@$$hole".
5. Masking: "f*ck", "sh!t", "b***h", "a**hole" are filled in when exactly one word of a
   lexicon of commonly masked words (``MASKED_WORDS``, extensible) fits the pattern.
6. Letters repeated three or more times are cut to two ("stuuupid" -> "stuupid").
7. Lowercase.

Char n-gram features downstream catch what this misses (partial masking, coined slurs built from
names). ``obfuscate`` is the seeded inverse used to test robustness.

``TextNormalizer`` wraps it as a scikit-learn transformer (accepts a DataFrame with a ``text``
column, a Series or a list of strings) so it pickles inside a Pipeline.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

# Generated from Unicode confusables (TR39) via confusable-homoglyphs 3.3.1: for each ASCII
# letter, the BMP letters that are confusable with it and that NFKC does not fold already
# (U+037A, which NFKC turns into a space and a combining mark, is left out).
_CONFUSABLES = {
    "a": "ɑΑαАаᎪᗅꓮ",
    "b": "ƄΒВЬᏏᏴᑲᖯᗷꓐꞴ",
    "c": "ϲϹСсᏟᴄⲤⲥꓚꮯ",
    "d": "ԁᎠᏧᑯᗞᗪꓒꓓ",
    "e": "ΕЕеҽᎬⴹꓰꬲ",
    "f": "ϜքᖴẝꓝꞘꞙꬵ",
    "g": "ƍɡԌցᏀᏳᶃꓖ",
    "h": "ΗНһհᎻᏂᕼⲎꓧ",
    "i": "ıɩɪιіӏᎥιꙇꭵ",
    "j": "ͿϳЈјᎫᒍꓙꞲ",
    "k": "ΚКᏦᛕⲔꓗ",
    "l": "ƖǀΙІӀᏞᒪᛁⲒⳐⵏꓡꓲ",
    "m": "ΜϺМᎷᗰᛖⲘꓟ",
    "n": "ΝոռⲚꓠ",
    "o": "ΟοσОоՕօଠഠဝჿዐᴏᴑⲞⲟⵔꓳꬽ",
    "p": "ΡρϱРрᏢᑭⲢⲣꓑ",
    "q": "ԛգզⵕ",
    "r": "ƦгᎡᏒᖇᴦⲅꓣꭇꭈꮁ",
    "s": "ƽЅѕՏᏕᏚꓢꜱꮪ",
    "t": "ΤТᎢⲦꓔ",
    "u": "ʋυՍսሀᑌᴜꓴꞟꭎꭒ",
    "v": "νѴѵᏙᐯᴠⴸꓦꛟꮩ",
    "w": "ɯѡԜԝաᎳᏔᴡꓪꮃ",
    "x": "ΧХхᕁᕽᚷⲬⵝꓫꞳ",
    "y": "ɣʏΥγϒУуҮүყᎩᎽᶌỿℽⲨꓬꭚ",
    "z": "ΖᏃᴢꓜꮓ",
}
_HOMOGLYPH = {ord(c): latin for latin, chars in _CONFUSABLES.items() for c in chars}
_HOMOGLYPH_CHARS = frozenset(chr(c) for c in _HOMOGLYPH)

#: Words people commonly mask with ``*``, ``#``, ``@``...; extend via ``TextNormalizer(lexicon=)``.
_MASKED_WORDS_TEXT = """
    fuck fucking fucked fucker motherfucker shit shitty bullshit bitch bitches ass asshole assholes
    bastard damn dick dickhead cunt crap piss pissed whore slut idiot idiots moron morons stupid
    retard retarded dumb dumbass jerk loser hell cock pussy nigger faggot fag twat wanker scum kill
    die hate
"""
MASKED_WORDS = tuple(_MASKED_WORDS_TEXT.split())

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b",
                       "9": "g", "@": "a", "$": "s", "!": "i", "|": "l", "+": "t", "€": "e"})
_MASK_CHARS = "*#%@$!?_."
_WS_INVISIBLE = re.compile(
    "[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]"
)
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# three or more single letters separated by one space/dot/dash/underscore: "i d i o t"
_SPACED = re.compile(r"(?<![^\W\d_])(?:[^\W\d_][ .\-_]){2,}[^\W\d_](?![^\W\d_])")
_SPACED_SEP = re.compile(r"[ .\-_]")
# every spaced run ends with "separator, letter, separator, letter"; starting with a character set,
# this pre-check skips through the text in C instead of trying the full pattern at each position
_SPACED_FAST = re.compile(r"[ .\-_][^\W\d_][ .\-_][^\W\d_](?![^\W\d_])")
# a token made of letters plus at least one leet digit/symbol (and at least two letters)
_LEETABLE = re.compile(r"^(?=.*[a-zA-Z])(?=.*[013457890@$!|+€])[a-zA-Z013457890@$!|+€]{3,}$")
# numbers with unit/ordinal suffixes are not leetspeak: 3rd, 1990s, 10am, 5km
_NUMERIC = re.compile(r"^\d+(?:st|nd|rd|th|s|am|pm|k|m|b|kg|km|mm|cm|ml|x|h|hr|hrs|min)?$", re.I)
# only tokens where a digit/symbol is followed by a letter can need fixing ("f*ck", "1d10t")
_DELIM = r"\s,;:\"'()\[\]{}<>/\\"
_TOKCHARS = r"[^" + _DELIM + r"]*"
# anchored at token starts (the lookbehind), so the leading star is tried once per token
_CANDIDATE = re.compile(
    r"(?<![^" + _DELIM + r"])" + _TOKCHARS + r"[0-9@$!|+€*#%?_.][A-Za-z]" + _TOKCHARS
)
_CANDIDATE_FAST = re.compile(r"[0-9@$!|+€*#%?_.][A-Za-z]")  # cheap pre-check
_TOKEN_REST = re.compile(_TOKCHARS)
_DELIM_CHARS = frozenset(",;:\"'()[]{}<>/\\")  # with whitespace: the token delimiters
_MASKED = re.compile(r"^(?=.*[a-zA-Z])(?=.*[*#%@$!?_.])[a-zA-Z*#%@$!?_.]+$")
_HANDLE = re.compile(r"^[@#][A-Za-z0-9_]+$")  # @user, #hashtag: left alone
_WORD = re.compile(r"\b[a-z]{3,}\b")
_REPEAT = re.compile(r"([^\W\d_])\1{2,}")
_REPEAT_FAST = re.compile(r"(.)\1\1")  # cheap pre-check
_TRAIL_PUNCT = re.compile(r"^(.*?)([.,!?;:]*)$")


def _strip_marks(text: str) -> str:
    """Drop accents and other marks of the general combining blocks ("ìdìót"); the combining
    marks of other scripts (Devanagari vowel signs, Arabic harakat...) are kept."""
    decomposed = unicodedata.normalize("NFD", text)
    if decomposed == text and not _COMBINING.search(text):
        return text
    return unicodedata.normalize("NFC", _COMBINING.sub("", decomposed))


_HOMOGLYPH_WORD = re.compile(
    r"\w*[" + "".join(sorted(_HOMOGLYPH_CHARS)) + r"]\w*"
)
_HOMOGLYPH_ANY = re.compile("[" + "".join(sorted(_HOMOGLYPH_CHARS)) + "]")  # cheap pre-check


def _fold_homoglyphs(text: str) -> str:
    def fold(m: re.Match[str]) -> str:
        word = m.group(0)
        has_latin = any("a" <= c.lower() <= "z" for c in word)
        if has_latin or all(c in _HOMOGLYPH_CHARS for c in word):
            return word.translate(_HOMOGLYPH)
        return word

    if not _HOMOGLYPH_ANY.search(text):
        return text
    return _HOMOGLYPH_WORD.sub(fold, text)  # only words holding a look-alike


def _join_spaced(text: str) -> str:
    if not _SPACED_FAST.search(text):
        return text
    return _SPACED.sub(lambda m: _SPACED_SEP.sub("", m.group(0)), text)


class _Unmasker:
    """Fill masked words ("f*ck", "p*th*t*c") from a lexicon.

    A pattern matching exactly one word of ``priority`` (``MASKED_WORDS`` and user additions)
    wins; otherwise the most frequent matching word of ``counts`` (learned from training text)
    wins if it is at least three times as frequent as the runner-up; otherwise the token stays.
    """

    def __init__(self, priority: Iterable[str], counts: Mapping[str, int] | None = None):
        self.priority = self._index({w: 1 for w in priority})
        self.counts = self._index(dict(counts or {}))
        self.memo: dict[str, str | None] = {}

    @staticmethod
    def _index(words: Mapping[str, int]) -> tuple[dict[int, str], dict[str, int]]:
        by_len: dict[int, list[str]] = {}
        for w in words:
            by_len.setdefault(len(w), []).append(w)
        return {n: "\n".join(ws) for n, ws in by_len.items()}, dict(words)

    def _match(self, name: str, low: str) -> list[tuple[str, int]]:
        """Words of index ``name`` matching ``low`` (mask characters = any letter a-z), most
        frequent first; compared as code point matrices (no regex to compile per token)."""
        joined, counts = getattr(self, name)
        n = len(low)
        if n not in joined:
            return []
        mats = self.__dict__.setdefault("_mats", {})
        mat = mats.get((name, n))
        if mat is None:
            words = joined[n].split("\n")
            raw = np.frombuffer(("".join(words)).encode("utf-32-le"), dtype=np.uint32)
            codes = raw.reshape(len(words), n)
            plain = bool(((codes >= 97) & (codes <= 122)).all())
            mat = mats[(name, n)] = (codes, words, plain)
        codes, words, plain = mat
        sel = np.ones(len(words), dtype=bool)
        for i, c in enumerate(low):
            if c not in _MASK_CHARS:
                sel &= codes[:, i] == ord(c)
            elif not plain:
                sel &= (codes[:, i] >= 97) & (codes[:, i] <= 122)
        hits = [words[i] for i in np.flatnonzero(sel)]
        return sorted(((w, counts[w]) for w in hits), key=lambda wc: -wc[1])

    def __call__(self, token: str) -> str | None:
        low = token.lower()
        if low in self.memo:
            return self.memo[low]
        hits = self._match("priority", low)
        if len(hits) == 1:
            out: str | None = hits[0][0]
        elif hits:
            out = None
        else:
            hits = self._match("counts", low)  # most frequent first
            ok = len(hits) == 1 or (len(hits) > 1 and hits[0][1] >= 3 * hits[1][1])
            out = hits[0][0] if ok else None
        if len(self.memo) > 100_000:
            self.memo.clear()
        self.memo[low] = out
        return out

    def __getstate__(self):
        # dicts as joined strings + arrays: fast to unpickle
        return {
            k: (index[0], "\n".join(index[1]), np.fromiter(index[1].values(), dtype=np.int64))
            for k, index in (("priority", self.priority), ("counts", self.counts))
        }

    def __setstate__(self, state):
        for k in ("priority", "counts"):
            joined, words, counts = state[k]
            names = words.split("\n") if words else []
            setattr(self, k, (joined, dict(zip(names, counts.tolist()))))
        self.memo = {}
        self._mats = {}


_DEFAULT_UNMASKER: _Unmasker | None = None


def _default_unmasker() -> _Unmasker:
    global _DEFAULT_UNMASKER
    if _DEFAULT_UNMASKER is None:
        _DEFAULT_UNMASKER = _Unmasker(MASKED_WORDS)
    return _DEFAULT_UNMASKER


def _fix_token(tok: str, unmask: _Unmasker) -> str:
    if tok.isalpha():
        return tok
    core, trail = _TRAIL_PUNCT.match(tok).groups()  # type: ignore[union-attr]
    if not core or core.isalpha() or _HANDLE.match(core):
        return tok
    if _MASKED.match(core):
        filled = unmask(core)
        if filled is not None:
            return filled + trail
    if _LEETABLE.match(core) and not _NUMERIC.match(core):
        return core.translate(_LEET) + trail
    return tok


def _fix_tokens(text: str, unmask: _Unmasker) -> str:
    """Fix every token (maximal run of non-delimiters) holding a digit/symbol followed by a
    letter. The pairs are found by the cheap ``_CANDIDATE_FAST`` scan, then widened to their
    token (same result as ``_CANDIDATE.sub``, without trying a token match at every
    position)."""
    parts: list[str] = []
    last = 0
    for m in _CANDIDATE_FAST.finditer(text):
        i = m.start()
        if i < last:
            continue  # inside the token just fixed
        s = i
        while s > last and not (text[s - 1].isspace() or text[s - 1] in _DELIM_CHARS):
            s -= 1
        e = _TOKEN_REST.match(text, i).end()  # type: ignore[union-attr]
        parts.append(text[last:s])
        parts.append(_fix_token(text[s:e], unmask))
        last = e
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)


def _unicode_steps(text: str) -> str:
    """Steps 1-2 (NFKC, invisible characters, accents, homoglyphs) of a non-ASCII text."""
    text = _fold_homoglyphs(text)  # before NFKC too: it maps some look-alikes elsewhere
    text = unicodedata.normalize("NFKC", text)
    text = _WS_INVISIBLE.sub("", text)
    text = _strip_marks(text)
    if not text.isascii():
        text = _fold_homoglyphs(text)
    return text


def _ascii_steps(text: str, unmasker: _Unmasker | None) -> str:
    """Steps 3-7 (spaced letters, leetspeak, masks, repeats, lowercase)."""
    text = _join_spaced(text)
    if _CANDIDATE_FAST.search(text):
        text = _fix_tokens(text, unmasker or _default_unmasker())
    if _REPEAT_FAST.search(text):
        text = _REPEAT.sub(r"\1\1", text)
    return text.lower()


def normalize(text: str, *, unmasker: _Unmasker | None = None) -> str:
    """Return ``text`` with obfuscation undone and lowercased (see the module docstring)."""
    if not text:
        return ""
    if not text.isascii():
        text = _unicode_steps(text)
    return _ascii_steps(text, unmasker)


class TextNormalizer(TransformerMixin, BaseEstimator):
    """scikit-learn transformer: DataFrame[``column``] / Series / list of str -> list of str.

    ``fit`` learns the words (>= ``min_count`` occurrences, >= 3 letters) that masked tokens
    may stand for; ``lexicon`` adds words that always win (with ``MASKED_WORDS``).
    ``enabled=False`` only lowercases (for ablations).
    """

    def __init__(
        self,
        column: str = "text",
        lexicon: Sequence[str] = (),
        min_count: int = 5,
        enabled: bool = True,
    ):
        self.column = column
        self.lexicon = lexicon
        self.min_count = min_count
        self.enabled = enabled

    def fit(self, X, y=None):
        counts: Counter[str] = Counter()
        if X is not None:
            for t in _texts(X, self.column):
                counts.update(_WORD.findall(t.lower()))
        learned = {w: c for w, c in counts.items() if c >= self.min_count}
        self.unmasker_ = _Unmasker([*MASKED_WORDS, *self.lexicon], learned)
        self.__dict__.pop("_memo", None)  # remembered tokens used the previous lexicon
        return self

    def transform(self, X) -> list[str]:
        """The normalised texts, as their whitespace-separated tokens joined by one space.

        The Unicode steps and the joining of spaced letters run on the text; the remaining
        steps work inside a whitespace token, so each distinct token is normalised once and
        remembered (not pickled; tokens of <= 64 characters, at most ``memo_size`` of them, then
        the memo restarts): comment streams repeat most tokens. The tokens are those of
        ``normalize(text).split()``.
        """
        texts = _texts(X, self.column)
        if not self.enabled:
            return [t.lower() for t in texts]
        unmasker = getattr(self, "unmasker_", None) or _default_unmasker()
        memo = self.__dict__.get("_memo")
        if memo is None or len(memo) > self.memo_size:
            memo = self._memo = {}
        get = memo.get
        out = []
        for t in texts:
            if not t.isascii():
                t = _unicode_steps(t)
            if _SPACED_FAST.search(t):
                t = _join_spaced(t)
            toks = t.split()
            norm = list(map(get, toks))
            if None in norm:
                for i, w in enumerate(toks):
                    if norm[i] is None:
                        norm[i] = _normalize_token(w, unmasker)
                        if len(w) <= 64:  # long one-off tokens (URLs, blobs) are not kept
                            memo[w] = norm[i]
            out.append(" ".join(norm))
        return out

    memo_size = 500_000

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: pickling must not clear the live memo
        state.pop("_memo", None)
        return state


def _normalize_token(word: str, unmasker: _Unmasker) -> str:
    """Steps 4-7 of ``normalize`` on one whitespace token (steps 1-3 ran on its text)."""
    if _CANDIDATE_FAST.search(word):
        word = _fix_tokens(word, unmasker)
    if _REPEAT_FAST.search(word):
        word = _REPEAT.sub(r"\1\1", word)
    return word.lower()


def _texts(X, column: str) -> list[str]:
    if hasattr(X, "columns"):
        X = X[column]
    if isinstance(X, str):
        raise TypeError("expected a sequence of texts, got one string")
    return ["" if t is None or t != t else str(t) for t in X]


# ---------------------------------------------------------------------------------------------
# Seeded obfuscator (the inverse, for robustness tests and the benchmark)

_LEET_OUT = {"a": "4@", "e": "3", "i": "1!", "o": "0", "s": "5$", "t": "7", "l": "1"}
_HOMO_OUT: dict[str, str] = {k: v for k, v in _CONFUSABLES.items() if k in "aceijopsxy"}
OBFUSCATIONS = ("spaced", "leet", "mask", "repeat", "zero_width", "homoglyph")


def obfuscate_word(word: str, how: str, rng: random.Random) -> str:
    """Obfuscate one word with method ``how`` (one of ``OBFUSCATIONS``)."""
    if len(word) < 3:
        return word
    if how == "spaced":
        return " ".join(word)
    if how == "leet":
        out = [rng.choice(_LEET_OUT[c.lower()]) if c.lower() in _LEET_OUT else c for c in word]
        return "".join(out)
    if how == "mask":
        inner = [i for i in range(1, len(word) - 1) if word[i].lower() in "aeiou"]
        inner = inner or [rng.randrange(1, len(word) - 1)]
        return "".join("*" if i in inner else c for i, c in enumerate(word))
    if how == "repeat":
        i = rng.randrange(len(word))
        return word[: i + 1] + word[i] * rng.randint(2, 4) + word[i + 1 :]
    if how == "zero_width":
        i = rng.randrange(1, len(word))
        return word[:i] + "\u200b" + word[i:]
    if how == "homoglyph":
        return "".join(
            rng.choice(_HOMO_OUT[c]) if c in _HOMO_OUT and rng.random() < 0.6 else c for c in word
        )
    raise ValueError(f"unknown obfuscation {how!r}; expected one of {OBFUSCATIONS}")


def obfuscate(
    text: str, rng: random.Random, rate: float = 0.3, methods: Sequence[str] = OBFUSCATIONS
) -> str:
    """Obfuscate each alphabetic word of >= 3 letters with probability ``rate``."""

    def sub(m: re.Match[str]) -> str:
        word = m.group(0)
        if len(word) < 3 or rng.random() >= rate:
            return word
        return obfuscate_word(word, rng.choice(tuple(methods)), rng)

    return re.sub(r"[A-Za-z]+", sub, text)
