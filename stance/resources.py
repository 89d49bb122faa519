"""Where shipped files live, both in a source checkout and in an installed wheel."""

from __future__ import annotations

import os
from pathlib import Path

_PKG = Path(__file__).resolve().parent
_REPO = _PKG.parent


def default_model_dir() -> Path:
    """``models/default`` of a checkout, else the copy packaged in the wheel."""
    env = os.environ.get("STANCE_MODEL_DIR")
    if env:
        return Path(env)
    for cand in (_REPO / "models" / "default", _PKG / "_models" / "default"):
        if (cand / "model_card.json").exists():
            return cand
    return _REPO / "models" / "default"


def training_dir() -> Path:
    """``training/`` of a checkout, else the copy packaged in the wheel."""
    for cand in (_REPO / "training", _PKG / "_training"):
        if (cand / "corpora.toml").exists():
            return cand
    return _REPO / "training"


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The corpora directory: ``--data-dir``, else ``$STANCE_DATA_DIR``, else None."""
    value = explicit or os.environ.get("STANCE_DATA_DIR")
    return Path(value).expanduser() if value else None
