"""Target-conditioned stance pipeline: features, conditioning, persistence, contract.

The toy training set below is hand-written (templates x targets); it exercises the mechanics
of the pipeline, not its accuracy. Accuracy on real comments is checked in
tests/test_targeted_quality.py against the shipped model.
"""

from __future__ import annotations

import io

import joblib
import numpy as np
import pandas as pd
import pytest

from stance import targeted
from stance.targeted import (
    LABELS,
    Columns,
    TargetInteractions,
    UniqueText,
    build_pipeline,
    sarcasm_cues,
    tokenize,
)
from stance.targets import content_words, normalize_target, target_terms

FAVOR = [
    "I fully support {t}, it is the right thing to do.",
    "{t} deserves our backing, proud to stand with it.",
    "Great news for {t}, finally some sense.",
    "Thank you {t}, you make me hopeful again.",
]
AGAINST = [
    "{t} is a disaster and should be stopped.",
    "I oppose {t} with every fibre, shameful.",
    "Nothing good ever came from {t}, a total failure.",
    "{t} lies again, disgraceful and dangerous.",
]
NONE = [
    "The bus to the station was late again this morning.",
    "Does anyone know when the library reopens after the holidays?",
    "My grandmother's apple pie recipe uses far too much butter.",
    "Rain expected all weekend according to the forecast.",
]
TARGETS = ["Russia", "Ukraine", "NATO", "Wearing a Face Mask", "Hillary Clinton"]

# small hash spaces keep the toy fits well under a second
SMALL = {"word_features": 2**12, "char_features": 2**12, "pair_features": 2**12,
         "max_iter": 30, "alpha": 1e-4}


def toy_frame(corpus: str = "toy") -> pd.DataFrame:
    rows = []
    for t in TARGETS:
        rows += [(s.format(t=t), t, "favor") for s in FAVOR]
        rows += [(s.format(t=t), t, "against") for s in AGAINST]
        rows += [(s, t, "none") for s in NONE]
    df = pd.DataFrame(rows, columns=["text", "target", "stance"])
    df["corpus"] = corpus
    return df


@pytest.fixture(scope="module")
def toy_model():
    pipe, info = targeted.fit(toy_frame(), toy_frame(), {**SMALL, "embeddings": False})
    return pipe, info


def test_negation_scope_marks_words_until_punctuation_or_but():
    toks = tokenize("I don't support NATO expansion, but Ukraine can't lose.")
    assert "NEG_support" in toks and "NEG_nato" in toks and "NEG_expansion" in toks
    # the comma closes the scope: Ukraine is not negated, "lose" is (after can't)
    assert "ukraine" in toks and "NEG_ukraine" not in toks
    assert "NEG_lose" in toks


def test_sarcasm_cues_found_and_absent():
    cues = sarcasm_cues('Oh great, another "peace plan" from the Kremlin. Yeah right 🙄 /s')
    assert {"oh_great", "yeah_right", "eye_roll", "slash_s", "scare_quote"} <= set(cues)
    assert sarcasm_cues("The council meets on Tuesday to discuss the budget.") == []


def test_target_aliases_and_normalisation():
    assert {"putin", "kremlin", "russian"} <= target_terms("Russia")
    assert "zelensky" in target_terms("  UKRAINE ")
    assert normalize_target("Trump") == normalize_target("donald  trump")
    # free-text targets fall back to their content words, plural-folded
    assert {"sanction", "sanctions"} <= target_terms("sanctions on oil")
    assert content_words("The expansion of NATO") == ("expansion", "nato")


def test_columns_fall_back_from_target_to_quote_to_title():
    cols = Columns().transform([
        {"text": "a", "target": "NATO"},
        {"text": "b", "target": "", "quote": "Finland joins the alliance", "title": "T"},
        {"text": "c", "title": "Headline of the article"},
        {"text": None},
    ])
    assert cols["target"] == ["NATO", "Finland joins the alliance", "Headline of the article", ""]
    assert cols["text"][3] == ""


