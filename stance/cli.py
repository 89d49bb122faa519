"""The ``stance`` command line: a thin layer over the library.

Results go to stdout (or ``--output``); logs and progress bars go to stderr.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from itertools import chain
from pathlib import Path
from typing import Annotated

import typer

from stance.errors import StanceError

app = typer.Typer(
    name="stance",
    help="Split news pages into article and comments; score each comment's stance and "
    "incivility. Offline, on millions of comments.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)

PAGE_SUFFIXES = {".html", ".htm", ".xhtml", ".txt", ".text"}
#: Suffixes of comment files (``stance score`` reads any other file as a page if it starts
#: with markup: a saved ``story.php`` or an extension-less download).
RECORD_SUFFIXES = {".jsonl", ".json", ".ndjson", ".csv", ".tsv", ".gz", ".xml"}


def _is_page(file: str) -> bool:
    """Whether ``stance score`` reads ``file`` as a page: by its suffix, or, for a suffix that
    names no comment format, by content (its first non-blank byte is ``<``)."""
    if file == "-":
        return False
    from stance.exports import is_disqus_export

    if is_disqus_export(file):
        return False  # comment records (stance.exports), not a page
    suffix = Path(file).suffix.lower()
    if suffix in PAGE_SUFFIXES:
        return True
    if suffix in RECORD_SUFFIXES or not Path(file).is_file():
        return False
    try:
        with open(file, "rb") as fh:
            head = fh.read(512)
    except OSError:
        return False
    return head.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] == b"<"


#: Bad records logged one by one on stderr; past this, only the total (they stay in the output).
MAX_WARNINGS = 20


def _version(value: bool) -> None:
    if value:
        from stance import __version__

        typer.echo(f"stance {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """Split news pages into article and comments; score each comment's stance and
    incivility. Offline, on millions of comments."""

ModelOpt = Annotated[Path | None, typer.Option(
    "--model", "-m", help="Model directory (default: the shipped models/default).")]
OutputOpt = Annotated[Path | None, typer.Option(
    "--output", "-o", help="Write results here instead of stdout.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or info logs.")]
DataDirOpt = Annotated[Path | None, typer.Option(
    "--data-dir", help="Corpora directory (default: $STANCE_DATA_DIR).")]
FieldOpt = Annotated[list[str] | None, typer.Option(
    "--field", "-f", help="NAME=COLUMN: read your field COLUMN as NAME (e.g. "
    "text=comment_body, id=comment_id); repeatable. The output carries NAME.")]


def _fields(specs: list[str] | None) -> dict[str, str] | None:
    """``--field`` values as {schema name: your field}."""
    fields = {}
    for spec in specs or ():
        name, eq, col = spec.partition("=")
        if not (eq and name.strip() and col.strip()):
            raise typer.BadParameter(f"{spec!r}: expected NAME=COLUMN, e.g. text=comment_body",
                                     param_hint="--field")
        fields[name.strip()] = col.strip()
    return fields or None


def _fail(exc: Exception) -> None:
    from stance.progress import stderr_console

    stderr_console().print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _pipe_closed() -> None:
    """The reader of stdout went away (`stance score big.jsonl | head`): stop quietly with
    128 + SIGPIPE, as a shell reports it, not 1 ("bad records")."""
    import os
    import sys

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    raise typer.Exit(141)


def _setup(quiet: bool) -> None:
    from stance.progress import setup_logging

    setup_logging(quiet=quiet)


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that partial output is cleaned up the same way."""


@contextmanager
def _sigterm_raises():
    """While the block runs, SIGTERM raises ``_Terminated`` in this process (a forked worker
    that inherits the handler dies of the signal as before); the previous handler after."""
    import os
    import signal

    main = os.getpid()

    def handler(signum, frame):
        if os.getpid() != main:  # a forked worker: die of the signal, as without the handler
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        raise _Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave SIGTERM alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupted(exc: KeyboardInterrupt, done: int, output: Path | None) -> None:
    """One line on stderr for an interrupted ``stance score``; exit 130 (SIGINT) or 143
    (SIGTERM), as a shell reports a process killed by that signal."""
    import sys

    what = "terminated" if isinstance(exc, _Terminated) else "interrupted"
    if output is None or str(output) == "-":
        where = "the records before it are on stdout"
    elif output.exists() and not output.is_file():  # a pipe or device: written to directly
        where = f"the records before it went to {output}"
    else:
        where = f"{output} not written (nothing changed there)"
    print(f"stance: {what} after {done:,} records; {where}", file=sys.stderr, flush=True)
    raise typer.Exit(143 if isinstance(exc, _Terminated) else 130)


