"""Corpus registry: every labelled corpus under ``$STANCE_DATA_DIR`` mapped to one schema.

The registry itself is declarative: ``training/corpora.toml`` lists each corpus with its
task, domain, licence, files, reader, encoding, column and label mapping and dev-split rule.
This module interprets it. Files are read through Hugging Face ``datasets``
(``load_dataset("csv" | "json", ...)``, Arrow-cached under ``$HF_DATASETS_CACHE``, never in
the repository), mapped to the common schema with vectorised pandas operations and returned
as an in-memory :class:`datasets.Dataset`.

Common schemas (one per task); every row also has ``corpus``, ``domain``, ``group``
(the unit a dev split must not cut: topic, claim, thread, or a hash of the text):

- ``incivility``: ``text`` (str), ``uncivil`` (float 0..1), one float column per kind in
  ``INCIVILITY_KINDS`` (None where the corpus does not label that kind). Source values are
  numbers from 0 to 1 or booleans (``true``/``false``, JSON or text in any case); a blank /
  NA cell is no label (an unlabelled row is dropped); anything else (``yes``, ``2``) is a
  :class:`DataError` naming the corpus, file, values and first row (see :func:`score_label`).
- ``stance``: ``text``, ``target`` (str), ``stance`` in {"favor", "against", "none"}.
- ``reply_stance``: ``text``, ``parent_text``, ``source_text``,
  ``reply_stance`` in {"support", "deny", "query", "comment"}.

Splits: ``dev`` is the corpus's official dev/val file where the folder has one, else a stable
~15 % of train carved by a hash of ``group`` (so carved train and dev never share a group, and
the same group value lands on the same side in every corpus and every Python run).
``test`` is an official test file that happens to be present (never part of train or dev);
``all`` is train + dev (every row you may fit a final model on; never test).
Cross-corpus duplicates are not removed here (text-hash groups keep them on one side).

API::

    list_corpora(task=None) -> list[CorpusSpec]
    load_corpus(name, data_dir=None, split="train", limit=None) -> datasets.Dataset
    load_task(task, names=None, data_dir=None, split="train", limit=None) -> datasets.Dataset

``name`` may also be ``hf:<hub id or local dataset directory>`` already in a common schema
(extra columns ignored, missing kinds None, ``source_text`` defaults to "", ``group`` to a text
hash, ``domain`` to "news", ``dev``/``validation`` split used if present, else carved from
train). Its stance / reply labels are the schema's, in any case (``FAVOR`` = ``favor``).
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import DataError
from .resources import data_dir as _resolve_data_dir
from .resources import training_dir

if TYPE_CHECKING:  # pragma: no cover
    import datasets
    import pandas as pd

INCIVILITY_KINDS: tuple[str, ...] = (
    "insult",
    "profanity",
    "threat",
    "identity_attack",
    "hostile",
    "antagonize",
    "dismissive",
    "condescending",
    "sarcastic",
    "unfair_generalisation",
)
TASKS: tuple[str, ...] = ("incivility", "stance", "reply_stance")
SPLITS: tuple[str, ...] = ("train", "dev", "test", "all")
DOMAINS: tuple[str, ...] = ("news", "reddit", "wikipedia", "tweets", "debate", "headlines")
STANCE_LABELS: tuple[str, ...] = ("favor", "against", "none")
REPLY_STANCE_LABELS: tuple[str, ...] = ("support", "deny", "query", "comment")
DEV_FRACTION = 0.15
_COMMON = ("corpus", "domain", "group")
_LABEL_COLUMN = {"stance": "stance", "reply_stance": "reply_stance"}
_LABELS = {"stance": STANCE_LABELS, "reply_stance": REPLY_STANCE_LABELS}
_TEXT_COLUMNS = ("text", "target", "parent_text", "source_text")
_HF_PREFIX = "hf:"


def schema_columns(task: str) -> tuple[str, ...]:
    """The columns of ``task``'s common schema, in order."""
    if task == "incivility":
        return ("text", "uncivil", *INCIVILITY_KINDS, *_COMMON)
    if task == "stance":
        return ("text", "target", "stance", *_COMMON)
    if task == "reply_stance":
        return ("text", "parent_text", "source_text", "reply_stance", *_COMMON)
    raise ValueError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")


def features(task: str) -> datasets.Features:
    """The :class:`datasets.Features` of ``task``'s common schema."""
    import datasets

    cols = schema_columns(task)
    floats = {"uncivil", *INCIVILITY_KINDS}
    return datasets.Features(
        {c: datasets.Value("float32" if c in floats else "string") for c in cols}
    )


@dataclass(frozen=True)
class CorpusSpec:
    """One table of ``training/corpora.toml``: where a corpus lives and how to map it."""

    name: str
    task: str
    domain: str
    licence: str
    noncommercial: bool = False
    sharealike: bool = False
    research_only: bool = False
    default: bool = True
    path: str = ""
    source: str = ""
    reader: str = "csv"
    encoding: str = "utf-8"
    files: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    columns: Mapping[str, Any] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    clean: tuple[str, ...] = ()
    group: Any = "text"
    dev: str = "hash"
    dev_fraction: float = DEV_FRACTION
    options: Mapping[str, Any] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    notes: str = ""

    def __hash__(self) -> int:
        return hash((self.name, self.task, self.path))

    @property
    def splits(self) -> tuple[str, ...]:
        """Splits this corpus offers (``dev`` is carved from train when not official)."""
        out = ["train", "dev"]
        if self.files.get("test"):
            out.append("test")
        return tuple(out)


# --------------------------------------------------------------------------- registry


