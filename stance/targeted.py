"""Target-conditioned stance: favor / against / none of a comment toward a free-text target.

One scikit-learn Pipeline over a DataFrame with columns ``text``, ``target`` (and optionally
``quote``, ``title``)::

    columns    -> fills missing columns, falls back target <- quote <- title when empty
    features   -> FeatureUnion of
        word   : hashed word 1-2 grams of the text (negation-scoped tokens marked ``NEG_``), TF-IDF
        char   : hashed char 3-5 grams of the text (within words), TF-IDF
        pair   : TargetInteractions - hashed target-identity x text-token pairs (the cheap
                 "specialised head" of every target seen in training), target-word x text-token
                 pairs (generalise to new targets sharing words), words near a mention of the
                 target or its aliases, mention/negation/sarcasm-cue flags
        emb    : PairEmbeddings - [u, v, u*v, |u-v|, cos] of static sentence vectors of the
                 comment (u) and the target (v) (``stance.embeddings.StaticEmbeddings``)
        route  : TargetRoute - one-hot of the specialist group a row's target belongs to
                 (only with ``specialists``; not a feature, read and dropped by the classifier)
    clf        -> one-vs-rest logistic regression fitted by SGD; ``classes_ == LABELS``.
                 With ``specialists`` (corpora whose targets get their own model), RoutedSGD:
                 the pooled model plus one specialist per group, fitted only on the rows of
                 that group's targets; a routed row's decision is
                 ``(1 - specialist_weight) * pooled + specialist_weight * specialist``.
                 Targets outside every group (new targets) get the pooled model alone.
                 ``specialist_options`` set weight / alpha / F_avg decision offsets per
                 corpus; ``opposing_targets`` pairs (pro-a ~ anti-b, e.g. the two targets
                 of a war) give their specialist a side-signed copy of the text n-grams.

Every text-only block is computed once per unique text and every target-only block once per
unique target, then indexed: scoring k targets per comment costs far less than k times one.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Sequence
from itertools import chain, repeat
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import normalize
from sklearn.utils import murmurhash3_32
from sklearn.utils.validation import check_is_fitted

from stance.targets import content_words, normalize_target, target_terms

LABELS = ("against", "favor", "none")

#: Defaults of every config key ``build_pipeline`` understands (training/stance.toml).
DEFAULTS: dict[str, Any] = {
    "word_features": 2**17,
    "char_features": 2**16,
    "pair_features": 2**16,
    "char_ngram_min": 3,
    "char_ngram_max": 5,
    "window": 4,
    "word_weight": 1.0,
    "char_weight": 1.0,
    "pair_weight": 1.0,
    "head_weight": 1.0,
    "emb_weight": 1.0,
    "embeddings": True,
    "embeddings_path": None,
    "alpha": 2e-5,
    "max_iter": 15,
    "corpus_weight_power": 0.5,
    "class_weight": None,
    "specialists": [],
    "specialist_weight": 0.5,
    "specialist_options": {},
    "opposing_targets": [],
    "zeroshot_corpora": [],
    "zeroshot_weight": 0.5,
    "zeroshot_C": 0.3,
    "cues": False,
    "cue_weight": 1.0,
}

_TOKEN = re.compile(r"[#@]?[a-z0-9][a-z0-9'\-_]*|[!?]+|[.,;:]|[\U0001F300-\U0001FAFF\u2600-\u27BF]")
_NEGATORS = frozenset(
    """not no never nor none nobody nothing neither cannot cant can't don't dont doesn't doesnt
    didn't didnt isn't isnt aren't arent wasn't wasnt weren't werent won't wont wouldn't wouldnt
    shouldn't shouldnt couldn't couldnt haven't havent hasn't hasnt hadn't hadnt ain't aint
    without against stop"""
    .replace("\n", " ").split(" ")
) - {""}
_SCOPE_END = frozenset(".,;:!?") | frozenset({"but", "however", "although", "though"})
#: Surface cues of sarcasm / irony; each becomes a flag feature (and a flag x target pair).
_SARCASM_RX = {
    "slash_s": r"(?:^|\s)/s\b",
    "yeah_right": r"\b(?:yeah|yea|ya) right\b|\bsure,? (?:jan|buddy|thing)\b",
    "oh_great": r"\boh,? (?:great|sure|yes|wow|how|what a)\b",
    "scare_quote": r"[\"\u201c\u2018][a-z][a-z ]{2,25}[\"\u201d\u2019]",
    "such_a": r"\b(?:such a|what a|real|true|great|brilliant) (?:genius|hero|peacemaker|"
              r"patriot|democracy|success|champion|leader|saint)\b",
    "eye_roll": "[\U0001F644\U0001F602\U0001F923\U0001F921]|\\blol\\b|\\blmao\\b",
    "totally": r"\b(?:totally|clearly|obviously|surely)\b",
    "thanks_for": r"\bthanks? (?:a lot|for nothing|so much)\b",
    "bang": r"[!?]{2,}",
}
_SARCASM = re.compile("|".join(f"(?P<{name}>{rx})" for name, rx in _SARCASM_RX.items()))

#: Per cue: substrings one of which every match of it contains, and the cue's own pattern.
#: A text holding the substrings of no cue (most) has none; of one cue only, that cue's
#: pattern alone decides (no other branch of ``_SARCASM`` can match anywhere in it); of
#: several, ``_SARCASM`` itself is scanned (its leftmost, non-overlapping matches).
_SARCASM_SCREEN = tuple((name, lits, re.compile(_SARCASM_RX[name])) for name, lits in {
    "slash_s": ("/s",),
    "yeah_right": ("a right", "h right", "sure ", "sure,"),
    "oh_great": ("oh great", "oh sure", "oh yes", "oh wow", "oh how", "oh what a", "oh,"),
    "scare_quote": ("\"", "\u201c", "\u2018"),
    "such_a": (" genius", " hero", " peacemaker", " patriot", " democracy", " success",
               " champion", " leader", " saint"),
    "eye_roll": ("\U0001F644", "\U0001F602", "\U0001F923", "\U0001F921", "lol", "lmao"),
    "totally": ("totally", "clearly", "obviously", "surely"),
    "thanks_for": ("thank",),
    "bang": ("!!", "!?", "?!", "??"),
}.items())


_SARCASM_LITERALS = tuple((lit, k) for k, (_, lits, _) in enumerate(_SARCASM_SCREEN)
                          for lit in lits)


def sarcasm_cues(text: str) -> list[str]:
    """Names of the sarcasm / irony surface cues found in ``text`` (each name once)."""
    low = str(text or "").lower()
    cand = {k for lit, k in _SARCASM_LITERALS if lit in low}
    if not cand:
        return []
    if len(cand) == 1:
        name, _, rx = _SARCASM_SCREEN[cand.pop()]
        return [name] if rx.search(low) else []
    return list(dict.fromkeys(m.lastgroup for m in _SARCASM.finditer(low)))


def tokenize(text: str) -> tuple[str, ...]:
    """Lower-cased word/punctuation tokens; words in a negation scope get a ``NEG_`` twin.

    Texts up to 2,000 characters are memoised (the last 4,096: the word and the pair block of
    one batch tokenise the same texts); longer ones are not, so the memo stays small."""
    text = str(text or "")
    return _tokenize_short(text) if len(text) <= 2000 else _tokenize(text)


def _tokenize(text: str) -> tuple[str, ...]:
    low = text.lower().replace("\u2019", "'")
    toks = _TOKEN.findall(low)
    if "n't" not in low and _NEGATORS.isdisjoint(toks):
        return tuple(toks)  # no negation scope can open (most texts)
    out: list[str] = []
    neg = False
    for t in toks:
        if t in _SCOPE_END or t[0] in "!?":
            neg = False
            out.append(t)
            continue
        out.append(f"NEG_{t}" if neg else t)
        if t in _NEGATORS or t.endswith("n't"):
            neg = True
    return tuple(out)


_tokenize_short = functools.lru_cache(maxsize=4096)(_tokenize)


def plain_tokens(text: str) -> tuple[tuple[str, ...], tuple[str, ...], frozenset[str]]:
    """``tokenize(text)``, the same tokens without ``NEG_`` marks and leading ``#`` / ``@``,
    and the set of those: memoised as ``tokenize`` (the pair and the zero-shot block of one
    batch both read them)."""
    text = str(text or "")
    return _plain_short(text) if len(text) <= 2000 else _plain_tokens(text)


def _plain_tokens(text: str) -> tuple[tuple[str, ...], tuple[str, ...], frozenset[str]]:
    toks = tokenize(text)
    joined = " ".join(toks)
    plain = tuple([t[4:] if t[:4] == "NEG_" else t for t in toks]) if "NEG_" in joined else toks
    if "#" in joined or "@" in joined:
        plain = tuple([t.lstrip("#@") for t in plain])
    return toks, plain, frozenset(plain)


_plain_short = functools.lru_cache(maxsize=4096)(_plain_tokens)


_C1, _C2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def _murmur3(buf: np.ndarray, starts: np.ndarray, lengths: np.ndarray, seed: int = 0
             ) -> np.ndarray:
    """``murmurhash3_32(key, seed, positive=True)`` of every key ``buf[s:s + n]`` (uint8
    ``buf``), vectorised: MurmurHash3_x86_32, as sklearn's, one 4-byte block at a time."""
    b8 = np.concatenate([np.asarray(buf, dtype=np.uint8), np.zeros(4, np.uint8)])
    # word[p] = the 4 bytes at p as a little-endian uint32 (a view of overlapping windows)
    word = np.lib.stride_tricks.as_strided(b8, shape=(len(b8) - 3, 4), strides=(1, 1)
                                           ).view("<u4")[:, 0]
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    nblocks = lengths // 4
    # keys by decreasing block count: the keys with a j-th block are a prefix (of length
    # active[j]), so block j is one slice however long the longest key
    neg = -nblocks.astype(np.int16) if nblocks.max(initial=0) < 1 << 15 else -nblocks
    order = np.argsort(neg, kind="stable")  # (a radix sort for int16)
    active = np.searchsorted(neg[order], -np.arange(int(nblocks.max(initial=0))),
                             side="left")
    first = starts[order]
    hs = np.full(len(starts), seed, dtype=np.uint32)
    for j, na in enumerate(active):
        k = word[first[:na] + 4 * j]
        hj = hs[:na] ^ (_rotl(k * _C1, 15) * _C2)
        hs[:na] = _rotl(hj, 13) * np.uint32(5) + np.uint32(0xE6546B64)
    h = np.empty_like(hs)
    h[order] = hs
    rem = lengths & 3
    t = starts + 4 * nblocks
    k = word[t] & np.array([0, 0xFF, 0xFFFF, 0xFFFFFF], dtype=np.uint32)[rem]  # the tail bytes
    h ^= _rotl(k * _C1, 15) * _C2  # (a zero tail changes nothing, as in the C code)
    h ^= lengths.astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def _hash_strings(strings: Sequence[str], seed: int = 0) -> np.ndarray:
    """``murmurhash3_32(s, seed, positive=True)`` of each string's UTF-8 bytes, as int64."""
    if len(strings) < 64:
        return np.fromiter((murmurhash3_32(s, seed=seed, positive=True) for s in strings),
                           dtype=np.int64, count=len(strings))
    joined = "".join(strings)
    data = joined.encode("utf-8")
    lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
    if len(data) != len(joined):  # byte lengths of the non-ASCII strings
        wide = np.flatnonzero(~np.fromiter(map(str.isascii, strings), dtype=bool,
                                           count=len(strings)))
        lengths[wide] = [len(strings[i].encode("utf-8")) for i in wide]
    starts = np.zeros(len(strings), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    return _murmur3(np.frombuffer(data, dtype=np.uint8), starts, lengths, seed).astype(np.int64)


def _hasher_columns(h: np.ndarray, n_features: int) -> np.ndarray:
    """FeatureHasher's column ``|h| % n_features`` of each unsigned murmurhash3_32 ``h``
    (read as the signed value FeatureHasher hashes with)."""
    h = np.where(h >= 1 << 31, h - (1 << 32), h)
    return (np.abs(h) % n_features).astype(np.int32)


def _factorize(values: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Integer codes and the unique values, in order of first appearance."""
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.int64,
                        count=len(values))
    return codes, list(index)


class Columns(TransformerMixin, BaseEstimator):
    """Normalise the input to a dict of string columns ``text``, ``target``, ``quote``, ``title``.

    Accepts a pandas DataFrame, a ``datasets.Dataset``, a dict of lists or a list of dicts.
    An empty ``target`` falls back to ``quote`` and then ``title``.
    """

    def fit(self, X, y=None):
        return self

    def transform(self, X) -> dict[str, list[str]]:
        if isinstance(X, list):
            cols = {k: [r.get(k) for r in X] for k in ("text", "target", "quote", "title")}
        else:
            names = getattr(X, "column_names", None)
            keys = set(names if names is not None else getattr(X, "columns", X))
            n = len(X["text"])
            cols = {k: (list(X[k]) if k in keys else [None] * n)
                    for k in ("text", "target", "quote", "title")}
        out = {k: ["" if v is None or v != v else str(v) for v in vals] for k, vals in cols.items()}
        out["target"] = [t or q or h for t, q, h in zip(out["target"], out["quote"], out["title"])]
        return out


class UniqueText(TransformerMixin, BaseEstimator):
    """Apply a text transformer to the unique values of one column, then index back to rows."""

    def __init__(self, transformer=None, column: str = "text", weight: float = 1.0):
        self.transformer = transformer
        self.column = column
        self.weight = weight

    def fit(self, X, y=None):
        _, uniq = _factorize(X[self.column])
        self.transformer_ = clone(self.transformer).fit(uniq)
        return self

    def transform(self, X):
        check_is_fitted(self, "transformer_")
        codes, uniq = _factorize(X[self.column])
        out = self.transformer_.transform(uniq)
        if self.weight != 1.0:
            out = out * self.weight
        # all values distinct (one target per text): codes are 0..n-1, no indexing
        return out if len(uniq) == len(codes) else out[codes]


class TargetInteractions(TransformerMixin, BaseEstimator):
    """Hashed features that relate the text to the target, as two L2-normalised blocks.

    Head block (``head_weight``): ``target-id x token`` pairs plus a per-target bias - the
    cheap "specialised head" of every target seen in training, inside the one linear model.
    General block (``weight``): ``target-word x token`` pairs (shared by targets with the same
    words, so they carry over to new targets), ``near:token`` for tokens within ``window`` of
    a mention of the target or one of its aliases, mention / negated-mention flags, and
    sarcasm-cue flags crossed with mention and with the target.
    """

    def __init__(self, n_features: int = 2**18, window: int = 4, weight: float = 1.0,
                 head_weight: float = 1.0):
        self.n_features = n_features
        self.window = window
        self.weight = weight
        self.head_weight = head_weight

    def fit(self, X, y=None):
        self.n_features_ = int(self.n_features)
        return self

    @staticmethod
    def _text_side(text: str):
        """Tokens, plain tokens (no ``NEG_``, ``#``, ``@``), their set, the distinct words
        and the sarcasm cues of a text."""
        toks, plain, pset = plain_tokens(text)
        words = [t for t in dict.fromkeys(toks) if t[0].isalnum() or t[0] in "#@"]
        return toks, plain, pset, words, sarcasm_cues(text)

    def transform(self, X):
        check_is_fitted(self, "n_features_")
        tcodes, texts = _factorize(X["text"])
        gcodes, targets = _factorize(X["target"])
        n, m = len(tcodes), self.n_features_
        tside = [self._text_side(t) for t in texts]
        lens = np.array([len(s[3]) for s in tside], dtype=np.int64)
        indptr = np.concatenate([[0], np.cumsum(lens)])
        tok_h = _hash_strings(list(chain.from_iterable(s[3] for s in tside)), seed=1)
        gkeys = [normalize_target(g) for g in targets]
        gid = _hash_strings(gkeys, seed=2)
        head_r, head_c, gen_r, gen_c = [], [], [], []
        # vectorised token x target crosses, one group of rows per unique target
        order = np.argsort(gcodes, kind="stable")
        bounds = np.searchsorted(gcodes[order], np.arange(len(targets) + 1))
        for g in range(len(targets)):
            rows = order[bounds[g]:bounds[g + 1]]
            if not len(rows):
                continue
            tl = lens[tcodes[rows]]
            row_ids = np.repeat(rows, tl)
            starts = np.repeat(indptr[tcodes[rows]] - np.concatenate([[0], np.cumsum(tl)[:-1]]), tl)
            th = tok_h[starts + np.arange(tl.sum())]
            head_r += [row_ids, rows]
            head_c += [(th * 1_000_003 + gid[g]) % m, np.full(len(rows), gid[g] % m)]
            gw = _hash_strings(content_words(targets[g]), seed=3)
            if len(gw):
                gen_r.append(np.repeat(row_ids, len(gw)))
                gen_c.append((th[:, None] * 7_919 + gw[None, :] * 15_485_863).ravel() % m)
        # mentions, words near them and cue flags: a short python loop over rows
        cache: dict[str, int] = {}

        def h(s: str) -> int:
            v = cache.get(s)
            if v is None:
                v = cache[s] = murmurhash3_32(s, seed=4, positive=True)
            return v

        terms = [target_terms(g) for g in targets]
        w = self.window
        extra_r: list[int] = []
        extra_c: list[int] = []
        for r in range(n):
            toks, plain, pset, _, cues = tside[tcodes[r]]
            gi = gcodes[r]
            key = gkeys[gi]
            feats: list[str]
            if pset & terms[gi]:
                tset = terms[gi]
                hits = [i for i, t in enumerate(plain) if t in tset]
                feats = ["MENTION", f"MENTION|{key}"]
                if any(toks[i].startswith("NEG_") for i in hits):
                    feats.append("MENTION_NEG")
                near = {toks[j] for i in hits
                        for j in range(max(0, i - w), min(len(toks), i + w + 1)) if j != i}
                feats += [f"near:{t}" for t in near]
                mark = "m"
            else:
                feats = ["NO_MENTION"]
                mark = "nm"
            for c in cues:
                feats += [f"cue:{c}", f"cue:{c}|{mark}", f"cue:{c}|{key}"]
            extra_r += [r] * len(feats)
            extra_c += [h(f) % m for f in feats]
        gen_r.append(np.asarray(extra_r, dtype=np.int64))
        gen_c.append(np.asarray(extra_c, dtype=np.int64))

        def block(rr, cc, weight):
            ri = np.concatenate(rr) if rr else np.zeros(0, np.int64)
            ci = np.concatenate(cc) if cc else np.zeros(0, np.int64)
            mat = sp.csr_matrix((np.ones(len(ri)), (ri, ci)), shape=(n, m))
            mat.data[:] = 1.0  # hash collisions inside a row stay binary
            return normalize(mat) * weight

        return sp.hstack([block(head_r, head_c, self.head_weight),
                          block(gen_r, gen_c, self.weight)], format="csr")


class PairEmbeddings(TransformerMixin, BaseEstimator):
    """[u, v, u*v, |u-v|, cos(u, v)] of static sentence vectors of text (u) and target (v).

    ``embedder`` is a fitted-on-demand transformer mapping a list of strings to an (n, d)
    array (default: ``stance.embeddings.StaticEmbeddings(path)``). Unique texts and unique
    targets are embedded once each.
    """

    def __init__(self, embedder=None, path=None, weight: float = 1.0):
        self.embedder = embedder
        self.path = path
        self.weight = weight

    def fit(self, X, y=None):
        if self.embedder is not None:
            emb = clone(self.embedder)
        else:
            from stance.embeddings import StaticEmbeddings

            emb = StaticEmbeddings() if self.path is None else StaticEmbeddings(self.path)
        self.embedder_ = emb.fit(list(X["text"][:1]))
        return self

    def _embed(self, values: list[str]) -> np.ndarray:
        vecs = np.asarray(self.embedder_.transform(values), dtype=np.float32)
        return normalize(vecs)

    def dense(self, X) -> np.ndarray:
        """``transform(X)`` as a dense float64 array."""
        check_is_fitted(self, "embedder_")
        tcodes, texts = _factorize(X["text"])
        gcodes, targets = _factorize(X["target"])
        u = self._embed(texts)[tcodes]
        v = self._embed(targets)[gcodes]
        n, d = u.shape
        out = np.empty((n, 4 * d + 1), dtype=np.float64)  # float32 parts, widened in place
        out[:, 4 * d] = np.einsum("ij,ij->i", u, v)
        out[:, :d] = u
        out[:, d:2 * d] = v
        out[:, 2 * d:3 * d] = u * v
        out[:, 3 * d:4 * d] = np.abs(u - v)
        if self.weight != 1.0:
            out *= self.weight
        return out

    def transform(self, X):
        dense = self.dense(X)
        n, d = dense.shape  # CSR straight from the dense block: no scan for zeros
        return sp.csr_matrix((dense.ravel(), np.tile(np.arange(d, dtype=np.int32), n),
                              np.arange(0, n * d + 1, d, dtype=np.int64)), shape=(n, d))


class TargetRoute(TransformerMixin, BaseEstimator):
    """One-hot (n, len(groups)) of the group whose target keys contain a row's target.

    ``groups``: lists of targets (compared by ``normalize_target``); a target in several
    groups belongs to the first. Rows whose target is in no group are all zeros.
    ``opposing``: pairs ``[a, b]`` of targets whose stances tend to be opposite (pro-a ~
    anti-b). A routed row toward ``a`` carries 1.5 in its route column, toward ``b`` 0.5,
    any other 1.0: RoutedSGD reads the side (+1, -1, 0) from it for its specialists' signed
    text block.
    """

    def __init__(self, groups: Sequence[Sequence[str]] = (),
                 opposing: Sequence[Sequence[str]] = ()):
        self.groups = groups
        self.opposing = opposing

    def __setstate__(self, state):
        # pickled before opposing targets: defaults, so old models load, score and repr()
        state.setdefault("opposing", ())
        state.setdefault("side_", {})
        super().__setstate__(state)

    def fit(self, X, y=None):
        self.route_: dict[str, int] = {}
        for g, targets in enumerate(self.groups):
            for t in targets:
                self.route_.setdefault(normalize_target(t), g)
        self.side_: dict[str, float] = {}
        for pair in self.opposing or ():
            a, b = (normalize_target(t) for t in pair)
            self.side_.setdefault(a, 1.0)
            self.side_.setdefault(b, -1.0)
        self.n_routes_ = len(self.groups)
        return self

    def routes(self, targets: Sequence[str]) -> np.ndarray:
        """Group index per target, -1 for none."""
        codes, uniq = _factorize(list(targets))
        return np.array([self.route_.get(normalize_target(t), -1) for t in uniq],
                        dtype=np.int64).reshape(-1)[codes] if len(uniq) else np.zeros(0, np.int64)

    def sides(self, targets: Sequence[str]) -> np.ndarray:
        """Side per target: +1 / -1 for the first / second of an opposing pair, else 0."""
        side = getattr(self, "side_", {})
        codes, uniq = _factorize(list(targets))
        return np.array([side.get(normalize_target(t), 0.0) for t in uniq],
                        dtype=np.float64).reshape(-1)[codes] if len(uniq) else np.zeros(0)

    def transform(self, X):
        check_is_fitted(self, "route_")
        r = self.routes(X["target"])
        rows = np.flatnonzero(r >= 0)
        value = 1.0 + 0.5 * self.sides([X["target"][i] for i in rows])
        return sp.csr_matrix((value, (rows, r[rows])), shape=(len(r), max(self.n_routes_, 1)))


class RoutedSGD(ClassifierMixin, BaseEstimator):
    """Pooled one-vs-rest SGD logistic regression plus one specialist per target group.

    The last ``n_routes`` columns of X are TargetRoute's one-hot (read, never used as
    features). The pooled model is fitted on every row (with ``sample_weight``); specialist
    ``g`` on the rows routed to ``g`` only (unweighted), with the same hyperparameters unless
    ``specialist_alpha[g]`` is set. ``specialist_weight`` is one float or one per group.
    Specialist weights are stored as int8 with one scale per class (see ``fit``).

    ``n_signed > 0``: a specialist whose rows carry a side (TargetRoute's ``opposing``
    pairs: +1 toward the first target of a pair, -1 toward the second) also sees the first
    ``n_signed`` feature columns (the text's word and char n-grams) multiplied by the row's
    side, so what it learns about "pro-a" text is shared with "anti-b" (and vice versa).
    ``specialist_bias[g]``: True learns per-class offsets of specialist ``g``'s decision that
    maximise F_avg (mean F1 of favor and against) on 3-fold out-of-fold decisions over its
    rows (folds by ``groups`` in ``fit``, e.g. the text, so a tweet's rows stay together).
    """

    def __init__(self, n_routes: int = 0, specialist_weight=0.5, alpha: float = 2e-5,
                 max_iter: int = 15, class_weight=None, random_state=None,
                 specialist_alpha=None, n_signed: int = 0, specialist_bias=None):
        self.n_routes = n_routes
        self.specialist_weight = specialist_weight
        self.alpha = alpha
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.random_state = random_state
        self.specialist_alpha = specialist_alpha
        self.n_signed = n_signed
        self.specialist_bias = specialist_bias

    def __setstate__(self, state):
        # pickled before per-corpus specialist options: the old behaviour's defaults
        for key, value in (("specialist_alpha", None), ("n_signed", 0),
                           ("specialist_bias", None)):
            state.setdefault(key, value)
        super().__setstate__(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True  # the pipeline's features are CSR
        return tags

    def _sgd(self, alpha: float | None = None) -> SGDClassifier:
        return SGDClassifier(loss="log_loss", alpha=self.alpha if alpha is None else alpha,
                             max_iter=self.max_iter, tol=None, class_weight=self.class_weight,
                             random_state=self.random_state)

    @staticmethod
    def _per_group(value, g: int, default=None):
        """``value`` itself when a scalar, else its ``g``-th entry; ``default`` for None."""
        if value is None or isinstance(value, (int, float, bool, np.number)):
            return default if value is None else value
        value = list(value)
        return value[g] if g < len(value) and value[g] is not None else default

    def _route_side(self, X) -> tuple[np.ndarray, np.ndarray]:
        """Group per row from the last ``n_routes`` columns (-1 = none) and the row's side
        (+1 / -1 / 0, from the route entry's value 1.5 / 0.5 / 1.0); no column slicing."""
        X = sp.csr_matrix(X)
        m = X.shape[1] - int(self.n_routes)
        route = np.full(X.shape[0], -1, dtype=np.int64)
        side = np.zeros(X.shape[0])
        if X.has_sorted_indices:  # FeatureUnion output: a route is its row's last entry
            rows = np.flatnonzero(np.diff(X.indptr) > 0)
            pos = X.indptr[rows + 1] - 1
            hit = X.indices[pos] >= m
            route[rows[hit]] = X.indices[pos[hit]] - m
            side[rows[hit]] = np.sign(np.round(X.data[pos[hit]] - 1.0, 6))
            return route, side
        hit = np.flatnonzero(X.indices >= m)
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))[hit]
        route[rows] = X.indices[hit] - m
        side[rows] = np.sign(np.round(X.data[hit] - 1.0, 6))
        return route, side

    def _route(self, X) -> np.ndarray:
        """Group per row (-1 = none)."""
        return self._route_side(X)[0]

    @staticmethod
    def _signed(X, side: np.ndarray, n: int):
        """``X`` with its first ``n`` columns times the row's side appended."""
        return sp.hstack([X, sp.diags(side) @ X[:, :n]], format="csr")

    def _fit_bias(self, X, y, groups, alpha) -> np.ndarray:
        """Per-class decision offsets maximising F_avg on 3-fold out-of-fold decisions."""
        keys = np.arange(len(y)) if groups is None else np.asarray(groups)
        _, inv = np.unique(keys, return_inverse=True)
        fold = _hash_strings([str(k) for k in inv], seed=5) % 3
        oof = np.zeros((len(y), len(self.classes_)))
        for k in range(3):
            tr, te = fold != k, fold == k
            if not te.any() or len(set(y[tr])) < len(self.classes_):
                return np.zeros(len(self.classes_))
            oof[te] = self._sgd(alpha).fit(X[tr], y[tr]).decision_function(X[te])
        return best_offsets(oof, y, self.classes_)

    def fit(self, X, y, sample_weight=None, groups=None):
        route, side = self._route_side(X)
        X = sp.csr_matrix(X)[:, :X.shape[1] - int(self.n_routes)]
        y = np.asarray(y)
        pooled = self._sgd().fit(X, y, sample_weight=sample_weight)
        self.classes_ = pooled.classes_
        # float16: half the bytes of the largest array in the model file; decisions move by
        # < 1e-3 and dev F_avg by <= 0.003 (all stance corpora of benchmarks/stance_bench.py)
        self.coef_ = pooled.coef_.astype(np.float16)
        self.intercept_ = pooled.intercept_
        self.specialists_: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None] = []
        n_signed = min(int(self.n_signed), X.shape[1])
        for g in range(int(self.n_routes)):
            rows = np.flatnonzero(route == g)
            if len(rows) < 2 or len(set(y[rows])) < 2:
                self.specialists_.append(None)
                continue
            alpha = float(self._per_group(self.specialist_alpha, g, self.alpha))
            Xg = X[rows]
            if n_signed and np.any(side[rows]):
                Xg = self._signed(Xg, side[rows], n_signed)
            spec = self._sgd(alpha).fit(Xg, y[rows])
            coef = spec.coef_ if len(spec.classes_) > 2 else np.vstack([-spec.coef_, spec.coef_])
            icpt = spec.intercept_ if len(spec.classes_) > 2 else np.r_[-spec.intercept_,
                                                                         spec.intercept_]
            cols = np.searchsorted(self.classes_, spec.classes_)
            if (self._per_group(self.specialist_bias, g, False)
                    and len(spec.classes_) == len(self.classes_)):
                icpt = icpt + self._fit_bias(Xg, y[rows], None if groups is None
                                             else np.asarray(groups)[rows], alpha)
            # int8 per class (scale = max |w| / 127): a quarter of the bytes, dev scores within
            # +-0.005; weights under half a step become exact zeros, which compress away
            scale = np.maximum(np.abs(coef).max(axis=1, keepdims=True), 1e-12) / 127
            q = np.clip(np.round(coef / scale), -127, 127).astype(np.int8)
            self.specialists_.append((cols, q, scale.astype(np.float32), icpt))
        return self

    def decision_function(self, X) -> np.ndarray:
        check_is_fitted(self, ("coef_", "classes_"))
        return self.decision_blocks([sp.csr_matrix(X)])

    def decision_blocks(self, blocks: Sequence[Any]) -> np.ndarray:
        """``decision_function`` of the column-wise concatenation of ``blocks`` (CSR or dense
        arrays, in column order), without building it; with several blocks the last must be
        TargetRoute's (``n_routes`` columns). ``[X]`` is ``decision_function(X)``."""
        check_is_fitted(self, ("coef_", "classes_"))
        route, side = self._route_side(blocks[-1] if len(blocks) > 1 else blocks[0])
        k = int(self.n_routes)
        ends = np.cumsum([b.shape[1] for b in blocks])
        m = int(ends[-1]) - k

        def dot(rows, weights):  # (concatenated blocks)[rows] @ weights (zero-padded rows)
            out = None
            for blk, w in zip(blocks, np.split(weights, ends[:-1])):
                part = np.asarray((blk if rows is None else blk[rows]) @ w)
                out = part if out is None else out + part
            return out

        def pooled():  # route columns meet zero weights (cheaper than slicing them off X)
            return np.hstack([self.coef_.astype(np.float32),
                              np.zeros((len(self.coef_), k), np.float32)]).T

        d = dot(None, self._weights(("pooled", m, k), pooled)) + self.intercept_
        for g, spec in enumerate(getattr(self, "specialists_", [])):
            rows = np.flatnonzero(route == g)
            if spec is None or not len(rows):
                continue
            w = float(self._per_group(self.specialist_weight, g, 0.5))
            cols, q, scale, icpt = spec
            c = len(q)
            if q.shape[1] > m:  # + the side-signed text block of an opposing-targets specialist:
                # one product with [plain | signed] weights (padded: no column slicing of X)
                def signed(q=q, c=c):
                    qk = np.zeros((m + k, 2 * c), np.float32)
                    qk[:m, :c] = q[:, :m].T
                    qk[:q.shape[1] - m, c:] = q[:, m:].T
                    return qk

                both = dot(rows, self._weights(("signed", g, m, k), signed))
                ds = both[:, :c] + side[rows, None] * both[:, c:]
            else:
                def plain(q=q, c=c):
                    return np.hstack([q, np.zeros((c, k), q.dtype)]).T.astype(np.float32)

                ds = dot(rows, self._weights(("plain", g, m, k), plain))
            ds = ds * scale.T + icpt
            d[np.ix_(rows, cols)] = (1 - w) * d[np.ix_(rows, cols)] + w * ds
        return d

    def _weights(self, key: tuple, build) -> np.ndarray:
        """``build()``, kept per ``key`` between calls (the float32, zero-padded weight
        matrices of ``decision_blocks``) while ``coef_`` and ``specialists_`` are the same
        objects; a runtime cache, never pickled."""
        src = (self.coef_, getattr(self, "specialists_", None))
        cache = self.__dict__.get("_wcache")
        if cache is None or cache["src"][0] is not src[0] or cache["src"][1] is not src[1]:
            cache = self._wcache = {"src": src}
        out = cache.get(key)
        if out is None:
            out = cache[key] = build()
        return out

    def __getstate__(self):
        state = dict(super().__getstate__())  # (a copy: it may be the instance's __dict__)
        state.pop("_wcache", None)
        return state

    def predict_proba(self, X) -> np.ndarray:
        return self.proba_from_decision(self.decision_function(X))

    @staticmethod
    def proba_from_decision(decision: np.ndarray) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-decision))  # one-vs-rest, as SGDClassifier
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        d = self.decision_function(X)  # first: NotFittedError, not AttributeError, unfitted
        return self.classes_[d.argmax(axis=1)]


