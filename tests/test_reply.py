"""Reply-stance pipeline (support / deny / query / comment toward the parent post).

Trained here on a hand-written toy thread set; checks the contract and the cue features.
"""

from __future__ import annotations

import io

import joblib
import numpy as np
import pandas as pd
import pytest

from stance import reply
from stance.reply import LABELS, ReplyColumns, ReplyCues

PARENTS = [
    "BREAKING: the bridge on Route 9 has collapsed, several cars in the river.",
    "Reports say the mayor resigned this morning after the audit.",
    "Police confirm the gunman has been arrested near the station.",
]
REPLIES = {
    "support": ["Confirmed, my brother drove past it, it is true.",
                "Yes, officially confirmed by the city, exactly as reported.",
                "Indeed, police say the same, this is true."],
    "deny": ["Fake. This is a hoax, the photo is from 2015.",
             "Not true at all, debunked already, stop spreading lies.",
             "This is false, no way this happened, total nonsense."],
    "query": ["Is there a source for this? Who confirmed it?",
              "Really? Any evidence or link?",
              "Where did you hear that? Can anyone verify?"],
    "comment": ["My thoughts are with everyone affected.",
                "I used to drive on that road every summer.",
                "Praying for the families tonight."],
}

SMALL = {"word_features": 2**12, "char_features": 2**12, "parent_features": 2**10, "C": 5.0}


def toy_frame() -> pd.DataFrame:
    rows = [(r, p, p, lab) for p in PARENTS for lab, rs in REPLIES.items() for r in rs]
    df = pd.DataFrame(rows, columns=["text", "parent_text", "source_text", "reply_stance"])
    df["corpus"] = "toy"
    return df


@pytest.fixture(scope="module")
def toy_model():
    return reply.fit(toy_frame(), toy_frame(), SMALL)


def test_contract_classes_and_probabilities(toy_model):
    pipe, info = toy_model
    assert tuple(pipe.classes_) == LABELS
    proba = pipe.predict_proba(pd.DataFrame({"text": ["Any source?"], "parent_text": [PARENTS[0]]}))
    assert proba.shape == (1, 4)
    np.testing.assert_allclose(proba.sum(1), 1.0, atol=1e-9)
    assert set(info["dev"]["toy"]) == {"macro_f1", "f1", "n"}
    assert info["dev"]["toy"]["macro_f1"] > 0.8  # it fits its own rows


def test_new_replies_follow_their_cues(toy_model):
    pipe, _ = toy_model
    df = pd.DataFrame({
        "text": ["Is this real? Source please?",
                 "This is a hoax, the picture is fake.",
                 "Confirmed by police, it is true."],
        "parent_text": ["Officials say the dam has burst upstream."] * 3,
    })
    pred = np.asarray(LABELS)[pipe.predict_proba(df).argmax(1)]
    assert list(pred) == ["query", "deny", "support"]


def test_source_text_defaults_to_parent_and_missing_parent_is_empty():
    cols = ReplyColumns().transform([{"text": "a", "parent_text": "p"}, {"text": "b"}])
    assert cols["source_text"] == ["p", ""]
    assert cols["parent_text"] == ["p", ""]


def test_cues_see_questions_and_overlap():
    X = ReplyColumns().transform([
        {"text": "Who said the bridge collapsed?", "parent_text": "The bridge collapsed."},
        {"text": "Lovely weather today", "parent_text": "The bridge collapsed."},
    ])
    m = ReplyCues().fit(X).transform(X).toarray()
    assert m.shape == (2, ReplyCues().fit(X).n_features_)
    assert m[0, 0] == 1.0 and m[1, 0] == 0.0  # "question" flag
    n_flags = 2 * len(reply._CUES)
    assert m[0, n_flags] > m[1, n_flags]  # reply/parent word overlap


def test_round_trip_and_size(toy_model):
    pipe, _ = toy_model
    buf = io.BytesIO()
    joblib.dump(pipe, buf, compress=3)
    assert len(buf.getvalue()) < 2_000_000
    buf.seek(0)
    again = joblib.load(buf)
    df = toy_frame()
    np.testing.assert_allclose(pipe.predict_proba(df), again.predict_proba(df), atol=1e-12)


