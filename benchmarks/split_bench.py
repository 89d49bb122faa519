#!/usr/bin/env python
"""Benchmark the splitter against trafilatura on the same pages in the same run.

    python benchmarks/split_bench.py --data-dir /work/shared/datasets [--output bench.json]

Sets:
  dragnet-dev  the dev split carved from the Dragnet *training* pages (md5 of the id,
               20 %; ``stance.splitter.data.is_dev``), with and without gold comments.
               The shipped model is trained on the other training pages only.
  trafeval     trafilatura's own snippet corpus (142 pages with comment snippets).

Metric (peer-baselines/eval_peers.py): bag of ``\\w+`` tokens, P/R/F1 per page, macro mean.
Content = title + article; comment text = author + time + quote + text of every comment.
On pages without gold comments we report the share that got any predicted comment text.
Speed is the time of the extraction calls only (decoding the page bytes and splitting it;
file reading and turning results into texts excluded), one process: wall time, and process
CPU time (steadier on a shared machine).
trafilatura is a ``bench`` extra: ``pip install trafilatura lxml_html_clean``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stance.splitter.metrics import (  # noqa: E402
    MacroPRF,
    comment_text,
    content_text,
    tokens,
)


def stance_runner(model_path: str | None, learned: bool = True):
    from stance.options import SplitOptions
    from stance.splitter import load_model, split

    model = load_model(model_path) if learned else None
    opts = SplitOptions(mode="html", learned=learned)

    def extract(html: bytes) -> dict:
        return split(html, opts, model=model)

    def texts(res: dict) -> tuple[str, str]:
        return content_text(res), comment_text(res)

    return extract, texts


def trafilatura_runner():
    from trafilatura import bare_extraction

    def extract(html: bytes):
        return bare_extraction(html, include_comments=True, with_metadata=False)

    def texts(doc) -> tuple[str, str]:
        return ("", "") if doc is None else (doc.text or "", doc.comments or "")

    return extract, texts


def load_sets(data_dir: str, limit: int | None):
    from stance.splitter.data import dragnet_dir, iter_pages

    sets: dict[str, list] = {"dragnet-dev": [], "trafeval": []}
    for pid, raw, content, comments, marker in iter_pages(data_dir, part="dev", limit=None):
        sets["dragnet-dev"].append((pid, raw, content, comments, marker))
    if limit:
        pos = [p for p in sets["dragnet-dev"] if p[4]][:limit]
        neg = [p for p in sets["dragnet-dev"] if not p[4]][:limit]
        sets["dragnet-dev"] = pos + neg
    tdir = dragnet_dir(data_dir).parent / "trafilatura-eval"
    meta_path = tdir / "evaldata_comments.json"
    if meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        for url in sorted(meta)[: limit or None]:
            item = meta[url]
            sets["trafeval"].append(
                (item["file"], (tdir / "html" / item["file"]).read_bytes(), item)
            )
    return sets


def norm_ws(s: str) -> str:
    return re.sub(r"\s+", " ", s or "").strip()


def evaluate_peer(runner, sets) -> dict:
    """Quality and speed of one peer; ``runner`` is (extract, texts): only ``extract(raw)``
    (decoding and splitting the page) is timed, not turning its result into texts."""
    out: dict = {}
    extract, texts = runner
    extract(b"<html><body><h1>t</h1><p>" + b"Some warm-up text here. " * 30 + b"</p></body></html>")
    seconds = cpu = 0.0
    pages = 0
    errors = 0
    cont, comm, cont_neg = MacroPRF(), MacroPRF(), MacroPRF()
    neg_pages = neg_flagged = 0
    for _pid, raw, gcont, gcomm, marker in sets["dragnet-dev"]:
        t0, c0 = time.perf_counter(), time.process_time()
        crashed = False
        try:
            res = extract(raw)
        except Exception:  # a crash counts as empty output
            res, crashed = None, True
            errors += 1
        seconds += time.perf_counter() - t0
        cpu += time.process_time() - c0
        pc, pm = ("", "") if crashed else texts(res)
        pages += 1
        if marker:
            cont.add(pc, gcont)
            if tokens(gcomm):
                comm.add(pm, gcomm)
        else:
            cont_neg.add(pc, gcont)
            neg_pages += 1
            neg_flagged += sum(tokens(pm).values()) > 0
    out["dragnet-dev"] = {
        "content": cont.summary(),
        "comments": comm.summary(),
        "content_no_comment_pages": cont_neg.summary(),
        "no_comment_pages": neg_pages,
        "no_comment_pages_with_pred_comments": neg_flagged,
        "no_comment_fp_rate": neg_flagged / neg_pages if neg_pages else 0.0,
    }
    snip = {
        k: 0
        for k in (
            "pages",
            "with_total",
            "with_in_content",
            "without_total",
            "without_in_content",
            "comments_total",
            "comments_in_comments",
            "comments_in_content",
        )
    }
    for _f, raw, item in sets["trafeval"]:
        t0, c0 = time.perf_counter(), time.process_time()
        crashed = False
        try:
            res = extract(raw)
        except Exception:  # a crash counts as empty output
            res, crashed = None, True
            errors += 1
        seconds += time.perf_counter() - t0
        cpu += time.process_time() - c0
        pc, pm = ("", "") if crashed else texts(res)
        pages += 1
        c, m = norm_ws(pc), norm_ws(pm)
        snip["pages"] += 1
        snip["with_total"] += len(item["with"])
        snip["with_in_content"] += sum(norm_ws(w) in c for w in item["with"])
        snip["without_total"] += len(item["without"])
        snip["without_in_content"] += sum(norm_ws(w) in c for w in item["without"])
        snip["comments_total"] += len(item["comments"])
        snip["comments_in_comments"] += sum(norm_ws(w) in m for w in item["comments"])
        snip["comments_in_content"] += sum(norm_ws(w) in c for w in item["comments"])
    out["trafeval"] = snip
    out["speed"] = {
        "pages": pages,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "pages_per_s": pages / seconds if seconds else 0.0,
        "pages_per_cpu_s": pages / cpu if cpu else 0.0,
    }
    out["errors"] = errors
    return out


def render_text(raw: bytes) -> str:
    """An innerText-like plain-text rendering of a page: one line per block, inline text joined.

    This is what copy-paste from a browser or a simple text scraper produces (no markup).
    """
    from stance.splitter.blocks import parse
    from stance.splitter.decode import decode

    return "\n".join(b.text for b in parse(decode(raw)).blocks)


def evaluate_text_dumps(sets, peers) -> dict:
    """The dev pages rendered to plain text, read by the text reader (mode=text)."""
    from stance.options import SplitOptions
    from stance.splitter import split

    dumps = [(render_text(raw), gc, gm, marker) for _p, raw, gc, gm, marker in sets["dragnet-dev"]]
    out = {}
    for name in peers:
        if name == "trafilatura":
            try:
                from trafilatura import bare_extraction
            except ImportError:
                continue

            def extract(text, bare_extraction=bare_extraction):
                return bare_extraction(text, include_comments=True, with_metadata=False)

            def texts(doc):
                return ("", "") if doc is None else (doc.text or "", doc.comments or "")
        elif name.startswith("stance"):
            opts = SplitOptions(mode="text")

            def extract(text, opts=opts):
                return split(text, opts)

            def texts(res):
                return content_text(res), comment_text(res)
        else:
            continue
        cont, comm = MacroPRF(), MacroPRF()
        neg = flagged = 0
        cpu = 0.0  # of the extraction calls only, as in evaluate_peer
        for text, gc, gm, marker in dumps:
            c0 = time.process_time()
            try:
                res = extract(text)
            except Exception:
                res = None
            cpu += time.process_time() - c0
            pc, pm = ("", "") if res is None else texts(res)
            if marker:
                cont.add(pc, gc)
                if tokens(gm):
                    comm.add(pm, gm)
            else:
                neg += 1
                flagged += sum(tokens(pm).values()) > 0
        out[name] = {
            "content": cont.summary(),
            "comments": comm.summary(),
            "no_comment_pages": neg,
            "no_comment_pages_with_pred_comments": flagged,
            "no_comment_fp_rate": flagged / neg if neg else 0.0,
            "pages_per_cpu_s": len(dumps) / cpu if cpu else 0.0,
        }
        if name == "stance-rules":  # the text reader has no learned part: same as "stance"
            break
    return out


def print_text_table(res: dict) -> None:
    print("\n== dragnet-dev rendered to plain text (innerText-like), mode=text")
    print(
        f"{'peer':<16} {'pages':>5} | {'CONTENT mP    mR    mF1':<24} | "
        f"{'COMMENTS mP    mR    mF1':<25} | {'no-comment FP':<14} | pages/CPU-s"
    )
    for name, d in res.items():
        c, k = d["content"], d["comments"]
        print(
            f"{name:<16} {c['pages']:>5} |   {c['mP']:.3f} {c['mR']:.3f} {c['mF1']:.3f}   |"
            f"    {k['mP']:.3f} {k['mR']:.3f} {k['mF1']:.3f}   | "
            f"{d['no_comment_pages_with_pred_comments']:>3}/{d['no_comment_pages']:<3} "
            f"{d['no_comment_fp_rate']:.3f} | {d['pages_per_cpu_s']:.1f}"
        )


def print_table(results: dict) -> None:
    print("\n== dragnet-dev (dev split of the Dragnet training pages)")
    print(
        f"{'peer':<16} {'pages':>5} | {'CONTENT mP    mR    mF1':<24} | "
        f"{'COMMENTS mP    mR    mF1':<25} | {'no-comment FP':<14} | pages/s (CPU)"
    )
    for name, r in results.items():
        d = r["dragnet-dev"]
        c, k = d["content"], d["comments"]
        print(
            f"{name:<16} {c['pages']:>5} |   {c['mP']:.3f} {c['mR']:.3f} {c['mF1']:.3f}   |"
            f"    {k['mP']:.3f} {k['mR']:.3f} {k['mF1']:.3f}   | "
            f"{d['no_comment_pages_with_pred_comments']:>3}/{d['no_comment_pages']:<3} "
            f"{d['no_comment_fp_rate']:.3f} | {r['speed']['pages_per_s']:.1f} "
            f"({r['speed']['pages_per_cpu_s']:.1f})"
        )
    print(
        "   (comments scored on pages with non-empty comment gold: "
        f"{next(iter(results.values()))['dragnet-dev']['comments']['pages']}; "
        "content mF1 on no-comment pages: "
        + ", ".join(
            f"{n} {r['dragnet-dev']['content_no_comment_pages']['mF1']:.3f}"
            for n, r in results.items()
        )
        + ")"
    )
    print("\n== trafeval (snippet hits, whitespace-normalised substring test)")
    print(
        f"{'peer':<16} {'pages':>5}  {'with->content':<16} {'without->content':<16} "
        f"{'comm->comments':<16} {'comm->content':<16}"
    )
    for name, r in results.items():
        t = r["trafeval"]
        if not t["pages"]:
            continue

        def cell(a: str, b: str, t=t) -> str:
            return f"{t[a]:>4}/{t[b]:<4} {t[a] / max(t[b], 1):.3f}"

        print(
            f"{name:<16} {t['pages']:>5}  {cell('with_in_content', 'with_total')}  "
            f"{cell('without_in_content', 'without_total')}  "
            f"{cell('comments_in_comments', 'comments_total')}  "
            f"{cell('comments_in_content', 'comments_total')}"
        )
    print("\n== speed (one process, extraction calls only, all pages of both sets)")
    for name, r in results.items():
        s = r["speed"]
        print(
            f"{name:<16} {s['pages']:>5} pages: {s['seconds']:.2f} s wall = "
            f"{s['pages_per_s']:.1f} pages/s; {s['cpu_seconds']:.2f} s CPU = "
            f"{s['pages_per_cpu_s']:.1f} pages/CPU-s   errors={r['errors']}"
        )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--data-dir",
        default=os.environ.get("STANCE_DATA_DIR"),
        help="corpora directory (holding splitter/dragnet), default $STANCE_DATA_DIR",
    )
    ap.add_argument("--model", default=None, help="splitter.joblib (default: the shipped one)")
    ap.add_argument(
        "--peers",
        default="stance,stance-rules,trafilatura",
        help="comma list of: stance, stance-rules, trafilatura",
    )
    ap.add_argument("--limit", type=int, default=None, help="pages per set (smoke runs)")
    ap.add_argument("--output", help="write the numbers as JSON here")
    args = ap.parse_args(argv)
    if not args.data_dir:
        ap.error("pass --data-dir or set STANCE_DATA_DIR")
    sets = load_sets(args.data_dir, args.limit)
    results = {}
    for peer in args.peers.split(","):
        if peer == "stance":
            run = stance_runner(args.model, learned=True)
        elif peer == "stance-rules":
            run = stance_runner(None, learned=False)
        elif peer == "trafilatura":
            try:
                run = trafilatura_runner()
            except ImportError:
                print("trafilatura is not installed (pip install 'stance[bench]'); skipped")
                continue
        else:
            ap.error(f"unknown peer {peer}")
        results[peer] = evaluate_peer(run, sets)
    print_table(results)
    text_peers = [p for p in args.peers.split(",") if p != "stance-rules"]
    text_res = evaluate_text_dumps(sets, text_peers)
    print_text_table(text_res)
    results = {"html": results, "text_dumps": text_res}
    if args.output:
        Path(args.output).write_text(json.dumps(results, indent=1))
        print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
