"""Time the stance head's feature blocks and predict_proba on a JSONL of comments.

    python benchmarks/stance_speed.py COMMENTS.jsonl [--model-dir models/default]
        [--targets "the government"] [--rows 20000] [--batch-size 0] [--reps 3]

Each ``--targets`` entry is paired with every comment (``text`` field). Prints the CPU seconds
(best of ``--reps``, one process, so caches are warm after the first rep) of each block of the
FeatureUnion in pipeline order, of sklearn's union hstack and of the classifier, then rows/s
of ``Pipeline.predict_proba`` and of ``stance.targeted.predict_proba`` (the block-wise path
that never builds the union's CSR), in calls of ``--batch-size`` rows (0 = one call, as the
scorer does per batch of records). CPU time, not wall time: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--model-dir", type=Path, default=None)
    ap.add_argument("--targets", nargs="+", default=["the government"])
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--batch-size", type=int, default=0)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()

    import joblib
    import pandas as pd
    import scipy.sparse as sp

    from stance import targeted
    from stance.resources import default_model_dir

    model = (args.model_dir or default_model_dir()) / "stance.joblib"
    pipe = joblib.load(model)
    with args.data.open(encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh if line.strip()][:args.rows]
    df = pd.DataFrame({"text": texts * len(args.targets),
                       "target": [t for t in args.targets for _ in texts]})
    step = args.batch_size or len(df)
    best: dict[str, float] = {}

    def timed(key: str, fn, *a):
        start = time.process_time()
        out = fn(*a)
        best[key] = min(best.get(key, float("inf")), time.process_time() - start)
        return out

    def batched(fn):
        return [fn(df.iloc[i:i + step]) for i in range(0, len(df), step)]

    for _ in range(args.reps):
        X = timed("columns", pipe[0].transform, df)
        blocks = [timed(name, tr.transform, X)
                  for name, tr in pipe.named_steps["features"].transformer_list]
        F = timed("union hstack", lambda b: sp.hstack(b).tocsr(), blocks)
        timed("clf", pipe[-1].predict_proba, F)
        timed("Pipeline.predict_proba", batched, pipe.predict_proba)
        timed("targeted.predict_proba", batched, lambda d: targeted.predict_proba(pipe, d))
    print(f"{model}: {len(df)} rows ({len(texts)} comments x {len(args.targets)} targets), "
          f"calls of {step} rows, CPU s best of {args.reps}")
    for key, sec in best.items():
        rate = f"  {len(df) / sec:8.0f} rows/s" if key.endswith("predict_proba") else ""
        print(f"  {key:24s} {sec:7.3f}{rate}")


if __name__ == "__main__":
    main()
