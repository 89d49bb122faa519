from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
SAMPLES = HERE.parents[1] / "data" / "samples" / "pages"


@pytest.fixture
def fixture_path():
    def get(name: str) -> Path:
        for base in (FIXTURES, SAMPLES):
            if (base / name).exists():
                return base / name
        raise FileNotFoundError(name)

    return get


def all_text(result: dict) -> list[str]:
    """Every string the split put in article or comments."""
    out = [result["article"]]
    for c in result["comments"]:
        out.extend(v for k, v in c.items() if k in ("author", "time", "quote", "text") and v)
    return out


def assert_no_boilerplate(result: dict, lines: list[str]) -> None:
    texts = all_text(result)
    for line in lines:
        for t in texts:
            assert line not in t, f"boilerplate {line!r} leaked into {t[:80]!r}"


COMMENT_KEYS = {"id", "parent_id", "depth", "author", "time", "datetime", "likes", "quote", "text"}


def assert_valid_thread(comments: list[dict]) -> None:
    """The contract: unique ids, parents that precede, depth = parent depth + 1."""
    seen: dict[str, int] = {}
    for c in comments:
        assert set(c) == COMMENT_KEYS
        assert c["datetime"] is None or (isinstance(c["datetime"], str) and c["datetime"])
        assert isinstance(c["id"], str) and c["id"] not in seen
        assert isinstance(c["text"], str) and c["text"].strip()
        assert c["likes"] is None or isinstance(c["likes"], int)
        if c["parent_id"] is None:
            assert c["depth"] == 0
        else:
            assert c["parent_id"] in seen
            assert c["depth"] == seen[c["parent_id"]] + 1
        seen[c["id"]] = c["depth"]
