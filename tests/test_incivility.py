import io
import os
import pickle
import random
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from stance import incivility as inc
from stance.normalize import obfuscate

# Hand-written reader comments (news site style). (text, uncivil, insult, profanity, threat)
UNCIVIL = [
    ("You are an idiot and everyone on this thread knows it.", 1, 1, 0, 0),
    ("What a moron. Read the article before you embarrass yourself again.", 1, 1, 0, 0),
    ("Shut up, you pathetic troll. Nobody cares about your garbage opinion.", 1, 1, 0, 0),
    ("This mayor is a lying clown and his voters are stupid sheep.", 1, 1, 0, 0),
    ("Only a complete imbecile would write something this dumb.", 1, 1, 0, 0),
    ("Get lost, loser. Go back under your bridge.", 1, 1, 0, 0),
    ("You ignorant fool, you have no clue what you are talking about.", 1, 1, 0, 0),
    ("The columnist is a brainless hack and a disgrace to the paper.", 1, 1, 0, 0),
    ("Fuck this government and fuck every clown who voted for it.", 1, 0, 1, 0),
    ("This is bullshit, total fucking bullshit from start to finish.", 1, 0, 1, 0),
    ("Holy shit, what a crap article. Who the hell edits this rag?", 1, 0, 1, 0),
    ("Damn right, these assholes should be ashamed of themselves.", 1, 1, 1, 0),
    ("People like you deserve a beating, I hope someone gives it to you.", 1, 0, 0, 1),
    ("Somebody should shoot the whole council and be done with it.", 1, 0, 0, 1),
    ("I know where you live, watch your back.", 1, 0, 0, 1),
    ("Keep talking and you will regret it, I promise you that.", 1, 0, 0, 1),
    ("Stupid comment from a stupid person, as usual.", 1, 1, 0, 0),
    ("You are a disgusting human being and a coward.", 1, 1, 0, 0),
    ("What an absolute dumbass take. Go troll somewhere else, idiot.", 1, 1, 1, 0),
    ("The reporter is a moronic shill. Pathetic garbage journalism.", 1, 1, 0, 0),
    ("Are you really this dumb or just pretending, you clown?", 1, 1, 0, 0),
    ("Typical idiot liberal whining, shut your mouth.", 1, 1, 0, 0),
    ("Typical idiot conservative whining, shut your mouth.", 1, 1, 0, 0),
    ("Go to hell, you worthless piece of crap.", 1, 1, 1, 0),
]
CIVIL = [
    ("I disagree with the premier on this, but the article lays out both sides fairly.", 0),
    ("Thank you for the thorough reporting on the hospital funding issue.", 0),
    ("The council should publish the full budget before the vote next week.", 0),
    ("My family has lived in this town for thirty years and the traffic has doubled.", 0),
    ("Does anyone know whether the new bus route will stop near the library?", 0),
    ("Good point about interest rates; young buyers are being priced out.", 0),
    ("I would like to see more data on how the carbon tax rebate is distributed.", 0),
    ("The photos of the flood recovery are heartbreaking. Glad everyone is safe.", 0),
    ("Respectfully, the numbers in the second paragraph do not match the chart.", 0),
    ("Our school board held a similar consultation and it worked well.", 0),
    ("This is a complicated issue and I appreciate the nuance here.", 0),
    ("The bridge repairs should have started last year, the delay is costly.", 0),
    ("Interesting interview. I hope the paper follows up in a few months.", 0),
    ("I voted for her last time but I am undecided this year.", 0),
    ("Farmers in our region have been asking for this support for years.", 0),
    ("Well written piece about the history of the waterfront.", 0),
    ("Can the reporter clarify which ministry made the announcement?", 0),
    ("The proposal has merit, though the timeline seems optimistic.", 0),
    ("We need more nurses, not another consultant report.", 0),
    ("Congratulations to the team on the championship win!", 0),
    ("I think the tax credit will mostly help people who already own homes.", 0),
    ("The recycling program is confusing; clearer labels would help.", 0),
    ("Happy to see the park finally getting new benches and lighting.", 0),
    ("Both candidates should debate the housing plan in public.", 0),
]
HELD_OUT_UNCIVIL = [
    "You are a clueless idiot, stop commenting.",
    "Shut up, moron, nobody wants your stupid opinion.",
    "What a pathetic loser this columnist is.",
    "This is total bullshit, fuck off.",
]
HELD_OUT_CIVIL = [
    "The library expansion was approved by the council on Monday.",
    "I appreciate the balanced reporting on the school budget.",
    "Could the paper publish the full survey results?",
    "The new bus schedule starts next month, according to the city.",
]