def _replace(spec: CorpusSpec, **changes: Any) -> CorpusSpec:
    import dataclasses

    return dataclasses.replace(spec, **changes)


_SPEC_KEYS = {f for f in CorpusSpec.__dataclass_fields__ if f != "name"}


def _toml_load(path: Path) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{path}: not valid TOML ({exc})") from exc


def _registry_path(registry: Path | str | None) -> Path:
    """``registry``, else ``$STANCE_REGISTRY`` (a copy of the registry with your own corpora
    added: works from an installed package too), else the shipped ``corpora.toml``."""
    if registry is None and os.environ.get("STANCE_REGISTRY"):
        registry = Path(os.environ["STANCE_REGISTRY"]).expanduser()
    return Path(registry) if registry is not None else training_dir() / "corpora.toml"


def _spec_from_table(name: str, table: Mapping[str, Any], where: Path) -> CorpusSpec:
    unknown = set(table) - _SPEC_KEYS
    if unknown:
        raise DataError(f"{where}: corpus {name!r} has unknown keys {sorted(unknown)}")
    for key in ("task", "domain", "licence"):
        if key not in table:
            raise DataError(f"{where}: corpus {name!r} lacks {key!r}")
    if table["task"] not in TASKS:
        raise DataError(f"{where}: corpus {name!r} has unknown task {table['task']!r}")
    if table["domain"] not in DOMAINS:
        raise DataError(f"{where}: corpus {name!r} has unknown domain {table['domain']!r}")
    reader = table.get("reader", "csv")
    if reader not in READERS:
        raise DataError(f"{where}: corpus {name!r} names unknown reader {reader!r}")
    dev = table.get("dev", "hash")
    if dev not in ("hash", "official", "none", "unseen_target"):
        raise DataError(f"{where}: corpus {name!r}: dev must be 'hash', 'official', 'none' "
                        "or 'unseen_target'")
    unknown_clean = set(table.get("clean", ())) - set(_CLEANERS)
    if unknown_clean:
        raise DataError(f"{where}: corpus {name!r} names unknown clean-ups {sorted(unknown_clean)}")
    col_specs = [*table.get("columns", {}).items(), ("group", table.get("group", "text"))]
    for col, how in col_specs:
        bad = isinstance(how, dict) and (
            not set(how) <= _COLUMN_KEYS or how.get("convert", "list_mean") not in _CONVERTERS
        )
        if bad or not isinstance(how, (str, dict)):
            raise DataError(f"{where}: corpus {name!r}: bad column spec {col} = {how!r}")
    files = {k: tuple(v) for k, v in table.get("files", {}).items()}
    if "train" not in files or (dev == "official" and "dev" not in files):
        raise DataError(f"{where}: corpus {name!r} lacks train (or official dev) files")
    kw = dict(table)
    kw["files"] = files
    for key in ("clean", "aliases", "include"):
        kw[key] = tuple(table.get(key, ()))
    return CorpusSpec(name=name, **kw)


_REGISTRY_CACHE: dict[tuple[str, float], dict[str, CorpusSpec]] = {}


def _registry(registry: Path | str | None = None) -> dict[str, CorpusSpec]:
    path = _registry_path(registry)
    if not path.exists():
        raise DataError(f"{path}: corpus registry not found")
    key = (str(path.resolve()), path.stat().st_mtime)
    if key not in _REGISTRY_CACHE:
        raw = _toml_load(path)
        _REGISTRY_CACHE[key] = {n: _spec_from_table(n, t, path) for n, t in raw.items()}
    return _REGISTRY_CACHE[key]


def list_corpora(task: str | None = None, registry: Path | str | None = None) -> list[CorpusSpec]:
    """Every registered corpus (of ``task`` if given), in registry order."""
    if task is not None and task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    return [s for s in _registry(registry).values() if task is None or s.task == task]


def get_corpus(name: str, registry: Path | str | None = None) -> CorpusSpec:
    """The spec of corpus ``name``; :class:`DataError` listing the known names otherwise."""
    reg = _registry(registry)
    if name in reg:
        return reg[name]
    for spec in reg.values():
        if name in spec.aliases:
            return spec
    raise DataError(f"unknown corpus {name!r}; registered: {', '.join(reg)}")


# --------------------------------------------------------------------------- readers
# A reader turns the files of one split into a raw pandas DataFrame (source columns).


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    import datasets
    from datasets.utils import logging as hf_logging

    was_disabled = datasets.are_progress_bars_disabled()
    level = hf_logging.get_verbosity()
    datasets.disable_progress_bars()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if not was_disabled:
            datasets.enable_progress_bars()


def _hf_frame(builder: str, paths: Sequence[Path], **kwargs: Any) -> pd.DataFrame:
    """Read files with a packaged ``datasets`` builder (Arrow-cached) into pandas."""
    import datasets

    with _quiet():
        try:
            ds = datasets.load_dataset(
                builder, data_files=[str(p) for p in paths], split="train", **kwargs
            )
        except Exception as exc:  # pyarrow/pandas/encoding errors of many kinds
            raise DataError(
                f"{', '.join(map(str, paths))}: cannot read as {builder}: {exc}"
            ) from exc
    return ds.to_pandas()