def test_mention_window_feature_depends_on_target():
    X = {"text": ["Putin lies every day", "Putin lies every day"],
         "target": ["Russia", "Hillary Clinton"]}
    ti = TargetInteractions(n_features=2**14).fit(X)
    m = ti.transform(X)
    assert m.shape == (2, 2 * 2**14)
    # same text, different target -> different rows (head and mention features differ)
    assert (m[0] != m[1]).nnz > 0
    np.testing.assert_allclose(np.asarray(m.power(2).sum(1)).ravel(), 2.0, rtol=1e-6)


class CountingVectorizer:
    """Wraps a HashingVectorizer and records how many texts each transform call saw."""

    def __init__(self):
        self.calls: list[int] = []

    def get_params(self, deep=False):
        return {}

    def set_params(self, **kw):
        return self

    def fit(self, texts, y=None):
        from sklearn.feature_extraction.text import HashingVectorizer

        self.vec = HashingVectorizer(n_features=64)
        return self

    def transform(self, texts):
        self.calls.append(len(texts))
        return self.vec.transform(texts)


def test_text_blocks_run_once_per_unique_text():
    counting = CountingVectorizer()
    block = UniqueText(counting, "text")
    block.transformer_ = counting.fit([])  # fitted in place so the calls are visible
    texts = ["first comment", "second comment"] * 4  # 2 comments x 4 targets
    out = block.transform({"text": texts, "target": ["a", "b", "c", "d"] * 2})
    assert counting.calls == [2]
    assert out.shape[0] == 8
    assert (out[0] != out[2]).nnz == 0


def test_fit_contract_classes_proba_and_info(toy_model):
    pipe, info = toy_model
    assert tuple(pipe.classes_) == LABELS
    df = pd.DataFrame({"text": ["Great news for NATO, finally some sense."], "target": ["NATO"]})
    proba = pipe.predict_proba(df)
    assert proba.shape == (1, 3)
    np.testing.assert_allclose(proba.sum(1), 1.0, atol=1e-9)
    assert set(info["dev"]["toy"]) == {"f_avg", "macro_f1", "n"}
    assert info["dev"]["toy"]["f_avg"] > 0.8  # it fits its own training rows
    assert info["train_rows"] == {"toy": len(toy_frame())}


def test_toy_model_learns_direction_for_unseen_target(toy_model):
    pipe, _ = toy_model
    df = pd.DataFrame({
        "text": ["I fully support carbon taxes, it is the right thing to do.",
                 "Carbon taxes are a disaster and should be stopped.",
                 "Rain expected all weekend according to the forecast."],
        "target": ["carbon taxes"] * 3,
    })
    pred = np.asarray(LABELS)[pipe.predict_proba(df).argmax(1)]
    assert list(pred) == ["favor", "against", "none"]


def test_missing_optional_columns_and_dataset_input(toy_model):
    pipe, _ = toy_model
    rows = [{"text": "NATO lies again, disgraceful and dangerous.", "target": "NATO"}]
    from datasets import Dataset

    a = pipe.predict_proba(pd.DataFrame(rows))
    b = pipe.predict_proba(Dataset.from_list(rows))
    c = pipe.predict_proba(pd.DataFrame(rows).assign(quote="", title=""))
    np.testing.assert_allclose(a, b)
    np.testing.assert_allclose(a, c)


def test_joblib_round_trip_with_embeddings_gives_same_scores():
    pipe, _ = targeted.fit(toy_frame(), None, {**SMALL, "embeddings": True})
    buf = io.BytesIO()
    joblib.dump(pipe, buf, compress=3)
    buf.seek(0)
    again = joblib.load(buf)
    df = toy_frame().sample(10, random_state=0)
    np.testing.assert_allclose(pipe.predict_proba(df), again.predict_proba(df), atol=1e-9)
    emb = pipe.named_steps["features"].transformer_list[-1][1]
    assert emb.transform({"text": ["x"], "target": ["y"]}).shape[1] % 4 == 1  # [u,v,u*v,|u-v|,cos]


def test_fit_refuses_rows_missing_a_label():
    from stance.errors import DataError

    df = toy_frame()
    with pytest.raises(DataError):
        targeted.fit(df[df.stance != "none"], None, SMALL)


