import math

import numpy as np
import pytest

from stance.bias import bias_report, mentions, power_mean, subgroup_metrics

TEMPLATES_TOXIC = [
    "{} people like you are disgusting idiots",
    "shut up, you stupid {} moron",
    "every {} I meet is a pathetic liar",
    "get lost, {} scum",
]
TEMPLATES_CIVIL = [
    "my neighbour is {} and helped us move house",
    "the article quotes a {} teacher about school funding",
    "I am {} and I agree with the editorial",
    "the {} community centre opens on Sunday",
]
GROUPS = {"muslim": "muslim", "gay": "homosexual_gay_or_lesbian", "jewish": "jewish"}
BACKGROUND_TOXIC = [
    "you absolute clown, read the article before commenting",
    "what a pathetic excuse for journalism",
    "only an idiot would believe this garbage",
    "shut your mouth, nobody asked you",
] * 3
BACKGROUND_CIVIL = [
    "the council vote is on Tuesday",
    "thanks for the balanced reporting",
    "I disagree with the tax proposal but respect the argument",
    "the bridge repairs should have started last year",
] * 3


def _data():
    texts, y = [], []
    for term in GROUPS:
        texts += [t.format(term) for t in TEMPLATES_TOXIC]
        y += [1] * len(TEMPLATES_TOXIC)
        texts += [t.format(term) for t in TEMPLATES_CIVIL]
        y += [0] * len(TEMPLATES_CIVIL)
    texts += BACKGROUND_TOXIC + BACKGROUND_CIVIL
    y += [1] * len(BACKGROUND_TOXIC) + [0] * len(BACKGROUND_CIVIL)
    return texts, np.array(y, dtype=float)


def test_mentions_match_whole_words_after_normalisation():
    m = mentions(["the manager met a muslim family", "M U S L I M", "we manage"])
    assert m["muslim"].tolist() == [True, True, False]
    assert m["male"].tolist() == [False, False, False]  # "manager"/"manage" are not "man"


def test_unbiased_scorer_has_high_bias_aucs():
    texts, y = _data()
    rng = np.random.default_rng(0)
    scores = y * 0.6 + rng.uniform(0, 0.3, len(y))  # separates perfectly, ignores identity
    rep = bias_report(texts, y, scores, min_rows=5, min_pos=2)
    for g in GROUPS.values():
        r = rep["groups"][g]
        assert r["reliable"]
        assert r["subgroup_auc"] > 0.99 and r["bpsn_auc"] > 0.99 and r["bnsp_auc"] > 0.99
    assert rep["final_metric"] > 0.99


def test_identity_term_false_positives_show_in_bpsn():
    texts, y = _data()
    rng = np.random.default_rng(1)
    base = y * 0.5 + rng.uniform(0, 0.3, len(y))
    is_muslim = mentions(texts)["muslim"]
    scores = base + 0.6 * is_muslim  # every comment mentioning Muslims is pushed up
    rep = bias_report(texts, y, scores, min_rows=5, min_pos=2)
    muslim = rep["groups"]["muslim"]
    assert muslim["bpsn_auc"] < 0.6  # civil comments about Muslims outrank toxic background
    assert muslim["bnsp_auc"] > 0.95
    assert muslim["subgroup_auc"] > 0.95  # within the group the ranking is still right
    assert rep["groups"]["jewish"]["bpsn_auc"] > 0.95
    assert rep["power_mean"]["bpsn_auc"] < 0.8  # the power mean punishes the worst group


def test_small_groups_are_flagged_not_averaged():
    texts, y = _data()
    rep = bias_report(texts, y, y, min_rows=1000)
    assert not any(r["reliable"] for r in rep["groups"].values())
    assert math.isnan(rep["final_metric"])


def test_subgroup_metrics_single_class_gives_nan():
    r = subgroup_metrics(np.array([1, 1, 0]), np.array([0.9, 0.8, 0.1]), np.array([1, 1, 0]))
    assert math.isnan(r["subgroup_auc"])
    assert r["n"] == 2 and r["pos"] == 2


def test_power_mean_is_dominated_by_the_minimum():
    assert 0.5 < power_mean([0.9, 0.9, 0.5]) < 0.65  # arithmetic mean would be 0.77
    assert power_mean([0.8, 0.8]) == pytest.approx(0.8)


def test_lengths_must_agree():
    with pytest.raises(ValueError):
        bias_report(["a", "b"], [1], [0.5, 0.2])
