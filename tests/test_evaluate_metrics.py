import numpy as np
import pytest

from stance.evaluate import binary_metrics, expected_calibration_error, stance_metrics


def test_f_avg_is_mean_of_favor_and_against_f1():
    gold = ["favor", "favor", "against", "against", "none", "none"]
    pred = ["favor", "against", "against", "against", "none", "favor"]
    m = stance_metrics(gold, pred)
    f_favor = 2 * 0.5 * 0.5 / (0.5 + 0.5)  # P=1/2, R=1/2
    f_against = 2 * (2 / 3) * 1 / ((2 / 3) + 1)
    assert m["f_avg"] == pytest.approx((f_favor + f_against) / 2)
    assert m["n"] == 6


def test_ece_zero_for_perfectly_calibrated_bins():
    y = np.array([0, 0, 0, 1] * 25)
    p = np.full(100, 0.25)
    assert expected_calibration_error(y, p) == pytest.approx(0.0)
    assert expected_calibration_error(y, np.full(100, 0.95)) > 0.6


def test_binary_metrics_perfect_ranking():
    m = binary_metrics([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], 0.5)
    assert m["auc"] == 1.0 and m["f1"] == 1.0 and m["n"] == 4