def _count_lines(path: Path) -> int | None:
    try:
        with path.open("rb") as fh:
            data_lines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
        return data_lines
    except OSError:
        return None


@app.command(epilog="**Examples**\n\n"
             "`stance split page.html`\n\n"
             "`stance split dump1.txt dump2.txt -o pages.jsonl`\n\n"
             "`stance split page.html -m runs/mine` (with that model set's splitter)\n\n"
             "`curl -s https://example.org/story | stance split -`")
def split(
    pages: Annotated[list[str], typer.Argument(help="HTML or plain-text pages; '-' reads stdin.")],
    model: Annotated[Path | None, typer.Option(
        "--model", "-m", help="Model directory whose splitter.joblib splits the pages (default: "
        "$STANCE_MODEL_DIR, else the shipped models/default); a set without one splits by "
        "rules alone.")] = None,
    output: OutputOpt = None,
    mode: Annotated[str, typer.Option(help="auto, html or text.")] = "auto",
    jobs: Annotated[int, typer.Option(
        "--jobs", "-j", min=0, help="Worker processes; 0 = one per core when there are more "
        "than 16 pages, 1 = this process only.")] = 0,
    quiet: QuietOpt = False,
) -> None:
    """Split pages into title, article and comment thread: one JSON object per page.

    A page that cannot be read comes back as `{"source": ..., "error": ...}` in its place
    (exit status 1).
    """
    from stance.io import dumps, open_output
    from stance.options import SplitOptions
    from stance.progress import Progress

    _setup(quiet)
    if mode not in {"auto", "html", "text"}:
        _fail(StanceError(f"--mode must be auto, html or text, not {mode!r}"))
    opts = SplitOptions(mode=mode, jobs=jobs)
    failed = 0
    try:
        splitter = _splitter_model(model)
        with Progress(enabled=not quiet and len(pages) > 1) as bar, open_output(output) as out:
            results = bar.track(_split_pages(pages, opts, splitter), "splitting",
                                total=len(pages),
                                unit="pages")
            try:
                for result in results:
                    failed += "error" in result
                    out.write(dumps(result) + "\n")
            except BrokenPipeError:
                _pipe_closed()
    except StanceError as exc:
        _fail(exc)
    if failed:
        raise typer.Exit(1)


def _splitter_model(model: Path | None):
    """What ``stance.splitter`` takes as ``model`` for ``--model``: "default" without it, else
    the directory (checked here, so a wrong one fails before any page is read)."""
    if model is None:
        return "default"
    from stance.errors import ModelError

    if not model.is_dir():
        raise ModelError(f"{model}: no such model directory" if not model.exists()
                         else f"{model}: not a directory (--model takes a model directory)")
    from stance.splitter import load_model

    if load_model(model) is None:  # fails here, naming the file, if it cannot be read
        from stance.progress import log

        log.warning("%s has no splitter.joblib: pages are split by rules alone", model)
    return str(model)


def _split_pages(pages: list[str], opts, model="default"):
    """Results in the order of ``pages``: runs of files through ``split_files``, '-' here,
    a Disqus XML export as one page per thread."""
    import sys

    from stance.errors import InputError
    from stance.exports import disqus_pages, is_disqus_export
    from stance.splitter import split, split_files

    run: list[str] = []
    for page in [*pages, None]:
        export = page not in (None, "-") and is_disqus_export(page)
        if page is not None and page != "-" and not export:
            run.append(page)
            continue
        if run:
            yield from split_files(run, opts, model)
            run = []
        if export:
            yield from disqus_pages(page)
        elif page == "-":
            try:
                yield split(sys.stdin.buffer.read(), opts, name="<stdin>", model=model)
            except InputError as exc:
                yield {"source": "<stdin>", "error": str(exc)}