def _read_csv(spec: CorpusSpec, paths: Sequence[Path]) -> pd.DataFrame:
    """CSV/TSV through ``datasets``' csv builder (pandas options pass through), all strings.

    Files are read one by one (their headers may differ) and concatenated.
    """
    import datasets
    import pandas as pd

    opts = {k: v for k, v in spec.options.items() if k in _CSV_OPTIONS}
    opts.setdefault("keep_default_na", False)
    if opts.get("column_names") is not None:
        opts["header"] = None
    head_opts = {k: v for k, v in opts.items() if k not in ("keep_default_na", "column_names")}
    frames = []
    for path in paths:
        if opts.get("column_names") is not None:
            names = list(opts["column_names"])
        else:
            try:
                names = list(pd.read_csv(path, nrows=0, encoding=spec.encoding, **head_opts))
            except (OSError, ValueError, UnicodeDecodeError) as exc:
                raise DataError(f"{path}: cannot read the CSV header: {exc}") from exc
        feats = datasets.Features({n: datasets.Value("string") for n in names})
        frames.append(_hf_frame("csv", [path], encoding=spec.encoding, features=feats, **opts))
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


_CSV_OPTIONS = {"sep", "column_names", "quoting", "escapechar", "quotechar", "keep_default_na"}


def _read_tsv(spec: CorpusSpec, paths: Sequence[Path]) -> pd.DataFrame:
    import csv

    opts = dict(spec.options)
    opts.setdefault("sep", "\t")
    opts.setdefault("quoting", csv.QUOTE_NONE)
    return _read_csv(_replace(spec, options=opts), paths)


def _read_jsonl(spec: CorpusSpec, paths: Sequence[Path]) -> pd.DataFrame:
    return _hf_frame("json", paths)


def _read_lines(path: Path, encoding: str) -> list[str]:
    """Lines split on ``\\n`` only (a tweet may hold other Unicode breaks); blanks kept."""
    try:
        text = path.read_bytes().decode(encoding)
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not {encoding}: {exc}") from exc
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def _read_line_aligned(spec: CorpusSpec, paths: Sequence[Path]) -> pd.DataFrame:
    """Pairs of files (text file, label file) aligned line by line; blank lines kept."""
    import pandas as pd

    if len(paths) % 2:
        raise DataError(f"{spec.name}: line_aligned needs (text, labels) file pairs")
    cols = spec.options.get("column_names", ["text", "label"])
    frames = []
    for text_path, label_path in zip(paths[::2], paths[1::2], strict=True):
        texts = _read_lines(text_path, spec.encoding)
        labels = _read_lines(label_path, spec.encoding)
        if len(texts) != len(labels):
            raise DataError(
                f"{text_path}: {len(texts)} lines but {label_path} has {len(labels)} labels"
            )
        frames.append(pd.DataFrame({cols[0]: texts, cols[1]: labels}))
    return pd.concat(frames, ignore_index=True)


def _read_semeval_trial(spec: CorpusSpec, paths: Sequence[Path]) -> pd.DataFrame:
    """SemEval-2016 trial file: ``<Target> <tokenised tweet> <LABEL>``, space-separated."""
    import pandas as pd

    targets = sorted(spec.options.get("targets", ()), key=len, reverse=True)
    rows = []
    for path in paths:
        for i, line in enumerate(_read_lines(path, spec.encoding), 1):
            if not line.strip():
                continue
            target = next((t for t in targets if line.startswith(t + " ")), None)
            body, _, label = line.rstrip().rpartition(" ")
            if target is None or not body:
                raise DataError(f"{path}:{i}: no known target prefix or no label")
            rows.append({"Target": target, "Tweet": body[len(target) + 1 :], "Stance": label})
    return pd.DataFrame(rows, columns=["Target", "Tweet", "Stance"])


def _read_csv_join(spec: CorpusSpec, paths: Sequence[Path]) -> pd.DataFrame:
    """Stance-pair CSVs joined with body CSVs on a key (FNC-1 / ARC layout).

    ``paths`` alternate (stances file, bodies file); ``options.on`` names the key column.
    """
    key = spec.options.get("on", "Body ID")
    frames = []
    for stances_path, bodies_path in zip(paths[::2], paths[1::2], strict=True):
        stances = _read_csv(spec, [stances_path])
        label_src = spec.columns.get(_LABEL_COLUMN.get(spec.task, ""))
        dropped = [k for k, v in spec.labels.items() if v == "drop"]
        if isinstance(label_src, str) and label_src in stances and dropped:
            # drop before joining: FNC-1 has 36k unrelated pairs with whole-article bodies
            stances = stances[~stances[label_src].isin(dropped)]
        bodies = _read_csv(spec, [bodies_path]).drop_duplicates(subset=[key])
        joined = stances.merge(bodies, on=key, how="left", validate="many_to_one")
        missing = joined[bodies.columns.drop(key)[0]].isna().sum()
        if missing:
            raise DataError(f"{stances_path}: {missing} rows have no body in {bodies_path}")
        frames.append(joined)
    import pandas as pd

    return pd.concat(frames, ignore_index=True)


_SPAN_KINDS = {
    "Insult": "insult",
    "Profane/Obscene": "profanity",
    "Identity based Attack": "identity_attack",
    "Threat": "threat",
}


def _read_toxic_spans(spec: CorpusSpec, paths: Sequence[Path]) -> pd.DataFrame:
    """Civil Comments toxic spans: comments x annotations x spans.

    Every comment was judged toxic by the original Civil Comments raters, so ``uncivil`` is 1.
    Each kind is the fraction of the comment's span annotators who marked at least one span of
    that type (``Other Toxicity`` maps to no kind; blank/truncated types are ignored).
    """
    comments_p, annotations_p, spans_p = paths
    comments = _read_csv(spec, [comments_p])
    ann = _read_csv(spec, [annotations_p])[["annotation", "comment_id"]]
    spans = _read_csv(spec, [spans_p])[["annotation", "type"]]
    spans = spans[spans["type"].isin(list(_SPAN_KINDS))].drop_duplicates()
    n_ann = ann.groupby("comment_id").size().rename("n")
    marked = spans.merge(ann, on="annotation").drop_duplicates(["annotation", "type"])
    counts = marked.groupby(["comment_id", "type"]).size().unstack(fill_value=0)
    out = comments.set_index("comment_id").join(n_ann, how="left")
    for src, kind in _SPAN_KINDS.items():
        col = counts[src] if src in counts.columns else None
        hits = out.index.map(col).fillna(0).astype(float) if col is not None else 0.0
        out[kind] = hits / out["n"].where(out["n"] > 0)
    out["uncivil"] = 1.0
    return out.reset_index()


