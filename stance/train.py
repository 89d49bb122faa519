"""Train a model set from a training config and write it with its model card.

``training/default.toml`` names one config per task (``training/<task>.toml``); each task
config lists the corpora it learns from (names in ``training/corpora.toml``) and the
hyperparameters its module's ``fit`` reads. The model set directory receives one fitted
Pipeline per task (``<task>.joblib``), ``model_card.json`` (data sources and row counts,
licences, library versions, sha256 of every file, dev metrics) and a readable ``MODEL_CARD.md``.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import platform
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stance.errors import DataError
from stance.options import TrainOptions
from stance.progress import Progress, log
from stance.resources import data_dir as resolve_data_dir
from stance.resources import training_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class TaskSpec:
    module: str  # module with ``fit(train, dev, config, seed)``
    corpus_task: str  # task name in the corpus registry
    filename: str


TASKS: dict[str, TaskSpec] = {
    "incivility": TaskSpec("stance.incivility", "incivility", "incivility.joblib"),
    "stance": TaskSpec("stance.targeted", "stance", "stance.joblib"),
    "reply": TaskSpec("stance.reply", "reply_stance", "reply.joblib"),
    "splitter": TaskSpec("stance.splitter.learn", "splitter", "splitter.joblib"),
}


def read_config(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise DataError(f"{path}: training config not found")
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{path}: not valid TOML ({exc})") from exc
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from exc


def task_config(main: dict[str, Any], task: str, base: Path,
                overrides: dict[str, object]) -> dict[str, Any]:
    section = dict(main.get(task, {}))
    cfg: dict[str, Any] = {}
    if "config" in section:
        cfg.update(read_config(base / section.pop("config")))
    cfg.update(section)
    for key, value in overrides.items():
        head, _, rest = key.partition(".")
        if head == task and rest:
            cfg[rest] = value
    return cfg


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("stance", "scikit-learn", "numpy", "scipy", "joblib", "datasets", "pandas"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def corpus_sources(dataset, corpus_task: str) -> list[dict[str, Any]]:
    """Row counts per corpus in ``dataset`` with each corpus's licence terms."""
    from stance.corpora import list_corpora

    specs = {c.name: c for c in list_corpora()}
    counts = Counter(dataset["corpus"]) if dataset is not None and len(dataset) else Counter()
    out = []
    for name, n in sorted(counts.items()):
        spec = specs.get(name)
        out.append({
            "name": name,
            "rows": int(n),
            "licence": getattr(spec, "licence", "unknown"),
            **licence_flags(spec),
        })
    return out


def licence_flags(spec: Any) -> dict[str, bool]:
    """The licence flags of a corpus spec (all False for an unregistered one, e.g. hf:)."""
    return {flag: bool(getattr(spec, flag, False)) for flag in LICENCE_FLAGS}


#: The registry's licence flags that every card source carries (training/corpora.toml).
LICENCE_FLAGS = ("noncommercial", "sharealike", "research_only")


