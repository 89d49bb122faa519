"""The shipped stance model on plain statements toward named targets.

Fixture ``tests/fixtures/stance_statements.jsonl`` (our own writing): 36 short comments that
state a stance in so many words ("I condemn Russia for the invasion", "NATO enlargement is a
wise and necessary answer to Moscow"), favor / against / none toward Russia, Ukraine, NATO
expansion, sanctions on Russia and two policy targets no training row has. Floors, not exact
scores; skipped when no trained model is present.
"""

from __future__ import annotations

import json
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

from stance.resources import default_model_dir

pytestmark = pytest.mark.quality

FIXTURE = Path(__file__).parent / "fixtures" / "stance_statements.jsonl"


@pytest.fixture(scope="module")
def scored():
    path = default_model_dir() / "stance.joblib"
    if not path.exists():
        pytest.skip(f"no trained stance model at {path}")
    model = joblib.load(path)
    rows = pd.DataFrame([json.loads(line) for line in FIXTURE.read_text().splitlines()])
    proba = model.predict_proba(rows[["text", "target"]])
    rows["pred"] = np.asarray(model.classes_)[proba.argmax(1)]
    return rows


def test_plain_statements_floor(scored):
    from stance.targeted import scores

    got = scores(scored["stance"], scored["pred"])
    assert got["f_avg"] >= 0.78, got  # 0.749 before the cue block (stance.cues)


def test_unrelated_comments_are_none(scored):
    none = scored[scored["stance"] == "none"]
    assert (none["pred"] == "none").all()


def test_most_statements_toward_each_war_target_are_read_right(scored):
    for target in ("Russia", "Ukraine", "NATO expansion"):
        part = scored[(scored["target"] == target) & (scored["stance"] != "none")]
        assert (part["pred"] == part["stance"]).mean() >= 0.6, target