def _read_perspectrum(spec: CorpusSpec, paths: Sequence[Path]) -> pd.DataFrame:
    """PERSPECTRUM: (claim, perspective, stance_label_3) for every pid of every cluster."""
    import pandas as pd

    claims_p, pool_p, split_p = paths
    try:
        claims = json.loads(claims_p.read_text(encoding=spec.encoding))
        pool = {p["pId"]: p["text"] for p in json.loads(pool_p.read_text(encoding=spec.encoding))}
        split_of = json.loads(split_p.read_text(encoding=spec.encoding))
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"{claims_p.parent}: cannot read PERSPECTRUM json: {exc}") from exc
    rows = [
        {
            "claim_id": str(c["cId"]),
            "claim": c["text"],
            "perspective": pool.get(pid, ""),
            "label": cluster["stance_label_3"],
            "split": split_of.get(str(c["cId"]), ""),
        }
        for c in claims
        for cluster in c["perspectives"]
        for pid in cluster["pids"]
    ]
    return pd.DataFrame(rows, columns=["claim_id", "claim", "perspective", "label", "split"])


def _read_threads(spec: CorpusSpec, paths: Sequence[Path]) -> pd.DataFrame:
    """Flattened reply threads (JSONL with ``id``/``parent_id``): adds ``parent_text``.

    Source posts are dropped unless ``options.keep_sources`` (their label is the stance of
    the source toward itself, not a reply stance); kept sources get ``parent_text = ""``.
    """
    df = _read_jsonl(spec, paths)
    text_of = dict(zip(df["id"].astype(str), df["text"].fillna(""), strict=True))
    df["parent_text"] = df["parent_id"].map(
        lambda p: text_of.get(str(p), "") if p is not None and p == p else ""
    )
    if not spec.options.get("keep_sources", False):
        df = df[~df["is_source"].astype(bool)]
    return df


READERS: dict[str, Callable[[CorpusSpec, Sequence[Path]], pd.DataFrame]] = {
    "csv": _read_csv,
    "tsv": _read_tsv,
    "jsonl": _read_jsonl,
    "line_aligned": _read_line_aligned,
    "semeval_trial": _read_semeval_trial,
    "csv_join": _read_csv_join,
    "toxic_spans": _read_toxic_spans,
    "perspectrum": _read_perspectrum,
    "threads": _read_threads,
}


# --------------------------------------------------------------------------- mapping

_CLEANERS: dict[str, Callable[[pd.Series], pd.Series]] = {
    "strip_semst": lambda s: s.str.replace(r"\s*#SemST\b", "", regex=True),
    "html_unescape": lambda s: s.map(html.unescape),
    "collapse_ws": lambda s: s.str.replace(r"\s+", " ", regex=True),
}


def _list_mean(value: Any) -> float:
    """Mean of a printed list such as ``[0. 1. 1.]`` or ``[0, 1, 1]`` (per-rater codes)."""
    nums = [float(x) for x in re.findall(r"-?\d+(?:\.\d*)?", str(value))]
    return sum(nums) / len(nums) if nums else float("nan")


def _norm_key(value: Any) -> str:
    """A grouping key: lower-cased, punctuation and spacing collapsed ('"Israel" ' -> 'israel')."""
    return re.sub(r"[\W_]+", " ", str(value).lower()).strip()


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "list_mean": _list_mean,
    "norm_key": _norm_key,
}
_COLUMN_KEYS = {"col", "map", "partial", "convert", "expr", "const"}


def _column(df: pd.DataFrame, how: Any, spec: CorpusSpec, out: str) -> pd.Series:
    """One schema column from a column spec: ``"src"``, {col, map, convert}, {expr}, {const}."""
    import pandas as pd

    if isinstance(how, str):
        how = {"col": how}
    if "const" in how:
        return pd.Series([how["const"]] * len(df), index=df.index, dtype=object)
    if "expr" in how:
        used = [c for c in df.columns if c in how["expr"]]
        num = df[used].apply(pd.to_numeric, errors="coerce")
        try:
            return num.eval(how["expr"], engine="python")
        except Exception as exc:
            raise DataError(f"{spec.name}: cannot evaluate {out} = {how['expr']!r}: {exc}") from exc
    src = how.get("col")
    if src not in df.columns:
        raise DataError(
            f"{spec.name}: column {src!r} (for {out}) not in the file; has {list(df.columns)}"
        )
    series = df[src]
    if "convert" in how:
        series = series.map(_CONVERTERS[how["convert"]])
    if "map" in how:
        mapping = how["map"]
        keys = series.astype(str)
        unknown = sorted(set(keys) - set(mapping))
        if unknown and not how.get("partial", False):
            raise DataError(f"{spec.name}: {out}: values {unknown[:5]} not in the mapping")
        series = keys.map(lambda k: mapping.get(k, k))
    return series


