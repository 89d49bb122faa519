"""One options object per stage. Each is a frozen dataclass with sensible defaults.

The CLI builds these from its flags; library users build them directly::

    from stance.options import ScoreOptions
    opts = ScoreOptions(batch_size=4096, targets=("NATO",))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SplitOptions:
    """How pages are split into title, article and comments."""

    #: "auto" sniffs HTML vs plain text; "html" or "text" forces one reader.
    mode: str = "auto"
    #: Pages larger than this are refused with a clear error (bytes).
    max_bytes: int = 32 * 1024 * 1024
    #: Deeper element nesting than this is flattened rather than recursed into.
    max_depth: int = 400
    #: Wall-clock budget for one page, in seconds; past it the page is an error record.
    timeout: float = 20.0
    #: Use the learned block classifier for HTML when rules are not confident.
    learned: bool = True
    #: Worker processes for ``split_files``: 1 = this process, 0 = one per core when there
    #: is more than one page.
    jobs: int = 1


@dataclass(frozen=True)
class ScoreOptions:
    """How comments are scored."""

    #: Model directory; None means the shipped ``models/default``.
    model_dir: Path | None = None
    #: Comments scored per batch (memory grows linearly with it).
    batch_size: int = 2048
    #: Targets used for records that carry no ``target`` of their own (before ``title``).
    targets: tuple[str, ...] = ()
    #: Score reply stance toward the parent comment where one is known.
    reply: bool = True
    #: Report per-kind incivility probabilities.
    kinds: bool = True
    #: Override the decision threshold of the model card for ``incivility.label``.
    threshold: float | None = None
    #: Number of decimals kept in the output probabilities.
    precision: int = 4
    #: Worker processes (forked once the models are loaded, where the OS can fork); 1 scores
    #: in this process; 0 means one per available core when the input is longer than
    #: ``stance.scorer.auto_jobs_batches()`` batches.
    jobs: int = 1
    #: How many earlier comments are remembered to resolve ``parent_id`` (oldest dropped).
    parent_memory: int = 1_000_000

    def __post_init__(self) -> None:
        # the CLI checks its flags; library callers get the same checks here
        targets = (self.targets,) if isinstance(self.targets, str) else tuple(self.targets)
        if not all(isinstance(t, str) for t in targets):
            raise TypeError(f"targets must be strings, got {targets!r}")
        object.__setattr__(self, "targets", targets)  # "NATO" is one target, not four
        for name, least in (("batch_size", 1), ("jobs", 0), ("precision", 0),
                            ("parent_memory", 0)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise ValueError(f"{name} must be an integer >= {least}, not {value!r}")
        if self.threshold is not None and not 0.0 <= float(self.threshold) <= 1.0:
            raise ValueError(f"threshold must be from 0 to 1, not {self.threshold!r}")


@dataclass(frozen=True)
class TrainOptions:
    """What ``stance train`` builds and from which data."""

    #: A training config (TOML); None means ``training/default.toml``.
    config: Path | None = None
    #: Directory holding the corpora; None means ``$STANCE_DATA_DIR``.
    data_dir: Path | None = None
    #: Where the model set is written.
    output_dir: Path = Path("models/default")
    #: Which tasks to (re)train. Training only some of them into a directory that holds no
    #: model set yet first copies the shipped set there, so the result is complete.
    tasks: tuple[str, ...] = ("incivility", "stance", "reply", "splitter")
    #: Cap on rows taken from each corpus (for smoke runs); None takes all.
    limit: int | None = None
    #: Random seed for every stochastic step.
    seed: int = 13
    #: Extra config overrides, as dotted keys ("incivility.C": 4.0).
    overrides: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class EvaluateOptions:
    """How ``stance evaluate`` scores labelled rows."""

    model_dir: Path | None = None
    batch_size: int = 2048
    #: Decision threshold override for incivility F1.
    threshold: float | None = None