def predict_proba(pipeline: Pipeline, X) -> np.ndarray:
    """``pipeline.predict_proba(X)`` of a stance pipeline (``build_pipeline``'s layout), to
    ~1e-12, ~1.5x faster: the classifier takes the feature blocks one by one, so the union's
    CSR (a dense embedding block of ~1,000 columns per row inside) is never built. Any other
    pipeline (or a union with weights / pandas output) goes through ``predict_proba``."""
    steps = getattr(pipeline, "steps", None)
    union, clf = (steps[-2][1], steps[-1][1]) if steps and len(steps) >= 2 else (None, None)
    kind = type(clf)
    if (not isinstance(union, FeatureUnion) or union.transformer_weights
            or getattr(union, "_sklearn_output_config", {}).get("transform") not in
            (None, "default") or not isinstance(clf, RoutedSGD)
            # a subclass must keep predict_proba and take its decisions through decision_blocks
            or kind.predict_proba is not RoutedSGD.predict_proba
            or (kind.decision_function is not RoutedSGD.decision_function
                and kind.decision_blocks is RoutedSGD.decision_blocks)):
        return pipeline.predict_proba(X)
    parts = [(name, tr) for name, tr in union.transformer_list if tr != "drop"]
    route = parts[-1][1] if parts else None
    if (any(isinstance(tr, str) for _, tr in parts) or not isinstance(route, TargetRoute)
            or max(int(route.n_routes_), 1) != int(clf.n_routes)):
        return pipeline.predict_proba(X)
    for _, step in steps[:-2]:
        X = step.transform(X)
    blocks = [tr.dense(X) if isinstance(tr, PairEmbeddings) else sp.csr_matrix(tr.transform(X))
              for _, tr in parts]
    return clf.proba_from_decision(clf.decision_blocks(blocks))