def _stable_unit(value: str) -> float:
    """A number in [0, 1) from a string, stable across runs and platforms."""
    digest = hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def text_group(text: str) -> str:
    """The ``group`` of a row grouped by its own text: a short stable hash of it."""
    return hashlib.blake2b(text.strip().lower().encode("utf-8"), digest_size=8).hexdigest()


def is_dev_group(group: str, fraction: float = DEV_FRACTION) -> bool:
    """True if ``group`` falls in the carved dev split (same answer in every corpus/run)."""
    return _stable_unit(group) < fraction


FEW_GROUPS = 500


def dev_mask(groups: pd.Series, fraction: float = DEV_FRACTION) -> pd.Series:
    """Boolean mask of the rows in the carved dev split; whole groups only.

    With many groups (>= ``FEW_GROUPS``, e.g. text hashes) a group is dev iff
    :func:`is_dev_group`, independent of the corpus. With few groups (topics, claims, threads)
    that would give lumpy dev sizes, so groups are taken in stable hash order until about
    ``fraction`` of the rows are covered.
    """
    uniq = groups.unique()
    if len(uniq) >= FEW_GROUPS:
        return groups.map(lambda g: is_dev_group(g, fraction)).astype(bool)
    sizes = groups.value_counts()
    order = sorted(uniq, key=_stable_unit)
    goal, covered, chosen = fraction * len(groups), 0, set()
    for g in order:
        if covered >= 0.9 * goal:
            break
        if covered + sizes[g] <= 1.2 * goal:  # skip groups that would overshoot
            chosen.add(g)
            covered += sizes[g]
    if not chosen and len(order) > 1:
        chosen.add(order[0])
    return groups.isin(chosen)


#: Cells that mean "no label" in an incivility column (pandas' default NA strings, lowered).
_NA_STRINGS = frozenset({"", "nan", "na", "n/a", "null", "none", "#n/a", "<na>", "-nan"})
#: Text that counts as a boolean incivility label (lower-cased): what spreadsheets write.
BOOLEAN_WORDS: Mapping[str, float] = {"true": 1.0, "false": 0.0}


def score_label(value: Any) -> float | None:
    """An incivility label (``uncivil`` or a kind) as a float in [0, 1]; None when there
    is none (None, NaN, a blank or NA cell). Numbers, numeric text and booleans (JSON
    ``true``/``false`` or that text in any case) are labels; :class:`ValueError` for
    anything else (``"yes"``) or a number outside 0..1. Training and evaluation share it."""
    import math

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _NA_STRINGS:
            return None
        value = BOOLEAN_WORDS.get(word, value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"must be a number from 0 to 1, not {value!r}") from None
    if not 0.0 <= number <= 1.0:  # also NaN/inf text
        raise ValueError(f"must be from 0 to 1, not {value!r}")
    return number


def _where(spec: CorpusSpec, file_split: str) -> str:
    """How an error names the rows of one split: the corpus and its files (or the split)."""
    files = spec.files.get(file_split)
    return f"{spec.name} ({', '.join(files) if files else file_split + ' split'})"


def _locate(mask: Any, texts: Any) -> str:
    """Where the first True of ``mask`` is: its data row (1-based, header not counted) and
    the start of its text."""
    import numpy as np

    pos = int(np.flatnonzero(np.asarray(mask))[0])
    text = str(texts.iloc[pos])
    return f"first at data row {pos + 1} (text {text[:40] + '...' if len(text) > 40 else text!r})"


def _scores(out: pd.DataFrame, keep: pd.Series, where: str) -> pd.Series:
    """Coerce ``uncivil`` and the kind columns to float32 in place; return the rows that
    carry an ``uncivil`` label.

    A blank cell (or NA, null, None, ...) is no label: a row without ``uncivil`` is dropped,
    a kind without a value stays None. Every other cell must be a number from 0 to 1 or a
    boolean (JSON ``true``/``false``, or the text ``true``/``false`` in any case, as
    spreadsheets write it: 1/0). Any other value (``yes``, ``2``) is an error naming the
    value, how many rows hold such values and the first of them, never a dropped row.
    """
    import pandas as pd

    for name in ("uncivil", *INCIVILITY_KINDS):
        col = out[name]
        if col.dtype == bool:
            col = col.astype("float32")
        words = col.astype(str).str.strip().str.lower()
        num = pd.to_numeric(col.where(~words.isin(list(BOOLEAN_WORDS)), words.map(BOOLEAN_WORDS)),
                            errors="coerce")
        blank = col.isna() | words.isin(_NA_STRINGS)
        scale = "0 (civil) to 1 (uncivil)" if name == "uncivil" else "0 to 1"
        for bad, what in ((num.isna() & ~blank & keep, "a number from"),
                          (((num < 0) | (num > 1)) & keep, "from")):
            if bad.any():
                values = sorted({repr(v) for v in col[bad]})
                hint = "; use 1/0 (true/false also count)" if what != "from" else ""
                raise DataError(
                    f"{where}: '{name}' must be {what} {scale}, not "
                    f"{', '.join(values[:5])}{' ...' if len(values) > 5 else ''} "
                    f"({int(bad.sum())} row(s), {_locate(bad, out['text'])}{hint})")
        out[name] = num.astype("float32")
    labelled = keep & out["uncivil"].notna()
    if keep.any() and not labelled.any():
        raise DataError(f"{where}: no row with text has an 'uncivil' label "
                        f"({int(keep.sum())} row(s) with text, every 'uncivil' cell blank)")
    return labelled


