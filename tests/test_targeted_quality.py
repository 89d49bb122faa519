"""Behaviour of the shipped stance model on hand-written comments toward named targets.

Skipped when no trained model is present (``models/default/stance.joblib`` or
``$STANCE_MODEL_DIR/stance.joblib``; build it with ``stance train``). Thresholds are
relative (one label above another, a margin), never exact scores.
"""

from __future__ import annotations

import joblib
import numpy as np
import pandas as pd
import pytest

from stance.resources import default_model_dir

pytestmark = pytest.mark.quality

WAR_CRIMES = ("Putin's army shells apartment blocks and calls it liberation. Russia must pay "
              "for every one of these war crimes.")
GLORY = ("Glory to Ukraine! The defenders of Kharkiv are heroes and deserve every weapon "
         "we can send them.")


@pytest.fixture(scope="module")
def model():
    path = default_model_dir() / "stance.joblib"
    if not path.exists():
        pytest.skip(f"no trained stance model at {path}")
    return joblib.load(path)


def proba(model, text: str, target: str) -> dict[str, float]:
    p = model.predict_proba(pd.DataFrame({"text": [text], "target": [target]}))[0]
    return dict(zip(model.classes_, p))


def test_anti_russia_comment_is_against_russia(model):
    p = proba(model, WAR_CRIMES, "Russia")
    assert p["against"] > 0.5
    assert p["against"] > p["favor"] + 0.2


def test_same_comment_reads_differently_toward_each_target(model):
    # the comment condemns Russia; toward Ukraine it is not "against"
    toward_russia = proba(model, WAR_CRIMES, "Russia")
    toward_ukraine = proba(model, WAR_CRIMES, "Ukraine")
    assert toward_russia["against"] > toward_ukraine["against"] + 0.3
    assert toward_ukraine["favor"] > toward_russia["favor"]


def test_pro_ukraine_comment(model):
    p = proba(model, GLORY, "Ukraine")
    assert p["favor"] > 0.6
    assert proba(model, GLORY, "Russia")["favor"] < p["favor"]


def test_sarcastic_praise_of_putin_is_against_russia(model):
    p = proba(model, "Oh sure, Putin is such a peacemaker, that's why he keeps bombing "
                     "hospitals /s", "Russia")
    assert p["against"] > p["favor"]


def test_negation_flips_stance_toward_a_new_target(model):
    target = "sending weapons to Ukraine"
    neg = proba(model, "I do not support sending more weapons to Ukraine, it only prolongs "
                       "the killing.", target)
    pos = proba(model, "Sending weapons to Ukraine is the right call and we should send more, "
                       "faster.", target)
    assert neg["against"] > neg["favor"]
    assert pos["favor"] > pos["against"]


def test_unrelated_comment_is_none(model):
    p = proba(model, "The council approved the new bus schedule on Tuesday evening.", "Russia")
    assert p["none"] > 0.5


def test_face_masks_both_directions(model):
    t = "Wearing a Face Mask"
    assert proba(model, "Masks work. Wear one on the bus, it protects the driver and the "
                        "elderly.", t)["favor"] > 0.6
    p = proba(model, "Masks don't work and never did, stop forcing them on our kids.", t)
    assert p["against"] > p["favor"]


def test_several_targets_per_comment_in_one_call(model):
    df = pd.DataFrame({"text": [WAR_CRIMES] * 3, "target": ["Russia", "Ukraine", "NATO"]})
    pr = model.predict_proba(df)
    assert pr.shape == (3, 3)
    np.testing.assert_allclose(pr.sum(1), 1.0, atol=1e-6)
    np.testing.assert_allclose(pr[0], model.predict_proba(df.iloc[:1])[0], atol=1e-9)