def best_offsets(decision: np.ndarray, y: np.ndarray, classes: Sequence[str],
                 grid: Sequence[float] = tuple(np.round(np.arange(-1.5, 1.51, 0.1), 2))
                 ) -> np.ndarray:
    """Offsets added to the favor and against columns of ``decision`` (none stays 0) that
    maximise F_avg (mean F1 of favor and against) of the argmax against ``y``; all zeros when
    ``classes`` lacks one of the three or no offset beats none."""
    classes = list(classes)
    if not {"favor", "against", "none"} <= set(classes):
        return np.zeros(len(classes))
    ia, jf = classes.index("against"), classes.index("favor")
    y = np.asarray(y)
    gold = ((ia, y == "against"), (jf, y == "favor"))

    def f_avg(pred: np.ndarray) -> float:
        out = 0.0
        for j, g in gold:
            hit = pred == j
            out += 2 * np.count_nonzero(hit & g) / max(np.count_nonzero(hit)
                                                       + np.count_nonzero(g), 1)
        return out / 2

    best, out = f_avg(decision.argmax(1)), np.zeros(len(classes))
    for ba in grid:
        for bf in grid:
            off = np.zeros(len(classes))
            off[ia], off[jf] = ba, bf
            s = f_avg((decision + off).argmax(1))
            if s > best + 1e-9:
                best, out = s, off
    return out