def _to_schema(df: pd.DataFrame, spec: CorpusSpec, where: str | None = None) -> pd.DataFrame:
    """Map a raw frame to ``spec.task``'s schema (rows lacking text or label dropped).

    ``where`` names the rows in errors (default: the corpus name). Stance and reply labels
    are matched through the registry's ``labels`` mapping; a corpus without one (and every
    ``hf:`` dataset) must use the schema's labels, in any case (``FAVOR`` = ``favor``).
    """
    import numpy as np
    import pandas as pd

    where = where or spec.name

    out = pd.DataFrame(index=df.index)
    cols = dict(spec.columns)
    for name in schema_columns(spec.task):
        if name in ("corpus", "group"):
            continue
        if name == "domain":
            out[name] = _column(df, cols["domain"], spec, name) if "domain" in cols else spec.domain
        elif name in cols:
            out[name] = _column(df, cols[name], spec, name)
        elif name in INCIVILITY_KINDS:
            out[name] = np.nan
        elif name in ("parent_text", "source_text") and spec.task == "reply_stance":
            out[name] = ""
        else:
            raise DataError(f"{spec.name}: registry gives no source for column {name!r}")
    for name in _TEXT_COLUMNS:
        if name in out:
            s = out[name].where(out[name].notna(), "").astype(str)
            for op in spec.clean:
                s = _CLEANERS[op](s)
            out[name] = s.str.strip()
    keep = (out["text"] != "") & ~out["text"].isin(list(spec.options.get("drop_texts", ())))
    label = _LABEL_COLUMN.get(spec.task)
    if label:
        raw = out[label].where(out[label].notna(), "").astype(str).str.strip()
        accepted = ", ".join(_LABELS[spec.task])
        if spec.labels:
            mapping = dict(spec.labels)
        else:  # the schema's own labels, in any case
            raw = raw.str.lower()
            mapping = {v: v for v in _LABELS[spec.task]}
        unknown = sorted(set(raw[keep]) - set(mapping))
        if unknown:
            first = _locate(keep & raw.isin(unknown), out["text"])
            if spec.labels:
                raise DataError(
                    f"{where}: '{label}' values {unknown[:5]} are not in the registry's "
                    f"mapping (its labels table maps {sorted(mapping)[:10]}), {first}")
            raise DataError(f"{where}: '{label}' values {unknown[:5]} are not accepted: "
                            f"use {accepted} (any case), {first}")
        out[label] = raw.map(mapping)
        keep &= out[label] != "drop"
        bad = sorted(set(out.loc[keep, label]) - set(_LABELS[spec.task]))
        if bad:
            raise DataError(f"{where}: labels map to {bad}, not one of {accepted}")
    else:
        keep = _scores(out, keep, where)
    out = out[keep]
    if spec.group == "text":
        group = out["text"].map(text_group)
    else:
        group = _column(df.loc[out.index], spec.group, spec, "group").astype(str)
    out["group"] = group
    out["corpus"] = spec.name
    return out[list(schema_columns(spec.task))].reset_index(drop=True)


# --------------------------------------------------------------------------- loading


def _root(spec: CorpusSpec, data_dir: str | Path | None) -> Path:
    base = _resolve_data_dir(data_dir)
    where = f"get it from {spec.source}" if spec.source else "see training/corpora.toml"
    if base is None:
        raise DataError(
            f"no data directory for corpus {spec.name!r}: pass --data-dir or set "
            f"STANCE_DATA_DIR to the folder holding {spec.path or spec.name}/ ({where})"
        )
    root = base / spec.path
    if not root.is_dir():
        raise DataError(f"{root}: corpus {spec.name!r} not found ({where})")
    return root


def _read_split(spec: CorpusSpec, root: Path, file_split: str) -> pd.DataFrame | None:
    names = spec.files.get(file_split)
    if not names:
        return None
    paths = [root / n for n in names]
    for p in paths:
        if not p.is_file():
            where = f"get it from {spec.source}" if spec.source else "see training/corpora.toml"
            raise DataError(f"{p}: file of corpus {spec.name!r} not found ({where})")
    df = READERS[spec.reader](spec, paths)
    split_col = spec.options.get("split_column")
    if split_col:
        wanted = spec.options.get("split_values", {}).get(file_split, file_split)
        df = df[df[split_col].astype(str) == wanted]
    melt = spec.options.get("melt")
    if melt:
        df = _melt(df, melt)
    return df


def _melt(df: pd.DataFrame, melt: Mapping[str, Any]) -> pd.DataFrame:
    """Wide-to-long: one row per (column group), e.g. (Target 1, Stance 1), (Target 2, ...)."""
    import pandas as pd

    names = melt["names"]
    parts = []
    for group in melt["groups"]:
        part = df.drop(columns=[c for g in melt["groups"] for c in g])
        for new, old in zip(names, group, strict=True):
            part[new] = df[old].to_numpy()
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _frame(
    spec: CorpusSpec, data_dir: str | Path | None, split: str, registry: Path | str | None
) -> pd.DataFrame | None:
    """Schema frame of one split (``train``/``dev``/``test``), or None if absent.

    The train split also holds the train rows of the corpora ``spec.include`` names.
    """
    df = _own_frame(spec, _root(spec, data_dir), split)
    if split != "train" or not spec.include:
        return df
    import pandas as pd

    parts = [df]
    for name in spec.include:
        part = _frame(get_corpus(name, registry), data_dir, "train", registry)
        if part is not None:
            parts.append(part.assign(corpus=spec.name))
    return pd.concat(parts, ignore_index=True)


