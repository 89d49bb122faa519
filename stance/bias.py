"""Identity-term bias metrics of the Jigsaw Unintended Bias challenge (Borkan et al., 2019).

For each identity group, over labelled comments with model scores:

- ``subgroup_auc``: AUC on the comments that mention the group. Low = the model cannot tell
  toxic from non-toxic comments about the group.
- ``bpsn_auc`` (Background Positive, Subgroup Negative): AUC on the non-toxic comments that
  mention the group plus the toxic comments that do not. Low = non-toxic comments that merely
  mention the group score too high (false positives driven by the identity term).
- ``bnsp_auc`` (Background Negative, Subgroup Positive): AUC on the toxic comments that mention
  the group plus the non-toxic ones that do not. Low = toxic comments about the group score
  too low.

``final_metric`` is the challenge's summary: 0.25 x overall AUC + 0.25 x the power mean (p = -5)
of each of the three per-group AUC lists (groups with too few rows are left out).

A comment "mentions" a group when one of the group's terms in ``IDENTITY_TERMS`` occurs as a
whole word (case-insensitive) after ``stance.normalize.normalize``. The list follows the Jigsaw
identity columns (male, female, homosexual_gay_or_lesbian, transgender, christian, jewish,
muslim, black, white, asian, latino, psychiatric_or_mental_illness) plus immigrants (HatEval's
target group); it is deliberately small and literal, so read it before reading the numbers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

IDENTITY_TERMS: dict[str, tuple[str, ...]] = {
    "male": ("man", "men", "male", "males", "boy", "boys", "guy", "guys", "husband", "father"),
    "female": ("woman", "women", "female", "females", "girl", "girls", "lady", "ladies", "wife",
               "mother"),
    "homosexual_gay_or_lesbian": ("gay", "gays", "lesbian", "lesbians", "homosexual",
                                  "homosexuals", "lgbt", "lgbtq", "queer", "bisexual"),
    "transgender": ("transgender", "trans", "transgenders", "transsexual"),
    "christian": ("christian", "christians", "christianity", "catholic", "catholics",
                  "evangelical", "evangelicals", "protestant"),
    "jewish": ("jew", "jews", "jewish", "judaism"),
    "muslim": ("muslim", "muslims", "islam", "islamic", "moslem"),
    "black": ("black", "blacks", "african american", "african americans"),
    "white": ("white", "whites", "caucasian", "caucasians"),
    "asian": ("asian", "asians", "chinese", "japanese", "korean", "indian", "indians"),
    "latino": ("latino", "latinos", "latina", "hispanic", "hispanics", "mexican", "mexicans"),
    "psychiatric_or_mental_illness": ("mentally ill", "mental illness", "schizophrenic",
                                      "psychotic", "bipolar", "autistic"),
    "immigrant": ("immigrant", "immigrants", "migrant", "migrants", "refugee", "refugees",
                  "illegals", "asylum seekers"),
}


def _pattern(terms: Sequence[str]) -> re.Pattern[str]:
    alts = sorted((re.escape(t) for t in terms), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alts) + r")\b")


def mentions(
    texts: Sequence[str], terms: Mapping[str, Sequence[str]] | None = None
) -> dict[str, np.ndarray]:
    """Boolean mask per identity group: which texts mention it."""
    from stance.normalize import normalize

    terms = IDENTITY_TERMS if terms is None else terms
    norm = [normalize(t or "") for t in texts]
    return {
        g: np.fromiter((bool(p.search(t)) for t in norm), dtype=bool, count=len(norm))
        for g, p in ((g, _pattern(ts)) for g, ts in terms.items())
    }


def _auc(y: np.ndarray, s: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    if len(y) == 0 or y.min() == y.max():
        return float("nan")
    return float(roc_auc_score(y, s))


def power_mean(values: Sequence[float], p: float = -5.0) -> float:
    v = np.asarray([x for x in values if x == x], dtype=float)
    if len(v) == 0:
        return float("nan")
    return float(np.mean(v**p) ** (1.0 / p))


def subgroup_metrics(y: np.ndarray, s: np.ndarray, in_group: np.ndarray) -> dict[str, Any]:
    """Subgroup, BPSN and BNSP AUC for one group mask (labels binarised at 0.5)."""
    y = (np.asarray(y, dtype=float) >= 0.5).astype(int)
    s = np.asarray(s, dtype=float)
    g = np.asarray(in_group, dtype=bool)
    pos, neg = y == 1, y == 0
    bpsn = (g & neg) | (~g & pos)
    bnsp = (g & pos) | (~g & neg)
    return {
        "n": int(g.sum()),
        "pos": int((g & pos).sum()),
        "subgroup_auc": _auc(y[g], s[g]),
        "bpsn_auc": _auc(y[bpsn], s[bpsn]),
        "bnsp_auc": _auc(y[bnsp], s[bnsp]),
    }


def bias_report(
    texts: Sequence[str],
    y_true: Sequence[float],
    y_score: Sequence[float],
    terms: Mapping[str, Sequence[str]] | None = None,
    min_rows: int = 30,
    min_pos: int = 5,
) -> dict[str, Any]:
    """Per-group bias AUCs and the Jigsaw final metric over ``texts`` with labels and scores.

    Groups with fewer than ``min_rows`` mentioning rows or fewer than ``min_pos`` positive /
    negative rows among them are listed with ``"reliable": false`` and left out of the means.
    """
    y = np.asarray(y_true, dtype=float)
    s = np.asarray(y_score, dtype=float)
    if not (len(texts) == len(y) == len(s)):
        raise ValueError("texts, y_true and y_score must have the same length")
    masks = mentions(texts, terms)
    groups: dict[str, Any] = {}
    for g, m in masks.items():
        res = subgroup_metrics(y, s, m)
        res["reliable"] = bool(
            res["n"] >= min_rows and res["pos"] >= min_pos and res["n"] - res["pos"] >= min_pos
        )
        groups[g] = res
    ok = [r for r in groups.values() if r["reliable"]]
    overall = _auc((y >= 0.5).astype(int), s)
    means = {
        k: power_mean([r[k] for r in ok]) for k in ("subgroup_auc", "bpsn_auc", "bnsp_auc")
    }
    final = (
        0.25 * overall + 0.25 * sum(means.values()) if ok and overall == overall else float("nan")
    )
    any_mention = np.any(np.column_stack(list(masks.values())), axis=1) if masks else None
    return {
        "overall_auc": overall,
        "n": int(len(y)),
        "n_mentioning": int(any_mention.sum()) if any_mention is not None else 0,
        "power_mean": means,
        "final_metric": final,
        "groups": groups,
    }