class WordwiseHashingVectorizer(HashingVectorizer):
    """A :class:`~sklearn.feature_extraction.text.HashingVectorizer` whose ``char_wb`` n-grams
    are hashed once per distinct word of a batch, not once per occurrence.

    ``char_wb`` n-grams never cross a word boundary, so a document's counts are the sum of its
    words' counts: ``transform`` builds the (documents x distinct words) count matrix and
    multiplies it by the words' own n-gram rows. The output equals HashingVectorizer's (same
    parameters); other analyzers fall back to it unchanged.
    """

    def transform(self, X):
        if callable(self.analyzer) and not (self.binary or self.alternate_sign
                                            or isinstance(X, str)):
            return self._hash_grams(X)
        if (self.analyzer != "char_wb" or self.binary or isinstance(X, str)
                or self.input != "content" or self.strip_accents or self.preprocessor):
            return super().transform(X)
        prep, decode = self.build_preprocessor(), self.decode
        docs = [prep(decode(doc)).split() for doc in X]
        flat = list(chain.from_iterable(docs))
        index = {w: i for i, w in enumerate(dict.fromkeys(flat))}
        indptr = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum([len(d) for d in docs], out=indptr[1:])
        if not index:  # no words at all (empty or blank texts): all-zero rows
            return sp.csr_matrix((len(docs), self.n_features), dtype=self.dtype)
        cols = np.fromiter(map(index.__getitem__, flat), dtype=np.int64, count=len(flat))
        counts = sp.csr_matrix((np.ones(len(cols)), cols, indptr), shape=(len(docs), len(index)))
        out = (counts @ self._memo_word_rows(list(index))).astype(self.dtype, copy=False)
        out.sort_indices()
        return normalize(out, norm=self.norm, copy=False) if self.norm is not None else out

    def _hash_grams(self, X):
        """HashingVectorizer's output for a callable analyzer (without alternate signs): the
        analyzer's features of every document hashed in one vectorised pass, not one by one."""
        if self.analyzer is _word_ngrams:
            decode = self.decode
            docs = [decode(doc) for doc in X]  # (X may be a generator)
            rows, h = _word_ngram_hashes(docs)
            n_docs = len(docs)
            cols = _hasher_columns(h, int(self.n_features))
            out = sp.csr_matrix((np.ones(len(cols), self.dtype), (rows, cols)),
                                shape=(n_docs, int(self.n_features)))
        else:
            analyze = self.build_analyzer()
            grams = [analyze(doc) for doc in X]
            indptr = np.zeros(len(grams) + 1, dtype=np.int64)
            np.cumsum([len(g) for g in grams], out=indptr[1:])
            flat = list(chain.from_iterable(grams))
            cols = _hasher_columns(_hash_strings(flat), int(self.n_features))
            out = sp.csr_matrix((np.ones(len(cols), self.dtype), cols, indptr),
                                shape=(len(grams), int(self.n_features)))
        out.sum_duplicates()  # (sorts the indices, as FeatureHasher's)
        return normalize(out, norm=self.norm, copy=False) if self.norm is not None else out

    #: Distinct words whose n-gram rows one instance keeps between calls, and n-gram entries
    #: (one per n-gram of a word: ~12 for a common word, ~90 for a 32-character hash or URL
    #: token), whichever fills first; then the memo starts over. 2**23 entries are 64-96 MB.
    MEMO_WORDS = 1 << 18
    MEMO_NNZ = 1 << 23

    def __getstate__(self):
        state = dict(super().__getstate__())  # (a copy: it may be the instance's __dict__)
        state.pop("_memo", None)  # a runtime cache, never pickled
        return state

    def _memo_word_rows(self, words: list[str]):
        """``_word_rows(words)``, each word's row hashed once per instance (and parameters):
        the rows of words seen in earlier calls are taken from a CSR memo (most words of a
        batch of comments were in an earlier batch). The memo is read and grown under a lock:
        threads sharing one model (a ``Scorer`` used from several threads) see it whole."""
        with _MEMO_LOCK:
            return self._memo_word_rows_locked(words)

    def _new_memo(self, key: str) -> dict:
        return {"key": key, "index": {}, "indptr": np.zeros(1024 + 1, np.int64),
                "indices": np.zeros(16384, np.int32), "data": np.zeros(16384, self.dtype)}

    def _memo_word_rows_locked(self, words: list[str]):
        """The memo's arrays have spare capacity, doubled when full (amortised O(1) per new
        entry: no copy of the whole memo per call), and rows are gathered by index arithmetic
        over the arrays (cost in the rows asked for, not in the memo's size)."""
        key = repr(sorted(self.get_params().items()))
        memo = self.__dict__.get("_memo")
        if memo is None or memo["key"] != key or len(memo["index"]) + len(words) > self.MEMO_WORDS:
            memo = self._memo = self._new_memo(key)
        index = memo["index"]
        ids = np.fromiter(map(index.get, words, repeat(-1)), dtype=np.int64, count=len(words))
        new = np.flatnonzero(ids < 0)
        if len(new):
            fresh = [words[i] for i in new]
            rows = self._word_rows(fresh)
            n, nnz = len(index), int(memo["indptr"][len(index)])
            if nnz + rows.nnz > self.MEMO_NNZ and n:  # full of long tokens: start over
                memo = self._memo = self._new_memo(key)
                index = memo["index"]
                ids[:] = -1
                new = np.arange(len(words))
                fresh = list(words)
                rows = self._word_rows(fresh)
                n = nnz = 0
            end_row, end_nnz = n + len(fresh), nnz + rows.nnz
            for name, size in (("indptr", end_row + 1), ("indices", end_nnz), ("data", end_nnz)):
                arr = memo[name]
                if len(arr) < size:  # double the capacity (at least to size)
                    grown = np.zeros(max(size, 2 * len(arr)), arr.dtype)
                    grown[:len(arr)] = arr
                    memo[name] = grown
            memo["indptr"][n + 1:end_row + 1] = nnz + rows.indptr[1:]
            memo["indices"][nnz:end_nnz] = rows.indices
            memo["data"][nnz:end_nnz] = rows.data
            index.update(zip(fresh, range(n, end_row)))
            ids[new] = np.arange(n, end_row)
        indptr = memo["indptr"]
        starts, stops = indptr[ids], indptr[ids + 1]
        lengths = stops - starts
        out_indptr = np.zeros(len(ids) + 1, np.int64)
        np.cumsum(lengths, out=out_indptr[1:])
        take = np.arange(out_indptr[-1]) + np.repeat(starts - out_indptr[:-1], lengths)
        return sp.csr_matrix((memo["data"][take], memo["indices"][take], out_indptr),
                             shape=(len(ids), int(self.n_features)))

    def _word_rows(self, words: list[str]):
        """HashingVectorizer's un-normalised n-gram counts of each (distinct) word, one row per
        word. ASCII words' n-grams are hashed as windows of one byte buffer of the padded
        words, never made into strings; other words go through the analyzer."""
        if self.alternate_sign:
            return HashingVectorizer(**{**self.get_params(), "norm": None}).transform(words)
        lo, hi = self.ngram_range
        asc = np.fromiter(map(str.isascii, words), dtype=bool, count=len(words))
        wid = np.flatnonzero(asc)
        padded = [f" {words[i]} " for i in wid]
        buf = np.frombuffer("".join(padded).encode("ascii"), dtype=np.uint8)
        size = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded))
        first = np.zeros(len(padded), dtype=np.int64)
        np.cumsum(size[:-1], out=first[1:])
        rows, starts, lengths = [], [], []
        for n in range(lo, hi + 1):  # every window of each length n < the padded word's
            sel = np.flatnonzero(size > n)
            cnt = size[sel] - n + 1
            offs = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
            rows.append(np.repeat(wid[sel], cnt))
            starts.append(np.repeat(first[sel], cnt) + offs)
            lengths.append(np.full(len(offs), n, dtype=np.int64))
        whole = np.flatnonzero(size <= hi)  # ... and a short word once, whole (sklearn)
        rows.append(wid[whole])
        starts.append(first[whole])
        lengths.append(size[whole])
        h = _murmur3(buf, np.concatenate(starts), np.concatenate(lengths)).astype(np.int64)
        cols = [_hasher_columns(h, int(self.n_features))]
        rows = [np.concatenate(rows)]
        other = np.flatnonzero(~asc)
        if len(other):
            analyze = self.build_analyzer()
            grams = [analyze(words[i]) for i in other]
            cols.append(_hasher_columns(_hash_strings(list(chain.from_iterable(grams))),
                                        int(self.n_features)))
            rows.append(np.repeat(other, [len(g) for g in grams]))
        r, c = np.concatenate(rows), np.concatenate(cols)
        out = sp.csr_matrix((np.ones(len(c), self.dtype), (r, c)),
                            shape=(len(words), int(self.n_features)))
        out.sum_duplicates()
        return out


