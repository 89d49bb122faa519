"""Quality gate: the shipped model set on real dev splits must stay above pinned floors.

The floors sit a little below what `stance evaluate` measured when the shipped models were
trained (see models/default/MODEL_CARD.md); a retrained model that falls under one fails CI.
Skipped, not failed, when STANCE_DATA_DIR is absent (CI sets it).
"""

from __future__ import annotations

import functools
import math

import pytest

# (corpus, task, metric) -> floor.  Dev splits come from the corpus registry. The incivility
# per-domain AUC, news ECE and obfuscation floors live in tests/test_incivility.py.
# Measured on the shipped set (2026-11-22, second build; stance rebuilt 2026-11-23 with the RUW
# specialist, then with VAST's target read from topic_str, then with the zero-shot route for
# unseen topics, then with the target polarity cues): semeval 0.742 (0.732 before the cues;
# 0.727-0.736 over seeds 1-3 before them), ruw 0.581 (0.570), vast 0.480 (zero-shot dev, 615
# rows; 0.471 before the cues, 0.418 without the route), pstance 0.720, covid19 0.703 (0.711
# before the cues), rumoureval 0.508, ucc 0.687.
FLOORS = {
    ("semeval2016-task6", "stance", "f_avg"): 0.715,
    ("ruw-russia-ukraine", "stance", "f_avg"): 0.55,
    ("vast", "stance", "macro_f1"): 0.44,
    ("pstance", "stance", "f_avg"): 0.70,
    ("covid19-stance", "stance", "f_avg"): 0.68,
    ("rumoureval2019", "reply_stance", "macro_f1"): 0.48,
    ("ucc_unhealthy_comments", "incivility", "auc"): 0.66,
}

# (corpus, kind) -> AUC floor for the incivility kinds (measured: 0.897, 0.884, 0.969, 0.933,
# 0.772, 0.730, 0.803)
KIND_FLOORS = {
    ("civil_comments_autolabel", "identity_attack"): 0.87,
    ("civil_comments_autolabel", "insult"): 0.86,
    ("civil_comments_autolabel", "threat"): 0.94,
    ("davidson_hate_offensive", "profanity"): 0.91,
    ("ucc_unhealthy_comments", "antagonize"): 0.75,
    ("ucc_unhealthy_comments", "condescending"): 0.70,
    ("ucc_unhealthy_comments", "dismissive"): 0.78,
}

# Jigsaw bias summary on the pooled incivility dev rows of these corpora (measured power means:
# subgroup 0.922, BPSN 0.944, BNSP 0.967)
BIAS_CORPORA = ("civil_comments_autolabel", "ucc_unhealthy_comments", "reddit_incivility",
                "wikipedia_talk_context_toxicity-small", "davidson_hate_offensive")
BIAS_FLOORS = {"subgroup_auc": 0.90, "bpsn_auc": 0.92, "bnsp_auc": 0.94}


@functools.cache
def _rows(name: str, data_dir: str) -> tuple:
    from stance.evaluate import load_rows

    rows, _ = load_rows(f"corpus:{name}", data_dir=data_dir)
    return tuple(rows)


@functools.cache
def _metrics(name: str, data_dir: str) -> dict:
    from stance.evaluate import evaluate

    return evaluate(list(_rows(name, data_dir)), scorer=_scorer())


@functools.lru_cache(maxsize=1)
def _scorer():
    from stance.scorer import load

    return load()


@pytest.mark.quality
@pytest.mark.parametrize("key", sorted(FLOORS), ids=lambda k: f"{k[0]}-{k[2]}")
def test_dev_metric_above_floor(key, data_dir):
    corpus, task, metric = key
    value = _metrics(corpus, str(data_dir))[task][metric]
    assert value >= FLOORS[key], f"{corpus} {task} {metric} = {value:.4f} < {FLOORS[key]}"


@pytest.mark.quality
@pytest.mark.parametrize("key", sorted(KIND_FLOORS), ids=lambda k: f"{k[0]}-{k[1]}")
def test_kind_auc_above_floor(key, data_dir):
    corpus, kind = key
    value = _metrics(corpus, str(data_dir))["by"]["incivility"]["kinds"][kind]["auc"]
    assert value >= KIND_FLOORS[key], f"{corpus} {kind} AUC = {value:.4f}"


@pytest.mark.quality
def test_identity_bias_above_floor(data_dir):
    from stance.evaluate import evaluate

    rows = [r for name in BIAS_CORPORA for r in _rows(name, str(data_dir))]
    bias = evaluate(rows, scorer=_scorer())["by"]["incivility"]["bias"]
    for key, floor in BIAS_FLOORS.items():
        value = bias["power_mean"][key]
        assert not math.isnan(value) and value >= floor, f"bias {key} = {value:.4f} < {floor}"
