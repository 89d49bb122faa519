"""The learned block classifier: features of text blocks -> boilerplate / article / comment.

Dragnet's idea (Peters & Lecocq 2013) with richer context (see ``features.py``), trained on
the Dragnet training pages with labels from aligning blocks to the gold text.

The model is one scikit-learn Pipeline: ``BlockFeatures`` (feature dicts -> hashed sparse
matrix) followed by a logistic regression. Rows are the feature dicts made by
``page_features(page)``.
"""

from __future__ import annotations

import time
from collections import Counter

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import murmurhash3_32

from stance.splitter.features import (
    _WORD,
    LABELS,
    NUMERIC,
    BlockRows,
    block_rows,
    label_page,
    page_features,
    text_page,
)

__all__ = [
    "BlockFeatures",
    "BlockRows",
    "block_rows",
    "FastScorer",
    "LABELS",
    "fit",
    "label_page",
    "make_pipeline",
    "page_features",
    "save",
    "text_page",
    "training_rows",
]


class BlockFeatures(TransformerMixin, BaseEstimator):
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


def training_rows(data_dir, part: str = "train", limit: int | None = None, log=None, pages=None):
    """Feature rows, labels, weights and page ids of the Dragnet pages of ``part``.

    Each page gives its HTML blocks and the same blocks as a plain-text dump. With a list
    ``pages``, ``(page_id, Page, has_gold_comments)`` of every page is appended to it.
    """
    from stance.splitter.blocks import parse
    from stance.splitter.data import iter_pages
    from stance.splitter.decode import decode

    X, y, w, groups = [], [], [], []
    for pid, raw, content, comments, _marker in iter_pages(data_dir, part=part, limit=limit):
        page = parse(decode(raw, pid))
        labels = label_page(page, content, comments)
        weights = [min(len(_WORD.findall(b.text)), 100) ** 0.5 + 0.5 for b in page.blocks]
        # the page itself, and the page rendered to a plain-text dump (one line per block)
        rendered = text_page([b.text for b in page.blocks])
        for rows in (page_features(page), page_features(rendered, text=True)):
            X.extend(rows)
            y.extend(labels)
            w.extend(weights)
            groups.extend([pid] * len(rows))
        if pages is not None:
            pages.append((pid, page, bool(_WORD.search(comments))))
    if log:
        log(f"{len(set(groups))} pages, {len(X)} blocks, labels {Counter(y)}")
    return X, np.asarray(y), np.asarray(w), groups


def _fold(pid: str, k: int) -> int:
    import hashlib

    return int(hashlib.md5(pid.encode()).hexdigest()[:6], 16) % k


def _fit_blocks(X, y, w, cfg: dict, seed: int):
    pipe = make_pipeline(
        alpha=float(cfg.get("alpha", 2e-6)),
        n_features=int(cfg.get("n_features", 2**18)),
        max_iter=int(cfg.get("max_iter", 30)),
        seed=int(cfg.get("seed", seed)),
    )
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        # the epoch budget (max_iter) is the setting; SGD's tolerance stop is sometimes not
        # reached on the smaller fold subsets of the page gate, which is expected
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(X, y, clf__sample_weight=w)
    _compact(pipe)
    return pipe


