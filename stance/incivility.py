"""Incivility model: one scikit-learn Pipeline, calibrated multi-head linear model.

Pipeline (``build_pipeline``)::

    TextNormalizer (de-obfuscation, stance.normalize)
      -> FeatureUnion([word 1-2-gram TF-IDF,] char_wb 2-5-gram + whole-word TF-IDF)  # shared
      -> MultiHeadClassifier                                          # one logistic head per label

Heads: column 0 is ``uncivil``, then every kind in ``KINDS`` that the training data labels. Each
head is fitted only on the rows that label it (NaN = unlabelled), sharing the features; fractional
labels (Civil Comments rater fractions) are used as soft targets (each such row enters once as a
positive with weight p and once as a negative with weight 1 - p). Row weights come from the
config (per corpus and per domain), so a large corpus does not drown the news comments. Heads
named in ``config["nb"]["heads"]`` are NB-LR heads: the features are scaled by their smoothed
log-count ratio between the head's (weighted) positive and negative rows before the fit, and the
scale is folded into the coefficients (``_nb_ratios``), so scoring is unchanged in cost. Heads named
in ``config["nb"]["blend"]`` are fitted twice, plain and NB-LR, and keep the average of the two
linear models, each divided by the standard deviation of its scores on the head's training rows
(an equal-weight score blend folded into one coefficient vector: same cost as one head).

``fit(train, dev, config)`` fits on ``train``, then calibrates every head on ``dev`` (Platt
sigmoid or isotonic, per config): the calibrators shipped are fitted on all labelled dev rows of
the calibration domains, while every dev metric reported in ``info["dev"]`` is computed with
*cross-fitted* calibrators (fitted on the other folds of dev, folds by ``group``), so calibration
error and F1 are not measured on the rows the calibrator saw. The ``uncivil`` threshold is the one
maximising F1 on the cross-fitted news dev probabilities (the middle of the interval of such
thresholds, in logit space: ``best_f1_threshold``).

Speed: features are computed per distinct word of a batch (``WordCharNgrams``): all n-gram
windows of the batch's new words are hashed with numpy and looked up in a hash table of the
vocabulary, word rows seen in earlier batches are reused, and the sparse maths is done on whole
batches; the normaliser only runs its slower steps on texts that need them (cheap regex
pre-checks). No sklearn word vectorizer by default (see the config).

Label meaning per corpus is the registry's (stance.corpora); ``config["corpus_options"][name]`` can
re-weight a corpus, drop its ``uncivil`` label (``uncivil = false``: keep it for its kinds only),
or drop it entirely (``weight = 0``); these options shape training only, dev rows keep every
label and are reported. ``pair_negatives`` builds the negatives for the Civil
Comments toxic-spans posts (all toxic): see ``pair_span_negatives``.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.validation import check_is_fitted

from stance.corpora import INCIVILITY_KINDS

KINDS = INCIVILITY_KINDS  # one label schema: the corpus registry's
HEAD0 = "uncivil"
#: kinds whose probability is not capped by ``uncivil`` (see MultiHeadClassifier.predict_proba)
UNBOUNDED_KINDS = ("sarcastic",)

DEFAULT_CONFIG: dict[str, Any] = {
    "word": {"enabled": False, "ngram_range": [1, 2], "min_df": 2, "max_features": 60000},
    "char": {"ngram_range": [2, 5], "min_df": 3, "max_features": 120000, "whole_words": True},
    "C": 4.0,
    "C_kinds": 4.0,
    "max_iter": 2000,
    "tol": 1e-2,
    "calibration": "sigmoid",
    "stack": True,
    "calibration_domains": ["news"],
    "calibration_folds": 5,
    "threshold_domain": "news",
    "min_head_positives": 30,
    "min_count": 5,
    "normalize": True,
    "domain_weights": {},
    "corpus_options": {},
    "nb": {"heads": [], "alpha": 0.1, "blend": []},
}


def _merge(base: Mapping[str, Any], over: Mapping[str, Any] | None) -> dict[str, Any]:
    out = dict(base)
    for k, v in (over or {}).items():
        nested = isinstance(v, Mapping) and isinstance(out.get(k), Mapping)
        out[k] = _merge(out[k], v) if nested else v
    return out


# ---------------------------------------------------------------------------------------------
# The head model


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


class MultiHeadClassifier(ClassifierMixin, BaseEstimator):
    """Independent logistic heads on shared sparse features, each fitted on its labelled rows.

    ``fit(X, Y, sample_weight)``: ``Y`` is (n, len(heads)) float in [0, 1] with NaN where a row
    does not label a head. ``predict_proba(X)`` returns (n, len(heads_)); probabilities are
    calibrated once ``calibrate`` has been called (``calibrators_``), raw sigmoid otherwise.

    scikit-learn contract: a *multi-label* classifier, as ``OneVsRestClassifier`` fitted on a
    label-indicator matrix. Output column ``j`` is head ``heads_[j]`` (column 0 ``uncivil``;
    ``heads_`` can be shorter than ``heads``: heads without enough labels are dropped);
    ``classes_`` is ``arange(len(heads_))``; ``predict_proba`` gives each head's own
    probability (the columns do not sum to 1); ``predict`` is the (n, len(heads_)) 0/1
    indicator, ``uncivil`` at ``threshold_`` (0.5 unset), the kinds at 0.5; the tags say
    multi-label. So scorers take a label matrix of the ``heads_`` columns, e.g.
    ``get_scorer("roc_auc")(pipe, X, Y)`` (with 3 or more heads: as for OneVsRestClassifier,
    scikit-learn reads ``classes_ == [0, 1]`` as binary); for ``uncivil`` alone use
    ``roc_auc_score(y, pipe.predict_proba(X)[:, 0])``. Chosen over a binary (n, 2)
    ``predict_proba`` because every caller (scorer, benchmarks, the shipped pipeline)
    reads the heads from ``predict_proba``, and ``fit`` already takes a label matrix.
    """

    def __init__(
        self,
        heads: Sequence[str] = (HEAD0, *KINDS),
        C: float = 4.0,
        C_kinds: float = 4.0,
        max_iter: int = 2000,
        calibration: str = "sigmoid",
        min_head_positives: int = 30,
        stack: bool = False,
        tol: float = 1e-2,
        bound_kinds: bool = True,
        nb_heads: Sequence[str] = (),
        nb_alpha: float = 0.1,
        nb_blend: Sequence[str] = (),
    ):
        self.heads = heads
        self.C = C
        self.C_kinds = C_kinds
        self.max_iter = max_iter
        self.calibration = calibration
        self.min_head_positives = min_head_positives
        self.stack = stack
        self.tol = tol
        self.bound_kinds = bound_kinds
        self.nb_heads = nb_heads
        self.nb_alpha = nb_alpha
        self.nb_blend = nb_blend

    def __setstate__(self, state):
        # models pickled before the NB option: defaults, so get_params()/repr() work on them
        state.setdefault("nb_heads", ())
        state.setdefault("nb_alpha", 0.1)
        state.setdefault("nb_blend", ())
        if "heads_" in state:  # pickled with classes_ = [0, 1]: the multi-label classes
            state["classes_"] = np.arange(len(state["heads_"]))
        super().__setstate__(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        tags.input_tags.sparse = True  # the pipeline's features are CSR
        return tags

    def fit(self, X, Y, sample_weight=None):
        from sklearn.linear_model import LogisticRegression

        Y = np.asarray(Y, dtype=float)
        if Y.ndim == 1:
            Y = Y[:, None]
        if Y.shape[1] != len(self.heads):
            raise ValueError(f"Y has {Y.shape[1]} columns for {len(self.heads)} heads")
        w = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
        heads, coefs, intercepts, rows = [], [], [], {}
        for j, head in enumerate(self.heads):
            y = Y[:, j]
            lab = ~np.isnan(y) & (w > 0)
            pos = float(np.sum(y[lab] * w[lab] > 0)) if lab.any() else 0.0
            n_pos = int(np.sum(y[lab] >= 0.5))
            if j > 0 and (n_pos < self.min_head_positives or pos == 0 or lab.sum() - n_pos < 10):
                continue  # the data cannot support this head
            idx = np.flatnonzero(lab)
            yy, ww = y[idx], w[idx]
            blend = head in self.nb_blend
            nb = head in self.nb_heads or blend
            Xlab = X[idx] if nb else None  # each labelled row once
            r = _nb_ratios(Xlab, yy, ww, self.nb_alpha) if nb else None
            soft = (yy > 0) & (yy < 1)
            if soft.any():
                s = idx[soft]
                idx = np.concatenate([idx[~soft], s, s])
                ww = np.concatenate([ww[~soft], ww[soft] * yy[soft], ww[soft] * (1 - yy[soft])])
                yy = np.concatenate([yy[~soft], np.ones(soft.sum()), np.zeros(soft.sum())])
            clf = LogisticRegression(
                C=self.C if j == 0 else self.C_kinds,
                solver="liblinear",
                tol=self.tol,
                max_iter=self.max_iter,
            )
            Xi, yb, sw = X[idx], (yy >= 0.5).astype(int), ww / ww.mean()
            clf.fit(Xi if r is None else Xi @ _diag(r), yb, sample_weight=sw)
            coef = clf.coef_[0] if r is None else clf.coef_[0] * r  # NB scaling folded in
            b = float(clf.intercept_[0])
            if blend:  # + the plain head, each model scaled to unit score spread, averaged
                plain = clone(clf).fit(Xi, yb, sample_weight=sw)
                parts = [(coef, b), (plain.coef_[0], float(plain.intercept_[0]))]
                sds = [max(float(np.std(Xlab @ c + c0)), 1e-12) for c, c0 in parts]
                coef = sum(c / sd for (c, _), sd in zip(parts, sds)) / 2
                b = sum(c0 / sd for (_, c0), sd in zip(parts, sds)) / 2
            heads.append(head)
            coefs.append(np.asarray(coef).astype(np.float32))
            intercepts.append(b)
            rows[head] = int(lab.sum())
        self.heads_ = heads
        self.coef_ = np.vstack(coefs)
        self.intercept_ = np.asarray(intercepts, dtype=np.float64)
        self.train_rows_ = rows
        self.classes_ = np.arange(len(heads))  # multi-label: one class per output column
        self.calibrators_ = None
        return self

    def decision_function(self, X) -> np.ndarray:
        check_is_fitted(self, "coef_")
        z = X @ self.coef_.T
        return np.asarray(z, dtype=np.float64) + self.intercept_

    def predict_proba(self, X) -> np.ndarray:
        z = self.decision_function(X)
        proba = _sigmoid(z) if self.calibrators_ is None else self.apply_calibration(z)
        if getattr(self, "bound_kinds", True) and proba.shape[1] > 1:
            # a comment is no likelier insulting (threatening, ...) than uncivil: the kind heads
            # learn mostly from toxic-only corpora, so unbounded they sit high on civil text
            # (insult: mean 0.30 -> 0.13 on civil dev rows, kind AUCs unchanged or up).
            # Sarcasm is not necessarily uncivil and stays as it is.
            cols = [j for j, h in enumerate(self.heads_) if j > 0 and h not in UNBOUNDED_KINDS]
            proba[:, cols] = np.minimum(proba[:, cols], proba[:, :1])
        return proba

    def predict(self, X) -> np.ndarray:
        """(n, len(heads_)) 0/1 indicator: ``uncivil`` at ``threshold_``, the kinds at 0.5."""
        proba = self.predict_proba(X)
        thresholds = np.full(proba.shape[1], 0.5)
        thresholds[0] = getattr(self, "threshold_", 0.5)
        return (proba >= thresholds).astype(int)

    def calibrate(self, Z: np.ndarray, Y: np.ndarray, masks: np.ndarray) -> MultiHeadClassifier:
        """Fit one calibrator per head on raw scores ``Z`` (n, H), labels ``Y``, rows ``masks``.

        With ``stack=True`` the ``uncivil`` calibrator is a logistic regression on *all* head
        scores (so the kind heads, e.g. UCC's dismissive or sarcastic, can inform the broad
        ``uncivil`` probability); the others are one-dimensional.
        """
        cals = []
        for j in range(len(self.heads_)):
            m = masks[:, j]
            if j == 0 and self.stack and Z.shape[1] > 1:
                cals.append(_fit_stack(Z[m], Y[m, 0]))
            else:
                cals.append(_fit_cal(self.calibration, Z[m, j], Y[m, j]))
        self.calibrators_ = cals
        return self

    def apply_calibration(self, Z: np.ndarray) -> np.ndarray:
        return np.column_stack(
            [_apply_cal(c, Z[:, j], Z) for j, c in enumerate(self.calibrators_)]
        )


def _nb_ratios(X, y: np.ndarray, w: np.ndarray, alpha: float) -> np.ndarray:
    """NB-LR feature scales (Wang & Manning 2012): the log-ratio of a feature's (weighted,
    smoothed) share of the positive vs the negative rows' feature mass, scaled to mean |r| = 1.
    Soft labels count a row p as positive and 1 - p as negative."""
    pos = alpha + np.asarray(X.T @ (w * y)).ravel()
    neg = alpha + np.asarray(X.T @ (w * (1.0 - y))).ravel()
    r = np.log(pos / pos.sum()) - np.log(neg / neg.sum())
    return r / max(float(np.abs(r).mean()), 1e-12)


def _diag(r: np.ndarray):
    from scipy import sparse

    return sparse.diags(r.astype(np.float32))


def _fit_cal(kind: str, z: np.ndarray, y: np.ndarray) -> tuple:
    """A calibrator as a small tuple (pickles tiny, applies vectorised)."""
    yb = (y >= 0.5).astype(int)
    if len(np.unique(yb)) < 2:
        return ("identity",)
    if kind == "isotonic":
        from sklearn.isotonic import IsotonicRegression

        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(z, y)
        return ("isotonic", iso.X_thresholds_.astype(np.float64), iso.y_thresholds_)
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1e4, max_iter=1000).fit(z[:, None], yb)
    return ("sigmoid", float(lr.coef_[0, 0]), float(lr.intercept_[0]))


def _fit_stack(Z: np.ndarray, y: np.ndarray) -> tuple:
    from sklearn.linear_model import LogisticRegression

    yb = (y >= 0.5).astype(int)
    if len(np.unique(yb)) < 2:
        return ("identity",)
    lr = LogisticRegression(C=1.0, max_iter=1000).fit(Z, yb)
    return ("stack", lr.coef_[0].astype(np.float64), float(lr.intercept_[0]))


def _apply_cal(cal: tuple, z: np.ndarray, Z: np.ndarray | None = None) -> np.ndarray:
    if cal[0] == "stack":
        return _sigmoid(Z @ cal[1] + cal[2])
    if cal[0] == "sigmoid":
        return _sigmoid(cal[1] * z + cal[2])
    if cal[0] == "isotonic":
        return np.interp(z, cal[1], cal[2])
    return _sigmoid(z)


# ---------------------------------------------------------------------------------------------
# Pipeline


def build_pipeline(config: dict) -> Pipeline:
    """The unfitted pipeline: normaliser -> word + char TF-IDF -> multi-head logistic model."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from stance.normalize import TextNormalizer

    cfg = _merge(DEFAULT_CONFIG, config)
    word, char = cfg["word"], cfg["char"]
    parts = []
    if word.get("enabled", True):
        parts.append(
            (
                "word",
                TfidfVectorizer(
                    lowercase=False,
                    ngram_range=tuple(word["ngram_range"]),
                    min_df=word["min_df"],
                    max_features=word["max_features"],
                    sublinear_tf=True,
                    token_pattern=r"(?u)\b\w+\b|[!?]",
                    dtype=np.float32,
                ),
            )
        )
    parts.append(
        (
            "char",
            WordCharNgrams(
                ngram_range=tuple(char["ngram_range"]),
                min_df=char["min_df"],
                max_features=char["max_features"],
                whole_words=char.get("whole_words", False),
            ),
        )
    )
    features = FeatureUnion(parts)
    heads = MultiHeadClassifier(
        heads=(HEAD0, *KINDS),
        C=cfg["C"],
        C_kinds=cfg["C_kinds"],
        max_iter=cfg["max_iter"],
        calibration=cfg["calibration"],
        min_head_positives=cfg["min_head_positives"],
        stack=cfg["stack"],
        tol=cfg["tol"],
        nb_heads=tuple(cfg["nb"]["heads"]),
        nb_alpha=float(cfg["nb"]["alpha"]),
        nb_blend=tuple(cfg["nb"].get("blend", ())),
    )
    return Pipeline(
        [
            ("normalize", TextNormalizer(min_count=cfg["min_count"], enabled=cfg["normalize"])),
            ("features", features),
            ("heads", heads),
        ]
    )