def test_build_pipeline_is_unfitted_and_configurable():
    pipe = build_pipeline({"embeddings": False, "alpha": 1e-3})
    names = [n for n, _ in pipe.named_steps["features"].transformer_list]
    assert names == ["word", "char", "pair"]
    assert pipe.named_steps["clf"].alpha == 1e-3
    assert not hasattr(pipe.named_steps["clf"], "coef_")


def two_corpus_frame() -> pd.DataFrame:
    """'toy' rows for every target but NATO, plus a corpus 'flip' whose NATO labels invert
    the favor/against templates (a corpus with its own labelling convention)."""
    df = toy_frame()
    df = df[df.target != "NATO"]
    flip = toy_frame("flip")
    flip = flip[flip.target == "NATO"].copy()
    flip["stance"] = flip["stance"].map({"favor": "against", "against": "favor", "none": "none"})
    return pd.concat([df, flip, flip], ignore_index=True)


def test_target_route_one_hot_by_normalised_target():
    route = targeted.TargetRoute([["Donald Trump", "Joe Biden"], ["NATO", "trump"]]).fit(None)
    m = route.transform({"target": ["trump", "NATO", "carbon taxes", "JOE  biden"]}).toarray()
    # "trump" normalises to "donald trump": group 0 wins; unknown targets route nowhere
    np.testing.assert_array_equal(m, [[1, 0], [0, 1], [0, 0], [1, 0]])


def test_specialists_learn_their_corpus_convention_and_leave_other_targets_alone():
    df = two_corpus_frame()
    cfg = {**SMALL, "embeddings": False, "specialists": ["flip"], "specialist_weight": 1.0}
    pipe, info = targeted.fit(df, None, cfg)
    assert info["specialist_groups"] == [["nato"]]
    clf = pipe.named_steps["clf"]
    assert isinstance(clf, targeted.RoutedSGD) and clf.specialists_[0] is not None
    rows = pd.DataFrame({"text": ["I fully support NATO, it is the right thing to do.",
                                  "I fully support Russia, it is the right thing to do."],
                         "target": ["NATO", "Russia"]})
    pred = np.asarray(LABELS)[pipe.predict_proba(rows).argmax(1)]
    assert list(pred) == ["against", "favor"]  # the flip specialist decides NATO only
    # specialist weight 0 = the pooled model; rows outside every group never change
    X = pipe[:-1].transform(rows)
    d1 = clf.decision_function(X)
    clf.set_params(specialist_weight=0.0)
    d0 = clf.decision_function(X)
    np.testing.assert_allclose(d0[1], d1[1])
    assert not np.allclose(d0[0], d1[0])
    pooled = np.asarray(pipe[:-1].transform(rows)[:, :-1] @ clf.coef_.T) + clf.intercept_
    np.testing.assert_allclose(d0, pooled, rtol=1e-6)
    # routes are found in a matrix whose column indices are not sorted, too
    shuffled = X.tocsr().copy()
    for r in range(shuffled.shape[0]):
        a, b = shuffled.indptr[r], shuffled.indptr[r + 1]
        shuffled.indices[a:b] = shuffled.indices[a:b][::-1]
        shuffled.data[a:b] = shuffled.data[a:b][::-1]
    shuffled.has_sorted_indices = False
    np.testing.assert_array_equal(clf._route(shuffled), [0, -1])
    np.testing.assert_allclose(clf.decision_function(shuffled), d0, rtol=1e-6)


def test_specialist_pipeline_round_trips_through_joblib():
    df = two_corpus_frame()
    pipe, _ = targeted.fit(df, None, {**SMALL, "embeddings": False, "specialists": ["flip"]})
    buf = io.BytesIO()
    joblib.dump(pipe, buf, compress=3)
    buf.seek(0)
    again = joblib.load(buf)
    sample = df.sample(12, random_state=0)
    np.testing.assert_allclose(pipe.predict_proba(sample), again.predict_proba(sample), atol=1e-9)
    np.testing.assert_allclose(again.predict_proba(sample).sum(1), 1.0, atol=1e-9)


