"""The learned block classifier: features of text blocks -> boilerplate / article / comment.

Dragnet's idea (Peters & Lecocq 2013) with richer context: every block gets its shape
(length, link density, punctuation, dates), the tokens of its own and its ancestors'
class/id attributes, its tag path, the words of short blocks, its neighbours' shape, how
often its markup signature repeats on the page and where it sits relative to the first
"comments" anchor. Labels come from aligning blocks to the gold text (word trigrams).

The model is one scikit-learn Pipeline: ``BlockFeatures`` (feature dicts -> hashed sparse
matrix) followed by a logistic regression. Rows are the feature dicts made by
``page_features(page)``.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from stance.splitter.blocks import Page
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


class BlockFeatures(BaseEstimator, TransformerMixin):
    """Feature dicts (``page_features``) -> hashed sparse matrix."""

    def __init__(self, n_features: int = 2**18):
        self.n_features = n_features

    def fit(self, X, y=None):
        self.n_features_in_ = 1
        return self

    def transform(self, X):
        from sklearn.feature_extraction import FeatureHasher

        hasher = FeatureHasher(n_features=self.n_features, input_type="dict", alternate_sign=False)
        return hasher.transform(X)


def signature(page: Page, idx: int, levels: int = 3) -> str:
    """Markup signature of an element: tag and stable class tokens of it and its parents."""
    parts = []
    els = page.elements
    while idx >= 0 and levels > 0:
        e = els[idx]
        toks = [t for t in e.tokens if not _GENERIC_CLASS.match(t)][:4]
        parts.append(e.tag + "." + ".".join(toks))
        idx = e.parent
        levels -= 1
    return "/".join(parts)


def _shape(text: str, words: list[str]) -> dict:
    n = len(words)
    chars = max(len(text), 1)
    return {
        "n": n,
        "punct": sum(text.count(c) for c in ".,;:!?") / max(n, 1),
        "digits": len(_DIGIT.findall(text[:400])) / min(chars, 400),
        "upper": sum(1 for w in words[:60] if w[:1].isupper()) / max(min(n, 60), 1),
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


def page_features(page: Page) -> list[dict]:
    """One feature dict per block of ``page``."""
    blocks = page.blocks
    nb = len(blocks)
    if not nb:
        return []
    els = page.elements
    words = [_WORD.findall(b.text) for b in blocks]
    ntoks = [len(w) for w in words]
    total = max(sum(ntoks), 1)
    link_d = [min(b.link_chars / max(len(b.text), 1), 1.0) for b in blocks]
    sigs = [signature(page, b.elem) for b in blocks]
    sig_count = Counter(sigs)
    sig_tokens = Counter()
    for s, n in zip(sigs, ntoks):
        sig_tokens[s] += n
    # first block with a comment-ish ancestor, and first "N comments" header
    anchor_attr = nb
    anchor_head = nb
    anc_cache: dict[int, list[int]] = {}
    elem_cache: dict[int, dict] = {}
    prompt = [False] * nb
    for i, b in enumerate(blocks):
        anc = anc_cache.get(b.elem)
        if anc is None:
            anc = page.ancestors(b.elem, 12) if b.elem >= 0 else []
            anc_cache[b.elem] = anc
        if anchor_attr == nb and any(_COMMENT_TOKENS.intersection(els[a].tokens) for a in anc):
            anchor_attr = i
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
    for i, b in enumerate(blocks):
        w = words[i]
        n = ntoks[i]
        f: dict[str, float] = {"bias": 1.0}
        sh = _shape(b.text, w)
        f["log_n"] = math.log1p(n)
        f["n_le_3"] = float(n <= 3)
        f["n_ge_20"] = float(n >= 20)
        f["n_ge_60"] = float(n >= 60)
        f["link"] = link_d[i]
        f["link_hi"] = float(link_d[i] > 0.5)
        f["punct"] = min(sh["punct"], 1.0)
        f["digits"] = sh["digits"]
        f["upper"] = sh["upper"]
        f["end_punct"] = float(sh["end"])
        f["date"] = float(n <= 25 and has_date(b.text))
        f["ui"] = float(UI_LINE.match(b.text) is not None)
        f["prompt"] = float(prompt[i])
        f["head"] = float(n <= 12 and COMMENTS_HEADER.match(b.text) is not None)
        f["pos"] = i / nb
        f["cpos"] = cum / total
        cum += n
        f["rel_big"] = n / biggest if biggest else 0.0
        f["after_attr"] = float(i >= anchor_attr)
        f["after_head"] = float(i >= anchor_head)
        f["before_both"] = float(i < anchor_attr and i < anchor_head)
        f["sig_rep"] = math.log1p(sig_count[sigs[i]])
        f["sig_share"] = sig_tokens[sigs[i]] / total
        if title_words and n:
            f["title_overlap"] = len(title_words.intersection(x.lower() for x in w)) / len(
                title_words
            )
        for d, j in (("p", i - 1), ("n", i + 1), ("p2", i - 2), ("n2", i + 2)):
            if 0 <= j < nb:
                f[d + "_log_n"] = math.log1p(ntoks[j])
                f[d + "_link"] = link_d[j]
            else:
                f[d + "_none"] = 1.0
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


# ----------------------------------------------------------------------------- training


def make_pipeline(alpha: float = 2e-6, n_features: int = 2**18, max_iter: int = 30, seed: int = 13):
    from sklearn.linear_model import SGDClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import MaxAbsScaler

    return Pipeline(
        [
            ("features", BlockFeatures(n_features=n_features)),
            ("scale", MaxAbsScaler()),
            (
                "clf",
                SGDClassifier(
                    loss="log_loss", alpha=alpha, max_iter=max_iter, tol=1e-4, random_state=seed
                ),
            ),
        ]
    )


def training_rows(data_dir, part: str = "train", limit: int | None = None, log=None):
    from stance.splitter.blocks import parse
    from stance.splitter.data import iter_pages
    from stance.splitter.decode import decode

    X, y, w, groups = [], [], [], []
    for pid, raw, content, comments, _marker in iter_pages(data_dir, part=part, limit=limit):
        page = parse(decode(raw, pid))
        rows = page_features(page)
        labels = label_page(page, content, comments)
        for b, r, lab in zip(page.blocks, rows, labels):
            X.append(r)
            y.append(lab)
            w.append(min(len(_WORD.findall(b.text)), 100) ** 0.5 + 0.5)
            groups.append(pid)
    if log:
        log(f"{len(set(groups))} pages, {len(X)} blocks, labels {Counter(y)}")
    return X, np.asarray(y), np.asarray(w), groups


def fit(data_dir=None, options=None, config: dict | None = None, log=None):
    """Train the block classifier on the Dragnet training pages (dev split held out).

    ``config`` keys (all optional, e.g. from ``training/splitter.toml``): alpha, n_features,
    max_iter, seed, part ("train" keeps the dev split out; "all" uses every training page), limit.
    Returns the fitted Pipeline.
    """
    cfg = dict(config or {})
    t0 = time.perf_counter()
    X, y, w, _ = training_rows(
        data_dir, part=cfg.get("part", "train"), limit=cfg.get("limit"), log=log
    )
    if len(set(y.tolist())) < 2:
        from stance.errors import DataError

        raise DataError("splitter training data has fewer than two block labels")
    seed = getattr(options, "seed", 13) if options is not None else 13
    pipe = make_pipeline(
        alpha=float(cfg.get("alpha", 2e-6)),
        n_features=int(cfg.get("n_features", 2**18)),
        max_iter=int(cfg.get("max_iter", 30)),
        seed=int(cfg.get("seed", seed)),
    )
    pipe.fit(X, y, clf__sample_weight=w)
    pipe.stance_labels_ = LABELS
    if log:
        log(f"trained in {time.perf_counter() - t0:.1f} s")
    return pipe


def save(pipe, path) -> None:
    import joblib

    clf = pipe.named_steps["clf"]
    clf.coef_ = clf.coef_.astype(np.float32)
    clf.intercept_ = clf.intercept_.astype(np.float32)
    joblib.dump(pipe, path, compress=3)


class FastScorer:
    """Class probabilities of a fitted block Pipeline without sklearn's per-call overhead.

    Folds the MaxAbsScaler into the linear weights once; gives the same numbers as
    ``pipe.predict_proba`` for a (hasher, scaler, linear log-loss) pipeline, and falls back
    to it for any other pipeline.
    """

    def __init__(self, pipe):
        self.pipe = pipe
        self.classes_ = pipe.classes_
        steps = dict(pipe.named_steps)
        clf = steps.get("clf")
        self._fast = (
            isinstance(steps.get("features"), BlockFeatures)
            and hasattr(clf, "coef_")
            and getattr(clf, "loss", None) == "log_loss"
        )
        if self._fast:
            from sklearn.feature_extraction import FeatureHasher

            feats = steps["features"]
            self._hasher = FeatureHasher(
                n_features=feats.n_features, input_type="dict", alternate_sign=False
            )
            coef = np.asarray(clf.coef_, dtype=np.float64)
            scaler = steps.get("scale")
            if scaler is not None:
                scale = np.asarray(scaler.scale_, dtype=np.float64)
                scale[scale == 0] = 1.0
                coef = coef / scale[None, :]
            self._w = np.ascontiguousarray(coef.T)
            self._b = np.asarray(clf.intercept_, dtype=np.float64)

    def predict_proba(self, rows: list[dict]) -> np.ndarray:
        if not self._fast:
            return self.pipe.predict_proba(rows)
        X = self._hasher.transform(rows)
        scores = X @ self._w + self._b
        if scores.shape[1] == 1:  # binary
            p = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.column_stack([1 - p, p])
        prob = 1.0 / (1.0 + np.exp(-scores))
        prob /= prob.sum(axis=1, keepdims=True)
        return prob