def hashed_tfidf(n_features: int, **kw) -> Pipeline:
    """Hashed n-gram counts (no vocabulary to store) re-weighted by sublinear TF-IDF."""
    return Pipeline([
        ("hash", WordwiseHashingVectorizer(n_features=n_features, alternate_sign=False,
                                           norm=None, **kw)),
        ("tfidf", TfidfTransformer(sublinear_tf=True)),
    ])


def build_pipeline(config: dict | None = None,
                   groups: Sequence[Sequence[str]] = (),
                   group_names: Sequence[str] = ()) -> Pipeline:
    """The unfitted stance Pipeline for ``config`` (keys of ``DEFAULTS``; others ignored).

    ``groups``: the target lists of the specialists (``fit`` derives them from the training
    rows of the ``specialists`` corpora); empty = one pooled SGDClassifier. ``group_names``:
    the corpus of each group, the keys of ``specialist_options`` (``{corpus: {"weight": w,
    "alpha": a, "bias": bool}}``, overriding ``specialist_weight`` / ``alpha`` for that
    specialist; ``bias`` = learn offsets of its decision for F_avg). ``opposing_targets``:
    pairs ``[a, b]`` (pro-a ~ anti-b) whose specialists also learn a side-signed text block.
    """
    cfg = {**DEFAULTS, **(config or {})}
    # char_features = 0 or char_weight = 0 drops the char block (its columns and its cost)
    if not int(cfg["char_features"]) or not float(cfg["char_weight"]):
        cfg["char_features"] = 0
    word = hashed_tfidf(int(cfg["word_features"]), analyzer=_word_ngrams)
    blocks = [("word", UniqueText(word, "text", float(cfg["word_weight"])))]
    if cfg["char_features"]:
        char = hashed_tfidf(int(cfg["char_features"]), analyzer="char_wb", lowercase=True,
                            ngram_range=(int(cfg["char_ngram_min"]),
                                         int(cfg["char_ngram_max"])))
        blocks.append(("char", UniqueText(char, "text", float(cfg["char_weight"]))))
    blocks.append(("pair", TargetInteractions(int(cfg["pair_features"]), int(cfg["window"]),
                                              float(cfg["pair_weight"]),
                                              float(cfg["head_weight"]))))
    if cfg["embeddings"]:
        blocks.append(("emb", PairEmbeddings(path=cfg["embeddings_path"],
                                             weight=float(cfg["emb_weight"]))))
    if cfg["cues"]:  # polarity toward the target (stance.cues); the zero-shot model sees it too
        from stance.cues import TargetCues

        blocks.append(("cues", TargetCues(weight=float(cfg["cue_weight"]))))
    # zero-shot route (stance.zeroshot): relatedness features + unseen-target flag, and a model
    # of the zeroshot_corpora rows blended in for targets no training row had
    zeroshot = bool(cfg["zeroshot_corpora"]) and bool(cfg["embeddings"])
    if zeroshot:
        from stance.zeroshot import Relatedness

        blocks.append(("zs", Relatedness()))
    # one-vs-rest logistic regression by SGD: lbfgs/saga take minutes on ~1M hashed columns,
    # SGD a few seconds an epoch for the same dev scores (benchmarks/stance_bench.py)
    if groups or zeroshot:
        opts = cfg["specialist_options"] or {}
        names = list(group_names) + [""] * (len(groups) - len(group_names))
        per = [dict(opts.get(name, {})) for name in names[:len(groups)]]
        weight = [float(o.get("weight", cfg["specialist_weight"])) for o in per]
        alpha = [float(o["alpha"]) if "alpha" in o else None for o in per]
        bias = [bool(o.get("bias", False)) for o in per]
        opposing = [list(p) for p in cfg["opposing_targets"] or ()]
        n_signed = int(cfg["word_features"]) + int(cfg["char_features"]) if opposing else 0
        if groups:
            blocks.append(("route", TargetRoute([list(g) for g in groups], opposing)))
        kw = dict(alpha=float(cfg["alpha"]), max_iter=int(cfg["max_iter"]),
                  class_weight=cfg["class_weight"] or None, specialist_alpha=alpha,
                  n_signed=n_signed, specialist_bias=bias)
        if zeroshot:
            from stance.zeroshot import ZeroShotRoutedSGD

            start = (int(cfg["word_features"]) + int(cfg["char_features"])
                     + 2 * int(cfg["pair_features"]))
            clf = ZeroShotRoutedSGD(len(groups), weight, zs_start=start,
                                    zs_weight=float(cfg["zeroshot_weight"]),
                                    zs_C=float(cfg["zeroshot_C"]), **kw)
        else:
            clf = RoutedSGD(len(groups), weight, **kw)
        return Pipeline([("columns", Columns()), ("features", FeatureUnion(blocks)),
                         ("clf", clf)])
    clf = SGDClassifier(loss="log_loss", alpha=float(cfg["alpha"]), max_iter=int(cfg["max_iter"]),
                        tol=None, class_weight=cfg["class_weight"] or None)
    return Pipeline([("columns", Columns()), ("features", FeatureUnion(blocks)), ("clf", clf)])


