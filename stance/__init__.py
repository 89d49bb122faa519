"""stance: split scraped news pages into article and comments, score stance and incivility.

Nothing is loaded at import time. The public API is resolved lazily::

    import stance
    page = stance.split(html_text)                 # -> dict (the ``split`` contract)
    scorer = stance.load()                         # shipped model, loaded on first use
    rows = scorer.score([{"text": "...", "target": "NATO"}])
    scorer.predict("You are an idiot")             # -> {label: score}
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "split": ("stance.splitter", "split"),
    "split_file": ("stance.splitter", "split_file"),
    "split_files": ("stance.splitter", "split_files"),
    "Scorer": ("stance.scorer", "Scorer"),
    "load": ("stance.scorer", "load"),
    "score_records": ("stance.scorer", "score_records"),
    "evaluate": ("stance.evaluate", "evaluate"),
    "train": ("stance.train", "train"),
    "SplitOptions": ("stance.options", "SplitOptions"),
    "ScoreOptions": ("stance.options", "ScoreOptions"),
    "TrainOptions": ("stance.options", "TrainOptions"),
    "EvaluateOptions": ("stance.options", "EvaluateOptions"),
}

__all__ = [
    "EvaluateOptions", "ScoreOptions", "Scorer", "SplitOptions", "TrainOptions", "__version__",
    "evaluate", "load", "score_records", "split", "split_file", "split_files", "train",
]

if TYPE_CHECKING:  # pragma: no cover
    from stance.evaluate import evaluate
    from stance.options import EvaluateOptions, ScoreOptions, SplitOptions, TrainOptions
    from stance.scorer import Scorer, load, score_records
    from stance.splitter import split, split_file, split_files
    from stance.train import train


def __getattr__(name: str) -> Any:
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'stance' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
