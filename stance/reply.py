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
    clf      -> LogisticRegression (class_weight="balanced": the corpus is 70 % "comment")

No embedding table here: the reply model stays under 2 MB.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

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
    "C": 0.5,
    "max_iter": 500,
    "class_weight": "balanced",
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


class ReplyColumns(BaseEstimator, TransformerMixin):
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


class ParentWords(BaseEstimator, TransformerMixin):
    """Hashed, L2-normalised words of the parent post (what the reply responds to)."""

    def __init__(self, n_features: int = 2**13, weight: float = 0.5):
        self.n_features = n_features
        self.weight = weight

    def fit(self, X, y=None):
        self.vectorizer_ = HashingVectorizer(n_features=int(self.n_features), norm="l2",
                                             alternate_sign=False, analyzer=_word_ngrams)
        return self

    def transform(self, X):
        codes, uniq = _factorize(X["parent_text"])
        return self.vectorizer_.transform(uniq)[codes] * self.weight


class ReplyCues(BaseEstimator, TransformerMixin):
    """Dense cue flags of the reply, of the parent, and reply-parent / reply-source overlap."""

    def __init__(self, weight: float = 1.0, use_source: bool = False):
        self.weight = weight
        self.use_source = use_source

    def fit(self, X, y=None):
        self.n_features_ = 2 * len(_CUES) + (7 if self.use_source else 5)
        return self

    @staticmethod
    def _flags(text: str) -> list[float]:
        low = text.lower()
        return [1.0 if rx.search(low) else 0.0 for rx in _CUES.values()]

    def transform(self, X):
        rows = []
        cache: dict[str, set[str]] = {}

        def words(t: str) -> set[str]:
            if t not in cache:
                cache[t] = {w for w in tokenize(t) if w[0].isalnum() and len(w) > 2}
            return cache[t]

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
                ]
            )
        return sp.csr_matrix(np.asarray(rows, dtype=np.float64).reshape(-1, self.n_features_)
                             * self.weight)


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
        ("cues", ReplyCues(float(cfg["cue_weight"]), bool(cfg["use_source"]))),
    ])
    clf = LogisticRegression(C=float(cfg["C"]), max_iter=int(cfg["max_iter"]),
                             class_weight=cfg["class_weight"] or None)
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
    pipe.fit(df, df["reply_stance"].to_numpy())
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