def test_wordwise_char_hashing_equals_sklearn_hashing():
    from sklearn.feature_extraction.text import HashingVectorizer

    from stance.targeted import WordwiseHashingVectorizer

    texts = ["NATO NATO nato!!  expansion\tis a threat", "", "   ", "Ça va? İstanbul ß ﬁne",
             "x\u00a0y\u2003z\u3000w", "a" * 40, "I  don't   think so /s"] * 3
    for kw in ({"ngram_range": (3, 5)}, {"ngram_range": (2, 5), "lowercase": False},
               {"ngram_range": (1, 2), "norm": "l2"}):
        args = {"n_features": 2**12, "alternate_sign": False, "analyzer": "char_wb",
                "norm": None, **kw}
        want = HashingVectorizer(**args).transform(texts)
        got = WordwiseHashingVectorizer(**args).transform(texts)
        assert got.shape == want.shape and got.dtype == want.dtype
        assert abs(got - want).max() < 1e-12 and got.nnz == want.nnz
    # a batch without a single word (empty or blank texts) gives all-zero rows, like sklearn's
    blank = ["", " \u00a0\u3000 ", "\n"]
    args = {"n_features": 2**10, "alternate_sign": False, "analyzer": "char_wb", "norm": None}
    got = WordwiseHashingVectorizer(**args).transform(blank)
    assert got.shape == (3, 2**10) and got.nnz == 0
    assert HashingVectorizer(**args).transform(blank).nnz == 0
    # other analyzers are HashingVectorizer's own
    word = WordwiseHashingVectorizer(n_features=2**10, analyzer="word").transform(texts)
    assert word.shape == (len(texts), 2**10)


def test_target_route_marks_the_side_of_opposing_targets():
    route = targeted.TargetRoute([["russia", "ukraine"], ["nato"]],
                                 opposing=[["Russian Federation", "Ukraine"]]).fit(None)
    targets = ["Russia", "UKRAINE", "NATO", "carbon taxes"]
    m = route.transform({"target": targets})
    # the first of a pair is 1.5, the second 0.5, a routed target of no pair 1.0
    np.testing.assert_array_equal(m.toarray(), [[1.5, 0], [0.5, 0], [0, 1], [0, 0]])
    np.testing.assert_array_equal(route.sides(targets), [1, -1, 0, 0])
    X = __import__("scipy.sparse", fromlist=["hstack"]).hstack([np.ones((4, 3)), m], format="csr")
    route_, side = targeted.RoutedSGD(n_routes=2)._route_side(X)
    np.testing.assert_array_equal(route_, [0, 0, 1, -1])
    np.testing.assert_array_equal(side, [1, -1, 0, 0])


def test_specialist_options_set_weight_and_alpha_per_corpus():
    df = two_corpus_frame()
    base = {**SMALL, "embeddings": False, "specialists": ["flip"], "specialist_weight": 1.0}
    pipe, _ = targeted.fit(df, None, {**base, "specialist_options": {"flip": {"weight": 0.0}}})
    clf = pipe.named_steps["clf"]
    assert clf.specialist_weight == [0.0]
    rows = pd.DataFrame({"text": ["I fully support NATO, it is the right thing to do."],
                         "target": ["NATO"]})
    X = pipe[:-1].transform(rows)
    pooled = np.asarray(X[:, :-1] @ clf.coef_.astype(np.float32).T) + clf.intercept_
    np.testing.assert_allclose(clf.decision_function(X), pooled, rtol=1e-5)
    # a much larger alpha for this specialist alone shrinks its weights
    strong, _ = targeted.fit(df, None, {**base, "specialist_options": {"flip": {"alpha": 0.1}}})
    loose, _ = targeted.fit(df, None, base)
    q = [p.named_steps["clf"].specialists_[0] for p in (strong, loose)]
    assert strong.named_steps["clf"].specialist_alpha == [0.1]
    assert np.abs(q[0][1] * q[0][2]).max() < np.abs(q[1][1] * q[1][2]).max()