# ---------------------------------------------------------------------------------------------
# Data preparation


def _to_frame(data):
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data.reset_index(drop=True)
    if hasattr(data, "to_pandas"):
        return data.to_pandas().reset_index(drop=True)
    return pd.DataFrame(data)


def _label_matrix(df, heads: Sequence[str]) -> np.ndarray:
    cols = []
    for h in heads:
        if h in df.columns:
            cols.append(df[h].astype(float).to_numpy())
        else:
            cols.append(np.full(len(df), np.nan))
    return np.column_stack(cols)


def _text_key(text: str) -> str:
    return " ".join(text.lower().split())


def prepare(df, config: Mapping[str, Any], dedup_against=None):
    """Apply the config to rows in the common schema: drop/relabel corpora, remove duplicates
    (within the frame and against ``dedup_against``), build negatives for toxic-span posts and
    attach a ``weight`` column. Returns a new DataFrame."""
    import pandas as pd

    cfg = _merge(DEFAULT_CONFIG, config)
    df = _to_frame(df).copy()
    df = df[df["text"].notna()]
    df["text"] = df["text"].astype(str)
    df = df[df["text"].str.strip() != ""]
    for k in (HEAD0, *KINDS):
        df[k] = df[k].astype(float) if k in df.columns else np.nan
    ccfg = cfg.get("corpus_options", {})
    keep = np.ones(len(df), dtype=bool)
    for name, c in ccfg.items():
        m = (df["corpus"] == name).to_numpy()
        if not m.any():
            continue
        if float(c.get("weight", 1.0)) <= 0:
            keep &= ~m
        if c.get("uncivil", True) is False:
            df.loc[m, HEAD0] = np.nan
        for kind in c.get("drop_kinds", ()):
            df.loc[m, kind] = np.nan
    df = df[keep]
    # duplicates: one row per normalised text; prefer the row with more labels
    df["_key"] = df["text"].map(_text_key)
    df["_nlab"] = df[[HEAD0, *KINDS]].notna().sum(axis=1)
    df = df.sort_values("_nlab", ascending=False, kind="stable").drop_duplicates("_key")
    if dedup_against is not None:
        other = set(_to_frame(dedup_against)["text"].astype(str).map(_text_key))
        df = df[~df["_key"].isin(other)]
    pairs = cfg.get("pair_negatives", {})
    if pairs:
        df = pd.concat([df, pair_span_negatives(df, pairs)], ignore_index=True)
    df = df.sort_index(kind="stable").reset_index(drop=True)
    # row weights: corpus weight x domain weight, each corpus's weights summing to its share
    w = np.ones(len(df))
    dom_w = cfg.get("domain_weights", {})
    for name, sub in df.groupby("corpus").groups.items():
        c = ccfg.get(name, {})
        idx = np.asarray(list(sub))
        dw = float(dom_w.get(str(df["domain"].iloc[idx[0]]), 1.0))
        cap = c.get("max_effective_rows")
        scale = 1.0
        if cap and len(idx) > cap:
            scale = cap / len(idx)
        w[idx] = float(c.get("weight", 1.0)) * dw * scale
    df["weight"] = w
    return df.drop(columns=["_key", "_nlab"])


