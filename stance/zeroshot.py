"""Zero-shot route of the stance model: a small model for targets no training row had.

The pooled model of :mod:`stance.targeted` learns most of what it knows about a target from
that target's own training rows (the target-id x token "head", the target-word pairs). For a
free-text target it never saw, only the comment/target embeddings and the mention features
carry over, and they are a small part of a model fitted mostly on tweets about a dozen
targets. This module adds, for such targets only, a dedicated model fitted on the corpora built
for unseen topics (VAST: thousands of free-text topics), blended with the pooled decision::

    features   ... emb (PairEmbeddings) | zs (Relatedness) | route
    clf        ZeroShotRoutedSGD = RoutedSGD + a multinomial logistic regression on the
               [emb | relatedness] columns of the ``zeroshot_corpora`` rows; a row whose target
               is unseen (Relatedness' flag) and in no specialist group is scored
               ``(1 - zs_weight) * pooled + zs_weight * zero-shot``.

:class:`Relatedness` gives, per (comment, target): how many content words the target has, the
share of them in the comment, whether the target or an alias is mentioned, whether all its
words are, the comment's length - what separates "the comment is about something else"
(``none``) from a stance - and, last, the flag "target not among the training targets"
only for targets that are not claims (:func:`~stance.targets.is_claim`; ``claims=True`` routes
claims too): the route serves unseen topics and entities, while unseen claims such as a headline
stay with the pooled model, which ARC's claims taught.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from stance.targeted import RoutedSGD, _factorize, _hash_strings, plain_tokens
from stance.targets import content_words, is_claim, normalize_target, target_terms

#: Names of the columns of :class:`Relatedness` (the flag is always the last).
RELATEDNESS_COLUMNS = ("n_target_words", "share_mentioned", "mentioned", "all_mentioned",
                       "log_length", "unseen_target")


def _target_hashes(targets: Sequence[str]) -> np.ndarray:
    return _hash_strings([normalize_target(t) for t in targets], seed=7)


def _words(text: str) -> frozenset[str]:
    """The text's distinct tokens without negation marks, ``#`` or ``@`` (memoised with the
    pair block's, :func:`~stance.targeted.plain_tokens`)."""
    return plain_tokens(text)[2]


class Relatedness(TransformerMixin, BaseEstimator):
    """Dense text-target relatedness features plus the "unseen target" flag, as CSR.

    Columns (:data:`RELATEDNESS_COLUMNS`, each in 0..1 times ``weight``): the target's
    content words (capped at 5, / 5), the share of them found in the comment's tokens, any
    target term or alias found, all content words found, log(1 + tokens) / 8; and 1.0 when
    the row's target (``normalize_target``) is not among the targets ``fit`` saw (never
    scaled by ``weight``; :class:`ZeroShotRoutedSGD` reads it to route the row), except for
    targets that read as claims (``is_claim``) unless ``claims=True``.
    """

    def __init__(self, weight: float = 1.0, claims: bool = False):
        self.weight = weight
        self.claims = claims

    def __setstate__(self, state):
        state.setdefault("claims", True)  # pickled before the parameter: routed claims too
        super().__setstate__(state)

    def fit(self, X, y=None):
        _, targets = _factorize(X["target"])
        self.known_ = np.unique(_target_hashes(targets))  # sorted int64 hashes
        return self

    def _unseen(self, targets: list[str]) -> np.ndarray:
        h = _target_hashes(targets)
        pos = np.minimum(np.searchsorted(self.known_, h), max(len(self.known_) - 1, 0))
        unseen = np.ones(len(targets)) if not len(self.known_) else (
            (self.known_[pos] != h).astype(np.float64))
        if not self.claims:
            unseen[[is_claim(t) for t in targets]] = 0.0
        return unseen

    def transform(self, X):
        check_is_fitted(self, "known_")
        tcodes, texts = _factorize(X["text"])
        gcodes, targets = _factorize(X["target"])
        toks = [_words(x) for x in texts]
        cws = [content_words(g) for g in targets]
        terms = [target_terms(g) for g in targets]
        size = np.array([min(len(c), 5) / 5 for c in cws])
        length = np.log1p([len(t) for t in toks]) / 8
        hits = []  # per row: share of the target's words in the text, any term, all words
        for t, g in zip(tcodes.tolist(), gcodes.tolist()):
            tk, cw = toks[t], cws[g]
            hit = sum(w in tk for w in cw)
            hits.append((hit / max(len(cw), 1), not tk.isdisjoint(terms[g]),
                         bool(cw) and hit == len(cw)))
        hits = np.array(hits, dtype=np.float64).reshape(len(tcodes), 3)
        out = np.column_stack([size[gcodes], hits, length[tcodes]]) * float(self.weight)
        out = np.column_stack([out, self._unseen(targets)[gcodes]])
        return sp.csr_matrix(out)


