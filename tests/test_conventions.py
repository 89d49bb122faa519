"""scikit-learn estimator conventions for every estimator class of the package.

Mixin order (so ``is_classifier`` and the tags work), NotFittedError when unfitted,
get_params / clone round-trip, ``fit`` returning self, SDQCClassifier's 1-D binary
``decision_function`` and MultiHeadClassifier's multi-label contract. Toy data only.
"""

from __future__ import annotations

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.metrics import get_scorer, roc_auc_score
from sklearn.model_selection import StratifiedKFold, check_cv
from sklearn.utils.estimator_checks import check_mixin_order

from stance.cues import TargetCues
from stance.incivility import MultiHeadClassifier, WordCharNgrams
from stance.normalize import TextNormalizer
from stance.reply import ParentWords, ReplyColumns, ReplyCues, SDQCClassifier
from stance.resources import default_model_dir
from stance.splitter.learn import BlockFeatures
from stance.targeted import (
    Columns,
    PairEmbeddings,
    RoutedSGD,
    TargetInteractions,
    TargetRoute,
    UniqueText,
    WordwiseHashingVectorizer,
)
from stance.zeroshot import Relatedness, ZeroShotRoutedSGD

TEXTS = ["I back NATO fully", "NATO is a disgrace", "the bus was late", "NATO saves lives",
         "shameful NATO lies", "rain all weekend"] * 4
LABELS = np.array(["favor", "against", "none"] * 8)
COLS = Columns().transform(pd.DataFrame({"text": TEXTS, "target": ["NATO", "EU"] * 12}))
REPLY = ReplyColumns().transform(pd.DataFrame({"text": TEXTS, "parent_text": TEXTS[::-1]}))
rng = np.random.RandomState(0)
X_NUM = sp.csr_matrix(rng.rand(24, 6) + np.eye(3)[np.arange(24) % 3].repeat(2, axis=1))
X_ROUTED = sp.hstack([X_NUM, sp.csr_matrix(np.ones((24, 1)))], format="csr")  # 1 route column
Y_HEADS = (np.arange(24)[:, None] % 3 == np.arange(3)).astype(float)  # 3 heads
HEADS = ("uncivil", "insult", "threat")


def _hv():
    return HashingVectorizer(n_features=64)


# class -> (factory of an unfitted instance, fit X, fit y, input of transform / predict)
CASES = {
    "WordCharNgrams": (lambda: WordCharNgrams(min_df=1), TEXTS, None, TEXTS),
    "UniqueText": (lambda: UniqueText(_hv()), COLS, None, COLS),
    "TargetInteractions": (lambda: TargetInteractions(n_features=256), COLS, None, COLS),
    "PairEmbeddings": (PairEmbeddings, COLS, None, COLS),
    "TargetRoute": (lambda: TargetRoute([["NATO"]]), COLS, None, COLS),
    "Relatedness": (Relatedness, COLS, None, COLS),
    "TargetCues": (TargetCues, COLS, None, COLS),
    "ParentWords": (lambda: ParentWords(64), REPLY, None, REPLY),
    "ReplyCues": (ReplyCues, REPLY, None, REPLY),
    "RoutedSGD": (lambda: RoutedSGD(n_routes=1, random_state=0), X_ROUTED, LABELS, X_ROUTED),
    "ZeroShotRoutedSGD": (lambda: ZeroShotRoutedSGD(n_routes=1, random_state=0, n_private=0),
                          X_ROUTED, LABELS, X_ROUTED),
    "SDQCClassifier": (lambda: SDQCClassifier(max_iter=200), X_NUM, LABELS, X_NUM),
    "MultiHeadClassifier": (lambda: MultiHeadClassifier(HEADS, min_head_positives=1), X_NUM,
                            Y_HEADS, X_NUM),
}
# transformers that learn nothing (transform works unfitted, by design)
STATELESS = {
    "Columns": (Columns, COLS, None, COLS),
    "ReplyColumns": (ReplyColumns, REPLY, None, REPLY),
    "BlockFeatures": (lambda: BlockFeatures(64), [{"a": 1.0}], None, [{"a": 1.0}]),
    "WordwiseHashingVectorizer": (lambda: WordwiseHashingVectorizer(n_features=64), TEXTS, None,
                                  TEXTS),
    "TextNormalizer": (TextNormalizer, TEXTS, None, TEXTS),
}
ALL = {**CASES, **STATELESS}
CLASSIFIERS = ["RoutedSGD", "ZeroShotRoutedSGD", "SDQCClassifier", "MultiHeadClassifier"]
METHODS = ("transform", "predict", "predict_proba", "decision_function")