def fit_gate(
    stats: np.ndarray,
    target: np.ndarray,
    fn_cost: float = 2.0,
    C: float = 1.0,
    max_wrongly_kept: int | None = None,
):
    """The page-level "has comments" gate: a logistic model on ``html.GATE_FEATURES``.

    ``stats`` are out-of-fold statistics of training pages whose predicted thread passed the
    token floors, ``target`` whether the page has gold comments. The probability threshold is
    chosen on a 5-fold cross-validation of the gate itself: with ``max_wrongly_kept``, the
    lowest threshold that keeps at most that many threads of no-comment pages (so the fewest
    real threads are dropped); otherwise the one that minimises (wrongly kept threads) +
    ``fn_cost`` x (wrongly dropped threads). Returns a plain dict (see ``html.gate_keeps``).
    """
    from sklearn.linear_model import LogisticRegression

    mean = stats.mean(axis=0)
    scale = stats.std(axis=0)
    scale[scale == 0] = 1.0
    Z = (stats - mean) / scale
    folds = np.arange(len(Z)) % 5
    p = np.zeros(len(Z))
    for k in range(5):
        tr = folds != k
        if len(set(target[tr].tolist())) < 2:
            p[~tr] = target[tr].mean() if tr.any() else 1.0
            continue
        m = LogisticRegression(C=C, max_iter=1000).fit(Z[tr], target[tr])
        p[~tr] = m.predict_proba(Z[~tr])[:, 1]
    grid = np.round(np.arange(0.05, 0.96, 0.05), 2)
    kept_wrong = np.asarray([((p >= t) & (target == 0)).sum() for t in grid])
    dropped = np.asarray([((p < t) & (target == 1)).sum() for t in grid])
    if max_wrongly_kept is not None:
        ok = np.flatnonzero(kept_wrong <= max_wrongly_kept)
        threshold = float(grid[ok[0]] if len(ok) else grid[-1])
    else:  # the lowest threshold among equal costs
        threshold = float(grid[int(np.argmin(kept_wrong + fn_cost * dropped))])
    m = LogisticRegression(C=C, max_iter=1000).fit(Z, target)
    return {
        "features": list(_gate_features()),
        "mean": mean.tolist(),
        "scale": scale.tolist(),
        "coef": m.coef_[0].tolist(),
        "intercept": float(m.intercept_[0]),
        "threshold": threshold,
        "pages": int(len(target)),
        "cv_wrongly_kept": int(((p >= threshold) & (target == 0)).sum()),
        "cv_wrongly_dropped": int(((p < threshold) & (target == 1)).sum()),
        "cv_curve": [[float(t), int(a), int(b)] for t, a, b in zip(grid, kept_wrong, dropped)],
    }


def _gate_features():
    from stance.splitter.html import GATE_FEATURES

    return GATE_FEATURES


def fit(data_dir=None, options=None, config: dict | None = None, log=None):
    """Train the block classifier on the Dragnet training pages (dev split held out).

    ``config`` keys (all optional, e.g. from ``training/splitter.toml``): alpha, n_features,
    max_iter, seed, part ("train" keeps the dev split out; "all" uses every training page), limit,
    gate_folds (out-of-fold block models for the page-level "has comments" gate; 0 = no gate),
    gate_max_fp_rate (at most this share of the no-comment training pages may keep a thread in
    the gate's cross-validation) or else gate_fn_cost (see ``fit_gate``). Returns the fitted
    Pipeline (with ``stance_page_gate_`` when a gate is fitted).
    """
    from stance.splitter.html import predict_thread

    cfg = dict(config or {})
    t0 = time.perf_counter()
    limit = cfg.get("limit") or getattr(options, "limit", None)
    pages: list = []
    X, y, w, groups = training_rows(
        data_dir, part=cfg.get("part", "train"), limit=limit, log=log, pages=pages
    )
    if len(set(y.tolist())) < 2:
        from stance.errors import DataError

        raise DataError("splitter training data has fewer than two block labels")
    seed = getattr(options, "seed", 13) if options is not None else 13
    gate = None
    k = int(cfg.get("gate_folds", 4))
    if k >= 2 and len(pages) >= 2 * k:
        # out-of-fold threads: each page read by a block model that never saw it
        gfold = np.asarray([_fold(g, k) for g in groups])
        stats, target = [], []
        for f in range(k):
            keep = gfold != f
            if len(set(y[keep].tolist())) < 2:
                continue
            part = _fit_blocks([x for x, m in zip(X, keep) if m], y[keep], w[keep], cfg, seed)
            for pid, page, has in pages:
                if _fold(pid, k) == f and page.blocks:
                    s = predict_thread(page, part)[2]
                    if s is not None:
                        stats.append(s)
                        target.append(int(has))
            if log:
                log(f"gate fold {f + 1}/{k} done ({time.perf_counter() - t0:.0f} s)")
        target_a = np.asarray(target)
        if len(target_a) >= 10 and 0 < target_a.sum() < len(target_a):
            rate = cfg.get("gate_max_fp_rate")
            n_neg = sum(1 for _pid, _page, has in pages if not has)
            gate = fit_gate(
                np.asarray(stats, dtype=np.float64),
                target_a,
                fn_cost=float(cfg.get("gate_fn_cost", 2.0)),
                max_wrongly_kept=int(float(rate) * n_neg) if rate is not None else None,
            )
            if log:
                log(
                    f"page gate: {gate['pages']} out-of-fold threads, threshold "
                    f"{gate['threshold']}, CV wrongly kept {gate['cv_wrongly_kept']}, "
                    f"wrongly dropped {gate['cv_wrongly_dropped']}"
                )
    pipe = _fit_blocks(X, y, w, cfg, seed)
    pipe.stance_labels_ = LABELS
    if gate is not None:
        pipe.stance_page_gate_ = gate
    if log:
        log(f"trained in {time.perf_counter() - t0:.1f} s")
    return pipe


