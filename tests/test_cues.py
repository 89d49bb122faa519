"""TargetCues: polarity of what a comment says about the target (stance.cues)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from stance.cues import CUE_COLUMNS, TargetCues

pytest.importorskip("vaderSentiment")


def cues(text: str, target: str, **params) -> dict[str, float]:
    row = TargetCues(**params).fit().transform({"text": [text], "target": [target]})
    return dict(zip(CUE_COLUMNS, row.toarray()[0]))


def test_a_stance_verb_before_the_mention_counts_for_its_side():
    assert cues("I support Russia.", "Russia")["verb_favor"] > 0
    assert cues("I oppose any further enlargement of NATO.", "NATO expansion")["verb_against"] > 0


def test_negation_flips_the_side():
    c = cues("I do not support Russia in any way.", "Russia")
    assert c["verb_against"] > 0 and c["verb_favor"] == 0


def test_what_is_said_after_the_mention_is_near_polarity():
    c = cues("Ukraine is a corrupt puppet regime.", "Ukraine")
    assert c["near_against"] > 0.5 and c["near_favor"] == 0


def test_other_sentences_do_not_count_as_said_about_the_target():
    c = cues("Russia is right to defend its borders. NATO expansion is pure aggression.",
             "Russia")
    assert c["near_favor"] > 0 and c["near_against"] == 0  # aggression is NATO's sentence
    assert c["text_negative"] > 0  # but the comment as a whole carries it


def test_no_mention_gives_only_the_comment_polarity():
    c = cues("What a wonderful, brave decision.", "the ceasefire")
    assert c["verb_favor"] == c["near_favor"] == c["verb_against"] == c["near_against"] == 0
    assert c["text_positive"] > 0


def test_columns_are_bounded_and_scaled_by_weight():
    text = "Russia is evil, evil, evil, brutal, criminal and a terrorist aggressor."
    one = cues(text, "Russia")
    assert max(one.values()) <= 1.0
    two = cues(text, "Russia", weight=2.0)
    assert two["near_against"] == pytest.approx(2 * one["near_against"])


def test_repeated_pairs_and_many_targets_in_one_call():
    t = TargetCues().fit()
    X = {"text": ["I support Russia.", "I support Russia.", "I support Russia."],
         "target": ["Russia", "Ukraine", "Russia"]}
    M = t.transform(X).toarray()
    np.testing.assert_array_equal(M[0], M[2])
    assert M[1, :4].sum() == 0  # Ukraine is not mentioned


def test_unfitted_and_params():
    with pytest.raises(NotFittedError):
        TargetCues().transform({"text": ["x"], "target": ["y"]})
    t = TargetCues(window=3, before=2, weight=0.5)
    assert clone(t).get_params() == {"window": 3, "before": 2, "weight": 0.5}
    assert TargetCues().fit() is not None


def test_a_verb_before_a_later_mention_is_still_a_verb():
    assert cues("NATO, I oppose NATO.", "NATO")["verb_against"] > 0
    c = cues("Putin and Russia: I support Russia.", "Russia")
    assert c["verb_favor"] > 0 and c["near_favor"] == 0
