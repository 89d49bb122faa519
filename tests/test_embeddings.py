"""Static embedding table + StaticEmbeddings transformer (on the shipped table)."""

from __future__ import annotations

import hashlib
import json
import pickle

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from stance.embeddings import (
    DEFAULT_TABLE_PATH,
    StaticEmbeddings,
    card,
    embeddings_dir,
    load_table,
    resolve_table,
)
from stance.errors import InputError, ModelError

COMMENTS = [
    "The council should never have approved this tax hike, it punishes homeowners.",
    "Another property tax increase from the city council hurts every homeowner.",
    "My cat sleeps all afternoon on the windowsill.",
    "Vaccines are safe and every child should get them before school starts.",
    "Mandatory immunisation for schoolkids is the right call.",
    "The striker scored twice in the second half and the crowd went wild.",
]


@pytest.fixture(scope="module")
def emb() -> StaticEmbeddings:
    return StaticEmbeddings().fit(COMMENTS)


def cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_shipped_table_within_budget_and_matches_card():
    path = resolve_table(None)
    assert path == DEFAULT_TABLE_PATH
    assert path.parent == embeddings_dir()
    files = [f for f in path.iterdir() if f.is_file()]
    assert sum(f.stat().st_size for f in files) <= 8_000_000
    info = card()
    assert info["source"]["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert info["source"]["licence"] == "apache-2.0"
    assert len(info["source"]["weights_sha256"]) == 64
    for name, meta in info["files"].items():
        digest = hashlib.sha256((path / name).read_bytes()).hexdigest()
        assert digest == meta["sha256"], f"{name} changed since the card was written"
    vocab, vectors = load_table()
    assert vectors.dtype == np.float32
    assert vectors.shape == (info["vocab_size"], info["dims"]) == (len(vocab), info["dims"])
    assert np.isfinite(vectors).all()


def test_nothing_loaded_before_fit():
    est = StaticEmbeddings(pooling="max")
    assert not hasattr(est, "vectors_")
    assert est.get_params()["pooling"] == "max"
    with pytest.raises(NotFittedError):
        est.transform(["hello"])
    assert clone(est).get_params() == est.get_params()


def test_shape_dtype_and_unit_norm(emb):
    X = emb.transform(COMMENTS)
    assert X.shape == (len(COMMENTS), emb.n_features_out_)
    assert X.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-5)
    assert len(emb.get_feature_names_out()) == X.shape[1]


def test_deterministic_and_batch_independent(emb):
    a = emb.transform(COMMENTS)
    fresh = StaticEmbeddings().fit([])
    b = fresh.transform(list(reversed(COMMENTS)))[::-1]
    np.testing.assert_array_equal(a, b)
    dup = emb.transform([COMMENTS[0], COMMENTS[2], COMMENTS[0]])
    np.testing.assert_array_equal(dup[0], dup[2])
    np.testing.assert_array_equal(dup[0], a[0])


def test_similar_texts_closer_than_unrelated(emb):
    X = emb.transform(COMMENTS)
    # paraphrases (taxes, vaccines) beat unrelated pairs by a clear margin
    assert cos(X[0], X[1]) > cos(X[0], X[2]) + 0.2
    assert cos(X[3], X[4]) > cos(X[3], X[5]) + 0.1
    assert cos(X[0], X[1]) > 0.5


def test_target_closest_to_its_comments(emb):
    target = emb.transform(["property taxes"])[0]
    sims = emb.transform(COMMENTS) @ target
    assert set(np.argsort(-sims)[:2]) == {0, 1}
    assert sims[:2].min() > sims[2:].max() + 0.15


def test_empty_and_unknown_inputs(emb):
    X = emb.transform(["", "   \n\t", "😀😀", None, "zxqvbnmwk flurbination"])
    assert np.isfinite(X).all()
    np.testing.assert_array_equal(X[:4], 0.0)  # no known token -> zero vector
    assert np.linalg.norm(X[4]) == pytest.approx(1.0, abs=1e-5)  # split into word pieces
    assert emb.tokenize("flurbination") == ["flu", "##rbin", "##ation"]
    assert emb.transform([]).shape == (0, emb.n_features_out_)


def test_normalisation_of_case_accents_and_punctuation(emb):
    a, b = emb.transform(["Café CRÈME, s'il vous plaît!", "cafe creme , s ' il vous plait !"])
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert emb.tokenize("Don’t—stop") == ["don", "’", "t", "—", "stop"]


def test_options_pooling_max_tokens_normalize():
    long_text = " ".join(["taxes"] * 5 + ["kitten"] * 50)
    capped = StaticEmbeddings(max_tokens=5).fit([])
    only = capped.transform(["taxes"])[0]
    np.testing.assert_allclose(capped.transform([long_text])[0], only, atol=1e-6)
    raw = StaticEmbeddings(normalize=False).fit([]).transform(COMMENTS[:2])
    assert not np.allclose(np.linalg.norm(raw, axis=1), 1.0)
    mx = StaticEmbeddings(pooling="max", normalize=False).fit([])
    vocab, vectors = load_table()
    ids = [vocab.index(t) for t in ("taxes", "kitten")]
    np.testing.assert_allclose(mx.transform(["taxes kitten"])[0], vectors[ids].max(axis=0))
    with pytest.raises(ValueError):
        StaticEmbeddings(pooling="median").fit([])


