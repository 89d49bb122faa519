"""Reply stance: does a comment support, deny, query or just comment on its parent post?

Trained on RumourEval 2019 (SDQC). One scikit-learn Pipeline over a DataFrame with columns
``text``, ``parent_text`` and optionally ``source_text`` (the thread's first post; defaults to
the parent)::

    columns  -> string columns text / parent_text / source_text
    features -> FeatureUnion of
        word   : hashed word 1-2 grams of the reply (negation-scoped tokens marked), TF-IDF
        char   : hashed char 2-5 grams of the reply, TF-IDF
        parent : hashed words of the parent (prefixed), so "what the reply answers" counts
        cues   : question / denial / support / link / length cues and reply-parent overlap
                 (reply-source overlap and "parent is the source" only with use_source=true:
                 the scorer rarely knows the thread's source, and a model trained with it
                 loses 0.06 macro-F1 when it is missing)
        (extra_cues=true adds more deny / query / support phrasings, quote-tweet and
         "parent starts with @" structure cues; off by default)
    clf      -> SDQCClassifier: LogisticRegression over all features (class_weight="balanced":
                the corpus is 70 % "comment"); optionally (off by default) blended with small
                gradient-boosted trees over the dense cue columns (``gbm_weight``) and shifted
                by per-class offsets on the log-probabilities (``class_bias_``) learned in
                ``fit`` by grouped (thread) cross-validation to maximise macro-F1. With the
                defaults its probabilities are the logistic regression's.

Measured on RumourEval train, 5-fold thread-grouped CV x 2 repeats (see training/reply.toml):
the options add at most ~0.007 CV macro-F1 and did not carry over to the official dev split.

No embedding table here: the reply model stays under 2 MB.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.validation import check_is_fitted

from stance.targeted import (
    UniqueText,
    _factorize,
    _to_frame,
    _word_ngrams,
    hashed_tfidf,
    sarcasm_cues,
    tokenize,
)

LABELS = ("comment", "deny", "query", "support")

DEFAULTS: dict[str, Any] = {
    "word_features": 2**15,
    "char_features": 2**14,
    "parent_features": 2**13,
    "char_ngram_max": 5,
    "word_weight": 1.0,
    "char_weight": 1.0,
    "parent_weight": 0.5,
    "cue_weight": 2.0,
    "use_source": False,
    "extra_cues": False,
    "C": 0.5,
    "max_iter": 500,
    "class_weight": "balanced",
    "gbm_weight": 0.0,
    "gbm_iter": 200,
    "bias_folds": 0,
}

_CUES = {
    "question": re.compile(r"\?"),
    "wh_start": re.compile(r"^\W*(?:@\w+\s+)*(?:who|what|when|where|why|how|is|are|was|were|did|"
                           r"does|do|can|could|any|source|really)\b"),
    "really": re.compile(r"\b(?:really|seriously|source\??|proof|evidence|confirmed\?|true\?)\b"),
    "deny": re.compile(r"\b(?:fake|hoax|false|not true|untrue|lie|lies|lying|debunked|rumou?r|"
                       r"misinformation|nonsense|bs|bullshit|wrong|doubt|no way|didn'?t happen)\b"),
    "support": re.compile(r"\b(?:confirmed|confirms|true|indeed|yes|exactly|agree|breaking|"
                          r"reports?|officially|police say|according to)\b"),
    "url": re.compile(r"https?://|www\.|\.com\b"),
    "mention": re.compile(r"@\w+"),
    "neg": re.compile(r"\b(?:not|no|never|n't)\b|n't\b"),
    "pray": re.compile(r"\b(?:pray|praying|prayers|rip|sad|condolences|thoughts)\b"),
    "exclaim": re.compile(r"!"),
}

# extra_cues=true: more deny / query / support phrasings and tweet-structure cues
_AT_START = re.compile(r"^\W{0,2}@\w+")
_QUOTE = re.compile(r"(?:^|\s)(?:rt|mt)\s*@\w+|[\"\u201c]\s*@\w+\s*:|^\W*@\w+\s*:")
_STRIP = re.compile(r"@\w+|https?://\S+|#\w+|\brt\b")
_URL = re.compile(r"https?://")
_CUES2 = {
    "quote": _QUOTE,
    "hashtag": re.compile(r"#\w+"),
    "number": re.compile(r"\b\d+\b"),
    "newsy": re.compile(r"\b(?:breaking|update|just in|latest|developing|reportedly|"
                        r"sources say|officials?|police|confirm\w*)\b"),
    "deny2": re.compile(r"\b(?:not|isn'?t|wasn'?t|aren'?t|no)\s+(?:true|real|confirmed|the case|"
                        r"dead|happening)|\b(?:fake news|made up|photoshop\w*|"
                        r"old (?:photo|pic|news|video)|satire|clickbait|propaganda|conspiracy|"
                        r"retract\w*|misleading|unconfirmed|speculation)\b"),
    "query2": re.compile(r"\b(?:is (?:this|it|that) (?:true|real|confirmed)|"
                         r"any (?:source|proof|evidence|link)|source\?|citation|link\?|confirm\?|"
                         r"can (?:you|anyone) confirm|what happened|wait what|are you sure)"),
    "support2": re.compile(r"\b(?:this is true|it'?s true|can confirm|heard the same|same here|"
                           r"well said|so true|true story|exactly|absolutely|definitely)\b"),
    "sad_emoji": re.compile("[\U0001F622\U0001F62D\U0001F614\U0001F64F]|:\\("),
    "lol": re.compile(r"\b(?:lol|lmao|haha\w*|rofl)\b"),
    "insult": re.compile(r"\b(?:idiot\w*|stupid|moron\w*|dumb|fuck\w*|shut up|ignorant)\b"),
    "ends_q": re.compile(r"\?\W*$|\?\s*(?:@\w+\s*|#\w+\s*|https?://\S+\s*)*$"),
    "at_start": _AT_START,
}
_N_EXTRA = len(_CUES2) + 13


class ReplyColumns(TransformerMixin, BaseEstimator):
    """Input (DataFrame, Dataset, dict of lists or list of dicts) -> dict of string columns."""

    def fit(self, X, y=None):
        return self

    def transform(self, X) -> dict[str, list[str]]:
        keys = ("text", "parent_text", "source_text")
        if isinstance(X, list):
            cols = {k: [r.get(k) for r in X] for k in keys}
        else:
            names = getattr(X, "column_names", None)
            have = set(names if names is not None else getattr(X, "columns", X))
            n = len(X["text"])
            cols = {k: (list(X[k]) if k in have else [None] * n) for k in keys}
        out = {k: ["" if v is None or v != v else str(v) for v in vals] for k, vals in cols.items()}
        out["source_text"] = [s or p for s, p in zip(out["source_text"], out["parent_text"])]
        return out


class ParentWords(TransformerMixin, BaseEstimator):
    """Hashed, L2-normalised words of the parent post (what the reply responds to)."""

    def __init__(self, n_features: int = 2**13, weight: float = 0.5):
        self.n_features = n_features
        self.weight = weight

    def fit(self, X, y=None):
        self.vectorizer_ = HashingVectorizer(n_features=int(self.n_features), norm="l2",
                                             alternate_sign=False, analyzer=_word_ngrams)
        return self

    def transform(self, X):
        check_is_fitted(self, "vectorizer_")
        codes, uniq = _factorize(X["parent_text"])
        return self.vectorizer_.transform(uniq)[codes] * self.weight


class ReplyCues(TransformerMixin, BaseEstimator):
    """Dense cue flags of the reply, of the parent, and reply-parent / reply-source overlap."""

    def __init__(self, weight: float = 1.0, use_source: bool = False, extra: bool = False):
        self.weight = weight
        self.use_source = use_source
        self.extra = extra

    @staticmethod
    def count(use_source: bool = False, extra: bool = False) -> int:
        """Number of columns ``transform`` returns for these options."""
        return 2 * len(_CUES) + (7 if use_source else 5) + (_N_EXTRA if extra else 0)

    def __setstate__(self, state):
        state.setdefault("extra", False)  # pickled before extra_cues: get_params()/repr() work
        super().__setstate__(state)

    def fit(self, X, y=None):
        self.n_features_ = self.count(self.use_source, self.extra)
        return self

    @staticmethod
    def _extra(text: str, parent: str, w: set[str], pw: set[str]) -> list[float]:
        """Extra phrasings of the reply; whether the parent looks like a reply itself (starts
        with @: not the thread's source tweet), asks, links, quotes; shape of the reply."""
        low, plow = text.lower(), parent.lower()
        shared = len(w & pw)
        return [1.0 if rx.search(low) else 0.0 for rx in _CUES2.values()] + [
            1.0 if _AT_START.search(plow) else 0.0,
            float("?" in parent),
            1.0 if _URL.search(plow) else 0.0,
            min(len(parent), 500) / 500.0,
            1.0 if _QUOTE.search(plow) else 0.0,
            shared / (len(pw) or 1),
            shared / (len(w) or 1),
            min(low.count("@"), 5) / 5.0,
            float(len(_STRIP.sub("", low).strip()) < 3),
            float(text.count("?") >= 2),
            min(len(text), 280) / 280.0,
            float("\n" in text),
            float("@" not in text and len(text) > 140),
        ]

    @staticmethod
    def _flags(text: str) -> list[float]:
        low = text.lower()
        return [1.0 if rx.search(low) else 0.0 for rx in _CUES.values()]

    def transform(self, X):
        check_is_fitted(self, "n_features_")
        rows = []
        cache: dict[str, set[str]] = {}

        def words(t: str) -> set[str]:
            if t not in cache:
                cache[t] = {w for w in tokenize(t) if w[0].isalnum() and len(w) > 2}
            return cache[t]

        extra = self.extra
        for text, parent, source in zip(X["text"], X["parent_text"], X["source_text"]):
            w, pw = words(text), words(parent)
            n = len(w)
            src = []
            if self.use_source:
                sw = words(source)
                src = [len(w & sw) / (len(w | sw) or 1), float(parent == source)]
            rows.append(
                self._flags(text) + self._flags(parent) + src + [
                    len(w & pw) / (len(w | pw) or 1),
                    float(not parent),
                    min(n, 60) / 60.0,
                    float(n <= 3),
                    float(bool(sarcasm_cues(text))),
                ] + (self._extra(text, parent, w, pw) if extra else [])
            )
        return sp.csr_matrix(np.asarray(rows, dtype=np.float64).reshape(-1, self.n_features_)
                             * self.weight)


def _macro_f1(y: np.ndarray, pred: np.ndarray, k: int) -> float:
    cm = np.bincount(y * k + pred, minlength=k * k).reshape(k, k)
    denom = cm.sum(0) + cm.sum(1)
    return float(np.mean(np.where(denom > 0, 2 * np.diag(cm) / np.maximum(denom, 1), 0.0)))


#: Offsets tried per class by macro_f1_offsets.
BIAS_GRID = tuple(np.round(np.arange(-1.5, 1.51, 0.25), 2))


def macro_f1_offsets(log_proba: np.ndarray, y: np.ndarray, grid: Any = BIAS_GRID) -> np.ndarray:
    """Per-class offsets (class 0's fixed at 0) added to ``log_proba`` that maximise macro-F1
    of the argmax against integer labels ``y``; exhaustive over ``grid`` for the other classes.
    Ties keep the offsets closest to zero (all zeros when nothing beats the plain argmax)."""
    import itertools

    k = log_proba.shape[1]
    grid = sorted(np.asarray(grid, dtype=np.float64), key=abs)
    best, best_b = _macro_f1(y, log_proba.argmax(1), k), np.zeros(k)
    for rest in itertools.product(grid, repeat=k - 1):
        b = np.array((0.0, *rest))
        m = _macro_f1(y, (log_proba + b).argmax(1), k)
        if m > best + 1e-12 or (m > best - 1e-12 and np.abs(b).sum() < np.abs(best_b).sum()):
            best, best_b = max(m, best), b
    return best_b


class SDQCClassifier(ClassifierMixin, BaseEstimator):
    """Logistic regression (optionally blended with boosted trees over the dense cue columns),
    with per-class offsets on the log-probabilities chosen for macro-F1.

    ``gbm_weight`` > 0: probabilities are ``(1 - w) * p_logreg + w * p_gbm``, the trees seeing
    only the last ``dense_features`` columns (the cue block). ``bias_folds`` >= 2: ``fit`` runs
    that many grouped folds (``groups``, e.g. thread ids, keep a thread's replies together) over
    the training rows, and ``class_bias_`` are the offsets maximising macro-F1 of the
    out-of-fold predictions; the final models are then refitted on all rows. ``predict_proba``
    is the softmax of the per-class scores log-probabilities + ``class_bias_``, so its argmax
    is ``predict`` and each row sums to 1. ``decision_function`` returns those scores,
    (n, n_classes); with two classes, as scikit-learn expects, one column: the second
    class's score minus the first's (> 0 means ``classes_[1]``).
    """

    def __init__(self, C: float = 0.5, max_iter: int = 500, class_weight: Any = "balanced",
                 gbm_weight: float = 0.0, dense_features: int = 0, gbm_iter: int = 200,
                 bias_folds: int = 0, random_state: Any = None):
        self.C = C
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.gbm_weight = gbm_weight
        self.dense_features = dense_features
        self.gbm_iter = gbm_iter
        self.bias_folds = bias_folds
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True  # the pipeline's features are CSR
        return tags

    def _models(self) -> list:
        from sklearn.ensemble import HistGradientBoostingClassifier

        models = [LogisticRegression(C=self.C, max_iter=self.max_iter,
                                     class_weight=self.class_weight or None,
                                     random_state=self.random_state)]
        if self.gbm_weight > 0 and self.dense_features > 0:
            models.append(HistGradientBoostingClassifier(
                max_iter=int(self.gbm_iter), learning_rate=0.05, max_leaf_nodes=15,
                l2_regularization=1.0, class_weight=self.class_weight or None,
                random_state=0 if self.random_state is None else self.random_state))
        return models

    def _dense(self, X):
        X = sp.csr_matrix(X)
        return X[:, X.shape[1] - int(self.dense_features):].toarray()

    def _fit_models(self, X, y) -> list:
        models = self._models()
        models[0].fit(X, y)
        if len(models) > 1:
            models[1].fit(self._dense(X), y)
        return models

    def _log_proba(self, models: list, X) -> np.ndarray:
        p = models[0].predict_proba(X)
        if len(models) > 1:
            w = self.gbm_weight
            p = (1 - w) * p + w * models[1].predict_proba(self._dense(X))
        return np.log(np.clip(p, 1e-12, None))

    def fit(self, X, y, groups=None):
        from sklearn.model_selection import GroupKFold, StratifiedKFold

        y = np.asarray(y)
        self.classes_, yi = np.unique(y, return_inverse=True)
        self.class_bias_ = np.zeros(len(self.classes_))
        folds = int(self.bias_folds)
        if folds >= 2:
            oof = np.zeros((len(y), len(self.classes_)))
            if groups is not None and len(set(groups)) >= folds:
                split = GroupKFold(folds).split(X, yi, groups)
            else:
                split = StratifiedKFold(folds, shuffle=True, random_state=0).split(X, yi)
            for a, b in split:
                if len(np.unique(yi[a])) < len(self.classes_):
                    raise ValueError("a bias fold lacks a class; use fewer bias_folds")
                oof[b] = self._log_proba(self._fit_models(X[a], y[a]), X[b])
            self.class_bias_ = macro_f1_offsets(oof, yi)
        self.models_ = self._fit_models(X, y)
        return self

    def _scores(self, X) -> np.ndarray:
        """Per-class scores (n, n_classes): log-probabilities + ``class_bias_``."""
        check_is_fitted(self, ("models_", "classes_"))
        return self._log_proba(self.models_, X) + self.class_bias_

    def decision_function(self, X) -> np.ndarray:
        z = self._scores(X)
        return z[:, 1] - z[:, 0] if z.shape[1] == 2 else z

    def predict_proba(self, X) -> np.ndarray:
        z = self._scores(X)
        e = np.exp(z - z.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        z = self._scores(X)  # first: NotFittedError, not AttributeError, unfitted
        return self.classes_[z.argmax(1)]


def build_pipeline(config: dict | None = None) -> Pipeline:
    """The unfitted reply-stance Pipeline for ``config`` (keys of ``DEFAULTS``)."""
    cfg = {**DEFAULTS, **(config or {})}
    word = hashed_tfidf(int(cfg["word_features"]), analyzer=_word_ngrams)
    char = hashed_tfidf(int(cfg["char_features"]), analyzer="char_wb",
                        ngram_range=(2, int(cfg["char_ngram_max"])))
    features = FeatureUnion([
        ("word", UniqueText(word, "text", float(cfg["word_weight"]))),
        ("char", UniqueText(char, "text", float(cfg["char_weight"]))),
        ("parent", ParentWords(int(cfg["parent_features"]), float(cfg["parent_weight"]))),
        ("cues", ReplyCues(float(cfg["cue_weight"]), bool(cfg["use_source"]),
                           bool(cfg["extra_cues"]))),
    ])
    clf = SDQCClassifier(C=float(cfg["C"]), max_iter=int(cfg["max_iter"]),
                         class_weight=cfg["class_weight"] or None,
                         gbm_weight=float(cfg["gbm_weight"]),
                         dense_features=ReplyCues.count(bool(cfg["use_source"]),
                                                        bool(cfg["extra_cues"])),
                         gbm_iter=int(cfg["gbm_iter"]), bias_folds=int(cfg["bias_folds"]))
    return Pipeline([("columns", ReplyColumns()), ("features", features), ("clf", clf)])


def scores(y_true, y_pred) -> dict[str, Any]:
    """Macro-F1 over the four SDQC classes (RumourEval's official measure), per-class F1, n."""
    from sklearn.metrics import f1_score

    per = f1_score(list(y_true), list(y_pred), labels=list(LABELS), average=None,
                   zero_division=0)
    return {
        "macro_f1": round(float(np.mean(per)), 4),
        "f1": {lab: round(float(v), 4) for lab, v in zip(LABELS, per)},
        "n": len(y_true),
    }


def fit(train, dev, config: dict | None = None, seed: int = 13) -> tuple[Pipeline, dict]:
    """Fit the reply-stance pipeline; score it per corpus on ``dev`` (may be None).

    Rows in the common ``reply_stance`` schema: ``text``, ``parent_text``, ``source_text``,
    ``reply_stance`` (``corpus`` optional).
    """
    from stance.errors import DataError

    cfg = {**DEFAULTS, **(config or {})}
    df = _to_frame(train)
    df = df[df["text"].notna() & df["reply_stance"].isin(LABELS)].reset_index(drop=True)
    if set(df["reply_stance"]) != set(LABELS):
        raise DataError(f"reply training rows must cover all labels {LABELS}")
    pipe = build_pipeline(cfg)
    pipe.set_params(clf__random_state=seed)
    groups = df["group"].astype(str).to_numpy() if "group" in df else None
    pipe.fit(df, df["reply_stance"].to_numpy(), clf__groups=groups)
    corpus = df["corpus"].astype(str) if "corpus" in df else None
    info: dict[str, Any] = {
        "train_rows": ({str(k): int(v) for k, v in corpus.value_counts().items()}
                       if corpus is not None else {"all": len(df)}),
        "config": {k: cfg[k] for k in DEFAULTS},
        "labels": list(LABELS),
    }
    if dev is not None:
        ddf = _to_frame(dev)
        ddf = ddf[ddf["text"].notna() & ddf["reply_stance"].isin(LABELS)].reset_index(drop=True)
        info["dev"] = {}
        if len(ddf):
            pred = np.asarray(pipe.classes_)[pipe.predict_proba(ddf).argmax(1)]
            names = ddf["corpus"].astype(str).to_numpy() if "corpus" in ddf else None
            for name in sorted(set(names)) if names is not None else ["all"]:
                m = names == name if names is not None else np.ones(len(ddf), bool)
                info["dev"][name] = scores(ddf["reply_stance"].to_numpy()[m], pred[m])
    return pipe, info
