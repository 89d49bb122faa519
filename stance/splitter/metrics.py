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