def _compact(pipe) -> None:
    """float32 weights and scales: half the size, same predictions to ~1e-7."""
    clf = pipe.named_steps.get("clf")
    if hasattr(clf, "coef_"):
        clf.coef_ = clf.coef_.astype(np.float32)
        clf.intercept_ = clf.intercept_.astype(np.float32)
    scale = pipe.named_steps.get("scale")
    if scale is not None and hasattr(scale, "scale_"):
        scale.scale_ = scale.scale_.astype(np.float32)
        scale.max_abs_ = scale.max_abs_.astype(np.float32)


def save(pipe, path) -> None:
    """Write the pipeline compressed (the shipped model is about 1.2 MB this way)."""
    import joblib

    _compact(pipe)
    joblib.dump(pipe, path, compress=3)


def _ones_times(flat: list[int], indptr: list[int], w: np.ndarray) -> np.ndarray:
    """``X @ w`` for the 0/1 matrix X whose row i has ones in columns
    ``flat[indptr[i]:indptr[i + 1]]``."""
    from scipy.sparse import csr_matrix

    X = csr_matrix((np.ones(len(flat)), np.asarray(flat, dtype=np.int32), np.asarray(indptr)),
                   shape=(len(indptr) - 1, w.shape[0]))
    return X @ w


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
            self._n_features = int(feats.n_features)
            self._cols: dict[str, int] = {}
            self._wnum: dict[str, np.ndarray] = {}
            self._gcols: dict[str, dict[tuple, list[int]]] = {}

    def _columns(self, names) -> list[int]:
        """Hashed columns of feature names (memoised).

        FeatureHasher's hashing (``alternate_sign=False``): the signed 32-bit MurmurHash3 of
        the UTF-8 name, seed 0, column ``abs(h) % n_features`` (its own special case for
        h = -2**31 gives the same column), without a FeatureHasher call per new name.
        """
        cache = self._cols
        get = cache.get
        out = []
        for k in names:
            col = get(k)
            if col is None:
                col = cache[k] = abs(murmurhash3_32(k, 0)) % self._n_features
            out.append(col)
        if len(cache) > 500000:
            self._cols = {}
        return out

    def _scores(self, rows: BlockRows) -> np.ndarray:
        pre = rows.prefix
        wnum = self._wnum.get(pre)
        if wnum is None:
            cols = self._columns([pre + k for k in NUMERIC])
            wnum = self._wnum[pre] = self._w[cols]
        scores = rows.num @ wnum + self._b
        # indicator features: one flat column list, one sparse product
        gcols = self._gcols[pre] if pre in self._gcols else self._gcols.setdefault(pre, {})
        if len(gcols) > 200000:
            gcols.clear()
        flat: list[int] = []
        indptr = [0]
        for groups in rows.ind:
            for g in groups:
                got = gcols.get(g)
                if got is None:
                    got = gcols[g] = self._columns([pre + k for k in g] if pre else g)
                flat.extend(got)
            indptr.append(len(flat))
        if flat:
            scores += _ones_times(flat, indptr, self._w)
        return scores

    def predict_proba(self, rows) -> np.ndarray:
        """Rows: a ``BlockRows`` (fast path) or a list of feature dicts."""
        if isinstance(rows, BlockRows):
            if not self._fast:
                return self.pipe.predict_proba(rows.to_dicts())
            scores = self._scores(rows)
        elif not self._fast:
            return self.pipe.predict_proba(rows)
        else:
            X = self._hasher.transform(rows)
            scores = X @ self._w + self._b
        if scores.shape[1] == 1:  # binary
            p = 1.0 / (1.0 + np.exp(-np.clip(scores[:, 0], -500, 500)))
            return np.column_stack([1 - p, p])
        prob = 1.0 / (1.0 + np.exp(-np.clip(scores, -500, 500)))
        prob /= prob.sum(axis=1, keepdims=True)
        return prob