def pair_span_negatives(df, rule: Mapping[str, Any]):
    """Negatives for an all-positive corpus, drawn from the *same* source, so the model learns
    the label rather than the source.

    For ``rule["corpus"]`` (the Civil Comments toxic-spans posts, all toxic), the paired
    negatives are the non-toxic rows of ``rule["negatives_from"]`` (the same Civil Comments
    platform), re-weighted so the platform's total negative weight equals ``rule["ratio"]`` times
    its positive weight. They are returned as extra rows with ``corpus =
    "<negatives_from>:paired"``; nothing is synthesised.
    """
    import pandas as pd

    src = rule.get("negatives_from")
    if not src:
        return pd.DataFrame(columns=df.columns)
    neg = df[(df["corpus"] == src) & (df[HEAD0] < 0.5)].copy()
    n_pos = int((df["corpus"] == rule["corpus"]).sum())
    if neg.empty or n_pos == 0:
        return pd.DataFrame(columns=df.columns)
    reps = max(1, int(round(float(rule.get("ratio", 1.0)) * n_pos / len(neg))))
    reps = min(reps, int(rule.get("max_repeats", 10)))
    neg["corpus"] = f"{src}:paired"
    return pd.concat([neg] * reps, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Metrics


def ece(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error, equal-width bins, labels binarised at 0.5."""
    y = (np.asarray(y) >= 0.5).astype(float)
    p = np.asarray(p, dtype=float)
    if len(y) == 0:
        return float("nan")
    b = np.minimum((p * bins).astype(int), bins - 1)
    tot = 0.0
    for i in range(bins):
        m = b == i
        if m.any():
            tot += m.sum() * abs(p[m].mean() - y[m].mean())
    return float(tot / len(y))


def binary_metrics(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, float]:
    from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

    yb = (np.asarray(y) >= 0.5).astype(int)
    out: dict[str, float] = {"n": int(len(yb)), "pos": int(yb.sum())}
    if 0 < yb.sum() < len(yb):
        out["auc"] = float(roc_auc_score(yb, p))
        out["ap"] = float(average_precision_score(yb, p))
    else:
        out["auc"] = out["ap"] = float("nan")
    out["f1"] = float(f1_score(yb, (p >= threshold).astype(int), zero_division=0))
    out["ece"] = ece(yb, p)
    return out


#: Fewer dev rows (or uncivil dev rows) than these behind the ``label`` threshold: warn.
MIN_THRESHOLD_ROWS, MIN_THRESHOLD_POSITIVES = 200, 20


def _warn_small_dev(rows: dict[str, int], threshold: float, domain: str) -> None:
    """Log a warning when the threshold (and the calibration) rest on too few dev rows."""
    if rows["rows"] >= MIN_THRESHOLD_ROWS and rows["uncivil"] >= MIN_THRESHOLD_POSITIVES:
        return
    from stance.progress import log

    if not rows["rows"]:
        log.warning("incivility: no labelled dev rows of domain %r, so the 'label' threshold "
                    "is 0.5 and uncalibrated; add dev rows of that domain, or set "
                    "threshold_domain in the config", domain)
        return
    log.warning("incivility: the 'label' threshold %.3f and the calibration rest on only %d "
                "dev rows of domain %r (%d uncivil); check them on more labelled comments "
                "(stance evaluate) and pass --threshold to stance score", threshold,
                rows["rows"], domain, rows["uncivil"])


def best_f1_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The threshold of maximal F1 on ``(y, p)``, in the middle of its plateau.

    Every threshold above the highest score below the max-F1 one (and up to the highest
    score where F1 is still maximal, when several neighbouring scores tie) labels the rows
    alike; the middle of that interval in logit space is chosen, not its upper edge, so a
    dev set that separates the classes well (or has few rows) does not put the threshold
    right at the lowest positive score."""
    from sklearn.metrics import precision_recall_curve

    yb = (np.asarray(y) >= 0.5).astype(int)
    if yb.sum() == 0:
        return 0.5
    prec, rec, thr = precision_recall_curve(yb, p)
    f1 = (2 * prec * rec / np.maximum(prec + rec, 1e-12))[:-1]
    lo = hi = int(np.argmax(f1))  # thr ascends: lo is the lowest max-F1 threshold
    while hi + 1 < len(f1) and np.isclose(f1[hi + 1], f1[lo], rtol=0, atol=1e-12):
        hi += 1  # neighbouring scores that keep F1 at its maximum widen the plateau
    if lo == 0:  # every row is labelled positive at the best threshold: no score below it
        return float(thr[hi]) if hi == lo else _logit_mid(float(thr[lo]), float(thr[hi]))
    mid = _logit_mid(float(thr[lo - 1]), float(thr[hi]))
    return mid if thr[lo - 1] < mid <= thr[hi] else float(thr[lo])


def _logit_mid(a: float, b: float) -> float:
    """The midpoint of probabilities ``a`` and ``b`` in logit space."""
    eps = 1e-12
    la, lb = (np.log(np.clip(v, eps, 1 - eps) / (1 - np.clip(v, eps, 1 - eps))) for v in (a, b))
    return float(1 / (1 + np.exp(-(la + lb) / 2)))


def _fold_of(groups, k: int) -> np.ndarray:
    return np.array(
        [int(hashlib.md5(str(g).encode()).hexdigest()[:8], 16) % k for g in groups], dtype=int
    )


# ---------------------------------------------------------------------------------------------
# fit


def fit(train, dev, config: dict, seed: int = 13) -> tuple[Pipeline, dict]:
    """Fit on ``train``, calibrate and choose the threshold on ``dev``; see the module docstring.

    Returns ``(pipeline, info)``; ``pipeline.predict_proba(df)`` gives calibrated probabilities,
    column 0 = ``uncivil``, columns named by ``pipeline[-1].heads_``.
    """
    import time

    cfg = _merge(DEFAULT_CONFIG, config)
    t0 = time.perf_counter()
    tr = prepare(train, cfg)
    # corpus options shape training only: every dev label is calibrated on and reported
    # (a corpus whose `uncivil` is not trained on is still a test of it)
    dv = prepare(dev, {**cfg, "pair_negatives": {}, "corpus_options": {}}, dedup_against=tr)
    if len(tr) == 0 or len(dv) == 0:
        from stance.errors import DataError

        raise DataError(
            f"incivility: {len(tr)} train and {len(dv)} dev rows left after dropping empty texts "
            "and dev texts that also occur in train"
        )
    heads_all = (HEAD0, *KINDS)
    pipe = build_pipeline(cfg)
    Y = _label_matrix(tr, heads_all)
    Xtr = pipe[:-1].fit_transform(tr)
    t_feat = time.perf_counter() - t0
    pipe[-1].fit(Xtr, Y, sample_weight=tr["weight"].to_numpy())
    model: MultiHeadClassifier = pipe[-1]
    t_fit = time.perf_counter() - t0

    heads = model.heads_
    Zd = model.decision_function(pipe[:-1].transform(dv))
    Yd = _label_matrix(dv, heads)
    cal_dom = set(cfg["calibration_domains"])
    in_dom = dv["domain"].isin(cal_dom).to_numpy()
    masks = ~np.isnan(Yd)
    for j in range(len(heads)):
        # calibrate on the calibration domains where the head has labels there, else on all
        # of its labelled dev rows (kinds labelled only by tweets or Wikipedia corpora)
        if (masks[:, j] & in_dom).any():
            masks[:, j] &= in_dom
    Y0 = np.nan_to_num(Yd)
    # cross-fitted calibrated dev probabilities, for every reported dev metric
    k = int(cfg["calibration_folds"])
    folds = _fold_of(dv["group"].astype(str) if "group" in dv else dv["text"], k)
    P_cv = np.full_like(Zd, np.nan)
    tmp = clone(model)
    tmp.heads_ = heads
    for f in range(k):
        tmp.calibrate(Zd, Y0, masks & (folds != f)[:, None])
        rows = folds == f
        P_cv[rows] = tmp.apply_calibration(Zd[rows])
    # shipped calibrators: fitted on all those dev rows
    model.calibrate(Zd, Y0, masks)

    news = (dv["domain"] == cfg["threshold_domain"]).to_numpy() & ~np.isnan(Yd[:, 0])
    thr = best_f1_threshold(Yd[news, 0], P_cv[news, 0]) if news.any() else 0.5
    model.threshold_ = thr
    threshold_rows = {"rows": int(news.sum()), "uncivil": int((Yd[news, 0] >= 0.5).sum())}
    _warn_small_dev(threshold_rows, thr, cfg["threshold_domain"])
    kind_thr = {}
    for j, h in enumerate(heads[1:], start=1):
        lab = ~np.isnan(Yd[:, j])
        kind_thr[h] = best_f1_threshold(Yd[lab, j], P_cv[lab, j]) if lab.any() else 0.5
    model.kind_thresholds_ = kind_thr

    dev_info = dev_metrics(dv, Yd, P_cv, heads, thr, kind_thr)
    dev_info["bias"] = bias_tables(dv, Yd[:, 0], P_cv[:, 0])
    info = {
        "heads": list(heads),
        "threshold": thr,
        "threshold_rule": f"max F1 of cross-fitted calibrated dev probabilities, domain "
        f"{cfg['threshold_domain']!r}",
        "threshold_rows": threshold_rows,
        "kind_thresholds": kind_thr,
        "calibration": f"{cfg['calibration']} on dev rows of domains {sorted(cal_dom)} "
        f"(kinds: their labelled dev rows); metrics use {k}-fold cross-fitted calibrators",
        "dev": dev_info,
        "train_rows": {
            "total": int(len(tr)),
            "per_corpus": {str(c): int(n) for c, n in tr["corpus"].value_counts().items()},
            "per_head": model.train_rows_,
        },
        "dev_rows": int(len(dv)),
        "dropped_heads": [h for h in heads_all if h not in heads],
        "fit_seconds": round(t_fit, 1),
        "feature_seconds": round(t_feat, 1),
        "seed": seed,
        "config": cfg,
    }
    return pipe, info


def dev_metrics(dv, Yd, P, heads, thr, kind_thr) -> dict[str, Any]:
    """Per-domain and per-corpus metrics for ``uncivil``, per-kind metrics on rows labelling it."""
    out: dict[str, Any] = {"uncivil": {"domain": {}, "corpus": {}}, "kinds": {}}
    lab = ~np.isnan(Yd[:, 0])
    for key, col in (("domain", "domain"), ("corpus", "corpus")):
        for name in sorted(dv[col].astype(str).unique()):
            m = lab & (dv[col].astype(str) == name).to_numpy()
            if m.sum():
                out["uncivil"][key][name] = binary_metrics(Yd[m, 0], P[m, 0], thr)
    out["uncivil"]["all"] = binary_metrics(Yd[lab, 0], P[lab, 0], thr)
    for j, h in enumerate(heads[1:], start=1):
        m = ~np.isnan(Yd[:, j])
        if m.sum():
            res = binary_metrics(Yd[m, j], P[m, j], kind_thr[h])
            res["corpora"] = sorted(dv.loc[m, "corpus"].astype(str).unique().tolist())
            out["kinds"][h] = res
    return out


def bias_tables(dv, y: np.ndarray, p: np.ndarray) -> dict[str, Any]:
    """Jigsaw bias metrics (stance.bias) of ``uncivil`` on labelled dev rows, all domains and
    news only."""
    from stance.bias import bias_report

    out = {}
    lab = ~np.isnan(y)
    for name, m in (("all", lab), ("news", lab & (dv["domain"] == "news").to_numpy())):
        if m.sum() == 0:
            continue
        rep = bias_report(dv.loc[m, "text"].astype(str).tolist(), y[m], p[m])
        out[name] = rep
    return out


def predict_frame(pipe: Pipeline, df) -> Any:
    """Calibrated probabilities as a DataFrame with one column per head."""
    import pandas as pd

    p = pipe.predict_proba(df)
    return pd.DataFrame(p, columns=list(pipe[-1].heads_))


def _nan_to_none(x):
    if isinstance(x, dict):
        return {k: _nan_to_none(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_nan_to_none(v) for v in x]
    if isinstance(x, float) and math.isnan(x):
        return None
    return x


# ---------------------------------------------------------------------------------------------
# Fast char n-grams


class WordCharNgrams(TransformerMixin, BaseEstimator):
    """TF-IDF over ``char_wb`` n-grams (as scikit-learn's ``analyzer="char_wb"``: each
    whitespace-separated word padded with one space), computed per distinct *word* of a batch.

    The n-grams of a text are the sum of those of its words, so ``X = C @ M`` with ``C`` the
    text x word counts and ``M`` the word x n-gram counts. ``transform`` builds ``M`` for all
    distinct words of the batch at once with numpy: the words are laid end to end in one array
    of code points, every n-gram window that stays inside a padded word is hashed (64-bit
    polynomial hash, vectorised over windows) and looked up in a hash table of the fitted
    vocabulary's hashes (``_HashTable``). No per-word or per-n-gram Python loop; rows of words
    seen in earlier batches are reused (``cache_words``, not pickled). The result
    equals scikit-learn's (a 64-bit collision between a vocabulary n-gram and another n-gram is
    the only possible difference).
    Smooth idf, sublinear tf and L2 rows as in ``TfidfVectorizer``; ``max_features`` keeps the
    most frequent n-grams among those in at least ``min_df`` texts. ``whole_words=True`` adds
    each word (punctuation stripped) as one more feature, a cheap word-unigram channel.
    """

    def __init__(self, ngram_range=(2, 5), min_df: int = 3, max_features: int | None = None,
                 sublinear_tf: bool = True, max_word_len: int = 40, whole_words: bool = False,
                 cache_words: int = 300_000):
        self.cache_words = cache_words
        self.whole_words = whole_words
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.max_word_len = max_word_len

    def _ngrams(self, word: str) -> list[str]:
        lo, hi = self.ngram_range
        w = " " + word[: self.max_word_len] + " "
        out = []
        if self.whole_words:  # the word itself, without surrounding punctuation, as a feature
            core = word.strip(_PUNCT)
            if core:
                out.append("\x01" + core[: self.max_word_len])
        for n in range(lo, hi + 1):
            if len(w) <= n:  # as scikit-learn: a short word counts once, whole
                out.append(w)
                break
            out.extend(w[i : i + n] for i in range(len(w) - n + 1))
        return out

    @staticmethod
    def _word_counts(texts: Sequence[str]):
        """Text x distinct-word count matrix (words = whitespace tokens, as ``char_wb``).

        The batch is split in one call, with a NUL token between texts marking the boundaries
        (texts holding NUL characters are split one by one instead)."""
        from itertools import chain

        import pandas as pd
        from scipy import sparse

        n = len(texts)
        # U+0001 marks whole-word features in the vocabulary: never part of a text's n-grams
        texts = [t.replace("\x01", " ") if "\x01" in t else t for t in texts]
        joined = " \x00 ".join(texts)
        if n > 1 and joined.count("\x00") == n - 1:
            toks = joined.split()
            codes, uniques = pd.factorize(np.array(toks, dtype=object), sort=False)
            sep_code = codes[toks.index("\x00")]
            is_sep = codes == sep_code
            bounds = np.flatnonzero(is_sep)
            lens = np.diff(np.concatenate([[-1], bounds, [len(codes)]])) - 1
            codes = codes[~is_sep]
        else:
            parts = list(map(str.split, texts))
            lens = np.fromiter(map(len, parts), dtype=np.int64, count=n)
            toks_a = np.fromiter(chain.from_iterable(parts), dtype=object, count=int(lens.sum()))
            codes, uniques = pd.factorize(toks_a, sort=False)
        indptr = np.concatenate([[0], np.cumsum(lens)])
        C = sparse.csr_matrix(
            (np.ones(len(codes), dtype=np.float32), codes.astype(np.int64), indptr),
            shape=(n, len(uniques)),
        )  # a word twice in a text: two entries, summed by every product with C
        return C, list(uniques)

    def fit(self, X, y=None):
        self.fit_transform(X)
        return self

    def fit_transform(self, X, y=None):
        from scipy import sparse

        if not 2 <= self.ngram_range[0] <= 3:
            # >= 2: 1-grams add noise; <= 3: every padded word (" w ") is at least that long,
            # so the vectorised transform sees the same n-grams as fit
            raise ValueError("WordCharNgrams needs ngram_range[0] of 2 or 3")
        texts = list(X)
        C, words = self._word_counts(texts)
        grams: dict[str, int] = {}
        indptr, indices = [0], []
        for w in words:
            for g in self._ngrams(w):
                j = grams.get(g)
                if j is None:
                    j = grams[g] = len(grams)
                indices.append(j)
            indptr.append(len(indices))
        M = sparse.csr_matrix(
            (np.ones(len(indices), np.float32), indices, indptr), shape=(len(words), len(grams))
        )
        M.sum_duplicates()
        counts = (C @ M).tocsc()
        df = np.diff(counts.indptr)
        tf = np.asarray(counts.sum(axis=0)).ravel()
        keep = np.flatnonzero(df >= self.min_df)
        if self.max_features and len(keep) > self.max_features:
            keep = keep[np.argsort(-tf[keep], kind="stable")[: self.max_features]]
        keep = np.sort(keep)
        names = np.array(list(grams), dtype=object)[keep]
        self.vocabulary_ = {g: i for i, g in enumerate(names)}
        n = len(texts)
        self.idf_ = (np.log((1 + n) / (1 + df[keep])) + 1).astype(np.float32)
        self.__dict__.pop("_lookup", None)
        self.__dict__.pop("_wcache", None)
        return self._weight(counts[:, keep].tocsr())

    def _weight(self, counts):
        """Sublinear tf x idf, rows scaled to unit L2 norm (in place on the CSR data)."""
        counts = counts.tocsr().astype(np.float32, copy=False)  # no duplicate entries
        data = counts.data
        if self.sublinear_tf:
            np.log(data, out=data)
            data += 1
        data *= self.idf_[counts.indices]
        rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
        norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=counts.shape[0]))
        data /= norms[rows].astype(np.float32)
        return counts

    def _get_lookup(self):
        """(hash table of the n-gram vocabulary, whole-word dict), built once per object."""
        lk = self.__dict__.get("_lookup")
        if lk is None:
            grams, ids, whole = [], [], {}
            for g, i in self.vocabulary_.items():
                if g[:1] == "\x01":
                    whole[g] = i
                else:
                    grams.append(g)
                    ids.append(i)
            table = _HashTable(_hash_strings(grams), np.asarray(ids, dtype=np.int64))
            lk = self._lookup = (table, whole)
        return lk

    def _word_matrix(self, words: list[str]):
        """Distinct words x features counts (n-grams and whole words), vectorised.

        The words are laid out as " w1 w2 ... wk " (one code point array); the n-gram windows
        starting at each position form one row of a (positions x n) hash matrix, so flattening
        it keeps the entries in word order and the CSR matrix needs no sort. A window belongs
        to a word when it has no space inside (spaces only as its first/last character, the
        ``char_wb`` padding). The whole-word feature sits in one more column, at the word's
        leading space.
        """
        from itertools import repeat

        from scipy import sparse

        table, whole = self._get_lookup()
        n_words = len(words)
        if not n_words:
            return sparse.csr_matrix((0, len(self.idf_)), dtype=np.float32)
        L = self.max_word_len
        lo, hi = self.ngram_range
        cut = [w[:L] for w in words] if any(len(w) > L for w in words) else words
        codes = _codepoints(" " + " ".join(cut) + " ")
        n_pos = len(codes)
        is_sp = codes == 32
        sp = np.cumsum(is_sp)  # spaces up to and including each position
        width = hi - lo + 2
        H = np.zeros((n_pos, width), dtype=np.uint64)
        ok = np.zeros((n_pos, width), dtype=bool)
        g = np.zeros(n_pos, dtype=np.uint64)
        for n in range(1, hi + 1):
            m = n_pos - n + 1  # windows of length n start at 0 .. m - 1
            if m <= 0:
                break
            g = g[:m]
            g *= _HASH_P
            g += codes[n - 1 : n - 1 + m]
            if n < lo:
                continue
            col = n - lo
            H[:m, col] = g * _HASH_P + np.uint64(n)
            if n >= 2:
                ok[:m, col] = sp[n - 2 : n - 2 + m] == sp[:m]
            else:
                ok[:m, col] = ~is_sp[:m]
        if self.whole_words and whole:
            keys = ["\x01" + w.strip(_PUNCT)[:L] for w in words]
            ww = np.fromiter(map(whole.get, keys, repeat(-1)), dtype=np.int64, count=n_words)
        else:
            ww = np.full(n_words, -1, dtype=np.int64)
        flat_ok = ok.ravel()
        pos = np.flatnonzero(flat_ok)
        feat = np.full(n_pos * width, -1, dtype=np.int64)
        feat[pos] = table.get(H.ravel()[pos])
        lead = np.flatnonzero(is_sp)[:n_words]  # each word's leading space
        feat[lead * width + width - 1] = ww
        hit = np.flatnonzero(feat >= 0)
        rows = sp[hit // width] - 1  # the word of the window's start (leading pad = next word)
        indptr = np.zeros(n_words + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n_words), out=indptr[1:])
        # duplicate columns within a row (an n-gram twice in a word) are summed by C @ M
        return sparse.csr_matrix(
            (np.ones(len(hit), np.float32), feat[hit], indptr), shape=(n_words, len(self.idf_))
        )

    def transform(self, X):
        check_is_fitted(self, ("vocabulary_", "idf_"))
        texts = list(X)
        C, words = self._word_counts(texts)
        M, order = self._cached_word_matrix(words)
        if order is not None:  # M's rows are the words in this order: renumber C's columns
            C.indices = order[C.indices]
        return self._weight(C @ M)  # a product: no duplicate entries

    def _cached_word_matrix(self, words: list[str]):
        with _WCACHE_LOCK:  # the cache is shared state: one thread at a time updates it
            return self._cached_word_matrix_locked(words)

    def _cached_word_matrix_locked(self, words: list[str]):
        """``_word_matrix(words)`` with the rows of words seen in earlier batches reused.

        Comment streams repeat most of their words, so rows are kept (not pickled) in a few
        CSR chunks with a word -> (chunk, row) dict; at most ``cache_words`` words, then the
        cache restarts. Returns (M, order): M's row ``order[i]`` belongs to ``words[i]``
        (``order`` None when M follows ``words``).
        """
        from itertools import repeat

        from scipy import sparse

        cap = getattr(self, "cache_words", 0)
        if not cap or not words:
            return self._word_matrix(words), None
        cache = self.__dict__.get("_wcache")
        if cache is None or cache[2] > cap:
            cache = self._wcache = ({}, [], 0)  # word -> chunk * 2**32 + row, chunks, size
        index, chunks, size = cache
        loc = np.fromiter(map(index.get, words, repeat(-1)), dtype=np.int64, count=len(words))
        new = np.flatnonzero(loc < 0)
        if len(new) == len(words):
            M = self._word_matrix(words)
            self._add_chunk(words, M)
            return M, None
        parts, order = [], np.empty(len(words), dtype=np.int64)
        start = 0
        old = np.flatnonzero(loc >= 0)
        chunk_of = loc[old] >> 32
        for c in np.unique(chunk_of):
            sel = old[chunk_of == c]
            parts.append(chunks[c][loc[sel] & 0xFFFFFFFF])
            order[sel] = np.arange(start, start + len(sel))
            start += len(sel)
        if len(new):
            new_words = [words[i] for i in new]
            Mn = self._word_matrix(new_words)
            self._add_chunk(new_words, Mn)
            parts.append(Mn)
            order[new] = np.arange(start, start + len(new))
        return sparse.vstack(parts, format="csr"), order

    def _add_chunk(self, words: list[str], M) -> None:
        from scipy import sparse

        index, chunks, size = self._wcache
        if len(chunks) >= 16:  # merge the chunks so look-ups stay few
            merged = sparse.vstack(chunks, format="csr")
            offsets = np.concatenate([[0], np.cumsum([c.shape[0] for c in chunks])])
            for w, v in index.items():
                index[w] = offsets[v >> 32] + (v & 0xFFFFFFFF)
            chunks[:] = [merged]
        c = len(chunks)
        chunks.append(M)
        index.update(zip(words, range(c << 32, (c << 32) + len(words))))
        self._wcache = (index, chunks, size + len(words))

    def get_feature_names_out(self, input_features=None):
        return np.array(sorted(self.vocabulary_, key=self.vocabulary_.get), dtype=object)

    def __getstate__(self):
        # the vocabulary as one newline-joined string (words never hold whitespace other than
        # the padding spaces): unpickles far faster than a large dict
        state = dict(self.__dict__)
        state.pop("_lookup", None)
        state.pop("_wcache", None)
        vocab = state.pop("vocabulary_", None)
        if vocab is not None:
            state["_vocabulary_joined"] = "\n".join(sorted(vocab, key=vocab.get))
        return state

    def __setstate__(self, state):
        joined = state.pop("_vocabulary_joined", None)
        # models pickled before the vectorised transform carry a word cache: not needed now
        for old in ("warm_words_", "warm_indptr_", "warm_indices_", "warm_size", "cache_size",
                    "_cache"):
            state.pop(old, None)
        state.setdefault("cache_words", 300_000)
        self.__dict__.update(state)
        if joined is not None:
            names = joined.split("\n") if joined else []
            self.vocabulary_ = dict(zip(names, range(len(names))))


_HASH_P = np.uint64(0x100000001B3)  # FNV-64 prime; arithmetic wraps modulo 2**64


#: Guards every WordCharNgrams word cache (threads scoring with one shared model).
_WCACHE_LOCK = threading.Lock()


def _codepoints(text: str) -> np.ndarray:
    """Unicode code points of ``text`` as uint64 (one per Python character)."""
    raw = text.encode("utf-32-le", "surrogatepass")
    return np.frombuffer(raw, dtype=np.uint32).astype(np.uint64)


def _hash_strings(strings: Sequence[str]) -> np.ndarray:
    """The n-gram hash of ``WordCharNgrams._word_matrix`` for each string, vectorised by length:
    g = 0, g = g * P + code point for each character, hash = g * P + length (mod 2**64)."""
    out = np.zeros(len(strings), dtype=np.uint64)
    lens = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
    for n in np.unique(lens):
        idx = np.flatnonzero(lens == n)
        codes = _codepoints("".join([strings[i] for i in idx])).reshape(len(idx), int(n))
        g = np.zeros(len(idx), dtype=np.uint64)
        for k in range(int(n)):
            g *= _HASH_P
            g += codes[:, k]
        out[idx] = g * _HASH_P + np.uint64(n)
    return out


class _HashTable:
    """uint64 key -> int64 value, open addressing with linear probing, built and queried with
    vectorised numpy (load factor <= 1/4, so most look-ups take one probe)."""

    _MIX = np.uint64(0x9E3779B97F4A7C15)

    def __init__(self, keys: np.ndarray, values: np.ndarray):
        keys = np.where(keys == 0, np.uint64(1), keys)  # 0 marks an empty slot
        self.bits = max(10, int(np.ceil(np.log2(max(1, len(keys)) * 4))))
        self.mask = (1 << self.bits) - 1
        self.keys = np.zeros(1 << self.bits, dtype=np.uint64)
        self.values = np.full(1 << self.bits, -1, dtype=np.int64)
        base = self._slot(keys)
        pending = np.arange(len(keys))
        probe = 0
        while len(pending):
            s = (base[pending] + probe) & self.mask
            free = self.keys[s] == 0
            s_free, first = np.unique(s[free], return_index=True)
            won = pending[free][first]
            self.keys[s_free] = keys[won]
            self.values[s_free] = values[won]
            pending = np.setdiff1d(pending, won, assume_unique=True)
            probe += 1
        self.max_probe = probe

    def _slot(self, h: np.ndarray) -> np.ndarray:
        # top bits of a multiplicative hash; < 2**bits, so the int64 view is exact
        return ((h * self._MIX) >> np.uint64(64 - self.bits)).view(np.int64)

    def get(self, h: np.ndarray) -> np.ndarray:
        """Values of keys ``h``, -1 where absent."""
        h = np.where(h == 0, np.uint64(1), h)
        s = self._slot(h)
        k = self.keys[s]
        out = self.values[s]
        miss = k != h
        out[miss] = -1
        pending = np.flatnonzero(miss & (k != 0))  # collided: probe on
        s = s[pending]
        for _ in range(1, self.max_probe):
            if not len(pending):
                break
            s = (s + 1) & self.mask
            k = self.keys[s]
            hp = h[pending]
            hit = k == hp
            out[pending[hit]] = self.values[s[hit]]
            keep = ~hit & (k != 0)
            pending, s = pending[keep], s[keep]
        return out


_PUNCT = ".,;:!?\"'()[]{}<>*-"


def card_markdown(info: Mapping[str, Any]) -> str:
    """Markdown tables for the model card from ``fit``'s info: per domain, per corpus, per kind
    (cross-fitted calibrated dev metrics) and the identity-term bias table."""

    def f(x):
        return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"

    dev = info["dev"]
    lines = [
        f"Threshold for `label`: {info['threshold']:.3f} ({info.get('threshold_rule', '')}).",
        f"Calibration: {info.get('calibration', '')}.",
        "",
        "| uncivil by | name | n | pos | AUC | AP | F1 | ECE |",
        "|---" * 8 + "|",
    ]
    for key in ("domain", "corpus"):
        for name, m in dev["uncivil"][key].items():
            lines.append(
                f"| {key} | {name} | {m['n']} | {m['pos']} | {f(m['auc'])} | {f(m['ap'])} | "
                f"{f(m['f1'])} | {f(m['ece'])} |"
            )
    lines += ["", "| kind | corpora | n | pos | AUC | AP | F1 | ECE |", "|---" * 8 + "|"]
    for name, m in dev["kinds"].items():
        lines.append(
            f"| {name} | {', '.join(m.get('corpora', []))} | {m['n']} | {m['pos']} | "
            f"{f(m['auc'])} | {f(m['ap'])} | {f(m['f1'])} | {f(m['ece'])} |"
        )
    if info.get("dropped_heads"):
        lines += ["", f"Heads without enough labelled data: {', '.join(info['dropped_heads'])}."]
    for scope, rep in dev.get("bias", {}).items():
        lines += [
            "",
            f"Identity-term bias ({scope} dev rows; overall AUC {f(rep['overall_auc'])}, "
            f"Jigsaw final metric {f(rep['final_metric'])}):",
            "",
            "| group | n | pos | subgroup AUC | BPSN AUC | BNSP AUC | reliable |",
            "|---|---|---|---|---|---|---|",
        ]
        for g, r in rep["groups"].items():
            lines.append(
                f"| {g} | {r['n']} | {r['pos']} | {f(r['subgroup_auc'])} | {f(r['bpsn_auc'])} | "
                f"{f(r['bnsp_auc'])} | {'yes' if r['reliable'] else 'no'} |"
            )
    return "\n".join(lines) + "\n"
