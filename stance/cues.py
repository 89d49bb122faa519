"""Target-directed polarity cues for the stance model: what is said *about* the target.

The hashed blocks of :mod:`stance.targeted` learn which words go with which stance from the
training rows of each target, so a plain statement toward a target the data rarely phrased that
way ("I support Russia.", "I oppose any further enlargement of NATO.") can be scored by the
target's prior rather than by what it says. :class:`TargetCues` adds a few dense columns that
carry over between targets, because their words come from a lexicon, not from the training
rows: the polarity of the words around each mention of the target (its terms and aliases,
:func:`stance.targets.target_terms`) within the sentence, and that of the whole comment.

Polarity lexicon: VADER's (``vaderSentiment``, MIT; valence -4..4, scaled to -1..1), plus a
short list of stance verbs and predicates VADER lacks (``STANCE_WORDS``: "oppose", "condemn",
"stand with", "corrupt", "aggressor", ...). It is read once by ``fit`` into ``lexicon_``, so a
fitted model scores without the package. A word in a negation scope (``NEG_`` tokens of
:func:`stance.targeted.tokenize`) counts with the opposite sign.

Columns (each times ``weight``)::

    verb_favor, verb_against   stance words in the ``before`` tokens that precede a mention
                               ("support Russia", "oppose ... NATO"): the comment's own act
    near_favor, near_against   polarity of the other words within ``window`` tokens of a
                               mention, in the same sentence ("Russia is a terrorist state")
    text_positive, text_negative   polarity of the whole comment (mention or not)

Sums are capped at 2 and halved, so every column lies in 0..1.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from itertools import repeat

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from stance.errors import ModelError
from stance.targets import target_terms

#: Names of the columns of :class:`TargetCues`.
CUE_COLUMNS = ("verb_favor", "verb_against", "near_favor", "near_against", "text_positive",
               "text_negative")

#: Stance words VADER's lexicon lacks or rates weakly, in -1..1 (favor > 0). Multi-word
#: entries are joined with "_" after the first word is read ("stand with").
_FAVOR_WORDS = """support supports supported supporting supporter supporters backing
        backs endorse endorses endorsed defend defends defending champion champions applaud
        applauds praise praises salute salutes welcome welcomes admire admires admired
        thank thanks celebrate celebrates glory deserve deserves deserved hero heroes heroic
        brave right justified legitimate wise solidarity long_live stand_with stands_with
        standing_with stand_by vote_for voted_for pro"""
_AGAINST_WORDS = """oppose opposes opposed opposing opponent condemn condemns condemned
        denounce denounces reject rejects rejected boycott boycotts sanction sanctions
        punish ban banned defund withdraw corrupt corruption puppet regime aggressor
        aggressors invader invaders invasion invade invaded criminal criminals dictator
        dictatorship fascist fascists nazi nazis genocide atrocities propaganda illegal
        illegitimate provoke provoked provocation warmonger warmongers terror shameful
        disgrace down_with vote_against voted_against anti"""
STANCE_WORDS: dict[str, float] = {**dict.fromkeys(_FAVOR_WORDS.split(), 0.6),
                                  **dict.fromkeys(_AGAINST_WORDS.split(), -0.6)}
_PHRASE_HEADS = {"stand": ("with", "by"), "stands": ("with",), "standing": ("with",),
                 "long": ("live",), "vote": ("for", "against"), "voted": ("for", "against"),
                 "down": ("with",)}
_SENTENCE_END = frozenset(".;!?")


def _vader() -> dict[str, float]:
    try:
        import vaderSentiment
    except ImportError as exc:  # a training-time dependency only
        raise ModelError("training the stance cues needs the vaderSentiment package "
                         "(pip install vaderSentiment)") from exc
    path = os.path.join(os.path.dirname(vaderSentiment.__file__), "vader_lexicon.txt")
    out: dict[str, float] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split("\t")
            if len(parts) >= 2 and parts[0].isalpha():  # words, not emoticons
                out[parts[0]] = max(-1.0, min(1.0, float(parts[1]) / 4))
    return out


def _signed(lexicon: dict[str, float]) -> dict[str, float]:
    """Token -> polarity for the tokens :func:`stance.targeted.tokenize` yields: each word as
    is, with a leading ``#`` or ``@``, and with the ``NEG_`` mark (opposite sign)."""
    out: dict[str, float] = {}
    for word, v in lexicon.items():
        for form in (word, f"#{word}", f"@{word}"):
            out[form] = v
            out[f"NEG_{form}"] = -v
    return out


