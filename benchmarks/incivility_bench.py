"""Benchmark the incivility model against alt-profanity-check on the same dev rows, same run.

    python benchmarks/incivility_bench.py --data-dir ../shared/datasets [--model-dir models/default]
        [--fit] [--output bench.json] [--rows 20000] [--rate 0.3] [--seed 13]

Prints and (with --output) writes as JSON:

1. quality: AUC, AP, F1 and ECE of ``uncivil`` per domain and per corpus on the registry's dev
   split (stance.corpora.load_task("incivility", split="dev")), for this model and for
   alt-profanity-check (``profanity_check.predict_prob``) on exactly the same rows. Dev rows whose
   text also occurs in a training split are dropped (as in ``stance.incivility.fit``).
2. obfuscation: the uncivil dev rows are replaced by obfuscated copies
   (``stance.normalize.obfuscate``, seeded, each word of >= 3 letters obfuscated with probability
   ``--rate`` by one of spaced letters, leetspeak, masking, repeated letters, zero-width
   characters, homoglyphs); civil rows are unchanged. AUC before/after and the drop, per domain,
   for both models.
3. throughput, whole process: a JSONL file of ``--rows`` dev comments is scored by a fresh
   Python process per system (start-up, model load, read JSONL, score, write JSONL), timed by
   wall clock: this model's incivility head alone; the full ``stance score`` CLI with every
   head on (stance toward a target included) when the model directory holds the other models,
   in one process (``-j 1``, as the peer) and on two cores (``-j 2``, forked workers); and
   alt-profanity-check. Process start-up: both commands on a one-row file. Also the
   in-process steady-state rate of both on the distinct dev comments (2048-row batches after
   a warm-up batch; wall and CPU seconds).

The model is ``<model-dir>/incivility.joblib``; ``--fit`` trains one first from
``training/incivility.toml`` (written to ``<model-dir>``) when none is there. Note that the
shipped calibrators were fitted on these dev rows: AUC is unaffected (a monotone map), but ECE
here is in-sample; ``stance.incivility.fit`` reports the cross-fitted ECE in the model card.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OURS_RUNNER = """
import json, sys, joblib, pandas as pd
pipe = joblib.load(sys.argv[1])
heads = list(pipe[-1].heads_)
with open(sys.argv[2]) as fh, open(sys.argv[3], "w") as out:
    while True:
        lines = [fh.readline() for _ in range(2048)]
        lines = [x for x in lines if x]
        if not lines:
            break
        recs = [json.loads(x) for x in lines]
        p = pipe.predict_proba(pd.DataFrame({"text": [r["text"] for r in recs]}))
        for r, row in zip(recs, p):
            out.write(json.dumps({"id": r["id"], **dict(zip(heads, map(float, row)))}) + "\\n")
"""

PEER_RUNNER = """
import json, sys
from profanity_check import predict_prob
with open(sys.argv[1]) as fh, open(sys.argv[2], "w") as out:
    while True:
        lines = [fh.readline() for _ in range(2048)]
        lines = [x for x in lines if x]
        if not lines:
            break
        recs = [json.loads(x) for x in lines]
        p = predict_prob([r["text"] for r in recs])
        for r, v in zip(recs, p):
            out.write(json.dumps({"id": r["id"], "profanity": float(v)}) + "\\n")