_NO_GRAM = frozenset(".,;:")
#: Guards the word memos of WordwiseHashingVectorizer (one lock for all instances: the memo
#: step is short and holds the GIL anyway).
_MEMO_LOCK = threading.Lock()


def _gram_tokens(text: str) -> list[str]:
    """The tokens the word block's n-grams are made of: punctuation marks left out."""
    return [t for t in tokenize(text) if t not in _NO_GRAM]


def _word_ngrams(text: str) -> list[str]:
    toks = _gram_tokens(text)
    return toks + list(map(" ".join, zip(toks, toks[1:])))


def _word_ngram_hashes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Row (text index) and ``murmurhash3_32(gram, positive=True)`` of every gram of
    :func:`_word_ngrams` of each text, without making the bigrams into strings: the
    unigrams are the tokens of one space-joined buffer, a bigram the window from a token's
    start to the next token's end (tokens hold no space)."""
    toks = [_gram_tokens(text) for text in texts]
    count = np.fromiter(map(len, toks), dtype=np.int64, count=len(toks))
    flat = list(chain.from_iterable(toks))
    if not flat:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    joined = " ".join(flat)
    data = joined.encode("utf-8")
    size = np.fromiter(map(len, flat), dtype=np.int64, count=len(flat))
    if len(data) != len(joined):  # byte lengths of the non-ASCII tokens
        wide = np.flatnonzero(~np.fromiter(map(str.isascii, flat), dtype=bool, count=len(flat)))
        size[wide] = [len(flat[i].encode("utf-8")) for i in wide]
    start = np.zeros(len(flat), dtype=np.int64)
    np.cumsum(size[:-1] + 1, out=start[1:])
    row = np.repeat(np.arange(len(toks)), count)
    pair = np.flatnonzero(row[:-1] == row[1:])  # token i and i + 1 of the same text
    starts = np.concatenate([start, start[pair]])
    lengths = np.concatenate([size, size[pair] + 1 + size[pair + 1]])
    rows = np.concatenate([row, row[pair]])
    h = _murmur3(np.frombuffer(data, dtype=np.uint8), starts, lengths).astype(np.int64)
    return rows, h