@app.command(epilog="**Examples**\n\n"
             "`stance score comments.jsonl > scored.jsonl`\n\n"
             "`stance score comments.jsonl --target Russia --target NATO -o scored.jsonl`\n\n"
             "`stance score page.html` (splits the page; its title is the default target)\n\n"
             "`stance score pages/*.html -o comments.jsonl` (several files, in order)\n\n"
             "`stance score pages/*.html -t Russia -t @title` (toward Russia and each page's "
             "headline)\n\n"
             "Input lines: `{\"text\": ..., \"target\": \"NATO\" | [..], \"title\": ..., "
             "\"id\": ..., \"parent_id\": ..., \"parent_text\": ...}`; other fields pass "
             "through, except that an input field named `stance`, `incivility` or "
             "`reply_stance` is kept as `input_stance` ... (one warning). Every record read "
             "from a file gets `source` (the file's path) unless it has its own; stdin "
             "records get none. A bad line comes back as `{\"error\": ..., \"line\": n}` in "
             "its place (with the record's `id` when it could be read, `source`, and `row` for "
             "CSV/TSV).")
def score(
    files: Annotated[list[str], typer.Argument(
        help="Comments: JSONL ('-' for stdin), CSV/TSV with a header, a Disqus XML export, .gz "
        "of any of these; or pages "
        "(.html/.htm/.txt, or any other file that starts with markup) to split and score. "
        "Several files are scored in order.")],
    model: Annotated[Path | None, typer.Option(
        "--model", "-m", help="Model directory (default: $STANCE_MODEL_DIR, else the shipped "
        "models/default); pages are split with its splitter.joblib.")] = None,
    output: OutputOpt = None,
    target: Annotated[list[str] | None, typer.Option(
        "--target", "-t", help="Target for records without their own (repeatable); "
        "'@title' stands for each record's (or page's) title.")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Comments per batch.")] = 2048,
    threshold: Annotated[float | None, typer.Option(
        min=0.0, max=1.0, help="Incivility decision threshold (default: the incivility "
        "model's own, stated in its model card); label = unrounded score >= it.")] = None,
    reply: Annotated[bool, typer.Option(help="Score reply stance toward parents.")] = True,
    kinds: Annotated[bool, typer.Option(help="Report incivility kinds.")] = True,
    jobs: Annotated[int, typer.Option(
        "--jobs", "-j", min=0, help="Worker processes (forked after the models load, on "
        "Linux); 0 = one per core when the input is longer than one batch (four where workers "
        "cannot fork), 1 = this process only.")] = 0,
    field: FieldOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Score comments: stance toward each target, incivility, and reply stance."""
    from stance.io import _format, is_error, open_output, write_lines
    from stance.options import ScoreOptions
    from stance.progress import Progress, log
    from stance.scorer import Scorer, comments_to_records

    _setup(quiet)
    fields = _fields(field)
    opts = ScoreOptions(model_dir=model, batch_size=batch_size, targets=tuple(target or ()),
                        threshold=threshold, reply=reply, kinds=kinds, jobs=jobs)
    errors = done = 0

    def tallied(records):
        nonlocal done
        for rec in records:
            yield rec
            done += 1  # resumed: the writer has taken it

    def counted(records):
        nonlocal errors
        for rec in records:
            if is_error(rec):
                errors += 1
                if errors <= MAX_WARNINGS:
                    log.warning(rec["error"])
                elif errors == MAX_WARNINGS + 1:
                    log.warning("more bad records: each is an error record in the output; "
                                "only the count is logged from now on")
            yield rec

    try:
        scorer = Scorer(model, opts)
        scorer.card  # noqa: B018  (fail fast on a wrong --model)
        for file in files:  # every file is there before any work starts
            path = Path(file)
            if file != "-" and not path.is_file():
                from stance.errors import InputError

                raise InputError("is a directory, expected a file" if path.is_dir()
                                 else "no such file", file)
        pages = [f for f in files if _is_page(f)]
        # pages are split with the splitter of the model set that scores them
        splitter = _splitter_model(model) if pages else "default"
        if len(files) == 1 and pages:
            from stance.splitter import split_file

            inputs = [comments_to_records(split_file(files[0], model=splitter))]
            total = len(inputs[0])
        else:
            inputs = (_records_of(f, splitter, fields) for f in files)
            # a JSONL line is a record; a CSV row may span lines (no total for CSV/TSV/XML)
            countable = all(f != "-" and f not in pages and not f.lower().endswith(".gz")
                            and _format(f) == "jsonl" for f in files)
            total = sum(_count_lines(Path(f)) or 0 for f in files) if countable else None
        # no refresh thread: scoring forks worker processes
        with _sigterm_raises(), Progress(enabled=not quiet, threaded=False) as bar, \
                open_output(output) as out, _scoring_gc() as freeze:
            # one scoring per file: a parent_id only matches ids earlier in the same file
            scored = _frozen_after_first(
                chain.from_iterable(scorer.score_jsonl(counted(r)) for r in inputs), freeze)
            try:
                n = write_lines(tallied(bar.track(scored, "scoring", total=total,
                                                  unit="comments")), out)
            except BrokenPipeError:
                _pipe_closed()
        if errors:
            log.warning("%d of %d records were bad (error records in the output)", errors, n)
        else:
            log.info("scored %d records", n)
    except StanceError as exc:
        _fail(exc)
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (_sigterm_raises)
        _interrupted(exc, done, output)
    if errors:
        raise typer.Exit(1)


@contextmanager
def _scoring_gc():
    """Fewer cyclic-GC passes while scoring: each comment makes many short-lived containers
    and the models and memos are large and long-lived, so at the default thresholds (700,
    10, 10) the collector took ~10 % of a run re-traversing them. Restored afterwards.
    Yields whether this run may freeze objects (``_frozen_after_first``): not when the caller
    (a process embedding the CLI) has frozen some itself, whose freeze is left alone."""
    import gc

    old = gc.get_threshold()
    own = gc.get_freeze_count() == 0
    gc.set_threshold(20_000, 20, 10)
    try:
        yield own
    finally:
        gc.set_threshold(*old)
        if own:
            gc.unfreeze()


def _frozen_after_first(lines, freeze: bool = True):
    """``lines``; once the first is made (the models are loaded then), every object alive
    is left out of later collections (``gc.freeze``, when ``freeze``): they live for the
    whole run."""
    import gc

    it = iter(lines)
    for line in it:
        if freeze:
            gc.freeze()
        yield line
        break
    yield from it


def _records_of(file: str, splitter="default", fields: dict[str, str] | None = None):
    """The records of one input of ``stance score``: a page's comments (split with
    ``splitter``, as ``stance.splitter.split`` takes it), or a file's lines (``fields``
    renamed, see ``stance.io.read_records``), each with ``source`` = the file's path unless
    it has a ``source`` of its own (not for stdin; error records get it too).
    A page that cannot be split is one error record in its place."""
    from stance.errors import InputError
    from stance.io import read_records
    from stance.scorer import comments_to_records

    if _is_page(file):
        from stance.splitter import split_file

        try:
            yield from comments_to_records(split_file(file, model=splitter))
        except InputError as exc:
            yield {"error": str(exc), "line": 0, "source": file}
        return
    if file == "-":
        yield from read_records(file, fields)
        return
    for rec in read_records(file, fields):
        if isinstance(rec, dict) and "source" not in rec:  # error records too
            rec["source"] = file
        yield rec


@app.command(epilog="**Examples**\n\n"
                    "`stance train --data-dir ../shared/datasets` (all default models, "
                    "into models/default)\n\n"
                    "`stance train --task incivility --output-dir runs/mine`\n\n"
                    "`stance train --limit 2000 --output-dir runs/smoke` (smoke run)\n\n"
                    "Training only some tasks into a new directory starts it from the shipped "
                    "model set, so the result is complete. The set is written into a "
                    "hidden directory inside --output-dir and its files moved into place when "
                    "training succeeded: a failed or interrupted run leaves --output-dir as it "
                    "was.")
def train(
    data_dir: DataDirOpt = None,
    config: Annotated[Path | None, typer.Option(
        help="Training config (default: training/default.toml).")] = None,
    output_dir: Annotated[Path, typer.Option(
        "--output-dir", help="Where the model set is written.")] = Path("models/default"),
    task: Annotated[list[str] | None, typer.Option(
        help="Train only these tasks (repeatable): incivility, stance, reply, splitter.")] = None,
    limit: Annotated[int | None, typer.Option(
        min=1, help="At most this many rows per corpus (smoke runs).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 13,
    quiet: QuietOpt = False,
) -> None:
    """Train the default models (or one task) from the corpora and write a model card.

    Prints one JSON line of dev metrics per task trained (not for tasks copied or kept)."""
    from stance.options import TrainOptions
    from stance.progress import Progress, stderr_console
    from stance.train import TASKS
    from stance.train import train as run_train

    _setup(quiet)
    opts = TrainOptions(config=config, data_dir=data_dir, output_dir=output_dir,
                        tasks=tuple(task or TASKS), limit=limit, seed=seed)
    try:
        with _sigterm_raises(), Progress(enabled=not quiet) as bar:
            card = run_train(opts, progress=bar)
    except StanceError as exc:
        _fail(exc)
    except KeyboardInterrupt as exc:  # the half-trained set was removed (stance.train)
        import sys

        what = "terminated" if isinstance(exc, _Terminated) else "interrupted"
        print(f"stance: {what}; {output_dir} left as it was", file=sys.stderr, flush=True)
        raise typer.Exit(143 if isinstance(exc, _Terminated) else 130) from None
    stderr_console().print(f"wrote {output_dir} ({', '.join(card['files'])})")
    for name in card.get("trained", []):  # the tasks copied from the shipped set are not news
        info = card["tasks"][name]
        typer.echo(json.dumps({"task": name, "dev": info.get("dev", {})}, ensure_ascii=False))


@app.command(epilog="**Examples**\n\n"
                    "`stance evaluate labelled.jsonl -o metrics.json`\n\n"
                    "`stance evaluate corpus:semeval2016-task6 corpus:vast --data-dir "
                    "../shared/datasets` (dev splits)\n\n"
                    "`stance evaluate corpus:ucc_unhealthy_comments:dev --by domain`\n\n"
                    "Rows with `target`+`stance` count for stance, `uncivil` (0/1, true/false, "
                    "or a fraction binarised at 0.5) for incivility, `parent_text` (or "
                    "`parent_id` naming an earlier row's `id` in the same file) + "
                    "`reply_stance` for reply stance.")
def evaluate(
    data: Annotated[list[str], typer.Argument(
        help="Labelled JSONL files, corpus:NAME[:SPLIT] (split defaults to dev), or "
             "hf:<hub id or dataset directory> (its dev split).")],
    model: ModelOpt = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Also write the metrics as JSON here (the table still goes to "
        "stdout); several DATA give one object per DATA, keyed by it.")] = None,
    data_dir: DataDirOpt = None,
    by: Annotated[str | None, typer.Option(
        help="Also break metrics down by this row field (e.g. corpus, domain).")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many rows per source.")]
    = None,
    threshold: Annotated[float | None, typer.Option(
        min=0.0, max=1.0, help="Incivility decision threshold for F1 (default: the incivility "
        "model's own, stated in its model card).")
    ] = None,
    field: FieldOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Evaluate a model set on labelled rows and print a metrics table."""
    from stance.evaluate import contract_view, json_safe, load_rows
    from stance.evaluate import evaluate as run_eval
    from stance.io import open_output
    from stance.options import EvaluateOptions
    from stance.progress import log

    _setup(quiet)
    fields = _fields(field)
    opts = EvaluateOptions(model_dir=model, threshold=threshold)
    if output is not None and output.is_dir():  # fail before the work, not after it
        _fail(StanceError(f"{output}: is a directory, expected a file to write"))
    try:
        from stance.options import ScoreOptions
        from stance.scorer import Scorer

        # one model set for every DATA; a wrong --model fails now, as in `score`
        scorer = Scorer(model, ScoreOptions(threshold=threshold))
        scorer.card  # noqa: B018
    except StanceError as exc:
        _fail(exc)
    results: dict[str, dict] = {}
    bad = 0
    try:
        for spec in data:
            rows, errors = load_rows(spec, data_dir=data_dir, limit=limit, fields=fields)
            for err in errors:
                log.warning(err["error"])
            bad += len(errors)
            if not rows:
                log.warning("%s: no labelled rows", spec)
                continue
            if by and not any(by in r for r in rows):
                log.warning("%s: no row has the field %r; its breakdown is one group, None",
                            spec, by)
            results[spec] = run_eval(rows, scorer=scorer, options=opts, by=by)
            if not results[spec]:
                log.warning("%s: no row carries a usable label (`target` + `stance`, `uncivil`, "
                            "or `parent_text` + `reply_stance`)", spec)
                bad += len(rows)
    except StanceError as exc:
        _fail(exc)
    _print_table(results)
    if output:
        views = {}
        for k, v in results.items():
            views[k] = contract_view(v)
            if by:
                views[k]["by"] = json_safe(v.get("by", {}))  # NaN (one-class group) -> null
        payload = next(iter(views.values())) if len(views) == 1 else views
        try:
            with open_output(output) as fh:
                fh.write(json.dumps(payload, indent=2) + "\n")
        except StanceError as exc:
            _fail(exc)
    if bad:
        raise typer.Exit(1)


