"""Split a scraped page (HTML or a plain-text dump) into title, article and comments.

API::

    split(source: str | bytes, options: SplitOptions | None = None, name: str = "<string>",
          model="default") -> dict
    split_file(path, options: SplitOptions | None = None, model="default") -> dict
    split_files(paths, options: SplitOptions | None = None, model="default") -> Iterator[dict]
    fit(data_dir, options) -> sklearn Pipeline        # the learned block classifier

Return value (the ``split`` contract)::

    {"source": name, "title": str, "article": str,
     "comments": [{"id", "parent_id", "depth", "author", "time", "datetime", "likes", "quote",
                   "text"}, ...]}

``time`` is the date as the page shows it ("2 hours ago", "May 9, 2025"); ``datetime`` is
the machine-readable value the markup carries for it (``<time datetime>``, a ``title`` that
is a full date, a ``data-*`` timestamp attribute), unchanged, or None (always None for
plain-text dumps).

Raises ``stance.errors.InputError`` (naming the file) for unreadable or hostile input;
``split_files`` yields ``{"source": path, "error": why}`` in that page's place instead.
``model`` names the learned block classifier: ``"default"`` loads it on first use from
``stance.resources.default_model_dir() / "splitter.joblib"`` (``$STANCE_MODEL_DIR`` or the
shipped set); a model directory (``str`` or ``Path``) uses that set's ``splitter.joblib``, as
``stance score -m DIR`` and ``stance split -m DIR`` do; a path to a ``.joblib`` file uses it; a
fitted classifier is used as is; None runs the rules alone. A model set without
``splitter.joblib`` also runs the rules alone.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Iterator
from itertools import chain, islice
from pathlib import Path
from typing import Any

from stance.errors import InputError, ModelError
from stance.options import SplitOptions

__all__ = ["split", "split_file", "split_files", "fit", "load_model", "model_path"]

_MODEL_LOCK = threading.Lock()
_MODEL_CACHE: dict[str, Any] = {}


def model_path(model: str | os.PathLike[str] | None = None) -> Path:
    """The ``splitter.joblib`` that ``model`` names: the default set's (None or "default"),
    a model directory's, or the file itself."""
    if model is None or (isinstance(model, str) and model == "default"):
        from stance.resources import default_model_dir

        return default_model_dir() / "splitter.joblib"
    path = Path(model)
    return path / "splitter.joblib" if path.is_dir() else path


def load_model(path: str | os.PathLike[str] | None = None):
    """The block classifier Pipeline at ``path`` (a ``splitter.joblib`` file or a model
    directory; default: the default model set's), or None if absent."""
    path = model_path(path)
    key = str(path)
    with _MODEL_LOCK:
        if key in _MODEL_CACHE:
            return _MODEL_CACHE[key]
        model = None
        if Path(path).exists():
            import joblib

            try:
                model = joblib.load(path)
            except Exception as exc:  # corrupt or incompatible pickle
                from stance.scorer import load_failure

                raise ModelError(f"{path}: cannot load the splitter model "
                                 f"({load_failure(exc)})") from exc
            if not hasattr(model, "predict_proba"):
                raise ModelError(f"{path}: not a block classifier (no predict_proba)")
        _MODEL_CACHE[key] = model
        return model


def split(
    source: str | bytes,
    options: SplitOptions | None = None,
    name: str = "<string>",
    model: Any = "default",
) -> dict:
    """Split one page. ``model`` is a fitted block classifier, None (rules only), "default"
    (the default model set's), or a model directory or ``splitter.joblib`` path."""
    from stance.splitter.decode import looks_like_html, to_text

    opts = options or SplitOptions()
    if opts.mode not in ("auto", "html", "text"):
        raise InputError(f"unknown split mode {opts.mode!r} (auto, html or text)", source=name)
    text = to_text(source, opts.max_bytes, name)
    mode = opts.mode
    if mode == "auto":
        mode = "html" if looks_like_html(text) else "text"
    try:
        if not opts.learned:
            model = None
        elif isinstance(model, (str, os.PathLike)):
            model = load_model(model)
        if mode == "html":
            from stance.splitter.html import split_html

            result = split_html(text, opts, name, model=model)
        else:
            from stance.splitter.text import split_text

            result = split_text(text, opts, name, model=model)
    except InputError:
        raise
    except RecursionError as exc:
        raise InputError("page is nested too deeply to read", source=name) from exc
    except MemoryError as exc:
        raise InputError("page is too large to read in memory", source=name) from exc
    announced = result.pop("announced", 0)
    if announced and not result["comments"]:
        logging.getLogger("stance.splitter").warning(
            "%s: the page announces %d comment(s) but none was recovered (comments loaded by "
            "a script are not in a saved page; or the comment markup is one the splitter does "
            "not know)", name, announced)
    return {"source": name, **result}


def split_file(path: str | os.PathLike[str], options: SplitOptions | None = None,
               model: Any = "default") -> dict:
    """Split the page stored at ``path`` (read as bytes; the encoding is sniffed), with the
    block classifier ``model`` names (see ``split``)."""
    opts = options or SplitOptions()
    p = Path(path)
    name = str(path)
    try:
        size = p.stat().st_size
        if size > opts.max_bytes:
            raise InputError(f"page is {size} bytes, over the limit of {opts.max_bytes}", name)
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", source=name) from exc
    if opts.mode == "auto" and p.suffix.lower() in (".txt", ".text"):
        from dataclasses import replace

        opts = replace(opts, mode="text")
    return split(data, opts, name=name, model=model)


#: Pages a worker splits per task: enough to amortise the inter-process hand-off.
_CHUNK = 16


def split_files(
    paths: Iterable[str | os.PathLike[str]], options: SplitOptions | None = None,
    model: Any = "default",
) -> Iterator[dict]:
    """Split every page of ``paths``, yielding one result per page, in order.

    A page that cannot be split yields ``{"source": path, "error": why}`` in its place, so
    nothing is lost. With ``options.jobs`` other than 1, chunks of pages are split in worker
    processes (each loads the block classifier once); 0 means one worker per core.
    ``model`` is as in ``split``.
    """
    opts = options or SplitOptions()
    it = iter(paths)
    first = list(islice(it, _CHUNK + 1))
    jobs = opts.jobs
    if jobs == 0:
        from stance.scorer import available_cores

        jobs = available_cores() if len(first) > _CHUNK else 1
    chunks = _chunks(chain(first, it))
    if jobs > 1:
        from joblib import Parallel, delayed

        run = Parallel(n_jobs=jobs, return_as="generator", pre_dispatch="2*n_jobs")
        for results in run(delayed(_split_chunk)(chunk, opts, model) for chunk in chunks):
            yield from results
        return
    for chunk in chunks:
        yield from _split_chunk(chunk, opts, model)


def _chunks(items: Iterator) -> Iterator[list]:
    while chunk := list(islice(items, _CHUNK)):
        yield chunk


def _split_chunk(paths: list, options: SplitOptions, model: Any = "default") -> list[dict]:
    out = []
    for path in paths:
        try:
            out.append(split_file(path, options, model))
        except InputError as exc:
            out.append({"source": str(path), "error": str(exc)})
    return out


def fit(data_dir=None, options=None, config: dict | None = None, log=None):
    """Train the learned block classifier (see ``stance.splitter.learn.fit``)."""
    from stance.splitter.learn import fit as _fit

    return _fit(data_dir, options, config=config, log=log)