def side_frame() -> pd.DataFrame:
    """Corpus 'war': texts praising or condemning Russia, labelled toward Russia AND Ukraine
    (opposite stances), plus a praise template that only ever appears toward Russia."""
    rows = []
    for s in FAVOR[:3]:
        rows += [(s.format(t="Russia"), "Russia", "favor"), (s.format(t="Russia"), "Ukraine",
                                                             "against")]
    for s in AGAINST[:3]:
        rows += [(s.format(t="Russia"), "Russia", "against"), (s.format(t="Russia"), "Ukraine",
                                                               "favor")]
    rows += [(s, t, "none") for s in NONE for t in ("Russia", "Ukraine")]
    rows += [(FAVOR[3].format(t="Russia"), "Russia", "favor")] * 3
    df = pd.DataFrame(rows, columns=["text", "target", "stance"])
    df["corpus"] = "war"
    return pd.concat([df, toy_frame()[lambda d: ~d.target.isin(["Russia", "Ukraine"])]],
                     ignore_index=True)


def test_opposing_targets_share_what_a_specialist_learns_across_the_pair():
    cfg = {**SMALL, "embeddings": False, "specialists": ["war"], "specialist_weight": 1.0,
           "opposing_targets": [["Russia", "Ukraine"]]}
    df = side_frame()
    pipe, _ = targeted.fit(df, None, cfg)
    clf = pipe.named_steps["clf"]
    n_text = SMALL["word_features"] + SMALL["char_features"]
    m = pipe[:-1].transform(df.head(1)).shape[1] - 1
    assert clf.specialists_[0][1].shape[1] == m + n_text  # the side-signed text block
    # praise seen toward Russia only: toward Ukraine the side-signed block moves it toward
    # "against", which the model without opposing targets does not do
    rows = pd.DataFrame({"text": [FAVOR[3].format(t="Russia")] * 2,
                         "target": ["Russia", "Ukraine"]})
    d = clf.decision_function(pipe[:-1].transform(rows))
    ia, jf = LABELS.index("against"), LABELS.index("favor")
    assert d[0, jf] > d[0, ia]
    plain, _ = targeted.fit(df, None, {**cfg, "opposing_targets": []})
    d0 = plain.named_steps["clf"].decision_function(plain[:-1].transform(rows))
    assert d[1, ia] - d[1, jf] > d0[1, ia] - d0[1, jf] + 1.0
    buf = io.BytesIO()
    joblib.dump(pipe, buf, compress=3)
    buf.seek(0)
    np.testing.assert_allclose(joblib.load(buf).predict_proba(df), pipe.predict_proba(df),
                               atol=1e-9)


def test_best_offsets_raise_f_avg_when_none_is_over_predicted():
    y = np.array(["favor"] * 4 + ["against"] * 4 + ["none"] * 4)
    d = np.zeros((12, 3))
    d[:, 2] = 1.0  # "none" always wins
    d[:4, 1], d[4:8, 0] = 0.6, 0.6  # though favor / against rank right
    off = targeted.best_offsets(d, y, LABELS)
    pred = np.asarray(LABELS)[(d + off).argmax(1)]
    assert targeted.scores(y, pred)["f_avg"] == 1.0 and off[2] == 0
    # a decision already perfect needs no offset; without the three labels, none is made
    np.testing.assert_array_equal(targeted.best_offsets(d + off, y, LABELS), 0)
    np.testing.assert_array_equal(targeted.best_offsets(d[:, :2], y, ["a", "b"]), 0)


def test_estimators_pickled_before_new_options_still_repr_and_get_params():
    """Models saved by an earlier version lack the parameters added since; unpickling fills
    the defaults, so get_params()/repr() (and sklearn's clone) work on them."""
    import pickle

    from stance.incivility import MultiHeadClassifier
    from stance.reply import ReplyCues
    from stance.targeted import RoutedSGD, TargetRoute

    cases = [
        (MultiHeadClassifier(), ("nb_heads", "nb_alpha")),
        (ReplyCues(), ("extra",)),
        (RoutedSGD(), ("specialist_alpha", "n_signed", "specialist_bias")),
        (TargetRoute(), ("opposing",)),
    ]
    for est, added in cases:
        fresh = est.get_params()
        for key in added:
            del est.__dict__[key]
        old = pickle.loads(pickle.dumps(est))
        assert old.get_params() == fresh, type(est).__name__
        assert type(est).__name__ in repr(old)