def _fit_task(task: str, cfg: dict[str, Any], options: TrainOptions, data: Path | None,
              progress: Progress) -> tuple[Any, dict[str, Any]]:
    spec = TASKS[task]
    module = importlib.import_module(spec.module)
    if task == "splitter":
        t0 = time.perf_counter()
        with progress.stage("splitter: fitting the block classifier on Dragnet pages"):
            pipe = module.fit(data, options, config=cfg, log=log.info)
        dev = {}
        if cfg.get("part", "train") == "train":  # the dev pages were held out: score them
            from stance.splitter.metrics import dragnet_dev_metrics

            with progress.stage("splitter: scoring the Dragnet dev pages"):
                dev = {"dragnet-dev": dragnet_dev_metrics(pipe, data, limit=options.limit)}
        return pipe, {
            "dev": dev,
            "fit_seconds": round(time.perf_counter() - t0, 1),
            "sources": {"train": [{
                "name": "dragnet", "rows": None, "licence": "AGPL-3.0 (seomoz/dragnet_data)",
                "noncommercial": False, "sharealike": True, "research_only": False}]},
            "notes": "Block classifier trained on the Dragnet training pages minus the dev "
                     "pages; dev = those pages, scored as benchmarks/split_bench.py does "
                     "(which also runs trafilatura on them and times both).",
        }
    from stance.corpora import load_task

    names = cfg.get("corpora")
    with progress.stage(f"{task}: loading corpora"):
        train = load_task(spec.corpus_task, names, data_dir=data, split="train",
                          limit=options.limit)
        dev = load_task(spec.corpus_task, names, data_dir=data, split="dev",
                        limit=options.limit)
    log.info("%s: %d train rows, %d dev rows", task, len(train), len(dev))
    t0 = time.perf_counter()
    with progress.stage(f"{task}: fitting on {len(train):,} rows"):
        pipe, info = module.fit(train, dev, cfg, seed=options.seed)
    info = dict(info)
    info["fit_seconds"] = round(time.perf_counter() - t0, 1)
    info["sources"] = {"train": corpus_sources(train, spec.corpus_task),
                       "dev": corpus_sources(dev, spec.corpus_task)}
    _note_rows_trained(info)
    _warn_dropped_heads(task, info, train)
    return pipe, info


def _note_rows_trained(info: dict[str, Any]) -> None:
    """Give each train source the rows the model was fitted on (``rows_trained``) where the
    task reports them per corpus and they differ from the rows read (de-duplication, empty
    texts, built negatives)."""
    used = info.get("train_rows")
    used = used.get("per_corpus", used) if isinstance(used, dict) else None
    if not isinstance(used, dict):
        return
    for src in info["sources"]["train"]:
        n = used.get(src["name"])
        if isinstance(n, int) and n != src["rows"]:
            src["rows_trained"] = n


def _warn_dropped_heads(task: str, info: dict[str, Any], train) -> None:
    """Warn for each incivility kind head the training rows label but the model dropped
    (too few positives: ``min_head_positives``, or too few negatives)."""
    dropped = info.get("dropped_heads") or []
    names = set(getattr(train, "column_names", None) or getattr(train, "columns", []))
    minimum = (info.get("config") or {}).get("min_head_positives")
    for head in dropped:
        if head not in names:
            continue
        values = [v for v in train[head] if v is not None and v == v]
        if not values:
            continue  # no row labels it: nothing was lost
        pos = sum(float(v) >= 0.5 for v in values)
        log.warning("%s: kind head %r dropped: %d positive train rows (of %d labelled, before "
                    "de-duplication); a kind head needs min_head_positives = %s positives and "
                    "10 negatives. This model set reports no %r kind; lower min_head_positives "
                    "in the task config or add labelled rows", task, head, pos, len(values),
                    minimum, head)


