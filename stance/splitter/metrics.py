"""The splitter metric of peer-baselines/eval_peers.py: bag of ``\\w+`` tokens, P/R/F1 per page.

Comment text of a split page = author + time + quote + text of every comment.
"""

from __future__ import annotations

import re
from collections import Counter

TOKEN = re.compile(r"\w+")


def tokens(text: str | None) -> Counter:
    return Counter(TOKEN.findall((text or "").lower()))


def overlap(pred: Counter, gold: Counter) -> int:
    return sum(min(c, gold[t]) for t, c in pred.items() if t in gold)


def prf(tp: int, npred: int, ngold: int) -> tuple[float, float, float]:
    p = tp / npred if npred else 0.0
    r = tp / ngold if ngold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def page_prf(pred_text: str, gold_text: str) -> tuple[float, float, float]:
    pred, gold = tokens(pred_text), tokens(gold_text)
    return prf(overlap(pred, gold), sum(pred.values()), sum(gold.values()))


def content_text(result: dict) -> str:
    """Title + article of a split result (the Dragnet gold content includes the title)."""
    return "\n".join(x for x in (result.get("title"), result.get("article")) if x)


def comment_text(result: dict) -> str:
    parts = []
    for c in result.get("comments") or ():
        for key in ("author", "time", "quote", "text"):
            if c.get(key):
                parts.append(str(c[key]))
    return "\n".join(parts)


class MacroPRF:
    """Accumulates per-page P/R/F1 and reports their means."""

    def __init__(self) -> None:
        self.rows: list[tuple[float, float, float]] = []

    def add(self, pred_text: str, gold_text: str) -> None:
        self.rows.append(page_prf(pred_text, gold_text))

    def summary(self) -> dict:
        n = len(self.rows)
        if not n:
            return {"pages": 0, "mP": 0.0, "mR": 0.0, "mF1": 0.0}
        return {
            "pages": n,
            "mP": sum(r[0] for r in self.rows) / n,
            "mR": sum(r[1] for r in self.rows) / n,
            "mF1": sum(r[2] for r in self.rows) / n,
        }


def dragnet_dev_metrics(model, data_dir, limit: int | None = None) -> dict:
    """The splitter's dev figures on the Dragnet dev pages (as benchmarks/split_bench.py
    computes them for ``stance``): content and comment macro P/R/F1 on pages with a comment
    section, and the share of pages without one that get no predicted comment."""
    from stance.splitter import split
    from stance.splitter.data import iter_pages

    content, comments = MacroPRF(), MacroPRF()
    neg = flagged = 0
    for _pid, raw, gold_content, gold_comments, marker in iter_pages(data_dir, part="dev",
                                                                     limit=limit):
        res = split(raw, model=model)
        if marker:
            content.add(content_text(res), gold_content)
            if tokens(gold_comments):
                comments.add(comment_text(res), gold_comments)
        else:
            neg += 1
            flagged += sum(tokens(comment_text(res)).values()) > 0

    def rounded(acc: MacroPRF) -> dict:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in acc.summary().items()}

    return {
        "content": rounded(content),
        "comments": rounded(comments),
        "no_comment_pages": neg,
        "no_comment_pages_clean": round(1 - flagged / neg, 4) if neg else None,
    }