def test_fit_refuses_missing_labels():
    from stance.errors import DataError

    df = toy_frame()
    with pytest.raises(DataError):
        reply.fit(df[df.reply_stance != "query"], None, SMALL)


def test_default_model_ignores_source_text(toy_model):
    # `stance score` / `stance evaluate` pass source_text="" (the thread source is rarely known):
    # with use_source=false (the shipped default) the source must not change a prediction.
    pipe, info = toy_model
    assert info["config"]["use_source"] is False
    df = toy_frame()
    blank = df.assign(source_text="")
    other = df.assign(source_text="An unrelated post about the weather in Lisbon?")
    np.testing.assert_allclose(pipe.predict_proba(df), pipe.predict_proba(blank), atol=1e-12)
    np.testing.assert_allclose(pipe.predict_proba(df), pipe.predict_proba(other), atol=1e-12)


def test_use_source_adds_source_cues():
    X = ReplyColumns().transform([
        {"text": "Who said the bridge collapsed?", "parent_text": "I doubt it.",
         "source_text": "The bridge collapsed."},
        {"text": "Who said the bridge collapsed?", "parent_text": "I doubt it."},
    ])
    with_src = ReplyCues(use_source=True).fit(X)
    m = with_src.transform(X).toarray()
    assert m.shape[1] == ReplyCues().fit(X).n_features_ + 2
    n_flags = 2 * len(reply._CUES)
    assert m[0, n_flags] > 0.0 and m[1, n_flags] == 0.0  # reply/source overlap
    assert m[0, n_flags + 1] == 0.0 and m[1, n_flags + 1] == 1.0  # "parent is the source"


def test_macro_f1_offsets_recover_a_shifted_class():
    from stance.reply import macro_f1_offsets

    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 50)
    logp = np.log(np.eye(3)[y] * 0.8 + 0.1) + rng.normal(0, 0.05, (150, 3))
    assert np.array_equal(macro_f1_offsets(logp, y), np.zeros(3))  # already perfect: no shift
    shifted = logp.copy()
    shifted[:, 2] -= 2.5  # class 2 never wins the argmax any more
    bias = macro_f1_offsets(shifted, y, grid=np.arange(-3, 3.01, 0.5))
    assert bias[0] == 0.0 and bias[2] >= 0.5
    assert (np.argmax(shifted + bias, 1) == y).all()


def test_bias_folds_learn_class_bias_and_keep_the_contract():
    cfg = {**SMALL, "bias_folds": 3, "extra_cues": True, "gbm_weight": 0.3, "gbm_iter": 20}
    pipe, info = reply.fit(toy_frame(), toy_frame(), cfg)
    clf = pipe.named_steps["clf"]
    assert clf.class_bias_.shape == (4,) and clf.class_bias_[0] == 0.0
    assert len(clf.models_) == 2  # logistic regression + trees over the cue columns
    df = toy_frame()
    proba = pipe.predict_proba(df)
    np.testing.assert_allclose(proba.sum(1), 1.0, atol=1e-9)
    assert list(pipe.predict(df)) == list(np.asarray(LABELS)[proba.argmax(1)])
    assert info["dev"]["toy"]["macro_f1"] > 0.8
    clf.class_bias_ = clf.class_bias_ + np.array([0.0, 0.0, 0.0, 50.0])
    assert set(pipe.predict(df)) == {"support"}  # predict uses the fitted offsets


def test_extra_cues_add_columns_and_see_tweet_structure():
    X = ReplyColumns().transform([
        {"text": "@bob is this true? any source?", "parent_text": "@ann RT @AFP: bridge down"},
        {"text": "Lovely weather", "parent_text": "Bridge down http://x.co"},
    ])
    plain, extra = ReplyCues().fit(X), ReplyCues(extra=True).fit(X)
    m = extra.transform(X).toarray()
    assert m.shape[1] == plain.n_features_ + reply._N_EXTRA == ReplyCues.count(extra=True)
    base = plain.n_features_
    names = list(reply._CUES2)
    assert m[0, base + names.index("query2")] == 1.0 and m[1, base + names.index("query2")] == 0
    assert m[0, base + names.index("at_start")] == 1.0
    parent_at = base + len(names)  # first parent-structure column: parent starts with @
    assert m[0, parent_at] == 1.0 and m[1, parent_at] == 0.0