def train(options: TrainOptions | None = None, progress: Progress | None = None) -> dict[str, Any]:
    """Train the tasks in ``options.tasks`` and write the model set; return its card, plus
    ``trained``: the tasks this call fitted (the card's other tasks were copied or kept;
    ``trained`` is not written to the card). The set is written into a hidden directory inside
    ``options.output_dir`` whose files replace their namesakes there when every task
    succeeded: a failed run leaves the output directory as it was."""
    options = options or TrainOptions()
    progress = progress or Progress(enabled=False)
    base = training_dir()
    config_path = Path(options.config) if options.config else base / "default.toml"
    main = read_config(config_path)
    unknown = [t for t in options.tasks if t not in TASKS]
    if unknown:
        raise DataError(f"unknown task(s) {unknown}; choose from {sorted(TASKS)}")
    wanted = _wanted_tasks(main, options.tasks, config_path)
    cfgs = {t: task_config(main, t, config_path.parent, options.overrides) for t in wanted}
    data = resolve_data_dir(options.data_dir)
    if data is None and any(_needs_data_dir(t, cfg) for t, cfg in cfgs.items()):
        raise DataError("no data directory: pass --data-dir or set STANCE_DATA_DIR "
                        "(see data/README.md for where to get each corpus)")
    if data is not None and not data.is_dir():
        raise DataError(f"{data}: data directory not found (see data/README.md)")
    out = Path(options.output_dir)
    if out.exists() and not out.is_dir():
        raise DataError(f"{out}: exists and is not a directory (--output-dir names a model "
                        "directory)")
    # trained into a hidden staging directory inside `out`, whose files replace their
    # namesakes in `out` only when every task succeeded: a failed run leaves `out` as it was
    # (absent, or its previous model set). Inside, not beside: `out` may be a mount point or
    # sit in a directory this user cannot write.
    created = not out.exists()
    work = _staging_dir(out)
    try:
        card = _train_into(work, out, options, progress, main, wanted, cfgs, data, config_path)
        _move_into_place(work, out)
    except BaseException:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
        if created:
            shutil.rmtree(out, ignore_errors=True)  # (it held only the staging directory)
        raise
    return card


def _staging_dir(out: Path) -> Path:
    """A new hidden directory inside ``out`` (made if absent) with a copy of each file of
    ``out`` (the current model set and its card)."""
    import os
    import shutil

    out.mkdir(parents=True, exist_ok=True)
    work = out / f".stance-train.{os.getpid()}.part"
    if work.exists():  # left by a killed run that had this process id
        shutil.rmtree(work)
    work.mkdir()
    for p in out.iterdir():
        if p.is_file() and not p.name.startswith("."):
            shutil.copy2(p, work / p.name)
    return work


def _move_into_place(work: Path, out: Path) -> None:
    """Each file of ``work`` replaces its namesake in ``out`` (``os.replace``, atomic per
    file), the model cards last, so a card never names files that are not there yet."""
    import os

    cards = ("model_card.json", "MODEL_CARD.md")
    for p in sorted(work.iterdir(), key=lambda p: (p.name in cards, p.name)):
        os.replace(p, out / p.name)
    work.rmdir()


