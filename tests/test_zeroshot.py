"""stance.zeroshot: relatedness features, the unseen-target flag and the zero-shot blend."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from stance.targeted import RoutedSGD
from stance.zeroshot import RELATEDNESS_COLUMNS, Relatedness, ZeroShotRoutedSGD


def cols(texts, targets):
    return {"text": list(texts), "target": list(targets)}


def test_relatedness_columns_and_flag():
    rel = Relatedness().fit(cols(["x"], ["Gun control"]))
    X = rel.transform(cols(
        ["We need stricter gun control now.", "Lovely weather for a picnic.",
         "Gun shows are fun."],
        ["gun  CONTROL", "gun control", "school uniforms"],
    )).toarray()
    assert X.shape == (3, len(RELATEDNESS_COLUMNS))
    share, mentioned, every, unseen = (RELATEDNESS_COLUMNS.index(c) for c in (
        "share_mentioned", "mentioned", "all_mentioned", "unseen_target"))
    assert X[0, share] == 1.0 and X[0, every] == 1.0 and X[0, mentioned] == 1.0
    assert X[1, share] == 0.0 and X[1, mentioned] == 0.0 and X[1, every] == 0.0
    assert X[2, share] == 0.0  # "gun" is not a word of "school uniforms"
    # the fitted target (normalised) is seen; a new one is flagged
    assert X[:, unseen].tolist() == [0.0, 0.0, 1.0]
    assert np.all((X >= 0) & (X <= 1))


def test_relatedness_weight_spares_the_flag():
    c = cols(["gun control is good"], ["abortion"])
    a = Relatedness().fit(cols(["x"], ["guns"])).transform(c).toarray()
    b = Relatedness(weight=2.0).fit(cols(["x"], ["guns"])).transform(c).toarray()
    assert np.allclose(b[0, :-1], 2 * a[0, :-1]) and a[0, -1] == b[0, -1] == 1.0


def _data(seed=0, n=600):
    """X = [noise (8) | zero-shot block (4) | flag]; the label is readable only from the
    zero-shot block (column 8 + class index is high), so only the zero-shot model learns it."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    noise = rng.normal(size=(n, 8))
    zsb = rng.normal(scale=0.3, size=(n, 4))
    zsb[np.arange(n), y] += 2.0
    flag = np.zeros((n, 1))
    X = sp.csr_matrix(np.hstack([noise, zsb, flag]))
    return X, np.array(["against", "favor", "none"])[y]


def test_blend_only_on_unseen_rows():
    X, y = _data()
    zs_rows = np.arange(len(y)) < 400
    clf = ZeroShotRoutedSGD(zs_start=8, zs_weight=1.0, random_state=0, max_iter=5,
                            alpha=1.0, n_private=0).fit(X, y, zs_rows=zs_rows)
    base = RoutedSGD(random_state=0, max_iter=5, alpha=1.0).fit(X, y)
    Xt, yt = _data(seed=1)
    # flag 0: the RoutedSGD decisions exactly
    assert np.allclose(clf.decision_function(Xt), base.decision_function(Xt))
    Xu = Xt.tolil()
    Xu[:, -1] = 1.0
    Xu = Xu.tocsr()
    assert np.mean(clf.predict(Xu) == yt) > 0.9
    # zs_weight 1: the decisions of a logistic regression on the zero-shot rows' block
    ref = LogisticRegression(C=0.3, max_iter=2000).fit(X[:400, 8:12].toarray(), y[:400])
    assert np.allclose(clf.decision_function(Xu), ref.decision_function(Xu[:, 8:12].toarray()),
                       atol=1e-4)
    half = clone(clf).set_params(zs_weight=0.5).fit(X, y, zs_rows=zs_rows)
    d = half.decision_function(Xu)
    full = clf.decision_function(Xu)
    assert np.allclose(d, 0.5 * base.decision_function(Xu) + 0.5 * full, atol=1e-5)


def test_without_zero_shot_rows_it_is_routed_sgd():
    X, y = _data()
    clf = ZeroShotRoutedSGD(zs_start=8, random_state=0, n_private=0).fit(X, y)
    base = RoutedSGD(random_state=0).fit(X, y)
    Xu = X.tolil()
    Xu[:, -1] = 1.0
    assert clf.zs_ is None
    assert np.allclose(clf.decision_function(Xu.tocsr()), base.decision_function(Xu.tocsr()))


def test_params_clone_and_pickle():
    X, y = _data()
    clf = ZeroShotRoutedSGD(zs_start=8, zs_C=0.1, random_state=0).fit(
        X, y, zs_rows=np.ones(len(y), bool))
    params = clone(clf).get_params()
    assert params["zs_start"] == 8 and params["zs_C"] == 0.1 and params["zs_weight"] == 0.5
    again = pickle.loads(pickle.dumps(clf))
    Xu = X.tolil()
    Xu[:, -1] = 1.0
    assert np.allclose(again.decision_function(Xu.tocsr()), clf.decision_function(Xu.tocsr()))