def _own_frame(spec: CorpusSpec, root: Path, split: str) -> pd.DataFrame | None:
    if split == "test":
        raw = _read_split(spec, root, "test")
        return None if raw is None else _to_schema(raw, spec, _where(spec, "test"))
    if spec.dev == "official":
        raw = _read_split(spec, root, split)
        return None if raw is None else _to_schema(raw, spec, _where(spec, split))
    train = _to_schema(_read_split(spec, root, "train"), spec, _where(spec, "train"))
    if spec.dev == "none":  # every row is training data (e.g. SemEval trial tweets)
        return train if split == "train" else train.iloc[:0]
    in_dev = dev_mask(train["group"], spec.dev_fraction)
    if split == "unseen":  # every row of the dev groups (see load_corpus "all")
        return train[in_dev].reset_index(drop=True)
    if spec.dev == "unseen_target" and split == "dev":
        # zero-shot dev: unseen comments (whole groups) AND targets no train row has
        seen = set(train.loc[~in_dev, "target"].map(_norm_key))
        in_dev &= ~train["target"].map(_norm_key).isin(seen)
    return train[in_dev if split == "dev" else ~in_dev].reset_index(drop=True)


def _dataset(df: pd.DataFrame, task: str) -> datasets.Dataset:
    import datasets

    return datasets.Dataset.from_pandas(df, features=features(task), preserve_index=False)


def _limit(df: pd.DataFrame, limit: int | None) -> pd.DataFrame:
    """At most ``limit`` rows: a seeded random sample, so every label/target has a chance."""
    if limit is None or len(df) <= limit:
        return df
    return df.sample(n=limit, random_state=0).reset_index(drop=True)


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")


def load_corpus(
    name: str,
    data_dir: str | Path | None = None,
    split: str = "train",
    limit: int | None = None,
    registry: Path | str | None = None,
    task: str | None = None,
) -> datasets.Dataset:
    """One corpus in its task's common schema.

    ``split``: ``train`` | ``dev`` | ``test`` | ``all`` (= train + dev, never test).
    ``limit``: keep at most this many rows (a seeded random sample). ``name`` may be
    ``hf:<hub id or local directory>`` of a dataset already in a common schema; ``task``
    then names the schema (inferred from the columns when omitted).
    Raises :class:`DataError` naming the path when the corpus or a split is missing.
    """
    _check_split(split)
    if name.startswith(_HF_PREFIX):
        return _load_hf(name, split, task, limit)
    spec = get_corpus(name, registry)
    if task is not None and task != spec.task:
        raise DataError(f"corpus {name!r} is a {spec.task} corpus, not {task}")
    if split == "all":
        import pandas as pd

        # "unseen_target" dev drops the dev comments' rows on seen targets: "all" keeps them
        splits = ("train", "unseen") if spec.dev == "unseen_target" else ("train", "dev")
        parts = [_frame(spec, data_dir, s, registry) for s in splits]
        df = pd.concat([p for p in parts if p is not None], ignore_index=True)
    else:
        df = _frame(spec, data_dir, split, registry)
        if df is None:
            root = _root(spec, data_dir)
            raise DataError(f"{root}: corpus {name!r} has no {split} split in this folder")
    return _dataset(_limit(df, limit), spec.task)


def load_task(
    task: str,
    names: Sequence[str] | None = None,
    data_dir: str | Path | None = None,
    split: str = "train",
    limit: int | None = None,
    registry: Path | str | None = None,
) -> datasets.Dataset:
    """Several corpora of one task concatenated (default: those with ``default = true``).

    ``limit`` applies per corpus. With ``split="test"`` corpora without a test file are
    skipped when ``names`` is None (named ones must have it).
    """
    import datasets

    schema_columns(task)
    _check_split(split)
    explicit = names is not None
    if names is None:
        names = [s.name for s in list_corpora(task, registry) if s.default]
    parts = []
    for name in names:
        if not name.startswith(_HF_PREFIX) and get_corpus(name, registry).task != task:
            raise DataError(f"corpus {name!r} is a {get_corpus(name, registry).task} corpus")
        if split == "test" and not explicit and "test" not in get_corpus(name, registry).splits:
            continue
        parts.append(load_corpus(name, data_dir, split, limit, registry, task=task))
    if not parts:
        return datasets.Dataset.from_dict({c: [] for c in schema_columns(task)}, features(task))
    return datasets.concatenate_datasets(parts)


# --------------------------------------------------------------------------- hub / local


_HF_SPLITS = {
    "train": ("train",),
    "dev": ("dev", "validation", "valid", "val"),
    "test": ("test",),
}


def _infer_task(columns: Sequence[str]) -> str:
    for task, label in (("reply_stance", "reply_stance"), ("stance", "stance")):
        if label in columns:
            return task
    if "uncivil" in columns:
        return "incivility"
    raise DataError(f"cannot tell the task of a dataset with columns {list(columns)}")