def _print_table(results: dict[str, dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="stance evaluate")
    for col in ("data", "task", "group", "n", "metric", "value"):
        table.add_column(col, justify="right" if col in {"n", "value"} else "left",
                         overflow="fold")

    def rows(spec: str, task: str, group: str, m: dict, keys) -> None:
        for key in keys:
            if key in m:
                table.add_row(spec, task, group, str(m["n"]), key, f"{m[key]:.4f}")

    for spec, res in results.items():
        by = res.get("by", {})
        for task in ("stance", "incivility", "reply_stance"):
            if task not in res:
                continue
            rows(spec, task, "all", res[task], [k for k in res[task] if k != "n"])
            extra = dict(by.get(task, {}))
            if task == "incivility":
                rows(spec, task, "all", extra.pop("all", {"n": 0}), ["ece"])
                for kind, km in extra.pop("kinds", {}).items():
                    rows(spec, task, f"kind={kind}", km, ["auc"])
                bias = extra.pop("bias", {})
                fm = bias.get("final_metric")
                if isinstance(fm, float) and fm == fm:  # present and not NaN
                    n = bias.get("n_mentioning", 0)
                    rows(spec, task, "identity bias", {"n": n, **bias.get("power_mean", {}),
                                                       "final_metric": bias["final_metric"]},
                         ("subgroup_auc", "bpsn_auc", "bnsp_auc", "final_metric"))
                extra = next(iter(extra.values()), {})  # the --by field's groups
            for group, gm in extra.items():
                rows(spec, task, group, gm, ("f_avg", "macro_f1", "auc", "ece"))
    Console().print(table)


@app.command(epilog="**Example**\n\n`stance corpora --data-dir ../shared/datasets`")
def corpora(data_dir: DataDirOpt = None) -> None:
    """List the registered corpora, their licences, and whether they are present."""
    from stance.corpora import list_corpora
    from stance.resources import data_dir as resolve

    root = resolve(data_dir)
    specs = list_corpora()
    width = max(len(c.name) for c in specs)
    for c in specs:
        present = "?" if root is None else ("yes" if (root / c.path).exists() else "MISSING")
        flags = (("NC " if c.noncommercial else "") + ("SA " if c.sharealike else "")
                 + ("RO " if c.research_only else ""))
        typer.echo(f"{c.name:{width}}  {c.task:12} {c.domain:9} present={present:7} "
                   f"{'' if c.default else '(not default) '}{flags}{c.licence}")


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
