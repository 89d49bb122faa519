"""The peer-baselines metric (bag of \\w+ tokens) and the comment text it scores."""

from __future__ import annotations

import pytest

from stance.splitter.metrics import MacroPRF, comment_text, content_text, page_prf


def test_bag_of_tokens_prf():
    p, r, f = page_prf("NATO NATO talks", "nato talks talks resumed")
    assert p == pytest.approx(2 / 3) and r == pytest.approx(2 / 4)
    assert f == pytest.approx(2 * p * r / (p + r))
    assert page_prf("", "gold") == (0.0, 0.0, 0.0)


def test_comment_text_joins_author_time_quote_text():
    res = {
        "title": "T",
        "article": "Body",
        "comments": [{"author": "Ann", "time": "May 3", "quote": "q", "text": "hello", "likes": 3}],
    }
    assert comment_text(res).split() == ["Ann", "May", "3", "q", "hello"]
    assert content_text(res) == "T\nBody"


def test_macro_mean():
    m = MacroPRF()
    m.add("a b", "a b")
    m.add("", "a")
    s = m.summary()
    assert s["pages"] == 2 and s["mF1"] == pytest.approx(0.5)