def _to_frame(data):
    import pandas as pd

    if hasattr(data, "to_pandas"):
        return data.to_pandas()
    return data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)


def corpus_weights(corpus: Sequence[str], power: float = 0.5) -> np.ndarray:
    """Per-row weights so that each corpus counts in proportion to ``n_corpus ** (1 - power)``.

    power 0 keeps raw counts; 1 makes every corpus count equally. Mean weight is 1.
    """
    codes, names = _factorize([str(c) for c in corpus])
    counts = np.bincount(codes).astype(np.float64)
    w = (counts.sum() / (len(names) * counts)) ** power
    rows = w[codes]
    return rows / rows.mean()


def scores(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, float]:
    """F_avg (mean F1 of favor and against, SemEval-2016) and macro-F1 over the gold labels."""
    from sklearn.metrics import f1_score

    y_true, y_pred = list(y_true), list(y_pred)
    gold = [lab for lab in LABELS if lab in set(y_true)]
    f = f1_score(y_true, y_pred, labels=["favor", "against"], average=None, zero_division=0)
    return {
        "f_avg": round(float(np.mean(f)), 4),
        "macro_f1": round(float(f1_score(y_true, y_pred, labels=gold, average="macro",
                                         zero_division=0)), 4),
        "n": len(y_true),
    }