def test_pooled_model_does_not_see_the_private_columns():
    """The last ``n_private`` columns before the routes (Relatedness) feed only the zero-shot
    model: the pooled model is the RoutedSGD of X without them, on every row."""
    X, y = _data()
    X = sp.hstack([X, sp.csr_matrix(np.ones((len(y), 1)))], format="csr")  # + a route column
    kw = dict(n_routes=1, random_state=0, max_iter=5, alpha=1e-3)
    clf = ZeroShotRoutedSGD(zs_start=8, n_private=5, **kw).fit(
        X, y, zs_rows=np.ones(len(y), bool))
    hidden = X.tolil()
    hidden[:, 8:13] = 0.0  # the zero-shot block and the flag
    base = RoutedSGD(**kw).fit(hidden.tocsr(), y)
    Xt = _data(seed=1)[0]
    Xt = sp.hstack([Xt, sp.csr_matrix(np.ones((Xt.shape[0], 1)))], format="csr")
    assert np.allclose(clf.decision_function(Xt), base.decision_function(Xt))
    # the default hides exactly the Relatedness block
    assert ZeroShotRoutedSGD().n_private == len(RELATEDNESS_COLUMNS)


def test_claims_are_not_flagged_unseen():
    """Unseen claims (a headline, an ARC claim) stay with the pooled model unless
    ``claims=True``; unseen topics and entities are flagged."""
    fitted = cols(["x"], ["Russia"])
    targets = ["NATO expansion", "the death penalty", "Vaccines should be mandatory",
               "Farm subsidies do not protect national security",
               "Parliament votes on a new budget for the armed forces", "Russia"]
    c = cols(["some comment"] * len(targets), targets)
    flag = Relatedness().fit(fitted).transform(c).toarray()[:, -1]
    assert flag.tolist() == [1.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    every = Relatedness(claims=True).fit(fitted).transform(c).toarray()[:, -1]
    assert every.tolist() == [1.0, 1.0, 1.0, 1.0, 1.0, 0.0]


@pytest.mark.parametrize("weight", [0.0, 0.5])
def test_routed_rows_keep_their_specialist(weight):
    """A row with a specialist route never gets the zero-shot blend, even if flagged."""
    X, y = _data()
    route = sp.csr_matrix(np.ones((len(y), 1)))  # every row routed to group 0
    Xr = sp.hstack([X, route], format="csr")
    kw = dict(n_routes=1, random_state=0, max_iter=5)
    clf = ZeroShotRoutedSGD(zs_start=8, zs_weight=weight or 0.5, n_private=0, **kw).fit(
        Xr, y, zs_rows=np.ones(len(y), bool))
    base = RoutedSGD(**kw).fit(Xr, y)
    Xu = Xr.tolil()
    Xu[:, -2] = 1.0
    assert np.allclose(clf.decision_function(Xu.tocsr()), base.decision_function(Xu.tocsr()))


def test_pipeline_hook():
    """With the build_pipeline hook (config key ``zeroshot_corpora``): the zero-shot route is
    built, fitted on its corpora's rows only, and touches only unseen targets."""
    from stance import targeted

    if "zeroshot_corpora" not in targeted.DEFAULTS:
        pytest.skip("stance.targeted has no zero-shot hook")
    import pandas as pd

    rows = [("I fully support {t}, the right thing.", "favor"),
            ("{t} is a disaster and must be stopped.", "against"),
            ("The bus was late again this morning.", "none")]
    frame = lambda targets, corpus: pd.DataFrame(  # noqa: E731
        [(s.format(t=t), t, lab, corpus) for t in targets for s, lab in rows],
        columns=["text", "target", "stance", "corpus"])
    train = pd.concat([frame(["NATO", "Russia"], "tweets"),
                       frame(["school uniforms", "nuclear power", "zoos"], "topics")])
    small = {"word_features": 2**12, "char_features": 2**12, "pair_features": 2**12,
             "max_iter": 30, "alpha": 1e-4, "zeroshot_corpora": ["topics"],
             "specialists": ["tweets"]}  # a route block, so the block-wise path runs too
    pipe, _ = targeted.fit(train, None, small)
    clf = pipe.named_steps["clf"]
    assert isinstance(clf, ZeroShotRoutedSGD) and clf.zs_ is not None
    test = pd.DataFrame({"text": ["I fully support wind farms, the right thing."] * 2,
                         "target": ["wind farms", "NATO"]})
    off, _ = targeted.fit(train, None, {**small, "zeroshot_weight": 0.0})
    a, b = pipe.predict_proba(test), off.predict_proba(test)
    assert not np.allclose(a[0], b[0])  # unseen target: blended
    assert np.allclose(a[1], b[1])  # seen target: pooled model alone
    # the block-wise fast path (taken: the union ends with the route block) blends the same way
    assert isinstance(pipe.named_steps["features"].transformer_list[-1][1], targeted.TargetRoute)
    assert np.allclose(targeted.predict_proba(pipe, test), a, atol=1e-6)
