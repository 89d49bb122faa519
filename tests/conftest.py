from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"


def shared_data_dir() -> Path | None:
    value = os.environ.get("STANCE_DATA_DIR")
    if value and Path(value).is_dir():
        return Path(value)
    return None


@pytest.fixture(scope="session")
def data_dir() -> Path:
    d = shared_data_dir()
    if d is None:
        pytest.skip("STANCE_DATA_DIR is not set or missing: real-data checks skipped")
    return d


@pytest.fixture(scope="session")
def scorer():
    from stance.scorer import load

    return load()


@pytest.fixture
def sample_comments() -> Path:
    return SAMPLES / "comments.jsonl"


@pytest.fixture(scope="module")
def private_hf_cache(tmp_path_factory):
    """Arrow caches of fixture files go to a temporary directory, not ~/.cache."""
    import datasets.config

    old = datasets.config.HF_DATASETS_CACHE
    datasets.config.HF_DATASETS_CACHE = tmp_path_factory.mktemp("hf_cache")
    yield
    datasets.config.HF_DATASETS_CACHE = old