SMALL = {
    "word": {"enabled": True, "ngram_range": [1, 2], "min_df": 1, "max_features": 5000},
    "char": {"ngram_range": [2, 5], "min_df": 1, "max_features": 20000},
    "min_head_positives": 3,
    "calibration_folds": 3,
    "min_count": 1,
    "stack": False,
}


def _frame(rows_u, rows_c, corpus="handwritten", domain="news"):
    recs = []
    for text, u, ins, prof, thr in rows_u:
        recs.append({"text": text, "uncivil": u, "insult": ins, "profanity": prof, "threat": thr})
    for text, u in rows_c:
        recs.append({"text": text, "uncivil": u, "insult": 0, "profanity": 0, "threat": 0})
    df = pd.DataFrame(recs).astype(float, errors="ignore")
    df[["uncivil", "insult", "profanity", "threat"]] = df[
        ["uncivil", "insult", "profanity", "threat"]
    ].astype(float)
    for k in inc.KINDS:
        if k not in df:
            df[k] = np.nan
    df["corpus"] = corpus
    df["domain"] = domain
    df["group"] = df["text"]
    return df


@pytest.fixture(scope="module")
def fitted():
    train = _frame(UNCIVIL[::2] + UNCIVIL[1::4], CIVIL[::2] + CIVIL[1::4])
    dev = _frame(UNCIVIL[3::4], CIVIL[3::4])
    return inc.fit(train, dev, SMALL, seed=13)


def test_heads_and_shape(fitted):
    pipe, info = fitted
    heads = pipe[-1].heads_
    assert heads[0] == "uncivil"
    # only heads with labelled positives are kept; UCC kinds are unlabelled here
    assert set(heads) == {"uncivil", "insult", "profanity", "threat"}
    assert info["heads"] == heads
    assert set(info["dropped_heads"]) == set(inc.KINDS) - set(heads)
    df = pd.DataFrame({"text": HELD_OUT_UNCIVIL + HELD_OUT_CIVIL, "other": 1})
    p = pipe.predict_proba(df)
    assert p.shape == (8, len(heads))
    assert np.all((p >= 0) & (p <= 1))


def test_ranks_held_out_comments(fitted):
    pipe, _ = fitted
    p = pipe.predict_proba(pd.DataFrame({"text": HELD_OUT_UNCIVIL + HELD_OUT_CIVIL}))[:, 0]
    assert p[:4].min() > p[4:].max()


def test_obfuscated_insults_still_rank_high(fitted):
    pipe, _ = fitted
    rng = random.Random(5)
    obf = [obfuscate(t, rng, rate=0.5) for t in HELD_OUT_UNCIVIL]
    assert obf != HELD_OUT_UNCIVIL
    p = pipe.predict_proba(pd.DataFrame({"text": obf + HELD_OUT_CIVIL}))[:, 0]
    assert np.median(p[:4]) > np.max(p[4:])


def test_info_reports_dev_metrics_and_threshold(fitted):
    _, info = fitted
    assert 0.0 < info["threshold"] < 1.0
    news = info["dev"]["uncivil"]["domain"]["news"]
    assert news["n"] == len(UNCIVIL[3::4]) + len(CIVIL[3::4])
    for key in ("auc", "ap", "f1", "ece"):
        assert key in news
    assert "insult" in info["dev"]["kinds"]
    assert info["train_rows"]["per_head"]["uncivil"] > 0
    bias = info["dev"]["bias"]["news"]
    assert bias["n"] == news["n"]
    assert set(bias["groups"]) >= {"muslim", "black", "female"}
    card = inc.card_markdown(info)
    assert "| domain | news |" in card and "| insult |" in card and "BPSN" in card


def test_a_threshold_on_few_dev_rows_is_warned_about(fitted, caplog):
    _, info = fitted
    rows = info["threshold_rows"]
    assert rows["rows"] == info["dev"]["uncivil"]["domain"]["news"]["n"] and rows["uncivil"] > 0
    with caplog.at_level("WARNING", logger="stance"):
        inc._warn_small_dev(rows, 0.42, "news")
        inc._warn_small_dev({"rows": 0, "uncivil": 0}, 0.5, "news")
        inc._warn_small_dev({"rows": 5000, "uncivil": 400}, 0.42, "news")
    msgs = [r.getMessage() for r in caplog.records]
    assert len(msgs) == 2
    assert f"only {rows['rows']} dev rows" in msgs[0] and "--threshold" in msgs[0]
    assert "no labelled dev rows of domain 'news'" in msgs[1]