def test_accepts_series_arrays_and_one_column_frames(emb):
    pd = pytest.importorskip("pandas")
    ref = emb.transform(COMMENTS[:3])
    np.testing.assert_array_equal(emb.transform(pd.Series(COMMENTS[:3])), ref)
    np.testing.assert_array_equal(emb.transform(np.array(COMMENTS[:3], dtype=object)), ref)
    np.testing.assert_array_equal(emb.transform(pd.DataFrame({"text": COMMENTS[:3]})), ref)
    with pytest.raises(InputError):
        emb.transform(pd.DataFrame({"a": COMMENTS[:2], "b": COMMENTS[:2]}))


def test_bad_inputs_and_paths(emb, tmp_path):
    with pytest.raises(InputError):
        emb.transform("a single string")
    with pytest.raises(InputError):
        emb.transform(["ok", 3])
    with pytest.raises(ModelError):
        StaticEmbeddings(tmp_path / "nowhere").fit([])
    (tmp_path / "table.npz").write_bytes(b"not a zip")
    (tmp_path / "vocab.txt").write_text("[UNK]\n", encoding="utf-8")
    with pytest.raises(ModelError):
        StaticEmbeddings(tmp_path).fit([])


def test_refuses_table_with_unsupported_tokenizer(tmp_path):
    np.savez(tmp_path / "table.npz", vectors=np.ones((2, 3), np.float16),
             scales=np.ones(3, np.float32))
    (tmp_path / "vocab.txt").write_text("[UNK]\nword\n", encoding="utf-8")
    est = StaticEmbeddings(str(tmp_path)).fit([])
    assert est.transform(["word"]).shape == (1, 3)
    (tmp_path / "card.json").write_text(json.dumps(
        {"tokenizer": {"normalizer": {"type": "BertNormalizer", "lowercase": False}}}))
    with pytest.raises(ModelError):
        StaticEmbeddings(str(tmp_path)).fit([])


def test_pickle_round_trip(emb, tmp_path):
    before = emb.transform(COMMENTS)  # fills the runtime caches
    blob = pickle.dumps(emb)
    assert len(blob) < 9_000_000  # the quantised table, not the float copy or the cache
    assert emb._float is not None and emb._wp.cache  # pickling keeps the instance's caches
    joblib.dump(emb, tmp_path / "emb.joblib")
    loaded = joblib.load(tmp_path / "emb.joblib")
    np.testing.assert_array_equal(loaded.transform(COMMENTS), before)
    np.testing.assert_array_equal(pickle.loads(blob).transform(COMMENTS), before)
    # the vocabulary is pickled as one joined string and read back as the same list
    assert type(emb.vocab_) is list and type(loaded.vocab_) is list
    assert loaded.vocab_ == emb.vocab_ and pickle.loads(blob).vocab_ == emb.vocab_
    assert "\n".join(emb.vocab_[:50]).encode("utf-8") in blob
    old = pickle.loads(blob)  # pickled before the joined vocabulary: a plain list loads too
    old.__setstate__({**old.__dict__, "vocab_": list(emb.vocab_)})
    np.testing.assert_array_equal(old.transform(COMMENTS), before)


def test_matches_reference_wordpiece_tokenizer(emb):
    tokenizers = pytest.importorskip("tokenizers")
    vocab, _ = load_table()
    ref = tokenizers.Tokenizer(tokenizers.models.WordPiece(
        {t: i for i, t in enumerate(vocab)}, unk_token="[UNK]", max_input_chars_per_word=100))
    ref.normalizer = tokenizers.normalizers.BertNormalizer(lowercase=True)
    ref.pre_tokenizer = tokenizers.pre_tokenizers.BertPreTokenizer()
    samples = COMMENTS + [
        "Naïve résumé — “quoted” it’s 100% ok!!", "東京は大きい city", "İstanbul ÇAĞ",
        "emoji😀inside a word", "zero\u200bwidth and\ttabs", "x" * 150, "#MeToo @mayor_office",
        "https://example.org/a?b=c&d=1", "ﬁne ligature Ωmega µ", "nul\x00byte\x7f", "ALL CAPS!!!",
    ]
    for text in samples:
        expected = [vocab[i] for i in ref.encode(text, add_special_tokens=False).ids if i != 1]
        assert emb.tokenize(text) == expected, text


def test_throughput(emb):
    import time

    rng = np.random.default_rng(0)
    words = np.array(["the", "mayor", "said", "taxes", "would", "rise", "while", "residents",
                      "protested", "budget", "cuts", "schools", "police", "against", "favor"])
    texts = [" ".join(rng.choice(words, 40)) + f" #{i}" for i in range(4000)]
    fresh = StaticEmbeddings().fit([])
    fresh.transform(["warm"])
    t0 = time.perf_counter()
    fresh.transform(texts)
    assert len(texts) / (time.perf_counter() - t0) > 2000  # texts/s; ~20k on 2 cores


def test_cached_encoding_equals_wordpiece_of_each_word(emb):
    # encode goes through chunk and word caches (and a chained lookup once every chunk is
    # cached); the ids must be WordPiece's of each pre-tokenised word, cold and warm
    from stance.embeddings import _pre_tokenize, _WordPiece

    rng = np.random.default_rng(3)
    alphabet = [chr(c) for c in range(128)] + list("abcdefghij klmnop") * 4 + ["flurbination "]
    texts = ["".join(rng.choice(alphabet, size=int(rng.integers(0, 40)))) for _ in range(3000)]
    texts += ["a\tb", "a\x00b", "a\x1cb", "Don't STOP!!", "x" * 120]
    texts += ["Café CRÈME 政府 🙄 naïve", "x\u00a0y\u3000z"]
    wp = _WordPiece(emb.vocab_)
    for t in texts * 2:  # the second round hits the caches
        assert wp.encode(t) == [i for c in t.split() for w in _pre_tokenize(c)
                                for i in wp.word(w)], repr(t)
