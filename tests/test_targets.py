"""stance.targets.is_claim: statements (claims, headlines) versus topics and entities."""

import pytest

from stance.targets import is_claim


@pytest.mark.parametrize("target", [
    "Vaccines should be mandatory",
    "Farm subsidies do not protect national security",
    "Russia isn't winning the war",
    "Climate Change is a Real Concern",
    "Parliament votes on a new budget for the armed forces",  # a headline: 5+ words
])
def test_claims(target):
    assert is_claim(target)


@pytest.mark.parametrize("target", [
    "Russia", "NATO expansion", "the death penalty", "gun control", "Wearing a Face Mask",
    "Anthony S. Fauci, M.D.",  # one-letter initials do not count as words
    "",
])
def test_topics_and_entities(target):
    assert not is_claim(target)