def test_stacked_calibration_uses_every_head():
    train = _frame(UNCIVIL[:-4], CIVIL[:-4])
    dev = _frame(UNCIVIL[-4:] + UNCIVIL[:4], CIVIL[-4:] + CIVIL[:4])
    dev["text"] = dev["text"] + " (reposted)"
    pipe, info = inc.fit(train, dev, {**SMALL, "stack": True, "word": {"enabled": False}})
    cal = pipe[-1].calibrators_[0]
    assert cal[0] == "stack" and len(cal[1]) == len(pipe[-1].heads_)
    p = pipe.predict_proba(pd.DataFrame({"text": HELD_OUT_UNCIVIL + HELD_OUT_CIVIL}))[:, 0]
    assert p[:4].mean() > p[4:].mean()


def test_pickles_with_joblib(fitted):
    pipe, _ = fitted
    buf = io.BytesIO()
    joblib.dump(pipe, buf, compress=3)
    buf.seek(0)
    clone = joblib.load(buf)
    df = pd.DataFrame({"text": HELD_OUT_UNCIVIL})
    np.testing.assert_allclose(clone.predict_proba(df), pipe.predict_proba(df), rtol=1e-6)
    assert "_cache" not in clone[1].transformer_list[-1][1].__getstate__()


def test_unlabelled_rows_do_not_train_a_head():
    train = _frame(UNCIVIL[:-4], CIVIL[:-4])
    train.loc[:, "threat"] = np.nan  # nobody labels threats
    pipe, info = inc.fit(train, _frame(UNCIVIL[-4:], CIVIL[-4:]), SMALL)
    assert "threat" not in pipe[-1].heads_
    assert "threat" in info["dropped_heads"]


def test_prepare_dedups_reweights_and_drops_labels():
    df = _frame(UNCIVIL[:4], CIVIL[:4])
    dup = df.iloc[[0]].copy()
    dup["text"] = "  " + dup["text"].str.upper() + " "
    dup["insult"] = np.nan  # fewer labels: the labelled copy is kept
    df2 = _frame(UNCIVIL[4:6], CIVIL[4:6], corpus="other", domain="tweets")
    out = inc.prepare(
        pd.concat([df, dup, df2]),
        {
            "corpus_options": {"other": {"weight": 0.5, "uncivil": False}},
            "domain_weights": {"news": 2.0},
        },
    )
    assert len(out) == 12
    assert out.loc[out["corpus"] == "handwritten", "insult"].notna().all()
    assert np.allclose(out.loc[out["corpus"] == "handwritten", "weight"], 2.0)
    assert np.allclose(out.loc[out["corpus"] == "other", "weight"], 0.5)
    assert out.loc[out["corpus"] == "other", "uncivil"].isna().all()


def test_soft_labels_move_probabilities():
    train = _frame(UNCIVIL, CIVIL)
    soft = train.copy()
    soft.loc[soft["uncivil"] == 1, "uncivil"] = 0.6  # raters barely agree
    X = [t for t, *_ in UNCIVIL + CIVIL]
    from stance.incivility import MultiHeadClassifier

    feats = TfidfVectorizer().fit(X)
    Xm = feats.transform(X)
    hard = MultiHeadClassifier(heads=("uncivil",)).fit(Xm, train[["uncivil"]].to_numpy())
    weak = MultiHeadClassifier(heads=("uncivil",)).fit(Xm, soft[["uncivil"]].to_numpy())
    ph = hard.predict_proba(Xm)[: len(UNCIVIL), 0].mean()
    pw = weak.predict_proba(Xm)[: len(UNCIVIL), 0].mean()
    assert ph > pw > 0.4


def test_nb_head_folds_its_feature_scales_into_the_coefficients():
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    from stance.incivility import MultiHeadClassifier, _nb_ratios

    texts = [t for t, *_ in UNCIVIL + CIVIL]
    y = np.array([1.0] * len(UNCIVIL) + [0.0] * len(CIVIL))
    vec = TfidfVectorizer().fit(texts)
    X = vec.transform(texts)
    r = _nb_ratios(X, y, np.ones(len(y)), 0.1)
    assert np.isclose(np.abs(r).mean(), 1.0)
    vocab = vec.vocabulary_
    assert r[vocab["idiot"]] > 0 > r[vocab["thank"]]  # uncivil-only vs civil-only words
    nb = MultiHeadClassifier(heads=("uncivil",), nb_heads=("uncivil",), tol=1e-6).fit(X, y[:, None])
    plain = MultiHeadClassifier(heads=("uncivil",), tol=1e-6).fit(X, y[:, None])
    assert not np.allclose(nb.coef_, plain.coef_)
    # same scores as a logistic regression fitted on the scaled features
    lr = LogisticRegression(C=nb.C, solver="liblinear", tol=1e-6, max_iter=2000)
    lr.fit(X @ sparse.diags(r), y.astype(int), sample_weight=np.ones(len(y)))
    np.testing.assert_allclose(
        nb.decision_function(X)[:, 0], lr.decision_function(X @ sparse.diags(r)), rtol=1e-4,
        atol=1e-4,
    )