def _train_into(work: Path, out: Path, options: TrainOptions, progress: Progress,
                main: dict[str, Any], wanted: list[str], cfgs: dict[str, dict[str, Any]],
                data: Path | None, config_path: Path) -> dict[str, Any]:
    """``train`` writing into ``work``, the copy of ``out`` (named after ``out``)."""
    import joblib

    card_path = work / "model_card.json"
    if not card_path.exists() and set(options.tasks) < set(TASKS):
        _copy_base_set(work, out)
    card = _read_card(card_path) if card_path.exists() else {}
    card.setdefault("tasks", {})
    command = ("stance train " + " ".join(sys.argv[2:]) if sys.argv[1:2] == ["train"]
               else "stance.train.train()")
    for task in wanted:
        cfg = cfgs[task]
        pipe, info = _fit_task(task, cfg, options, data, progress)
        path = work / TASKS[task].filename
        tmp = path.with_suffix(".tmp")
        save = getattr(importlib.import_module(TASKS[task].module), "save", None)
        if save is not None:  # a module may shrink its pipeline (e.g. float32 weights)
            save(pipe, tmp)
        else:
            joblib.dump(pipe, tmp, compress=3)
        tmp.replace(path)
        info.update({"file": path.name, "bytes": path.stat().st_size, "config": cfg,
                     "built": {"created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                               "command": command, "seed": options.seed}})
        card["tasks"][task] = card_info(info)
        log.info("%s: wrote %s (%.1f MB)", task, out / path.name, path.stat().st_size / 1e6)
    card.update({
        "name": main.get("name", out.resolve().name),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": command,
        "config": str(config_path.name),
        "seed": options.seed,
        "limit": options.limit,
        "versions": library_versions(),
    })
    card["files"] = {p.name: {"sha256": sha256(p), "bytes": p.stat().st_size}
                     for p in sorted(work.iterdir())
                     if p.is_file() and p.suffix == ".joblib"}
    _write_card(work, card)
    return {**card, "trained": list(wanted)}


def _wanted_tasks(main: dict[str, Any], requested: tuple[str, ...] | list[str],
                  config_path: Path) -> list[str]:
    """The tasks to train, in the config's order: the requested ones the config lists.

    Asking for a task the config does not list is an error (it would train nothing yet
    rewrite the model card), unless no task was singled out (all of them requested: the
    default, which trains whatever the config lists)."""
    listed = main.get("tasks", list(TASKS))
    if not isinstance(listed, list) or not all(isinstance(t, str) for t in listed):
        raise DataError(f"{config_path}: 'tasks' must be a list of task names")
    wanted = [t for t in listed if t in requested]
    missing = [t for t in requested if t not in listed]
    if not wanted or (missing and set(requested) != set(TASKS)):
        raise DataError(
            f"{config_path}: its tasks are {listed}, not {missing or list(requested)}: "
            f"choose --task from those, or add the task to the config's `tasks` list "
            f"(with a `{(missing or list(requested))[0]}` table naming its config)")
    return wanted


def _needs_data_dir(task: str, cfg: dict[str, Any]) -> bool:
    """Whether training ``task`` reads the data directory: the splitter (Dragnet pages) and
    every task with a registered corpus (no ``corpora`` list = the registry's defaults);
    a task whose corpora are all ``hf:`` datasets does not."""
    from stance.corpora import _HF_PREFIX

    names = cfg.get("corpora")
    if task == "splitter" or not names:
        return True
    names = [names] if isinstance(names, str) else names
    return any(not str(n).startswith(_HF_PREFIX) for n in names)


def refresh_licences(model_dir: str | Path) -> dict[str, Any]:
    """Rewrite the licence flags and notice of an existing model set's card from the current
    registry, without retraining: every train/dev source named in the registry gets its
    flags (noncommercial, sharealike, research_only; sources the registry does not name,
    such as ``hf:`` datasets or dragnet, keep theirs); then ``licence_notice`` and
    ``MODEL_CARD.md`` are written again. The model files and their hashes are not touched.

    ``python -c "from stance.train import refresh_licences; refresh_licences('models/default')"``
    """
    out = Path(model_dir)
    card = _read_card(out / "model_card.json")
    _write_card(out, card)
    return card


def _read_card(card_path: Path) -> dict[str, Any]:
    try:
        return json.loads(card_path.read_text("utf-8"))
    except (ValueError, OSError) as exc:
        raise DataError(f"{card_path}: not a readable model card ({exc})") from exc


def _write_card(out: Path, card: dict[str, Any]) -> None:
    """Licence flags, notice and resources refreshed, then ``model_card.json`` and
    ``MODEL_CARD.md`` written in ``out``."""
    _refresh_flags(card)
    card["licence_notice"] = licence_notice(card)
    card["resources"] = resources(card)
    (out / "model_card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n",
                                         "utf-8")
    (out / "MODEL_CARD.md").write_text(render_card(card), "utf-8")


def _refresh_flags(card: dict[str, Any]) -> None:
    """Set the licence flags of every source in ``card`` that the registry names (tasks
    copied from an older card may lack a flag added since, such as ``research_only``)."""
    from stance.corpora import list_corpora

    specs = {c.name: c for c in list_corpora()}
    for info in card.get("tasks", {}).values():
        for sources in info.get("sources", {}).values():
            for src in sources:
                if src.get("name") in specs:  # others (hf:, dragnet) keep what they have
                    src.update(licence_flags(specs[src["name"]]))


def resources(card: dict[str, Any]) -> list[dict[str, Any]]:
    """What the model set uses besides its training corpora, with provenance and licence:
    the static embedding table (read from its own ``card.json``) when a task's config has
    ``embeddings`` on, and VADER's polarity lexicon when the stance config has ``cues`` on."""
    configs = [info.get("config") or {} for info in card.get("tasks", {}).values()]
    out: list[dict[str, Any]] = []
    if any(c.get("embeddings") for c in configs):
        from stance.embeddings import DEFAULT_TABLE, embeddings_dir

        try:
            table = json.loads((embeddings_dir() / DEFAULT_TABLE / "card.json").read_text("utf-8"))
        except (OSError, ValueError):
            table = {}
        src = table.get("source", {})
        out.append({"name": f"embedding table {DEFAULT_TABLE}",
                    "what": table.get("description", "static token vectors"),
                    "source": src.get("model"), "licence": src.get("licence"),
                    "source_weights_sha256": src.get("weights_sha256"),
                    "recipe": table.get("build", {}).get("command")})
    if any(c.get("cues") for c in configs):
        from importlib.metadata import PackageNotFoundError, version

        try:
            vader = version("vaderSentiment")
        except PackageNotFoundError:
            vader = None
        out.append({"name": "VADER polarity lexicon", "what": "word valences for the stance "
                    "cue columns (stance.cues), stored in the stance model",
                    "source": f"vaderSentiment {vader or ''}".strip(), "licence": "MIT"})
    return out


def _copy_base_set(out: Path, name: Path | None = None) -> None:
    """Start a new model directory from the shipped set, so that retraining some tasks
    into it gives a complete, usable set (the others keep the shipped models and card).
    ``name``: the directory ``out`` becomes (``out`` may be a staging copy of it)."""
    import shutil

    from stance.resources import default_model_dir

    base = default_model_dir()
    name = out if name is None else name
    if not (base / "model_card.json").exists() or base.resolve() == name.resolve():
        return
    for fname in ["model_card.json", *(spec.filename for spec in TASKS.values())]:
        if (base / fname).exists() and not (out / fname).exists():
            shutil.copy2(base / fname, out / fname)
    log.info("%s: started from the shipped model set %s (other tasks are copied)", name, base)


def licence_notice(card: dict[str, Any]) -> str:
    """The card's plain-language licence summary, from the flags of its training sources:
    non-commercial, share-alike, and research-only (no licence stated, or "do not
    redistribute") corpora are each named."""
    nc, sa, ro = set(), set(), set()
    for info in card.get("tasks", {}).values():
        for src in info.get("sources", {}).get("train", []):
            if src.get("noncommercial"):
                nc.add(src["name"])
            if src.get("sharealike"):
                sa.add(src["name"])
            if src.get("research_only"):
                ro.add(src["name"])
    parts = ["The code of stance is Apache-2.0. Trained weights inherit the terms of their data."]
    if nc:
        parts.append("NON-COMMERCIAL: this model set is trained on " + ", ".join(sorted(nc))
                     + " (non-commercial licence); do not use it commercially.")
    if sa:
        parts.append("SHARE-ALIKE: trained on " + ", ".join(sorted(sa))
                     + "; derived models may have to be shared under the same terms.")
    if ro:
        parts.append("RESEARCH ONLY: trained on " + ", ".join(sorted(ro))
                     + ", released for research with no licence stated or with a \"do not "
                     "redistribute\" condition; use this model set for research only, and "
                     "check each corpus's terms (training/corpora.toml, its SOURCE.md) before "
                     "any other use or before redistributing the weights.")
    return " ".join(parts)


#: Entries of a task's card info written with every digit: hyperparameters (``config``: a
#: rounded ``alpha = 2e-5`` would read 0.0) and decision thresholds (the label is
#: ``score >= threshold_`` exactly). Everything else (metrics) is rounded to 4 decimals.
EXACT_KEYS = ("config", "threshold", "kind_thresholds")


def card_info(info: dict[str, Any]) -> dict[str, Any]:
    """A task's info as the card stores it: JSON types, metrics rounded, ``EXACT_KEYS`` not."""
    return {str(k): _jsonable(v, None if k in EXACT_KEYS else 4) for k, v in info.items()}


def _jsonable(obj: Any, digits: int | None = 4) -> Any:
    """``obj`` in JSON types; floats rounded to ``digits`` decimals (None: not rounded)."""
    import numpy as np

    if isinstance(obj, dict):
        return {str(k): _jsonable(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v, digits) for v in obj]
    if isinstance(obj, (np.floating, float)):
        if obj != obj:
            return None
        return float(obj) if digits is None else round(float(obj), digits)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, (str, int, bool)) or obj is None:
        return obj
    if isinstance(obj, Path):
        return str(obj)
    return repr(obj)


def _n(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else "-"


def render_card(card: dict[str, Any]) -> str:
    """A readable Markdown rendering of ``model_card.json``."""
    lines = [f"# Model card: {card.get('name', 'stance model set')}", "",
             f"Last written {card.get('created')} by `{card.get('command')}` "
             f"(seed {card.get('seed')}); each task below says how it was built.",
             "", "## Licence", "", card.get("licence_notice", ""), "", "## Files", "",
             "| file | bytes | sha256 |", "|---|---:|---|"]
    for name, f in card.get("files", {}).items():
        lines.append(f"| {name} | {f['bytes']:,} | `{f['sha256']}` |")
    lines += ["", "## Library versions", ""]
    lines += [f"- {k}: {v}" for k, v in card.get("versions", {}).items()]
    if card.get("resources"):
        lines += ["", "## Resources (besides the training corpora)", "",
                  "| resource | what | source | licence | source sha256 |", "|---|---|---|---|---|"]
        for r in card["resources"]:
            sha = r.get("source_weights_sha256")
            lines.append(f"| {r['name']} | {r.get('what') or ''} | {r.get('source') or ''} | "
                         f"{r.get('licence') or 'unknown'} | {f'`{sha}`' if sha else '-'} |")
    for task, info in card.get("tasks", {}).items():
        lines += ["", f"## Task: {task}", ""]
        built = info.get("built")
        if built:
            lines += [f"Built {built['created']} by `{built['command']}` (seed {built['seed']}).",
                      ""]
        if "threshold" in info:
            lines.append(f"Decision threshold (chosen on dev): **{info['threshold']}** "
                         "(`label` is the unrounded score >= this value)")
            lines.append("")
        srcs = info.get("sources", {})
        if srcs.get("train"):
            lines += ["| corpus | train rows | dev rows | licence |", "|---|---:|---:|---|"]
            dev = {s["name"]: s["rows"] for s in srcs.get("dev", [])}
            for s in srcs["train"]:
                flags = " (NC)" if s.get("noncommercial") else ""
                flags += " (SA)" if s.get("sharealike") else ""
                flags += " (research only)" if s.get("research_only") else ""
                rows = _n(s["rows"])
                if "rows_trained" in s:  # after de-duplication (and built rows)
                    rows = f"{_n(s['rows_trained'])} trained ({rows} read)"
                lines.append(f"| {s['name']} | {rows} | {_n(dev.get(s['name']))} | "
                             f"{s['licence']}{flags} |")
            lines.append("")
        module = importlib.import_module(TASKS[task].module) if task in TASKS else None
        tables = getattr(module, "card_markdown", None)
        if tables is not None and info.get("dev"):
            lines.append(tables(info))
        elif info.get("dev"):
            lines += ["Dev metrics:", "", "```json", json.dumps(info["dev"], indent=1), "```"]
        again = info.get("remeasured")
        if again:  # the same model file, measured again after the code around it changed
            lines += ["", f"Re-measured {again['when']} with the code of commit "
                      f"{again['commit']}, same model file (`{again['command']}`):", "",
                      "```json", json.dumps(again["dev"], indent=1), "```"]
    return "\n".join(lines) + "\n"
