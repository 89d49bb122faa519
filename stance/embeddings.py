"""Static sentence vectors from a distilled token-embedding table (numpy/scipy, no torch).

The shipped table (``models/embeddings/minilm-l6-v2-static``) was distilled from
sentence-transformers/all-MiniLM-L6-v2 with model2vec (recipe: ``training/distill_embeddings.py``).
A text's vector is the mean (or max) of its WordPiece token vectors, L2-normalised::

    from stance.embeddings import StaticEmbeddings
    emb = StaticEmbeddings().fit([])          # loads the default table
    X = emb.transform(["Ban fracking now.", "fracking"])   # (2, d) float32

Tokenisation reproduces the model's BERT tokenizer (``BertNormalizer`` lowercase + accent
stripping + CJK splitting, ``BertPreTokenizer``, greedy ``WordPiece``) in pure Python, with
per-instance caches (never pickled) of whitespace-separated chunks and of the words they
split into, so repeated chunks and words cost one dict lookup.
Unknown tokens (``[UNK]``) are dropped, as model2vec does; a text with no known token maps to
the zero vector.

Table directory format (all numpy-readable, no pickle):

- ``table.npz``: ``vectors`` (n_tokens, d) int8 or float16, ``scales`` (d,) float32; the
  float vector of token ``i`` is ``vectors[i] * scales``.
- ``vocab.txt``: the tokens, one per line, line ``i`` = row ``i``.
- ``card.json``: provenance (source weights sha256, licence, versions, sha256 of the files).
"""

from __future__ import annotations

import json
import os
import unicodedata
from itertools import chain
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from . import resources
from .errors import InputError, ModelError

#: Name of the shipped table (a directory under :func:`embeddings_dir`).
DEFAULT_TABLE = "minilm-l6-v2-static"

_UNK = "[UNK]"
_PREFIX = "##"
_MAX_WORD_CHARS = 100  # WordPiece max_input_chars_per_word of the source tokenizer
_CACHE_LIMIT = 262_144  # chunks kept in the per-instance tokenisation cache (~50 MB at most)


def embeddings_dir() -> Path:
    """Directory holding the embedding tables: ``$STANCE_EMBEDDINGS_DIR``, else
    ``<repo>/models/embeddings`` of a checkout, else ``stance/_models/embeddings`` of a wheel."""
    env = os.environ.get("STANCE_EMBEDDINGS_DIR")
    if env:
        return Path(env)
    pkg = Path(resources.__file__).resolve().parent
    candidates = (pkg.parent / "models" / "embeddings", pkg / "_models" / "embeddings")
    for cand in candidates:
        if (cand / DEFAULT_TABLE / "table.npz").exists():
            return cand
    return candidates[0]


#: Path of the shipped table (resolved once, at import; nothing is read then).
DEFAULT_TABLE_PATH = embeddings_dir() / DEFAULT_TABLE


def resolve_table(name_or_path: str | os.PathLike[str] | None = None) -> Path:
    """The table directory for a name under :func:`embeddings_dir` or an explicit path."""
    if name_or_path is None:
        return embeddings_dir() / DEFAULT_TABLE
    path = Path(name_or_path).expanduser()
    if path.is_file() and path.name == "table.npz":
        path = path.parent
    if (path / "table.npz").exists():
        return path
    named = embeddings_dir() / str(name_or_path)
    if (named / "table.npz").exists():
        return named
    raise ModelError(
        f"{name_or_path}: no embedding table (expected a directory with table.npz and "
        f"vocab.txt, or a table name under {embeddings_dir()})"
    )


def load_table(name_or_path: str | os.PathLike[str] | None = None) -> tuple[list[str], np.ndarray]:
    """``(vocab, vectors)`` of a table: the token list and its (n, d) float32 vectors."""
    vocab, q, scales = _read_table(resolve_table(name_or_path))
    return vocab, _dequantize(q, scales)