def test_nb_blend_head_is_the_average_of_the_scaled_plain_and_nb_fits():
    import pickle

    from stance.incivility import MultiHeadClassifier

    texts = [t for t, *_ in UNCIVIL + CIVIL]
    y = np.array([1.0] * len(UNCIVIL) + [0.0] * len(CIVIL))
    X = TfidfVectorizer().fit_transform(texts)
    kw = {"heads": ("uncivil",), "tol": 1e-6}
    nb = MultiHeadClassifier(nb_heads=("uncivil",), **kw).fit(X, y[:, None])
    plain = MultiHeadClassifier(**kw).fit(X, y[:, None])
    blend = MultiHeadClassifier(nb_blend=("uncivil",), **kw).fit(X, y[:, None])
    zn, zp = nb.decision_function(X)[:, 0], plain.decision_function(X)[:, 0]
    expected = (zn / zn.std() + zp / zp.std()) / 2
    np.testing.assert_allclose(blend.decision_function(X)[:, 0], expected, rtol=1e-4, atol=1e-4)
    assert blend.coef_.shape == plain.coef_.shape  # one linear head: same scoring cost
    # models pickled before the option get its default back
    del plain.__dict__["nb_blend"]
    assert pickle.loads(pickle.dumps(plain)).get_params()["nb_blend"] == ()


def test_word_char_ngrams_match_sklearn_char_wb():
    texts = [t for t, *_ in UNCIVIL + CIVIL]
    ours = inc.WordCharNgrams(ngram_range=(2, 4), min_df=1).fit(texts)
    ref = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 4), lowercase=False, sublinear_tf=True
    ).fit(texts)
    assert set(ours.vocabulary_) == set(ref.vocabulary_)
    A = ours.transform(HELD_OUT_CIVIL)
    B = ref.transform(HELD_OUT_CIVIL)
    order = [ref.vocabulary_[g] for g in ours.get_feature_names_out()]
    np.testing.assert_allclose(A.toarray(), B[:, order].toarray(), atol=1e-5)
    # odd words: longer than max_word_len, non-BMP characters, one-letter words, empty text
    odd = ["x " + "a" * 60 + " \U0001F600ok\U0001F600 caf\u00e9", "", "a b c"]
    ours2 = inc.WordCharNgrams(ngram_range=(2, 5), min_df=1, max_word_len=10**6).fit(odd + texts)
    ref2 = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), lowercase=False, sublinear_tf=True
    ).fit(odd + texts)
    order2 = [ref2.vocabulary_[g] for g in ours2.get_feature_names_out()]
    np.testing.assert_allclose(
        ours2.transform(odd).toarray(), ref2.transform(odd)[:, order2].toarray(), atol=1e-5
    )
    # an unpickled copy (vocabulary stored as one string) gives the same matrix
    fresh = pickle.loads(pickle.dumps(ours))
    assert "_lookup" not in fresh.__dict__
    batch = [t for t, *_ in UNCIVIL[:5]] + ["aaaa bbbb reeeally"]
    np.testing.assert_allclose(
        fresh.transform(batch).toarray(), ours.transform(batch).toarray(), atol=1e-6
    )
    assert ours.transform([]).shape == (0, len(ours.idf_))
    # the word-row cache (batches sharing words, chunk merges) changes nothing
    plain = pickle.loads(pickle.dumps(ours)).set_params(cache_words=0)
    cached = pickle.loads(pickle.dumps(ours))
    for i in range(20):  # > 16 chunks: merged once
        b = [texts[(i + j) % len(texts)] + f" w{i}" for j in range(4)] + HELD_OUT_CIVIL[i % 2 :]
        np.testing.assert_allclose(
            cached.transform(b).toarray(), plain.transform(b).toarray(), atol=1e-6
        )
    assert len(cached._wcache[1]) <= 16 and "_wcache" not in plain.__dict__


