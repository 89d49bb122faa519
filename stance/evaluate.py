"""Evaluate a model set on labelled rows.

Rows are comment records with gold labels:

- ``target`` + ``stance`` (favor/against/none) count for stance (``f_avg``, ``macro_f1``);
- ``uncivil`` counts for incivility (``auc``, ``ap``, ``f1`` at the incivility model's threshold_):
  0 or 1, true/false, or a fraction from 0 to 1 (Civil Comments' share of raters), which is
  binarised at 0.5 (>= 0.5 counts as uncivil; the run logs how many labels were fractions).
  Anything else (``"yes"``, 7, 0-1 outside the range such as a 1/2 coding) is an error for
  that row. A row may also carry gold kinds (``insult`` ...), read the same way;
- ``reply_stance`` (support/deny/query/comment) with the parent comment counts for reply
  stance: ``parent_text``, or a ``parent_id`` naming the ``id`` of an earlier row of the
  same file (resolved as ``stance score`` does; a row whose parent cannot be found is left
  out and counted in a warning).

Metrics that need both classes (AUC, AP and the identity-bias table) are NaN when every
incivility label is the same class (a sample of flagged comments only); the run says so.

``f_avg`` is SemEval-2016's measure: the mean of F1(favor) and F1(against).
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from stance.io import Record, error_record, is_error, read_numbered, validate
from stance.options import EvaluateOptions
from stance.progress import log

STANCE_LABELS = ("favor", "against", "none")
REPLY_LABELS = ("support", "deny", "query", "comment")


# -- metrics -------------------------------------------------------------------------------
def stance_metrics(gold: Sequence[str], pred: Sequence[str]) -> dict[str, float]:
    from sklearn.metrics import f1_score

    per = f1_score(gold, pred, labels=list(STANCE_LABELS), average=None, zero_division=0)
    present = [lab for lab in STANCE_LABELS if lab in set(gold)]
    macro = f1_score(gold, pred, labels=present, average="macro", zero_division=0)
    return {"f_avg": float((per[0] + per[1]) / 2), "macro_f1": float(macro), "n": len(gold)}


def reply_metrics(gold: Sequence[str], pred: Sequence[str]) -> dict[str, float]:
    from sklearn.metrics import f1_score

    macro = f1_score(gold, pred, labels=list(REPLY_LABELS), average="macro", zero_division=0)
    return {"macro_f1": float(macro), "n": len(gold)}


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """ECE with equal-width bins: sum over bins of |accuracy - confidence| weighted by size."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        mask = idx == b
        if mask.any():
            ece += mask.mean() * abs(y[mask].mean() - p[mask].mean())
    return float(ece)


def binary_metrics(y: Sequence[int], p: Sequence[float], threshold: float) -> dict[str, float]:
    from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

    y = np.asarray(y, dtype=int)
    p = np.asarray(p, dtype=float)
    two = len(set(y.tolist())) == 2
    return {
        "auc": float(roc_auc_score(y, p)) if two else math.nan,
        "ap": float(average_precision_score(y, p)) if two else math.nan,
        "f1": float(f1_score(y, p >= threshold, zero_division=0)),
        "n": int(len(y)),
        "ece": expected_calibration_error(y, p),
        "positives": int(y.sum()),
    }