@pytest.mark.parametrize("name", sorted(ALL))
def test_mixin_order(name):
    check_mixin_order(name, ALL[name][0]())  # every mixin before BaseEstimator


@pytest.mark.parametrize("name", sorted(ALL))
def test_params_clone_and_fit_returns_self(name):
    make, X, y, _ = ALL[name]
    est = make()
    params = est.get_params(deep=False)
    again = clone(est)
    assert type(again) is type(est) and again.get_params(deep=False).keys() == params.keys()
    for key, value in again.get_params(deep=False).items():
        same = type(value) is type(params[key]) if hasattr(value, "get_params") else (
            np.array_equal(value, params[key]) if key == "heads" else value == params[key])
        assert same, key
    assert again.set_params(**params) is again
    assert est.fit(X, y) is est


@pytest.mark.parametrize("name", sorted(CASES))
def test_fitted_use_works(name):
    make, X, y, Xt = CASES[name]
    est = make().fit(X, y)
    for m in [m for m in METHODS if hasattr(est, m)]:
        assert getattr(est, m)(Xt).shape[0] == 24


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_classifiers_are_classifiers(name):
    make, X, y, _ = CASES[name]
    est = make()
    assert is_classifier(est) and est.__sklearn_tags__().input_tags.sparse
    if y.ndim == 1:
        assert isinstance(check_cv(3, y, classifier=is_classifier(est)), StratifiedKFold)


@pytest.mark.parametrize("name", sorted(CASES))
def test_unfitted_use_raises_not_fitted_error(name):
    make, _, _, X = CASES[name]
    est = make()
    methods = [m for m in METHODS if hasattr(est, m)]
    assert methods
    for m in methods:
        with pytest.raises(NotFittedError):
            getattr(est, m)(X)


def test_sdqc_decision_function_is_one_dimensional_on_two_classes():
    y2 = np.where(LABELS == "favor", "favor", "other")
    clf = SDQCClassifier(max_iter=200).fit(X_NUM, y2)
    d = clf.decision_function(X_NUM)
    assert d.shape == (24,)
    assert list(clf.predict(X_NUM)) == list(clf.classes_[(d > 0).astype(int)])
    p = clf.predict_proba(X_NUM)
    assert p.shape == (24, 2) and np.allclose(p.sum(1), 1)
    assert np.array_equal(p[:, 1] > 0.5, d > 0)
    d3 = SDQCClassifier(max_iter=200).fit(X_NUM, LABELS).decision_function(X_NUM)
    assert d3.shape == (24, 3)


def test_multihead_is_a_multilabel_classifier():
    clf = MultiHeadClassifier(HEADS, min_head_positives=1).fit(X_NUM, Y_HEADS)
    assert list(clf.classes_) == [0, 1, 2] and clf.heads_ == list(HEADS)
    assert clf.__sklearn_tags__().classifier_tags.multi_label
    p = clf.predict_proba(X_NUM)
    assert p.shape == (24, 3)
    clf.threshold_ = 0.3
    pred = clf.predict(X_NUM)
    assert pred.shape == (24, 3) and np.array_equal(pred[:, 0], p[:, 0] >= 0.3)
    assert np.array_equal(pred[:, 1:], p[:, 1:] >= 0.5)
    d = clf.decision_function(X_NUM)  # the roc_auc scorer's first choice
    want = np.mean([roc_auc_score(Y_HEADS[:, j], d[:, j]) for j in range(3)])
    assert get_scorer("roc_auc")(clf, X_NUM, Y_HEADS) == pytest.approx(want)


@pytest.mark.parametrize("task", ["stance", "incivility", "reply"])
def test_shipped_models_are_classifiers(task):
    path = default_model_dir() / f"{task}.joblib"
    if not path.exists():
        pytest.skip(f"no {path}")
    pipe = joblib.load(path)
    assert is_classifier(pipe)
    if task == "incivility":  # pickled with classes_ = [0, 1]: one class per head on load
        assert list(pipe.classes_) == list(range(len(pipe[-1].heads_)))
        assert pipe.predict_proba(["You idiot.", "Nice day."]).shape == (2, len(pipe.classes_))