"""


def _metrics(y, p, thr=0.5):
    from stance.incivility import binary_metrics

    return binary_metrics(np.asarray(y), np.asarray(p), thr)


def load_dev(data_dir: str | None):
    from stance.corpora import load_task
    from stance.incivility import _text_key

    dev = load_task("incivility", data_dir=data_dir, split="dev").to_pandas()
    train = load_task("incivility", data_dir=data_dir, split="train").to_pandas()
    seen = set(train["text"].astype(str).map(_text_key))
    dev = dev[dev["uncivil"].notna() & dev["text"].notna()]
    dev = dev[~dev["text"].astype(str).map(_text_key).isin(seen)]
    return dev.drop_duplicates("text").reset_index(drop=True)


def quality(dev, p_ours, p_peer, thr):
    out = {}
    y = dev["uncivil"].to_numpy(float)
    for key in ("domain", "corpus"):
        out[key] = {}
        for name in sorted(dev[key].astype(str).unique()):
            m = (dev[key].astype(str) == name).to_numpy()
            out[key][name] = {
                "ours": _metrics(y[m], p_ours[m], thr),
                "alt_profanity_check": _metrics(y[m], p_peer[m]),
            }
    out["all"] = {"ours": _metrics(y, p_ours, thr), "alt_profanity_check": _metrics(y, p_peer)}
    return out


def obfuscation(dev, score_ours, score_peer, rate, seed):
    from stance.normalize import obfuscate

    rng = random.Random(seed)
    y = dev["uncivil"].to_numpy(float)
    texts = dev["text"].astype(str).tolist()
    obf = [obfuscate(t, rng, rate=rate) if yy >= 0.5 else t for t, yy in zip(texts, y)]
    changed = sum(a != b for a, b in zip(texts, obf))
    po, pp = score_ours(obf), score_peer(obf)
    return obf, po, pp, changed


def throughput(dev, model_path: Path, model_dir: Path, rows: int, workdir: Path):
    texts = dev["text"].astype(str).tolist()
    reps = -(-rows // len(texts))
    texts = (texts * reps)[:rows]
    src = workdir / "comments.jsonl"
    with src.open("w") as fh:
        for i, t in enumerate(texts):
            fh.write(json.dumps({"id": f"c{i}", "text": t, "target": "the government"}) + "\n")
    py = sys.executable
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    res = {}

    def run(name, cmd, n=rows):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        dt = time.perf_counter() - t0
        if proc.returncode != 0:
            res[name] = {"error": proc.stderr[-2000:]}
            return
        res[name] = {"rows": n, "seconds": round(dt, 2), "rows_per_s": round(n / dt, 1)}

    one = workdir / "one.jsonl"  # process start-up: the same command on one row
    one.write_text(src.read_text().split("\n", 1)[0] + "\n")
    full = (model_dir / "model_card.json").exists() and (model_dir / "stance.joblib").exists()

    def score(inp: Path, jobs: int) -> list[str]:
        return [py, "-m", "stance.cli", "score", str(inp), "-m", str(model_dir), "-o",
                str(workdir / "all.jsonl"), "-q", "-j", str(jobs)]

    run("alt_profanity_check", [py, "-c", PEER_RUNNER, str(src), str(workdir / "peer.jsonl")])
    run("ours_incivility_head", [py, "-c", OURS_RUNNER, str(model_path), str(src),
                                 str(workdir / "ours.jsonl")])
    if full:  # one process, as the peer; then both cores (-j 2: forked workers)
        run("ours_stance_score_all_heads", score(src, 1))
        run("ours_stance_score_all_heads_j2", score(src, 2))
    else:
        res["ours_stance_score_all_heads"] = {"skipped": f"no full model set in {model_dir}"}
    for name, cmd in (("startup_alt_profanity_check",
                       [py, "-c", PEER_RUNNER, str(one), str(workdir / "peer1.jsonl")]),
                      ("startup_ours_stance_score", score(one, 1) if full else None)):
        if cmd is not None:
            run(name, cmd, 1)
    return res


def steady_state(dev, model_path: Path, batch: int = 2048) -> dict:
    """In-process rate on the distinct dev comments, in batches, after one warm-up batch of
    other text (a fresh copy of the model: no word seen before). Wall and CPU seconds."""
    import joblib
    import pandas as pd
    from profanity_check import predict_prob

    from stance.normalize import obfuscate

    texts = dev["text"].astype(str).tolist()
    rng = random.Random(0)
    warm = [obfuscate(t, rng, rate=1.0) for t in texts[:256]]
    pipe = joblib.load(model_path)
    systems = {
        "alt_profanity_check": lambda b: predict_prob(b),
        "ours_incivility_head": lambda b: pipe.predict_proba(pd.DataFrame({"text": b})),
    }
    out = {}
    for name, f in systems.items():
        f(warm)
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(0, len(texts), batch):
            f(texts[i : i + batch])
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        out[name] = {"rows": len(texts), "rows_per_s": round(len(texts) / wall, 1),
                     "rows_per_cpu_s": round(len(texts) / cpu, 1)}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=os.environ.get("STANCE_DATA_DIR"))
    ap.add_argument("--model-dir", type=Path, default=ROOT / "models" / "default")
    ap.add_argument("--model", type=Path, default=None, help="incivility.joblib to use")
    ap.add_argument("--fit", action="store_true", help="train a model first if there is none")
    ap.add_argument("--output", type=Path)
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--rate", type=float, default=0.3)
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args(argv)

    import joblib
    import pandas as pd
    from profanity_check import predict_prob

    model_path = args.model or args.model_dir / "incivility.joblib"
    if not model_path.exists():
        if not args.fit:
            print(f"{model_path} not found (train it, or pass --fit)", file=sys.stderr)
            return 2
        import tomllib

        from stance import incivility
        from stance.corpora import load_task

        cfg = tomllib.loads((ROOT / "training" / "incivility.toml").read_text())
        names = cfg.get("corpora")
        tr = load_task("incivility", names, data_dir=args.data_dir, split="train")
        dv = load_task("incivility", names, data_dir=args.data_dir, split="dev")
        pipe, info = incivility.fit(tr, dv, cfg, seed=args.seed)
        model_path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(pipe, model_path, compress=3)
        (model_path.parent / "incivility_info.json").write_text(
            json.dumps(incivility._nan_to_none(info), indent=1, default=str)
        )
    pipe = joblib.load(model_path)
    thr = float(getattr(pipe[-1], "threshold_", 0.5))
    dev = load_dev(args.data_dir)

    def ours(texts):
        return pipe.predict_proba(pd.DataFrame({"text": list(texts)}))[:, 0]

    def peer(texts):
        return np.asarray(predict_prob(list(texts)), dtype=float)

    texts = dev["text"].astype(str).tolist()
    p_ours, p_peer = ours(texts), peer(texts)
    report = {
        "model": str(model_path),
        "model_mb": round(model_path.stat().st_size / 1e6, 2),
        "threshold": thr,
        "dev_rows": int(len(dev)),
    }
    report["quality"] = quality(dev, p_ours, p_peer, thr)
    _, po, pp, changed = obfuscation(dev, ours, peer, args.rate, args.seed)
    y = dev["uncivil"].to_numpy(float)
    obf = {"rate": args.rate, "seed": args.seed, "rows_changed": changed, "domain": {}}
    for name in ["all", *sorted(dev["domain"].astype(str).unique())]:
        m = np.ones(len(dev), bool) if name == "all" else (dev["domain"] == name).to_numpy()
        entry = {}
        for sysname, before, after in (("ours", p_ours, po), ("alt_profanity_check", p_peer, pp)):
            a0 = _metrics(y[m], before[m])["auc"]
            a1 = _metrics(y[m], after[m])["auc"]
            entry[sysname] = {"auc": a0, "auc_obfuscated": a1, "drop": a0 - a1}
        obf["domain"][name] = entry
    report["obfuscation"] = obf
    report["steady_state"] = steady_state(dev, model_path)
    with tempfile.TemporaryDirectory() as tmp:
        report["throughput"] = throughput(dev, model_path, args.model_dir, args.rows, Path(tmp))

    def fmt(x):
        return "  n/a " if x is None or x != x else f"{x:.4f}"

    print(f"model {model_path} ({report['model_mb']} MB), threshold {thr:.3f}, "
          f"{len(dev)} dev rows")
    print(f"{'AUC (uncivil)':40s} {'ours':>7s} {'alt-pc':>7s} {'n':>6s} {'pos':>5s}  ECE ours")
    for key in ("domain", "corpus"):
        for name, r in report["quality"][key].items():
            o, q = r["ours"], r["alt_profanity_check"]
            print(f"{key[:3]} {name[:36]:36s} {fmt(o['auc'])} {fmt(q['auc'])} {o['n']:6d} "
                  f"{o['pos']:5d}  {fmt(o['ece'])}")
    print(f"obfuscation (rate {args.rate}, {changed} uncivil rows changed): AUC drop")
    for name, e in obf["domain"].items():
        print(f"  {name:12s} ours {fmt(e['ours']['auc'])} -> {fmt(e['ours']['auc_obfuscated'])}"
              f"  alt-pc {fmt(e['alt_profanity_check']['auc'])} -> "
              f"{fmt(e['alt_profanity_check']['auc_obfuscated'])}")
    print("throughput, steady state in process (distinct dev comments, fresh model copy):")
    for name, r in report["steady_state"].items():
        print(f"  {name:30s} {r}")
    print("throughput, whole process JSONL -> JSONL:")
    for name, r in report["throughput"].items():
        print(f"  {name:30s} {r}")
    if args.output:
        from stance.incivility import _nan_to_none

        args.output.write_text(json.dumps(_nan_to_none(report), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
