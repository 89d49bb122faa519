"""Options objects check their values (the CLI checks its flags; library callers get the same)."""

import pytest

from stance.options import ScoreOptions
from stance.scorer import record_targets


def test_a_single_target_string_is_one_target():
    assert ScoreOptions(targets="NATO").targets == ("NATO",)  # not 'N', 'A', 'T', 'O'
    assert ScoreOptions(targets=["NATO", "EU"]).targets == ("NATO", "EU")
    with pytest.raises(TypeError, match="strings"):
        ScoreOptions(targets=("NATO", 3))


@pytest.mark.parametrize("kw", [{"batch_size": 0}, {"jobs": -1}, {"precision": -2},
                                {"threshold": 1.5}, {"threshold": -0.1}, {"batch_size": 2.5}])
def test_out_of_range_values_are_refused(kw):
    with pytest.raises(ValueError, match=next(iter(kw))):
        ScoreOptions(**kw)


def test_targets_are_distinct_and_never_blank():
    defaults = ("Russia", " russia", "RUSSIA ", "", "   ", "NATO")
    assert record_targets({"text": "x"}, defaults) == ["Russia", "NATO"]
    assert record_targets({"text": "x", "target": ["NATO", "nato", " "]}) == ["NATO"]
    assert record_targets({"text": "x", "target": " ", "title": "Headline"}, ("", " ")) == [
        "Headline"]