# --- the fast paths compute exactly what the plain ones do ------------------------------------

def _reference_tokenize(text: str) -> tuple[str, ...]:
    """The negation-scope loop run on every text (tokenize skips it when no scope can open)."""
    toks = targeted._TOKEN.findall(text.lower().replace("\u2019", "'"))
    out, neg = [], False
    for t in toks:
        if t in targeted._SCOPE_END or t[0] in "!?":
            neg = False
            out.append(t)
            continue
        out.append(f"NEG_{t}" if neg else t)
        if t in targeted._NEGATORS or t.endswith("n't"):
            neg = True
    return tuple(out)


_WORDS = ("the government NATO nato's don't isn't not never no against but yeah right oh "
          "great genius \"so-called\" lol totally thanks a lot !! ?! /s sure, jan #tag @user "
          "café İstanbul 政府 🙄 naïve x ab abc abcd abcdefghijklmnop , . ; : a_b a-b 12 3rd")


def _random_texts(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    words = _WORDS.split() + ["w" * 70, "\t", "\n", "\u00a0", "\x00", "\x1f", "\u2019s"]
    return [" ".join(rng.choice(words, size=int(rng.integers(0, 40)))) for _ in range(n)]


def test_vectorised_murmurhash_equals_sklearn():
    from sklearn.utils import murmurhash3_32

    rng = np.random.default_rng(1)
    chars = list("abcxyz019 '-_#@!?.,") + ["é", "政", "🙄", "\x00", "\x7f"]
    strings = ["".join(rng.choice(chars, size=int(rng.integers(0, 23)))) for _ in range(3000)]
    strings += ["", "a", "ab", "abc", "abcd", "abcde", "y" * 70_000]
    for seed in (0, 1, 4):
        want = np.array([murmurhash3_32(s, seed=seed, positive=True) for s in strings])
        np.testing.assert_array_equal(targeted._hash_strings(strings, seed), want)
        np.testing.assert_array_equal(targeted._hash_strings(strings[:40], seed), want[:40])
        ascii_only = [s for s in strings if s.isascii()]
        np.testing.assert_array_equal(targeted._hash_strings(ascii_only, seed),
                                      [murmurhash3_32(s, seed=seed, positive=True)
                                       for s in ascii_only])


def test_fast_tokenize_sarcasm_and_word_hashing_equal_the_plain_code():
    from sklearn.feature_extraction.text import HashingVectorizer

    from stance.targeted import WordwiseHashingVectorizer, _word_ngrams

    texts = _random_texts(400) + ["haha yeah right", "oh, great", "“fine” he said",
                                  "such a genius", "thanks for nothing", "real leader lol"]
    assert [tokenize(t) for t in texts] == [_reference_tokenize(t) for t in texts]
    scan = [list(dict.fromkeys(m.lastgroup for m in targeted._SARCASM.finditer(t.lower())))
            for t in texts]
    assert [sarcasm_cues(t) for t in texts] == scan  # the literal pre-screen hides no cue
    assert sum(map(bool, scan)) > 50
    for kw in ({}, {"alternate_sign": True}, {"binary": True, "norm": "l2"}):
        args = {"n_features": 2**12, "alternate_sign": False, "norm": None,
                "analyzer": _word_ngrams, **kw}
        want = HashingVectorizer(**args).transform(texts)
        got = WordwiseHashingVectorizer(**args).transform(texts)
        assert got.shape == want.shape and got.dtype == want.dtype and got.nnz == want.nnz
        assert abs(got - want).max() < 1e-12
    char = {"n_features": 2**12, "alternate_sign": False, "analyzer": "char_wb", "norm": None,
            "ngram_range": (3, 5)}
    diff = (WordwiseHashingVectorizer(**char).transform(texts)
            - HashingVectorizer(**char).transform(texts))
    assert abs(diff).max() == 0


@pytest.mark.parametrize("cfg", [
    {"embeddings": True, "specialists": ["flip"]},
    {"embeddings": False, "specialists": ["war"], "opposing_targets": [["Russia", "Ukraine"]]},
    {"embeddings": False},  # no specialists: a plain SGDClassifier, predict_proba's own path
])
def test_blockwise_predict_proba_equals_the_pipeline(cfg):
    df = side_frame() if "opposing_targets" in cfg else two_corpus_frame()
    pipe, _ = targeted.fit(df, None, {**SMALL, **cfg})
    rows = pd.concat([df, pd.DataFrame({"text": ["", "NATO is great /s"],
                                        "target": ["NATO", "carbon taxes"]})],
                     ignore_index=True)
    want = pipe.predict_proba(rows)
    np.testing.assert_allclose(targeted.predict_proba(pipe, rows), want, rtol=0, atol=1e-12)


def test_blockwise_predict_proba_falls_back_for_a_subclass_with_its_own_decisions():
    class Shifted(targeted.RoutedSGD):  # decisions not routed through decision_blocks
        def decision_function(self, X):
            return super().decision_function(X) + np.array([2.0, 0.0, 0.0])

    df = two_corpus_frame()
    pipe, _ = targeted.fit(df, None, {**SMALL, "embeddings": False, "specialists": ["flip"]})
    clf = pipe.named_steps["clf"]
    clf.__class__ = Shifted
    np.testing.assert_allclose(targeted.predict_proba(pipe, df), pipe.predict_proba(df),
                               rtol=0, atol=1e-12)


@pytest.mark.parametrize("off", [{"char_features": 0}, {"char_weight": 0.0}])
def test_char_block_switched_off_by_config(off):
    names = [n for n, _ in build_pipeline({**off, "embeddings": False})
             .named_steps["features"].transformer_list]
    assert names == ["word", "pair"]
    cfg = {**SMALL, "embeddings": False, "specialists": ["war"],
           "opposing_targets": [["Russia", "Ukraine"]]}
    df = side_frame()
    full, _ = targeted.fit(df, None, cfg)
    pipe, _ = targeted.fit(df, None, {**cfg, **off})
    m = pipe[:-1].transform(df.head(1)).shape[1] - 1
    assert m == full[:-1].transform(df.head(1)).shape[1] - 1 - SMALL["char_features"]
    # the side-signed text block of the opposing-targets specialist is the word block alone
    assert pipe.named_steps["clf"].specialists_[0][1].shape[1] == m + SMALL["word_features"]
    want = pipe.predict_proba(df)
    np.testing.assert_allclose(targeted.predict_proba(pipe, df), want, rtol=0, atol=1e-12)
    assert (np.asarray(LABELS)[want.argmax(1)] == df["stance"].to_numpy()).mean() > 0.9


def test_vectorised_callable_analyzer_hashing_equals_hashingvectorizer():
    from sklearn.feature_extraction.text import HashingVectorizer

    from stance.targeted import WordwiseHashingVectorizer, _word_ngrams

    texts = _random_texts(300, seed=3) + ["", "政府 café 🙄 naïve", "don't stop , now"]
    for analyzer in (_word_ngrams, str.split):
        for kw in ({"norm": None}, {"norm": "l2", "dtype": np.float32}):
            args = {"n_features": 2**10, "alternate_sign": False, "analyzer": analyzer, **kw}
            for batch in (texts, texts[-3:], texts[-1:], texts[:1]):
                want = HashingVectorizer(**args).transform(batch)
                got = WordwiseHashingVectorizer(**args).transform(batch)
                assert got.shape == want.shape and got.dtype == want.dtype
                np.testing.assert_array_equal(got.indptr, want.indptr)
                np.testing.assert_array_equal(got.indices, want.indices)
                np.testing.assert_array_equal(got.data, want.data)


def test_char_word_row_memo_keeps_the_output_and_is_not_pickled():
    import pickle

    from sklearn.feature_extraction.text import HashingVectorizer

    from stance.targeted import WordwiseHashingVectorizer

    texts = _random_texts(600, seed=5)
    args = {"n_features": 2**12, "alternate_sign": False, "analyzer": "char_wb", "norm": None,
            "ngram_range": (3, 5)}
    vec = WordwiseHashingVectorizer(**args)
    for params in ({}, {"ngram_range": (2, 4)}, {"MEMO_WORDS": 40},
                   {"MEMO_WORDS": 1 << 18, "MEMO_NNZ": 300}):
        for cap in ("MEMO_WORDS", "MEMO_NNZ"):  # a full memo starts over (each call here)
            if cap in params:
                setattr(vec, cap, params.pop(cap))
        vec.set_params(**params)
        ref, prep = HashingVectorizer(**vec.get_params()), vec.build_preprocessor()
        biggest = 0
        for batch in (texts[:200], texts[100:400], texts[:200], texts[-3:]):
            want, got = ref.transform(batch), vec.transform(batch)
            np.testing.assert_array_equal(got.indptr, want.indptr)
            np.testing.assert_array_equal(got.indices, want.indices)
            np.testing.assert_array_equal(got.data, want.data)
            words = list(dict.fromkeys(w for t in batch for w in prep(t).split()))
            biggest = max(biggest, vec._word_rows(words).nnz)  # one call's words are kept
            entries = int(vec._memo["indptr"][len(vec._memo["index"])])  # n-gram entries kept
            assert entries <= max(vec.MEMO_NNZ, biggest)
    assert vec._memo["index"]
    assert "_memo" not in pickle.loads(pickle.dumps(vec)).__dict__ and vec._memo["index"]


def test_plain_tokens_strip_negation_marks_and_tags():
    import re

    from stance.zeroshot import _words

    marks = re.compile(r"(?<!\S)(?:NEG_)?[#@]*")  # the zero-shot block's former stripping
    texts = _random_texts(400, seed=7) + ["not #tag @user here", "don't @@x ##y", ""]
    for text in texts:
        toks, plain, pset = targeted.plain_tokens(text)
        assert toks == tokenize(text)
        assert plain == tuple(marks.sub("", " ".join(toks)).split()) or not toks
        assert pset == frozenset(plain) == _words(text)
    assert any("NEG_" in " ".join(tokenize(t)) for t in texts)


def test_routed_weight_cache_follows_new_weights_and_is_not_pickled():
    import pickle

    df = side_frame()
    cfg = {**SMALL, "embeddings": False, "specialists": ["war"],
           "opposing_targets": [["Russia", "Ukraine"]]}
    pipe, _ = targeted.fit(df, None, cfg)
    other, _ = targeted.fit(df, None, cfg, seed=3)
    first = targeted.predict_proba(pipe, df)
    clf, new = pipe.named_steps["clf"], other.named_steps["clf"]
    assert clf._wcache and "_wcache" not in pickle.loads(pickle.dumps(clf)).__dict__
    clf.coef_, clf.intercept_, clf.specialists_ = new.coef_, new.intercept_, new.specialists_
    got = targeted.predict_proba(pipe, df)  # the same instance, cached weights replaced
    np.testing.assert_allclose(got, targeted.predict_proba(other, df), rtol=0, atol=1e-12)
    assert np.abs(got - first).max() > 1e-6


def test_word_memo_is_safe_across_threads():
    # one fitted model shared by threads (a Scorer used from several threads): the char
    # block's word memo must stay consistent while it grows
    import random
    from concurrent.futures import ThreadPoolExecutor

    from stance.targeted import WordwiseHashingVectorizer

    rng = random.Random(0)
    batches = [[" ".join("".join(rng.choices("abcdefghij", k=rng.randint(3, 9)))
                         for _ in range(20)) for _ in range(60)] for _ in range(16)]
    params = dict(analyzer="char_wb", ngram_range=(3, 5), n_features=2**12,
                  alternate_sign=False)
    shared = WordwiseHashingVectorizer(**params)
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(shared.transform, batches))
    for batch, out in zip(batches, got):
        want = WordwiseHashingVectorizer(**params).transform(batch)
        assert (out != want).nnz == 0


def test_word_ngram_hashing_takes_a_generator():
    from stance.targeted import WordwiseHashingVectorizer, _word_ngrams

    vec = WordwiseHashingVectorizer(analyzer=_word_ngrams, alternate_sign=False, n_features=1024)
    assert vec.transform(t for t in ["a b", "c"]).shape == (2, 1024)
