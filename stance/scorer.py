"""Score comments for stance, incivility and reply stance with a trained model set.

A model set is a directory holding one fitted scikit-learn Pipeline per task
(``incivility.joblib``, ``stance.joblib``, ``reply.joblib``) and ``model_card.json``.
Pipelines are loaded on first use, never at import.

Example::

    from stance.scorer import load
    scorer = load()                                   # the shipped models/default
    scorer.predict("You are an idiot", target="NATO")  # {label: score}
    list(scorer.score([{"text": "NATO must stop expanding.", "target": "NATO expansion"}]))
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, islice
from pathlib import Path
from typing import Any

import numpy as np

from stance.errors import ModelError, StanceError
from stance.io import Record, dumps, error_record, is_error, validate
from stance.options import ScoreOptions
from stance.resources import default_model_dir

TASK_FILES = {"incivility": "incivility.joblib", "stance": "stance.joblib", "reply": "reply.joblib"}

#: The fields ``score`` writes into each record. An input field of the same name is kept as
#: ``input_<name>`` (``input_input_<name>`` if that is taken too, and so on), never overwritten.
OUTPUT_FIELDS = ("stance", "incivility", "reply_stance")

#: A default target (``ScoreOptions.targets``, ``--target``) or a record's own target that
#: stands for the record's ``title`` (its page's headline).
TITLE_TARGET = "@title"


def load_failure(exc: BaseException) -> str:
    """What is wrong with a model file that ``joblib.load`` could not read, in words."""
    import pickle

    what = f"{type(exc).__name__}: {exc}"
    # joblib.load of a text file or a cut-off pickle raises these (a ValueError such as
    # "invalid literal for int()" or "EOF: reading array data"), not an unpickling error
    if isinstance(exc, (pickle.UnpicklingError, KeyError, EOFError, IndexError, ValueError)):
        return (f"not a joblib pickle: the file is corrupt, truncated, or another kind of "
                f"file ({what})")
    if isinstance(exc, (ModuleNotFoundError, AttributeError, ImportError)):
        return (f"pickled by another version of stance or scikit-learn ({what}); retrain it "
                "with `stance train` or install the versions in its model card")
    return what


def _distinct(targets: Iterable[Any]) -> list[str]:
    """Non-blank string targets, each once: "Russia", " russia" and "RUSSIA" are one target
    (the first spelling is kept)."""
    seen: dict[str, str] = {}
    for t in targets:
        if isinstance(t, str) and t.strip():
            seen.setdefault(" ".join(t.lower().split()), t)
    return list(seen.values())


def record_targets(record: Record, default_targets: Sequence[str] = ()) -> list[str]:
    """Targets of a record: its ``target`` (str or list; blank ones dropped, repeats scored
    once, also when they differ only in case or spacing), else the defaults, else its
    ``title``. A target ``"@title"`` (``TITLE_TARGET``), in either list, stands for the
    record's ``title`` (dropped when the record has none): ``("Russia", "@title")`` scores
    every record toward Russia and toward its own headline."""
    title = record.get("title")
    title = title if isinstance(title, str) and title.strip() else None

    def expand(targets: Sequence[Any]) -> list[str]:
        return _distinct(title if t == TITLE_TARGET else t for t in targets)

    target = record.get("target")
    if isinstance(target, str):
        target = [target]
    if isinstance(target, list):
        own = expand(target)
        if own:
            return own
    defaults = expand(default_targets)
    if defaults:
        return defaults
    return [title] if title else []


class Scorer:
    """A loaded model set. Cheap to construct: pipelines load lazily, per task."""

    def __init__(self, model_dir: str | Path | None = None, options: ScoreOptions | None = None):
        self.options = options or ScoreOptions()
        self.model_dir = Path(model_dir or self.options.model_dir or default_model_dir())
        self._pipelines: dict[str, Any] = {}
        self._card: dict | None = None
        self._lock = threading.Lock()  # concurrent first calls load each pipeline once
        self._renamed_warned = False

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        del state["_lock"]  # locks do not pickle; a copy gets its own
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    # -- loading ---------------------------------------------------------------------------
    @property
    def card(self) -> dict:
        if self._card is None:
            path = self.model_dir / "model_card.json"
            if not path.exists():
                raise ModelError(
                    f"{self.model_dir}: not a stance model directory (no model_card.json); "
                    "train one with `stance train` or omit --model to use the shipped one"
                )
            try:
                self._card = json.loads(path.read_text(encoding="utf-8"))
            except (ValueError, OSError) as exc:
                raise ModelError(f"{path}: not a readable model card ({exc})") from exc
        return self._card

    def has(self, task: str) -> bool:
        return (self.model_dir / TASK_FILES[task]).exists()

    def pipeline(self, task: str):
        """The fitted pipeline of ``task``, loaded on first use (once, also when several
        threads ask at the same time)."""
        pipe = self._pipelines.get(task)
        if pipe is not None:
            return pipe
        with self._lock:
            if task not in self._pipelines:
                import joblib

                path = self.model_dir / TASK_FILES[task]
                if not path.exists():
                    raise ModelError(f"{path}: missing; this model set has no {task!r} model")
                try:
                    self._pipelines[task] = joblib.load(path)
                except Exception as exc:  # unpickling errors come in many types
                    raise ModelError(f"{path}: cannot be loaded ({load_failure(exc)})") from exc
            return self._pipelines[task]

    @property
    def threshold(self) -> float:
        """The incivility decision threshold: ``options.threshold``, else the fitted
        pipeline's own ``threshold_`` (unrounded; what ``pipeline.predict`` uses), else the
        model card's, else 0.5."""
        if self.options.threshold is not None:
            return float(self.options.threshold)
        if self.has("incivility"):
            pipe = self.pipeline("incivility")
            fitted = getattr(pipe[-1] if hasattr(pipe, "steps") else pipe, "threshold_", None)
            if fitted is not None:
                return float(fitted)
        return float(self.card.get("tasks", {}).get("incivility", {}).get("threshold", 0.5))

    # -- raw probabilities ------------------------------------------------------------------
    def incivility_proba(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """Calibrated probabilities, one column per head (column 0 is ``uncivil``)."""
        pipe = self.pipeline("incivility")
        proba = np.asarray(pipe.predict_proba(list(texts)))  # the normaliser reads a list
        return list(pipe[-1].heads_), proba

    def stance_proba(self, texts: Sequence[str], targets: Sequence[str],
                     quotes: Sequence[str] | None = None,
                     titles: Sequence[str] | None = None) -> tuple[list[str], np.ndarray]:
        n = len(texts)
        df = {  # a dict of lists: the pipelines' first step reads it as columns
            "text": list(texts),
            "target": list(targets),
            "quote": list(quotes) if quotes is not None else [""] * n,
            "title": list(titles) if titles is not None else [""] * n,
        }
        from stance.targeted import predict_proba  # the pipeline's, without its big hstack

        pipe = self.pipeline("stance")
        return [str(c) for c in pipe.classes_], np.asarray(predict_proba(pipe, df))

    def reply_proba(self, texts: Sequence[str], parents: Sequence[str]
                    ) -> tuple[list[str], np.ndarray]:
        pipe = self.pipeline("reply")
        df = {"text": list(texts), "parent_text": list(parents), "source_text": [""] * len(texts)}
        return [str(c) for c in pipe.classes_], np.asarray(pipe.predict_proba(df))

    # -- Detoxify-style convenience -----------------------------------------------------------
    def predict(self, text: str | Sequence[str], target: str | None = None) -> Any:
        """``{label: score}`` for one text (or a list of such dicts for a list of texts).

        Keys: ``uncivil`` and each incivility kind; with ``target`` (one string, not blank),
        also ``favor``, ``against`` and ``none`` toward it. A blank target is no target, as
        in :meth:`score`. For several targets per text, use :meth:`score` with records whose
        ``target`` is a list.
        """
        if target is not None and not isinstance(target, str):
            raise TypeError(f"predict() takes one target string, not {type(target).__name__}; "
                            "for several targets use score([{'text': ..., 'target': [...]}])")
        if target is not None and not target.strip():
            target = None
        single = isinstance(text, str)
        texts = [text] if single else list(text)
        heads, inc = self.incivility_proba(texts)
        out = [{h: float(p) for h, p in zip(heads, row)} for row in inc]
        if target is not None:
            labels, st = self.stance_proba(texts, [target] * len(texts))
            for d, row in zip(out, st):
                d.update({lab: float(p) for lab, p in zip(labels, row)})
        return out[0] if single else out

    # -- the ``score`` contract ---------------------------------------------------------------
    def score(self, records: Iterable[Record]) -> Iterator[Record]:
        """Yield one scored record per input record, in order; error records pass through.

        A record that is not a valid comment (not a dict, no string ``text``, a malformed
        ``target``) comes back as an error record ``{"error": "<records>:<n>: why", "line": n}``
        with ``n`` its 1-based position in ``records``.

        ``parent_id`` is resolved against the ids of the records before it in the stream (the
        latest with that id), so a thread in page order gets reply stance, whatever the batch
        size. With ``options.jobs > 1`` batches are scored in worker processes, still in
        order. Where the OS can fork (Linux), the workers are forked from this process once
        its models are loaded, so they start in milliseconds and share the model memory;
        elsewhere each worker imports and loads the models itself (about two seconds).
        ``jobs=0`` uses one worker per core when the input is longer than
        ``auto_jobs_batches()`` batches.
        """
        for chunk in self._scored_batches(records, as_json=False):
            yield from chunk

    def score_jsonl(self, records: Iterable[Record]) -> Iterator[str]:
        """``score``, each output record as one line of JSON (no newline), in order.

        With worker processes the records are serialised in the workers, so the parent only
        reads input and writes lines: the fast path of ``stance score``."""
        for chunk in self._scored_batches(records, as_json=True):
            yield from chunk

    def _scored_batches(self, records: Iterable[Record], as_json: bool) -> Iterator[list]:
        """The scored batches of ``records`` in order (lists of records, or of JSON lines)."""
        batches = resolve_parents(self._checked(records), self.options.batch_size,
                                  self.options.parent_memory)
        jobs = self.options.jobs
        if jobs == 0:  # auto: one worker per core, only for input worth the start-up
            least = auto_jobs_batches()
            first = list(islice(batches, least + 1))
            jobs = available_cores() if len(first) > least else 1
            batches = chain(first, batches)
        if jobs > 1 and _can_fork():
            yield from self._score_forked(batches, jobs, as_json)
        elif jobs > 1:
            from joblib import Parallel, delayed

            run = Parallel(n_jobs=jobs, return_as="generator", pre_dispatch="2*n_jobs")
            yield from run(delayed(_score_in_worker)(str(self.model_dir), self.options, b, p,
                                                     as_json) for b, p in batches)
        else:
            for batch, parents in batches:
                yield _encoded(self._score_checked(batch, parents), as_json)

    def _score_forked(self, batches: Iterator[tuple[list[Record], list[str | None]]],
                      jobs: int, as_json: bool) -> Iterator[list]:
        """Score batches in ``jobs`` processes forked from this one, ``2 * jobs`` in flight,
        yielding them in input order."""
        import multiprocessing
        from collections import deque
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        self._warm_up()  # every lazy load happens once, here, before the fork
        # the workers inherit this scorer through the fork (initargs are not pickled there)
        threads = max(1, available_cores() // jobs)  # BLAS threads per worker: no oversubscription
        pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_init_forked,
                                   initargs=(self, os.getpid(), threads))
        pending: deque = deque()
        try:
            for batch, parents in batches:
                pending.append(pool.submit(_score_in_fork, batch, parents, as_json))
                while len(pending) > 2 * jobs:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        except BrokenProcessPool as exc:
            raise StanceError(
                f"a scoring worker process died ({exc}); out of memory? Try a smaller "
                "--batch-size or fewer --jobs") from exc
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _warm_up(self) -> None:
        """Load every model (and its lazily read tables) the options will use."""
        probe = {"text": "warm up", "target": "warm up", "id": "w1"}
        self._score_checked([probe, {**probe, "id": "w2", "parent_id": "w1"}], [None, "warm up"])

    def score_batch(self, batch: list[Record], parents: list[str | None] | None = None
                    ) -> list[Record]:
        """Score one batch; ``parents[i]`` is the parent text of ``batch[i]`` (or None:
        resolved within the batch). Invalid records become error records, as in ``score``."""
        batch = list(self._checked(batch))
        if parents is None:
            parents = next(resolve_parents(iter(batch), len(batch) or 1))[1] if batch else []
        return self._score_checked(batch, parents)

    def _checked(self, records: Iterable[Any]) -> Iterator[Record]:
        """``_checked`` records, with input fields named like an output field renamed (see
        ``OUTPUT_FIELDS``); the first renaming is logged once per scorer."""
        for rec in _checked(records):
            if is_error(rec) or not any(k in rec for k in OUTPUT_FIELDS):
                yield rec
                continue
            rec, renamed = keep_input_fields(rec)
            if not self._renamed_warned:
                self._renamed_warned = True
                from stance.progress import log

                log.warning("input field %s would be overwritten by the scorer's output: kept "
                            "as %s, in every record that has it (reported once)",
                            ", ".join(renamed), ", ".join(renamed.values()))
            yield rec

    def _score_checked(self, batch: list[Record], parents: list[str | None]) -> list[Record]:
        """``score_batch`` for records already passed through ``_checked``."""
        opts = self.options
        digits = opts.precision
        valid = [i for i, r in enumerate(batch) if not is_error(r)]
        out: list[Record] = list(batch)
        if not valid:
            return out
        texts = [batch[i]["text"] for i in valid]

        heads, inc = self.incivility_proba(texts)
        thr = self.threshold
        scored = {i: dict(batch[i]) for i in valid}
        # rounded in numpy, once per array (as round(float(p), digits) but at exact decimal
        # ties, which numpy's scale-round-unscale can resolve the other way)
        flags = (inc[:, 0] >= thr).tolist()
        kinds = heads[1:] if opts.kinds else []
        for row, flag, rec in zip(np.round(inc, digits).tolist(), flags, scored.values()):
            rec["incivility"] = {"score": row[0], "label": flag, "kinds": dict(zip(kinds, row[1:]))}

        pair_rec, pair_tgt = [], []
        for i, rec in scored.items():
            rec["stance"] = []
            target = rec.get("target")
            if isinstance(target, str) and target != TITLE_TARGET and target.strip():
                pair_rec.append(i)  # one target of its own (most records), as record_targets
                pair_tgt.append(target)
                continue
            for t in record_targets(batch[i], opts.targets):
                pair_rec.append(i)
                pair_tgt.append(t)
        if pair_rec:
            labels, st = self.stance_proba(
                [batch[i]["text"] for i in pair_rec], pair_tgt,
                [_str(batch[i].get("quote")) for i in pair_rec],
                [_str(batch[i].get("title")) for i in pair_rec],
            )
            shown = [k for k in ("favor", "against", "none") if k in labels]
            best = [labels[j] for j in st.argmax(axis=1)]
            rounded = np.round(st[:, [labels.index(k) for k in shown]], digits).tolist()
            for i, t, top, row in zip(pair_rec, pair_tgt, best, rounded):
                scored[i]["stance"].append({"target": t, "label": top,
                                            "scores": dict(zip(shown, row))})

        if opts.reply and self.has("reply"):
            rep_rec = [i for i in valid if parents[i]]
            rep_parent = [parents[i] for i in rep_rec]
            if rep_rec:
                labels, rp = self.reply_proba([batch[i]["text"] for i in rep_rec], rep_parent)
                best = [labels[j] for j in rp.argmax(axis=1)]
                for i, top, row in zip(rep_rec, best, np.round(rp, digits).tolist()):
                    scored[i]["reply_stance"] = {"label": top, "scores": dict(zip(labels, row))}
        for i in valid:
            out[i] = scored[i]
        return out


def _checked(records: Iterable[Any]) -> Iterator[Record]:
    """Records as given, or an error record (naming the position) for each invalid one."""
    for n, rec in enumerate(records, start=1):
        if isinstance(rec, dict) and is_error(rec):
            yield rec
            continue
        why = validate(rec)
        yield error_record(why, n, "<records>") if why else rec


def keep_input_fields(record: Record) -> tuple[Record, dict[str, str]]:
    """``record`` with each input field named like an output field (``OUTPUT_FIELDS``)
    renamed ``input_<name>`` (prefixed again while that is taken), in its place; and the
    renamings made, ``{old: new}``."""
    renamed: dict[str, str] = {}
    for key in OUTPUT_FIELDS:
        if key in record:
            new = "input_" + key
            while new in record or new in renamed.values():
                new = "input_" + new
            renamed[key] = new
    if not renamed:
        return record, renamed
    return {renamed.get(k, k): v for k, v in record.items()}, renamed


def resolve_parents(records: Iterator[Record], batch_size: int, memory: int = 1_000_000
                    ) -> Iterator[tuple[list[Record], list[str | None]]]:
    """Batches of records with the parent text of each: ``parent_text``, else the text of
    the latest record *before it in the stream* whose ``id`` equals its ``parent_id``.

    So the result does not depend on the batch size, and when several pages' threads (each
    numbered c1, c2, ...) are concatenated, a reply finds the parent on its own page. At most
    ``memory`` ids are remembered; the oldest are forgotten first."""
    seen: dict[str, str] = {}
    while True:
        batch = list(islice(records, batch_size))
        if not batch:
            return
        parents: list[str | None] = []
        for rec in batch:
            if is_error(rec):
                parents.append(None)
                continue
            parent = rec.get("parent_text")
            if not (isinstance(parent, str) and parent.strip()):
                pid = _link_key(rec.get("parent_id"))
                parent = seen.get(pid) if pid is not None else None
            parents.append(parent or None)
            key = _link_key(rec.get("id"))
            if key is not None:
                seen.pop(key, None)  # a repeated id now means this record (the latest)
                seen[key] = rec["text"]
                if len(seen) > memory:
                    del seen[next(iter(seen))]
        yield batch, parents


def _link_key(value) -> str | None:
    """An ``id`` / ``parent_id`` as the key that links a reply to its parent; None for a
    missing or blank one (an empty CSV cell is no id: blank ids never link)."""
    if value is None:
        return None
    key = str(value)
    return key if key.strip() else None


#: ``jobs=0`` scores in worker processes only past this many batches of input (workers
#: that load the models themselves; forked workers are worth it past one batch).
AUTO_JOBS_BATCHES = 4

_WORKER_SCORERS: dict[tuple[str, ScoreOptions], Scorer] = {}

#: In a forked worker: the scorer it inherited (set by ``_init_forked``); None elsewhere.
_FORKED_SCORER: Scorer | None = None
#: In a forked worker: its thread-pool limits (threadpoolctl), kept for its lifetime.
_THREAD_LIMITS: Any = None


def _init_forked(scorer: Scorer, parent_pid: int, threads: int | None = None) -> None:
    """Start of a forked worker: keep the parent's scorer (out of the cyclic GC's reach),
    use at most ``threads`` BLAS / OpenMP threads, and end with the parent (on Linux the
    kernel sends SIGTERM when it dies, even by SIGKILL), so no worker outlives it."""
    global _FORKED_SCORER, _THREAD_LIMITS
    import gc

    gc.freeze()  # the inherited models: never traversed by this worker's collections
    _FORKED_SCORER = scorer
    if threads:
        from threadpoolctl import threadpool_limits

        _THREAD_LIMITS = threadpool_limits(threads)  # in force for the worker's lifetime
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"


def auto_jobs_batches() -> int:
    """Batches of input past which ``jobs=0`` uses worker processes."""
    return 1 if _can_fork() else AUTO_JOBS_BATCHES


def _encoded(records: list[Record], as_json: bool) -> list:
    return [dumps(r) for r in records] if as_json else records


def _score_in_fork(batch: list[Record], parents: list[str | None], as_json: bool = False
                   ) -> list:
    """Runs in a forked worker, on the scorer it inherited."""
    assert _FORKED_SCORER is not None, "worker was not forked from a scoring process"
    return _encoded(_FORKED_SCORER._score_checked(batch, parents), as_json)


def _score_in_worker(model_dir: str, options: ScoreOptions, batch: list[Record],
                     parents: list[str | None], as_json: bool = False) -> list:
    """Runs in a worker process: one Scorer per process and model directory, reused."""
    key = (model_dir, options)
    scorer = _WORKER_SCORERS.get(key)
    if scorer is None:
        scorer = _WORKER_SCORERS[key] = Scorer(model_dir, options)
    return _encoded(scorer._score_checked(batch, parents), as_json)


def available_cores() -> int:
    """CPUs this process may use (joblib's count: CPU affinity and cgroup quotas respected)."""
    from joblib import cpu_count

    return max(1, int(cpu_count()))


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def load(model_dir: str | Path | None = None, options: ScoreOptions | None = None) -> Scorer:
    """A :class:`Scorer` for ``model_dir`` (default: the shipped model set)."""
    scorer = Scorer(model_dir, options)
    scorer.card  # noqa: B018  (fail early, with a clear message, on a wrong directory)
    return scorer


def score_records(records: Iterable[Record], options: ScoreOptions | None = None) -> list[Record]:
    """Score an iterable of comment records with the model set named in ``options``."""
    return list(load(options=options).score(records))


def comments_to_records(page: dict) -> list[Record]:
    """Turn a split page into comment records to score (title as the default target)."""
    records = []
    for c in page.get("comments", []):
        rec = {k: v for k, v in c.items()}
        rec["title"] = page.get("title") or ""
        rec["source"] = page.get("source")
        if c.get("quote"):
            rec["quote"] = c["quote"]
        records.append(rec)
    return records