def _hub_reachable(timeout: float = 2.0) -> bool:
    """Whether the Hugging Face Hub answers a TCP connection within ``timeout`` seconds
    (honours HF_ENDPOINT; False when HF_HUB_OFFLINE is set)."""
    import os
    import socket
    from urllib.parse import urlparse

    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        return False
    url = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    try:
        port = url.port or (443 if url.scheme == "https" else 80)
        with socket.create_connection((url.hostname or "huggingface.co", port), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def _empty_files(local: Path) -> list[Path]:
    """The data files of a local dataset (a file or a directory) that hold no rows: empty,
    or whitespace only (``datasets`` fails on them with an empty message)."""
    files = [local] if local.is_file() else sorted(
        p for p in local.rglob("*") if p.is_file() and not p.name.startswith(".")
        and p.suffix.lower() in {".json", ".jsonl", ".csv", ".tsv", ".txt", ".parquet"})
    out = []
    for p in files:
        try:
            with p.open("rb") as fh:
                head = fh.read(1 << 16)
        except OSError:
            continue
        if not head.strip() and p.stat().st_size < (1 << 16):
            out.append(p)
    return out


def _load_hf(name: str, split: str, task: str | None, limit: int | None) -> datasets.Dataset:
    """``hf:<id or dir>``: a dataset already in a common schema (missing extras filled)."""
    import datasets

    ident = name[len(_HF_PREFIX) :]
    local = Path(ident).expanduser()
    if not local.exists() and not _hub_reachable():
        # offline: use the local Hugging Face cache only, instead of ~30 s of retries
        datasets.config.HF_HUB_OFFLINE = True
    with _quiet():
        try:
            dd = datasets.load_dataset(str(local) if local.exists() else ident)
        except Exception as exc:
            offline = " (the Hub is unreachable and the dataset is not in the local cache)"
            hint = offline if datasets.config.HF_HUB_OFFLINE else ""
            empty = _empty_files(local) if local.exists() else []
            why = (f"{', '.join(map(str, empty))} {'is' if len(empty) == 1 else 'are'} empty "
                   "(no rows)" if empty else str(exc) or type(exc).__name__)
            raise DataError(f"{ident}: cannot load dataset{hint}: {why}") from exc
    if isinstance(dd, datasets.Dataset):
        dd = datasets.DatasetDict({"train": dd})
    avail = {s: next((c for c in _HF_SPLITS[s] if c in dd), None) for s in _HF_SPLITS}
    if avail["train"] is None:
        raise DataError(f"{ident}: dataset has no train split (has {list(dd)})")
    if len(dd[avail["train"]]) == 0:
        raise DataError(f"{ident}: the dataset's {avail['train']} split has no rows")
    task = task or _infer_task(dd[avail["train"]].column_names)
    spec = CorpusSpec(name=name, task=task, domain="news", licence="see dataset card")

    def frame(s: str) -> pd.DataFrame:
        df = dd[avail[s]].to_pandas()
        missing = [c for c in schema_columns(task) if c not in df.columns]
        required = [c for c in missing if c not in (*INCIVILITY_KINDS, *_COMMON, "source_text")]
        if required:
            raise DataError(
                f"{ident}: {task} dataset lacks columns {required} (its columns: "
                f"{list(df.columns)}); rename them, or register the dataset with a `columns` "
                "mapping: README.md, \"Train on your own labels: mapping your columns\"")
        spec_cols = {c: c for c in schema_columns(task) if c in df.columns and c not in _COMMON}
        if "domain" in df.columns:
            spec_cols["domain"] = "domain"
        group = "group" if "group" in df.columns else "text"
        s_spec = _replace(spec, columns=spec_cols, group=group)
        return _to_schema(df, s_spec, f"{name} ({avail[s]} split)")

    if split == "test":
        if avail["test"] is None:
            raise DataError(f"{ident}: dataset has no test split")
        return _dataset(_limit(frame("test"), limit), task)
    train = frame("train")
    if avail["dev"] is not None:
        dev = frame("dev")
    else:
        in_dev = dev_mask(train["group"])
        train, dev = train[~in_dev], train[in_dev]
    import pandas as pd

    chosen = {"train": train, "dev": dev, "all": pd.concat([train, dev])}[split]
    return _dataset(_limit(chosen.reset_index(drop=True), limit), task)


# --------------------------------------------------------------------------- summary


def summary(
    task: str | None = None,
    data_dir: str | Path | None = None,
    registry: Path | str | None = None,
) -> list[dict[str, Any]]:
    """Rows, label balance and load seconds per corpus and split (missing corpora noted)."""
    import time

    out = []
    for spec in list_corpora(task, registry):
        for split in spec.splits:
            t0 = time.perf_counter()
            try:
                df = load_corpus(spec.name, data_dir, split, registry=registry).to_pandas()
            except DataError as exc:
                out.append({"corpus": spec.name, "split": split, "error": str(exc)})
                break
            label = _LABEL_COLUMN.get(spec.task)
            balance = (
                df[label].value_counts().to_dict()
                if label
                else {"uncivil>=0.5": int((df["uncivil"] >= 0.5).sum())}
            )
            out.append(
                {
                    "corpus": spec.name,
                    "task": spec.task,
                    "split": split,
                    "rows": len(df),
                    "groups": int(df["group"].nunique()),
                    "balance": balance,
                    "seconds": round(time.perf_counter() - t0, 2),
                }
            )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m stance.corpora [--data-dir DIR] [--task T]``: rows per corpus and split,
    then the time to load each task's default corpora (train + dev)."""
    import argparse
    import time

    ap = argparse.ArgumentParser(prog="python -m stance.corpora", description=main.__doc__)
    ap.add_argument("--data-dir", default=None, help="corpora directory ($STANCE_DATA_DIR)")
    ap.add_argument("--task", choices=TASKS, default=None)
    args = ap.parse_args(argv)
    for row in summary(args.task, args.data_dir):
        if "error" in row:
            print(f"{row['corpus']:38} {row['split']:5} MISSING  {row['error']}")
            continue
        print(
            f"{row['corpus']:38} {row['split']:5} {row['rows']:7,d} rows "
            f"{row['groups']:6,d} groups {row['seconds']:5.2f}s  {row['balance']}"
        )
    for task in (args.task,) if args.task else TASKS:
        t0 = time.perf_counter()
        n = {s: len(load_task(task, data_dir=args.data_dir, split=s)) for s in ("train", "dev")}
        print(
            f"load_task({task!r}) default corpora: train {n['train']:,} + dev {n['dev']:,} "
            f"rows in {time.perf_counter() - t0:.1f}s"
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
