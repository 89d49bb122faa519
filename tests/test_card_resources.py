"""The model card names what a model set uses besides its corpora (stance.train.resources)."""

from __future__ import annotations

from stance.train import render_card, resources


def test_embedding_table_and_lexicon_are_listed_when_used():
    card = {"tasks": {"stance": {"config": {"embeddings": True, "cues": True}}}}
    got = {r["name"]: r for r in resources(card)}
    table = next(r for name, r in got.items() if name.startswith("embedding table"))
    assert table["licence"] == "apache-2.0" and len(table["source_weights_sha256"]) == 64
    assert got["VADER polarity lexicon"]["licence"] == "MIT"
    card["resources"] = list(got.values())
    text = render_card(card)
    assert "## Resources" in text and table["source_weights_sha256"] in text


def test_nothing_listed_when_unused():
    assert resources({"tasks": {"stance": {"config": {"embeddings": False}}}}) == []