def test_word_char_ngrams_whole_words_and_truncation():
    texts = ["Idiot! you idiot, " + "z" * 50, "(idiot) and more words", "Fine words here"]
    wc = inc.WordCharNgrams(ngram_range=(2, 5), min_df=1, whole_words=True, max_word_len=40)
    X = wc.fit_transform(texts)
    # the vectorised transform reproduces the string n-grams of fit
    np.testing.assert_allclose(wc.transform(texts).toarray(), X.toarray(), atol=1e-6)
    assert "\x01idiot" in wc.vocabulary_ and "\x01" + "z" * 40 in wc.vocabulary_
    j = wc.vocabulary_["\x01idiot"]
    assert (wc.transform(["idiot!!"])[:, j].toarray() > 0).all()
    assert (wc.transform(["idiots"])[:, j].toarray() == 0).all()


def test_ece_and_threshold_helpers():
    y = np.array([0, 0, 1, 1])
    assert inc.ece(y, np.array([0.0, 0.0, 1.0, 1.0])) == pytest.approx(0.0)
    assert inc.ece(y, np.array([1.0, 1.0, 0.0, 0.0])) == pytest.approx(1.0)
    thr = inc.best_f1_threshold(y, np.array([0.1, 0.2, 0.7, 0.9]))
    assert 0.2 < thr <= 0.7


_MODELS = Path(__file__).resolve().parents[1] / "models" / "default"
MODEL = Path(os.environ.get("STANCE_MODEL_DIR") or _MODELS) / "incivility.joblib"


@pytest.mark.quality
@pytest.mark.skipif(
    not (os.environ.get("STANCE_DATA_DIR") and MODEL.exists()),
    reason="needs STANCE_DATA_DIR and a trained models/default/incivility.joblib",
)
def test_shipped_model_quality_floors():
    """Floors for the shipped model on the registry's dev split, a few points under the values
    measured when they were set (benchmarks/incivility_bench.py: news 0.964, reddit 0.931,
    tweets 0.913, wikipedia 0.820 AUC; news obfuscation drop 0.002). The shipped calibrators
    were fitted on these dev rows, so the ECE floor checks the in-sample fit only."""
    from stance.corpora import load_task
    from stance.normalize import obfuscate

    dev = load_task("incivility", split="dev").to_pandas()
    dev = dev[dev["uncivil"].notna()].reset_index(drop=True)
    pipe = joblib.load(MODEL)
    p = pipe.predict_proba(dev)[:, 0]
    y = dev["uncivil"].to_numpy(dtype=float)
    for domain, floor in (("news", 0.95), ("reddit", 0.90), ("tweets", 0.89), ("wikipedia", 0.79)):
        m = (dev["domain"] == domain).to_numpy()
        res = inc.binary_metrics(y[m], p[m], 0.5)
        assert res["auc"] >= floor, (domain, res)
    news = (dev["domain"] == "news").to_numpy()
    assert inc.ece(y[news], p[news]) <= 0.05
    rng = random.Random(13)
    texts = dev.loc[news, "text"].astype(str).tolist()
    obf = [obfuscate(t, rng, rate=0.3) if yy >= 0.5 else t for t, yy in zip(texts, y[news])]
    p_obf = pipe.predict_proba(pd.DataFrame({"text": obf}))[:, 0]
    before = inc.binary_metrics(y[news], p[news], 0.5)["auc"]
    after = inc.binary_metrics(y[news], p_obf, 0.5)["auc"]
    assert before - after <= 0.02


def test_dev_identical_to_train_is_refused():
    from stance.errors import DataError

    train = _frame(UNCIVIL, CIVIL)
    with pytest.raises(DataError, match="dev"):
        inc.fit(train, train, SMALL)


def test_hash_table_lookups_match_a_dict():
    rng = np.random.default_rng(0)
    keys = np.unique(rng.integers(0, 2**63, 5000, dtype=np.uint64))
    keys[0] = 0  # 0 marks empty slots inside the table: still a valid key
    table = inc._HashTable(keys, np.arange(len(keys)))
    absent = rng.integers(0, 2**63, 3000, dtype=np.uint64)
    queries = np.concatenate([keys, absent, keys[:50]])
    ref = dict(zip(keys.tolist(), range(len(keys))))
    expected = [ref.get(k, -1) for k in queries.tolist()]
    assert table.get(queries).tolist() == expected
    assert table.get(np.zeros(0, dtype=np.uint64)).tolist() == []