def evaluate_frame(pipeline: Pipeline, df) -> dict[str, dict[str, float]]:
    """Per-corpus scores of a fitted pipeline on a labelled frame (column ``corpus`` optional)."""
    df = _to_frame(df)
    proba = pipeline.predict_proba(df)
    pred = np.asarray(pipeline.classes_)[proba.argmax(1)]
    corpus = df["corpus"].astype(str).to_numpy() if "corpus" in df else np.full(len(df), "all")
    out = {}
    for name in sorted(set(corpus)):
        m = corpus == name
        out[name] = scores(df["stance"].to_numpy()[m], pred[m])
    return out


def specialist_groups(df, corpora: Sequence[str]) -> list[list[str]]:
    """Per corpus in ``corpora`` found in ``df``: its target keys not taken by an earlier one."""
    return [keys for _, keys in named_specialist_groups(df, corpora)]


def named_specialist_groups(df, corpora: Sequence[str]) -> list[tuple[str, list[str]]]:
    """``(corpus, target keys)`` of each group of :func:`specialist_groups`."""
    if not corpora or "corpus" not in df or "target" not in df:
        return []
    taken: set[str] = set()
    groups = []
    for name in corpora:
        keys = sorted({normalize_target(t) for t in df.loc[df["corpus"] == name, "target"]
                       if isinstance(t, str) and t.strip()} - taken)
        if keys:
            groups.append((name, keys))
            taken.update(keys)
    return groups


def fit(train, dev, config: dict | None = None, seed: int = 13) -> tuple[Pipeline, dict]:
    """Fit the stance pipeline on ``train``; score it per corpus on ``dev`` (may be None).

    ``train``/``dev``: ``datasets.Dataset`` or DataFrame in the common stance schema
    (``text``, ``target``, ``stance``; ``corpus`` used for weighting and per-corpus scores).
    """
    from stance.errors import DataError

    cfg = {**DEFAULTS, **(config or {})}
    df = _to_frame(train)
    df = df[df["text"].notna() & df["stance"].isin(LABELS)].reset_index(drop=True)
    if df.empty:
        raise DataError("no stance training rows (need columns text, target, stance)")
    if set(df["stance"]) != set(LABELS):
        got = sorted(set(df["stance"]))
        raise DataError(f"training rows must cover all labels {LABELS}, got {got}")
    corpus = df["corpus"].astype(str) if "corpus" in df else np.full(len(df), "all")
    weights = corpus_weights(list(corpus), float(cfg["corpus_weight_power"]))
    named = named_specialist_groups(df, cfg["specialists"])
    groups = [keys for _, keys in named]
    pipe = build_pipeline(cfg, groups, [name for name, _ in named])
    pipe.set_params(clf__random_state=seed)
    fit_params = {"clf__sample_weight": weights}
    if groups:  # the specialists' out-of-fold bias folds keep a text's rows together
        fit_params["clf__groups"] = _factorize(df["text"].astype(str).tolist())[0]
    if cfg["zeroshot_corpora"] and cfg["embeddings"]:  # rows of the zero-shot model
        fit_params["clf__zs_rows"] = np.isin(np.asarray(corpus, dtype=str),
                                             [str(c) for c in cfg["zeroshot_corpora"]])
    pipe.fit(df, df["stance"].to_numpy(), **fit_params)
    clf = pipe.named_steps["clf"]
    if not isinstance(clf, RoutedSGD):  # (RoutedSGD keeps its pooled weights as float16)
        clf.coef_ = clf.coef_.astype(np.float32)  # halves the model file; scores unchanged to 1e-6
    if tuple(clf.classes_) != LABELS:
        raise DataError(f"unexpected classes {clf.classes_}")
    info: dict[str, Any] = {
        "train_rows": {str(k): int(v) for k, v in corpus.value_counts().items()}
        if hasattr(corpus, "value_counts") else {"all": len(df)},
        "config": {k: cfg[k] for k in DEFAULTS},
        "labels": list(LABELS),
    }
    if groups:
        info["specialist_groups"] = groups
    if dev is not None:
        ddf = _to_frame(dev)
        ddf = ddf[ddf["text"].notna() & ddf["stance"].isin(LABELS)].reset_index(drop=True)
        info["dev"] = evaluate_frame(pipe, ddf) if len(ddf) else {}
    return pipe, info