class ZeroShotRoutedSGD(RoutedSGD):
    """:class:`~stance.targeted.RoutedSGD` plus a zero-shot model for unseen targets.

    X's columns ``zs_start`` up to the route columns are [PairEmbeddings | Relatedness] (the
    last of them Relatedness' unseen flag). ``fit(..., zs_rows=mask)``: besides the pooled
    model and the specialists, which do not see the last ``n_private`` of those columns (the
    Relatedness block), a multinomial logistic regression (``zs_C``) on those columns (flag
    excluded) of the ``mask`` rows (e.g. VAST's). A row with the flag set and no
    specialist route gets ``(1 - zs_weight) * pooled + zs_weight * zero-shot`` decisions.
    Without ``zs_rows`` (or with too few classes in them) it is RoutedSGD fitted without
    the private columns.
    """

    def __init__(self, n_routes: int = 0, specialist_weight=0.5, alpha: float = 2e-5,
                 max_iter: int = 15, class_weight=None, random_state=None,
                 specialist_alpha=None, n_signed: int = 0, specialist_bias=None,
                 zs_start: int = 0, zs_weight: float = 0.5, zs_C: float = 0.3,
                 n_private: int = len(RELATEDNESS_COLUMNS)):
        super().__init__(n_routes, specialist_weight, alpha, max_iter, class_weight,
                         random_state, specialist_alpha, n_signed, specialist_bias)
        self.zs_start = zs_start
        self.zs_weight = zs_weight
        self.zs_C = zs_C
        self.n_private = n_private

    def __setstate__(self, state):
        state.setdefault("n_private", 0)  # pickled before the parameter: the pooled model saw all
        super().__setstate__(state)

    def _zs_block(self, X) -> sp.csr_matrix:
        """The zero-shot model's columns: [zs_start, flag) (flag = last before the routes)."""
        m = X.shape[1] - int(self.n_routes)
        return X[:, int(self.zs_start):m - 1]

    def _pooled_view(self, X: sp.csr_matrix) -> sp.csr_matrix:
        """X without the ``n_private`` columns before the routes (the Relatedness block): the
        pooled model and the specialists do not see them. Trained with them, the pooled model
        scored ARC's dev claims (unseen, and not routed) 0.392 F_avg instead of 0.426."""
        k = int(self.n_private)
        if not k:
            return X
        m = X.shape[1] - int(self.n_routes)
        out = X.copy()
        out.data[(out.indices >= m - k) & (out.indices < m)] = 0
        out.eliminate_zeros()
        return out

    @staticmethod
    def _columns(blocks: Sequence[Any], rows: np.ndarray, start: int, stop: int) -> np.ndarray:
        """Dense ``[rows, start:stop]`` of the column-wise concatenation of ``blocks``
        (``rows``: sorted, distinct row numbers, as ``np.flatnonzero`` gives)."""
        parts, left = [], 0
        for blk in blocks:
            right = left + blk.shape[1]
            lo, hi = max(start, left), min(stop, right)
            if lo < hi:
                # ``rows`` naming every row: slice the block itself, no copy of its rows
                whole = len(rows) == blk.shape[0]
                part = (blk if whole else blk[rows])[:, lo - left:hi - left]
                parts.append(part.toarray() if sp.issparse(part) else np.asarray(part))
            left = right
        return np.hstack(parts) if parts else np.zeros((len(rows), 0))

    def fit(self, X, y, sample_weight=None, groups=None, zs_rows=None):
        X = sp.csr_matrix(X)
        super().fit(self._pooled_view(X), y, sample_weight=sample_weight, groups=groups)
        self.zs_ = None
        rows = np.flatnonzero(np.asarray(zs_rows, dtype=bool)) if zs_rows is not None else []
        y = np.asarray(y)
        if len(rows) and set(y[rows]) == set(self.classes_):
            Z = self._zs_block(X[rows]).toarray()
            lr = LogisticRegression(C=float(self.zs_C), max_iter=2000).fit(Z, y[rows])
            cols = np.searchsorted(self.classes_, lr.classes_)
            self.zs_ = (cols, lr.coef_.astype(np.float32), lr.intercept_.astype(np.float32))
        return self

    def decision_function(self, X) -> np.ndarray:
        check_is_fitted(self, ("coef_", "classes_"))
        return self.decision_blocks([sp.csr_matrix(X)])

    def decision_blocks(self, blocks: Sequence[Any]) -> np.ndarray:
        """RoutedSGD's decisions, blended with the zero-shot model's on flagged rows."""
        d = super().decision_blocks(blocks)
        zs = getattr(self, "zs_", None)
        if zs is None:
            return d
        m = sum(int(b.shape[1]) for b in blocks) - int(self.n_routes)
        route = self._route(blocks[-1] if len(blocks) > 1 else blocks[0])
        cand = np.flatnonzero(route < 0)
        flag = self._columns(blocks, cand, m - 1, m).ravel() > 0.5
        rows = cand[flag]
        if len(rows):
            cols, coef, icpt = zs
            dz = self._columns(blocks, rows, int(self.zs_start), m - 1) @ coef.T + icpt
            w = float(self.zs_weight)
            d[np.ix_(rows, cols)] = (1 - w) * d[np.ix_(rows, cols)] + w * dz
        return d