def _polarity(toks: Sequence[str], plain: Sequence[str], pset: frozenset[str],
              signed: dict[str, float]) -> list[float]:
    """Per-token polarity of ``toks`` (``plain``: the same tokens without marks, ``pset``
    their set; :func:`stance.targeted.plain_tokens`); a two-word stance phrase ("stand
    with") scores on its first word."""
    pol = list(map(signed.get, toks, repeat(0.0, len(toks))))
    if not pset.isdisjoint(_PHRASE_HEADS):
        for i, word in enumerate(plain[:-1]):
            if plain[i + 1] in _PHRASE_HEADS.get(word, ()):
                v = signed.get(f"{word}_{plain[i + 1]}", 0.0)
                pol[i] = -v if toks[i].startswith("NEG_") else v
    return pol


class TargetCues(TransformerMixin, BaseEstimator):
    """Dense polarity-toward-the-target columns (:data:`CUE_COLUMNS`), as CSR.

    ``window``: tokens on each side of a mention whose polarity counts as said about the
    target; ``before``: tokens before a mention searched for the comment's own stance verb;
    ``weight`` scales every column. Input: a mapping with ``text`` and ``target`` lists (the
    ``columns`` step's output). ``fit`` reads the polarity lexicon into ``lexicon_``.
    """

    def __init__(self, window: int = 6, before: int = 4, weight: float = 1.0):
        self.window = window
        self.before = before
        self.weight = weight

    def fit(self, X=None, y=None):
        self.lexicon_ = {**_vader(), **STANCE_WORDS}
        return self

    def _signed_lexicon(self) -> dict[str, float]:
        got = getattr(self, "_signed_cache", None)
        if got is None or got[0] is not self.lexicon_:
            got = (self.lexicon_, _signed(self.lexicon_))
            self._signed_cache = got  # derived, not pickled (see __getstate__)
        return got[1]

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_signed_cache", None)
        return state

    def transform(self, X):
        from sklearn.utils.validation import check_is_fitted

        from stance.targeted import _factorize, plain_tokens

        check_is_fitted(self, "lexicon_")
        signed = self._signed_lexicon()
        tcodes, texts = _factorize(X["text"])
        gcodes, targets = _factorize(X["target"])
        toks = [plain_tokens(t) for t in texts]  # (tokens, unmarked tokens, their set)
        pol = [_polarity(*t, signed) for t in toks]
        total = np.fromiter(map(sum, pol), np.float64, len(pol))
        size = np.fromiter((sum(map(abs, p)) for p in pol), np.float64, len(pol))
        text_cols = np.column_stack([(size + total) / 2, (size - total) / 2])
        terms = [target_terms(g) for g in targets]
        pair_cols: dict[tuple[int, int], tuple[float, float, float, float]] = {}
        for t, g in set(zip(tcodes.tolist(), gcodes.tolist())):
            found = self._about(*toks[t], pol[t], terms[g])
            if found is not None:
                pair_cols[(t, g)] = found
        out = np.zeros((len(tcodes), len(CUE_COLUMNS)))
        out[:, 4:] = text_cols[tcodes]
        if pair_cols:
            for i, key in enumerate(zip(tcodes.tolist(), gcodes.tolist())):
                got = pair_cols.get(key)
                if got is not None:
                    out[i, :4] = got
        out = np.minimum(out, 2.0) / 2.0 * float(self.weight)
        return sp.csr_matrix(out)

    def _about(self, toks, plain, pset, pol, terms) -> tuple[float, float, float, float] | None:
        """(verb favor, verb against, near favor, near against) of one comment and target,
        or None when the comment never mentions the target. A polar word counts once: as a
        verb when it is among the ``before`` tokens that precede some mention in the same
        sentence, else as near when it is within ``window`` tokens of some mention."""
        if terms.isdisjoint(pset):
            return None
        hits = [i for i, w in enumerate(plain) if w in terms]
        mentions = set(hits)
        n = len(toks)
        kind: dict[int, int] = {}  # polar token -> 0 verb, 1 near
        for h in hits:
            lo, hi = h, h  # the mention's sentence, at most ``window`` tokens each way
            while lo > 0 and h - lo < self.window and toks[lo - 1][0] not in _SENTENCE_END:
                lo -= 1
            while hi < n - 1 and hi - h < self.window and toks[hi + 1][0] not in _SENTENCE_END:
                hi += 1
            for j in range(lo, hi + 1):
                if pol[j] and j not in mentions:
                    as_verb = 0 if h - self.before <= j < h else 1
                    kind[j] = min(kind.get(j, 1), as_verb)
        verb = [0.0, 0.0]
        near = [0.0, 0.0]
        for j, k in kind.items():
            v = pol[j]
            (verb if k == 0 else near)[0 if v > 0 else 1] += abs(v)
        return verb[0], verb[1], near[0], near[1]