def _read_table(path: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    try:
        with np.load(path / "table.npz", allow_pickle=False) as z:
            vectors = np.asarray(z["vectors"])
            scales = np.asarray(z["scales"], dtype=np.float32)
        vocab = (path / "vocab.txt").read_text(encoding="utf-8").split("\n")
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError(f"{path}: unreadable embedding table ({exc})") from exc
    if vocab and vocab[-1] == "":
        vocab.pop()
    if vectors.ndim != 2 or len(vocab) != vectors.shape[0] or scales.shape != vectors.shape[1:]:
        raise ModelError(
            f"{path}: inconsistent table: {len(vocab)} tokens, vectors {vectors.shape}, "
            f"scales {scales.shape}"
        )
    if _UNK not in vocab:
        raise ModelError(f"{path}: vocab.txt has no {_UNK} token")
    _check_tokenizer(path)
    return vocab, vectors, scales


def _check_tokenizer(path: Path) -> None:
    """Refuse a table whose card declares a tokenizer this module does not implement."""
    card_path = path / "card.json"
    if not card_path.exists():
        return  # a bare table is assumed to be lowercase BERT WordPiece
    try:
        tok = json.loads(card_path.read_text(encoding="utf-8")).get("tokenizer") or {}
    except ValueError as exc:
        raise ModelError(f"{card_path}: unreadable card ({exc})") from exc
    norm, model = tok.get("normalizer") or {}, tok.get("model") or {}
    ok = (
        norm.get("type", "BertNormalizer") == "BertNormalizer"
        and norm.get("lowercase", True) is True
        and norm.get("strip_accents") in (None, True)
        and (tok.get("pre_tokenizer") or {}).get("type", "BertPreTokenizer") == "BertPreTokenizer"
        and model.get("type", "WordPiece") == "WordPiece"
        and model.get("continuing_subword_prefix", _PREFIX) == _PREFIX
        and model.get("max_input_chars_per_word", _MAX_WORD_CHARS) == _MAX_WORD_CHARS
    )
    if not ok:
        raise ModelError(f"{card_path}: unsupported tokenizer {tok} (this module implements "
                         "lowercasing BERT WordPiece only)")


def _dequantize(q: np.ndarray, scales: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(q.astype(np.float32) * scales[None, :])


# --- BERT-style tokenisation (matches tokenizers' BertNormalizer/BertPreTokenizer/WordPiece) ---

_ASCII_PUNCT = frozenset(chr(c) for c in range(128) if chr(c).isprintable() and not chr(c).isalnum()
                         and c != 32)
_CJK_RANGES = (
    (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F),
)
# ASCII: lowercase letters and digits stay in words; every other printable char is its own
# token; control chars are dropped.
_ASCII_TABLE = {c: None for c in range(32)} | {127: None}
_ASCII_TABLE.update({ord(p): f" {p} " for p in _ASCII_PUNCT})


def _is_cjk(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def _pre_tokenize(chunk: str) -> list[str]:
    """Normalise one whitespace-free chunk and split it into words (BERT rules)."""
    if chunk.isascii():
        return chunk.lower().translate(_ASCII_TABLE).split()
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", chunk):
        cat = unicodedata.category(ch)
        if cat == "Mn" or ch == "\ufffd":  # accents stripped; replacement char dropped
            continue
        if cat[0] == "C":  # control/format chars dropped (whitespace never reaches here)
            continue
        if ch in _ASCII_PUNCT or cat[0] == "P" or _is_cjk(ord(ch)):
            out.append(f" {ch} ")
        elif ch.isspace():
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out).lower().split()


class _WordPiece:
    """Greedy longest-match-first WordPiece over a vocab, with chunk -> ids and word -> ids
    caches (bounded: each is emptied at ``_CACHE_LIMIT`` entries)."""

    def __init__(self, vocab: list[str]):
        self.index = {tok: i for i, tok in enumerate(vocab)}
        self.unk = self.index[_UNK]
        self.cache: dict[str, list[int]] = {}
        self.words: dict[str, list[int]] = {}  # pre-tokenised word -> ids

    def word(self, word: str) -> list[int]:
        if len(word) > _MAX_WORD_CHARS:
            return []
        index, ids, start, n = self.index, [], 0, len(word)
        while start < n:
            end = n
            cur = None
            while start < end:
                sub = word[start:end] if start == 0 else _PREFIX + word[start:end]
                cur = index.get(sub)
                if cur is not None:
                    break
                end -= 1
            if cur is None:
                return []  # the whole word is [UNK], which is dropped
            ids.append(cur)
            start = end
        return ids

    def chunk(self, chunk: str) -> list[int]:
        ids = self.cache.get(chunk)
        if ids is None:
            get, miss = self.words.get, self._word_miss
            ids = []
            for w in _pre_tokenize(chunk):
                got = get(w)
                ids += miss(w) if got is None else got
            if len(self.cache) >= _CACHE_LIMIT:
                self.cache.clear()
            self.cache[chunk] = ids
        return ids

    def _word_miss(self, word: str) -> list[int]:
        if len(self.words) >= _CACHE_LIMIT:
            self.words.clear()
        ids = self.words[word] = self.word(word)
        return ids

    def encode(self, text: str) -> list[int]:
        chunks = text.split()
        try:  # every chunk seen before (most texts, once the cache is warm): one chained lookup
            return list(chain.from_iterable(map(self.cache.__getitem__, chunks)))
        except KeyError:
            pass
        get, miss = self.cache.get, self.chunk
        ids: list[int] = []
        for c in chunks:
            got = get(c)
            ids += miss(c) if got is None else got
        return ids


def _as_texts(X) -> list[str]:
    """A list of strings from a list/array/Series (or a single-column 2-D input)."""
    if isinstance(X, str):
        raise InputError("expected a sequence of texts, got a single string")
    if hasattr(X, "ndim") and getattr(X, "ndim", 1) == 2:
        shape = X.shape
        if shape[1] != 1:
            raise InputError(f"expected one text column, got an array of shape {shape}")
        X = X.iloc[:, 0] if hasattr(X, "iloc") else np.asarray(X)[:, 0]
    out = []
    for i, t in enumerate(X):
        if isinstance(t, str):
            out.append(t)
        elif t is None or (isinstance(t, float) and t != t):  # None / NaN -> empty text
            out.append("")
        else:
            raise InputError(f"text {i} is {type(t).__name__}, not str")
    return out


class _JoinedVocab(str):
    """A pickled table vocabulary: the tokens joined by newlines (see ``__getstate__``)."""


class StaticEmbeddings(TransformerMixin, BaseEstimator):
    """Texts -> (n, d) float32 sentence vectors from a static token-embedding table.

    Parameters
    ----------
    path : table name (under :func:`embeddings_dir`) or directory; None = the shipped table.
    pooling : "mean" (default) or "max" over the token vectors of a text.
    normalize : L2-normalise each output row (zero rows stay zero).
    max_tokens : keep at most this many tokens of a text (None = all); 512 as in model2vec.

    ``fit`` loads the table (``vectors_``: int8/float16 table, ``scales_``, ``vocab_``); the
    texts passed to ``fit`` are ignored. Pickles with the table inside (a few MB).
    """

    def __init__(self, path=None, pooling: str = "mean", normalize: bool = True,
                 max_tokens: int | None = 512):
        self.path = path
        self.pooling = pooling
        self.normalize = normalize
        self.max_tokens = max_tokens

    def fit(self, X=None, y=None):
        if self.pooling not in ("mean", "max"):
            raise ValueError(f"pooling must be 'mean' or 'max', not {self.pooling!r}")
        if self.max_tokens is not None and int(self.max_tokens) < 1:
            raise ValueError("max_tokens must be >= 1 or None")
        table = resolve_table(self.path)
        self.vocab_, self.vectors_, self.scales_ = _read_table(table)
        self.table_name_ = table.name
        self.n_features_out_ = int(self.vectors_.shape[1])
        self._float = None  # dequantised table and tokenizer, built on first transform
        return self

    # Runtime caches (float table, tokenizer) are rebuilt on demand and never pickled.
    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: it may be the instance's own __dict__
        state.pop("_float", None)
        state.pop("_wp", None)
        vocab = state.get("vocab_")
        if isinstance(vocab, list) and vocab and not any("\n" in t for t in vocab):
            # one string, not ~30,000: joblib's pure-Python unpickler reads each string of a
            # list op by op (about 0.15 s of loading the stance model)
            state["vocab_"] = _JoinedVocab("\n".join(vocab))
        return state

    def __setstate__(self, state):
        vocab = state.get("vocab_")
        if isinstance(vocab, _JoinedVocab):
            state = {**state, "vocab_": str(vocab).split("\n")}
        super().__setstate__(state)

    def _runtime(self) -> tuple[np.ndarray, _WordPiece]:
        if not hasattr(self, "vectors_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("StaticEmbeddings is not fitted; call fit() first")
        if getattr(self, "_float", None) is None:
            self._float = _dequantize(self.vectors_, self.scales_)
            self._wp = _WordPiece(self.vocab_)
        return self._float, self._wp

    def tokenize(self, text: str) -> list[str]:
        """The table tokens of ``text`` (for inspection; ``[UNK]`` already dropped)."""
        _, wp = self._runtime()
        return [self.vocab_[i] for i in wp.encode(text)]

    def transform(self, X) -> np.ndarray:
        vectors, wp = self._runtime()
        texts = _as_texts(X)
        # Embed each distinct text once.
        codes: dict[str, int] = {}
        inverse = np.fromiter((codes.setdefault(t, len(codes)) for t in texts),
                              dtype=np.int64, count=len(texts))
        cap = None if self.max_tokens is None else int(self.max_tokens)
        encode = wp.encode
        flat: list[int] = []
        lengths = np.empty(len(codes), dtype=np.int64)
        for k, text in enumerate(codes):
            tok = encode(text)
            if cap is not None and len(tok) > cap:
                tok = tok[:cap]
            lengths[k] = len(tok)
            flat += tok
        ids = np.array(flat, dtype=np.int64)
        if self.pooling == "max":
            out = _max_pool(vectors, ids, lengths)
        else:
            indptr = np.concatenate(([0], np.cumsum(lengths)))
            counts = sp.csr_matrix(
                (np.ones(ids.size, dtype=np.float32), ids, indptr),
                shape=(len(codes), vectors.shape[0]),
            )
            out = np.asarray(counts @ vectors, dtype=np.float32)
            out /= np.maximum(lengths, 1)[:, None].astype(np.float32)
        if self.normalize:
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            np.divide(out, norms, out=out, where=norms > 0)
        return out[inverse]

    def get_feature_names_out(self, input_features=None):
        n = getattr(self, "n_features_out_", None)
        if n is None:
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("StaticEmbeddings is not fitted; call fit() first")
        return np.asarray([f"emb{i}" for i in range(n)], dtype=object)


def _max_pool(vectors: np.ndarray, ids: np.ndarray, lengths: np.ndarray,
              block: int = 1 << 16) -> np.ndarray:
    """Row-wise max of token vectors per text, in blocks of ~``block`` tokens (bounded memory)."""
    out = np.zeros((len(lengths), vectors.shape[1]), dtype=np.float32)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    i = 0
    while i < len(lengths):
        # texts i..j-1 whose tokens fit in one block (at least one text)
        j = max(i + 1, int(np.searchsorted(ends, starts[i] + block, side="right")))
        sel = np.arange(i, j)[lengths[i:j] > 0]
        if sel.size:
            rows = vectors[ids[starts[i]:ends[j - 1]]]
            out[sel] = np.maximum.reduceat(rows, starts[sel] - starts[i], axis=0)
        i = j
    return out


def card(name_or_path: str | os.PathLike[str] | None = None) -> dict:
    """The ``card.json`` of a table (provenance, licence, sizes)."""
    path = resolve_table(name_or_path) / "card.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: unreadable card ({exc})") from exc