# -- rows ------------------------------------------------------------------------------------
def _is_label(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def load_rows(spec: str, data_dir: str | Path | None = None, limit: int | None = None,
              fields: dict[str, str] | None = None) -> tuple[list[Record], list[Record]]:
    """Rows of a JSONL file, of ``corpus:NAME[:SPLIT]`` (a registered corpus, default split
    ``dev``), or of ``hf:<hub id or local dataset directory>`` (a dataset in a common schema;
    its dev split, carved from train when it has none). ``fields``: a file's fields read
    under schema names (``stance.io.read_records``).

    Returns ``(rows, errors)``: unreadable lines become error records, never dropped silently.
    """
    if spec.startswith(("corpus:", "hf:")):
        from stance.corpora import SPLITS, load_corpus
        from stance.errors import DataError

        if spec.startswith("hf:"):
            name, split = spec, "dev"
        else:
            parts = spec.split(":")
            name, split = parts[1], (parts[2] if len(parts) > 2 else "dev")
            if len(parts) > 3 or not name or split not in SPLITS:
                raise DataError(f"{spec}: expected corpus:NAME[:SPLIT] with SPLIT one of "
                                f"{', '.join(SPLITS)} (a dataset directory is hf:<path>)")
        ds = load_corpus(name, data_dir=data_dir, split=split, limit=limit)
        return ds.to_list(), []
    why = not_rows_file(spec)
    if why:
        from stance.errors import InputError

        raise InputError(why, spec)
    rows, errors = [], []
    from stance.io import _format

    table = _format(spec) in ("csv", "tsv")
    for line, rec in read_numbered(spec, fields):
        if table and not is_error(rec):  # an empty CSV cell is no label (nor a parent_id)
            rec = {k: v for k, v in rec.items() if v != "" or k == "text"}
        why = None if is_error(rec) else label_problem(rec)
        if why:
            rid = rec.get("id") if isinstance(rec, dict) else None
            rec = error_record(why, line, spec, id=rid if isinstance(rid, (str, int)) else None)
        (errors if is_error(rec) else rows).append(rec)
        if limit and len(rows) >= limit:
            break
    return rows, errors


#: Non-blank lines ``not_rows_file`` reads from the start of a JSONL file.
_SNIFF_LINES = 5


def not_rows_file(path: str | Path) -> str | None:
    """Why the file at ``path`` holds no labelled rows at all, found from its first lines (a
    page, a text dump): one clear error instead of one "not valid JSON" per line. None for
    stdin, CSV/TSV, XML (a Disqus export or an error of its own), and any file whose first
    non-blank lines include one that starts like a JSON object."""
    from stance.io import _format, open_text

    if str(path) == "-" or _format(path) != "jsonl" or not Path(path).is_file():
        return None
    head: list[str] = []
    with open_text(path) as fh:
        for raw in fh:
            if raw.strip():
                head.append(raw.strip())
                if len(head) >= _SNIFF_LINES:
                    break
    if not head or any(line.startswith("{") for line in head):
        return None
    from stance.exports import is_disqus_export

    if is_disqus_export(path):
        return None
    hint = ("evaluate reads labelled rows: JSONL (one JSON object per line) or CSV/TSV with a "
            "header row, named .csv/.tsv")
    if head[0].startswith("<"):
        return (f"starts with markup, so it looks like a page or an XML file, not labelled "
                f"rows; {hint}. To evaluate on a page's comments, `stance split` it, add "
                f"labels to the comments, and evaluate that file")
    return f"not JSONL: none of its first {len(head)} non-blank lines is a JSON object; {hint}"


def _kinds() -> tuple[str, ...]:
    from stance.corpora import INCIVILITY_KINDS

    return INCIVILITY_KINDS


def label_problem(row: Record) -> str | None:
    """Why a row cannot be evaluated (no string ``text``, unusable gold labels), or None."""
    from stance.corpora import score_label

    why = validate(row)
    if why:
        return why
    if _is_label(row.get("uncivil")):
        for key in ("uncivil", *_kinds()):
            try:
                score_label(row.get(key))
            except ValueError:
                return (f"'{key}' must be 0 or 1 (or a fraction from 0 to 1, binarised at "
                        f"0.5), not {row[key]!r}")
    for key, labels in (("stance", STANCE_LABELS), ("reply_stance", REPLY_LABELS)):
        value = row.get(key)
        if _is_label(value) and str(value).lower() not in labels:
            return f"'{key}' must be one of {', '.join(labels)}, not {value!r}"
    return None


def _score(value: Any) -> float | None:
    """A validated gold incivility label as a float in [0, 1], None if absent."""
    from stance.corpora import score_label

    return score_label(value)


def _binary(value: Any) -> int | None:
    """A validated gold incivility label as 0/1 (binarised at 0.5), None if absent."""
    number = _score(value)
    return None if number is None else int(number >= 0.5)


def resolve_parents(rows: Sequence[Record]) -> tuple[list[Record], int]:
    """Give each ``reply_stance`` row without a ``parent_text`` the text of the latest
    *earlier* row whose ``id`` equals its ``parent_id`` (``stance.scorer.resolve_parents``,
    as ``stance score`` resolves it). Returns the rows (resolved ones copied, others as they
    are) and how many labelled replies named a parent that no earlier row has."""
    from stance.scorer import resolve_parents as parents_of

    rows = list(rows)
    _, parents = next(parents_of(iter(rows), len(rows)), ([], []))
    out, missing = [], 0
    for row, found in zip(rows, parents):
        parent = row.get("parent_text")
        if (_is_label(row.get("reply_stance")) and row.get("parent_id") is not None
                and not (isinstance(parent, str) and parent.strip())):
            if found is None:
                missing += 1
            else:
                row = {**row, "parent_text": found}
        out.append(row)
    return out, missing


def evaluate(rows: Iterable[Record], scorer=None, options: EvaluateOptions | None = None,
             by: str | None = None) -> dict[str, Any]:
    """Score labelled rows and return metrics per task (only the tasks present).

    With ``by`` (a row field such as ``corpus`` or ``domain``), also a ``by`` breakdown:
    ``{"by": {task: {value: metrics}}}``. Incivility details always come under
    ``by.incivility``: ``all`` (with ECE), ``kinds`` (rows with gold kinds) and ``bias``
    (Jigsaw subgroup AUC, BPSN, BNSP per identity group).
    """
    from stance.errors import DataError
    from stance.options import ScoreOptions
    from stance.scorer import Scorer

    options = options or EvaluateOptions()
    if isinstance(rows, (str, bytes, os.PathLike)):
        raise TypeError("evaluate() takes labelled rows (dicts), not a path: read them with "
                        "`from stance.evaluate import load_rows; rows, errors = load_rows(path)`"
                        " (or run `stance evaluate PATH`)")
    rows = list(rows)
    for n, row in enumerate(rows, start=1):
        why = label_problem(row) if isinstance(row, dict) else "not a dict"
        if why:
            raise DataError(f"row {n}: {why}")
    rows, orphans = resolve_parents(rows)
    if orphans:
        log.warning("%d reply_stance row(s) have a parent_id that no earlier row's id matches "
                    "and no parent_text: left out of reply stance", orphans)
    scorer = scorer or Scorer(options.model_dir, ScoreOptions(threshold=options.threshold))
    result: dict[str, Any] = {}
    breakdown: dict[str, dict[str, Any]] = {}

    st = [r for r in rows if isinstance(r.get("target"), str) and _is_label(r.get("stance"))]
    if st:
        pred = _batched(
            st, options.batch_size,
            lambda b: _stance_pred(scorer, b))
        gold = [str(r["stance"]).lower() for r in st]
        result["stance"] = stance_metrics(gold, pred)
        if by:
            breakdown["stance"] = _grouped(st, by, gold, pred, stance_metrics)

    inc = [r for r in rows if _binary(r.get("uncivil")) is not None]
    if inc:
        heads, proba = _inc_proba(scorer, inc, options.batch_size)
        y = [_binary(r["uncivil"]) for r in inc]
        fractions = sum(0.0 < _score(r["uncivil"]) < 1.0 for r in inc)
        if fractions:
            log.info("incivility: %d of %d 'uncivil' labels are fractions, binarised at 0.5 "
                     "(>= 0.5 counts as uncivil)", fractions, len(inc))
        thr = scorer.threshold
        full = binary_metrics(y, proba[:, 0], thr)
        full.update(binarised_at=0.5, fractional_labels=fractions)
        result["incivility"] = {k: full[k] for k in ("auc", "ap", "f1", "n")}
        details: dict[str, Any] = {"all": full}
        kinds = {}
        for j, head in enumerate(heads[1:], start=1):
            if head not in _kinds():
                continue
            gold = [(i, _binary(r.get(head))) for i, r in enumerate(inc)]
            mask = [i for i, v in gold if v is not None]
            yk = [v for _, v in gold if v is not None]
            if len(set(yk)) == 2:
                kinds[head] = binary_metrics(yk, proba[mask, j], 0.5)
        if kinds:
            details["kinds"] = kinds
        if len(set(y)) == 2:
            from stance.bias import bias_report

            details["bias"] = bias_report([r["text"] for r in inc], y, proba[:, 0])
        else:
            only = "uncivil (1)" if y[0] else "civil (0)"
            note = (f"every one of the {len(y)} incivility labels is {only}: AUC, AP and the "
                    "identity-bias table need both classes and are undefined (NaN)")
            log.warning("incivility: %s", note)
            details["bias"] = {"final_metric": math.nan, "note": note}
        if by:
            groups = defaultdict(list)
            for i, r in enumerate(inc):
                groups[str(r.get(by))].append(i)
            details[by] = {
                g: binary_metrics([y[i] for i in idx], proba[idx, 0], thr)
                for g, idx in sorted(groups.items())
            }
        breakdown["incivility"] = details

    rep = [r for r in rows if isinstance(r.get("parent_text"), str)
           and _is_label(r.get("reply_stance"))]
    if rep:
        pred = _batched(rep, options.batch_size, lambda b: _reply_pred(scorer, b))
        gold = [str(r["reply_stance"]).lower() for r in rep]
        result["reply_stance"] = reply_metrics(gold, pred)
        if by:
            breakdown["reply_stance"] = _grouped(rep, by, gold, pred, reply_metrics)

    if breakdown:
        result["by"] = breakdown
    return result


def _batched(rows: list[Record], size: int, fn) -> list:
    out: list = []
    for start in range(0, len(rows), size):
        out.extend(fn(rows[start:start + size]))
    return out


def _stance_pred(scorer, batch: list[Record]) -> list[str]:
    labels, proba = scorer.stance_proba(
        [r["text"] for r in batch], [r["target"] for r in batch],
        [r.get("quote") or "" for r in batch], [r.get("title") or "" for r in batch])
    return [labels[int(i)] for i in np.argmax(proba, axis=1)]


def _reply_pred(scorer, batch: list[Record]) -> list[str]:
    labels, proba = scorer.reply_proba([r["text"] for r in batch],
                                       [r["parent_text"] for r in batch])
    return [labels[int(i)] for i in np.argmax(proba, axis=1)]


def _inc_proba(scorer, rows: list[Record], size: int) -> tuple[list[str], np.ndarray]:
    heads, parts = [], []
    for start in range(0, len(rows), size):
        heads, p = scorer.incivility_proba([r["text"] for r in rows[start:start + size]])
        parts.append(p)
    return heads, np.vstack(parts)


def _grouped(rows, by, gold, pred, metric) -> dict[str, Any]:
    groups = defaultdict(list)
    for i, r in enumerate(rows):
        groups[str(r.get(by))].append(i)
    return {g: metric([gold[i] for i in idx], [pred[i] for i in idx])
            for g, idx in sorted(groups.items())}


def contract_view(result: dict[str, Any]) -> dict[str, Any]:
    """Only the contract's keys: ``{task: {metric: value}}`` for the tasks present; an
    undefined metric (NaN, e.g. AUC on one class) is None, so the JSON is strict."""
    keys = {"stance": ("f_avg", "macro_f1", "n"), "incivility": ("auc", "ap", "f1", "n"),
            "reply_stance": ("macro_f1", "n")}
    return json_safe({t: {k: result[t][k] for k in ks} for t, ks in keys.items() if t in result})


def json_safe(obj: Any) -> Any:
    """``obj`` with every NaN/inf float replaced by None (``json.dumps`` would write NaN,
    which strict JSON readers reject)."""
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
