"""The learned block classifier: estimator conventions, training from a Dragnet-style folder,
pickling, and the fast scoring path. Pages are generated here, not taken from any corpus."""

from __future__ import annotations

import random

import joblib
import numpy as np
import pytest

from stance.splitter import fit, split
from stance.splitter.blocks import parse
from stance.splitter.features import block_rows, label_page, page_features, text_page
from stance.splitter.learn import BlockFeatures, FastScorer, make_pipeline

WORDS = [
    "alliance",
    "summit",
    "troops",
    "border",
    "talks",
    "minister",
    "sanctions",
    "missile",
    "treaty",
    "eastern",
    "flank",
    "security",
    "guarantees",
    "diplomats",
    "Kremlin",
    "Brussels",
    "Kyiv",
    "Warsaw",
    "defence",
    "spending",
    "pledge",
    "exercise",
    "deployment",
    "ceasefire",
    "envoy",
    "parliament",
    "vote",
]


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def make_page(rng: random.Random, comments: bool = True) -> tuple[str, str, str]:
    """(html, gold article, gold comments) with randomised class names."""
    box = rng.choice(["story", "entry-content", "article-body", "txt", "post"])
    rec = rng.choice(["comment", "reply-item", "entry", "msg", "note"])
    title = sentence(rng, 7)[:-1]
    paras = [sentence(rng, rng.randint(25, 45)) for _ in range(rng.randint(3, 6))]
    nav = "".join(f"<li><a href='/{w}'>{w}</a></li>" for w in rng.sample(WORDS, 6))
    html = [
        f"<html><head><title>{title} | Wire</title></head><body>",
        f"<ul class='menu'>{nav}</ul><h1>{title}</h1><div class='{box}'>",
    ]
    html += [f"<p>{p}</p>" for p in paras]
    html.append("</div><div class='share'><a href='#'>Tweet</a> <a href='#'>Email</a></div>")
    gold_comments = []
    if comments:
        html.append("<div class='talk'><h3>Comments</h3>")
        for k in range(rng.randint(2, 5)):
            who = rng.choice(["Ann", "Piotr", "Olena", "Mike", "Greta"]) + str(k)
            body = sentence(rng, rng.randint(8, 30))
            html.append(
                f"<div class='{rec}'><span class='who'>{who}</span> "
                f"<span class='when'>March {k + 1}, 2022 at 9:1{k} am</span>"
                f"<p>{body}</p><a href='#'>Reply</a></div>"
            )
            gold_comments.append(f"{who} March {k + 1}, 2022 at 9:1{k} am\n{body}")
        html.append("</div>")
    html.append("<footer>Copyright Wire 2022. All rights reserved.</footer></body></html>")
    return "".join(html), title + "\n" + "\n".join(paras), "\n".join(gold_comments)


def rows_and_labels(pages):
    X, y = [], []
    for html, art, com in pages:
        page = parse(html)
        X += page_features(page)
        y += label_page(page, art, com)
    return X, np.asarray(y)


def test_block_features_conventions():
    est = BlockFeatures(n_features=2**10)
    assert est.get_params() == {"n_features": 2**10}
    assert est.fit([{"a": 1.0}]) is est
    X = est.transform([{"a": 1.0, "b": 2.0}, {}])
    assert X.shape == (2, 2**10) and X.nnz == 2


def test_labels_follow_the_gold():
    html, art, com = make_page(random.Random(1))
    page = parse(html)
    labels = label_page(page, art, com)
    texts = {b.text: lab for b, lab in zip(page.blocks, labels)}
    assert all(texts[p] == 1 for p in art.split("\n")[1:])
    assert any(lab == 2 for lab in labels)
    assert texts.get("Tweet Email", 0) == 0


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 20 toy epochs
def test_pipeline_learns_blocks_and_pickles(tmp_path):
    rng = random.Random(7)
    train = [make_page(rng, comments=i % 3 != 0) for i in range(40)]
    test = [make_page(rng, comments=True) for _ in range(10)]
    X, y = rows_and_labels(train)
    pipe = make_pipeline(n_features=2**14, max_iter=20).fit(X, y)
    Xt, yt = rows_and_labels(test)
    acc = (pipe.predict(Xt) == yt).mean()
    assert acc >= 0.9
    path = tmp_path / "splitter.joblib"
    joblib.dump(pipe, path)
    again = joblib.load(path)
    assert np.allclose(again.predict_proba(Xt), pipe.predict_proba(Xt))
    assert np.allclose(FastScorer(again).predict_proba(Xt), pipe.predict_proba(Xt))
    # the array rows the readers use score exactly like the feature dicts used in training
    fast = FastScorer(again)
    for html, _, _ in test[:3]:
        page = parse(html)
        rows = block_rows(page)
        assert len(rows) == len(page.blocks)
        want = pipe.predict_proba(page_features(page))
        assert np.allclose(fast.predict_proba(rows), want, atol=1e-9)
        text_rows = block_rows(text_page([b.text for b in page.blocks]), text=True)
        want = pipe.predict_proba(page_features(text_page([b.text for b in page.blocks]), True))
        assert np.allclose(fast.predict_proba(text_rows), want, atol=1e-9)
    # the fitted model splits a new page into article and comment records
    html, art, _ = make_page(rng, comments=True)
    res = split(html, model=again)
    assert len(res["comments"]) >= 2
    assert art.split("\n")[1][:40] in res["article"]


def test_fit_reads_a_dragnet_style_folder(tmp_path):
    rng = random.Random(3)
    d = tmp_path / "splitter" / "dragnet"
    (d / "html").mkdir(parents=True)
    (d / "corrected").mkdir()
    ids = []
    for i in range(12):
        html, art, com = make_page(rng, comments=i % 2 == 0)
        pid = f"p{i}"
        ids.append(pid)
        (d / "html" / f"{pid}.html").write_text(html)
        gold = art + ("\n!@#$%^&*()  COMMENTS\n" + com if com else "")
        (d / "corrected" / f"{pid}.html.corrected.txt").write_text(gold)
    (d / "training_ids.txt").write_text("\n".join(ids))
    pipe = fit(tmp_path, config={"part": "all", "n_features": 2**12, "max_iter": 10})
    assert hasattr(pipe, "predict_proba") and list(pipe.classes_) == [0, 1, 2]
    assert pipe.named_steps["clf"].coef_.dtype == np.float32  # compact weights
    html, _, _ = make_page(rng, comments=True)
    assert pipe.predict_proba(page_features(parse(html))).shape[1] == 3


def test_fit_without_data_is_a_clear_error(tmp_path):
    from stance.errors import DataError

    with pytest.raises(DataError):
        fit(tmp_path / "missing")


def test_page_gate_learns_a_threshold_and_drops_weak_threads():
    from stance.splitter.html import GATE_FEATURES, gate_keeps
    from stance.splitter.learn import fit_gate

    rng = np.random.default_rng(0)
    n = 200
    target = (np.arange(n) % 3 != 0).astype(int)
    stats = rng.normal(size=(n, len(GATE_FEATURES)))
    stats[:, 0] += 2.5 * target  # real threads are longer
    gate = fit_gate(stats, target)
    assert 0.0 < gate["threshold"] < 1.0 and gate["features"] == list(GATE_FEATURES)
    assert gate["cv_wrongly_kept"] + gate["cv_wrongly_dropped"] < 0.25 * n
    long_ = [4.0] + [0.0] * (len(GATE_FEATURES) - 1)
    short = [-4.0] + [0.0] * (len(GATE_FEATURES) - 1)
    assert gate_keeps(gate, long_) and not gate_keeps(gate, short)


def test_page_gate_threshold_respects_a_false_keep_budget():
    from stance.splitter.html import GATE_FEATURES
    from stance.splitter.learn import fit_gate

    rng = np.random.default_rng(1)
    n = 300
    target = (np.arange(n) % 4 != 0).astype(int)
    stats = rng.normal(size=(n, len(GATE_FEATURES)))
    stats[:, 0] += 1.5 * target  # overlapping classes: the budget decides the threshold
    loose = fit_gate(stats, target, fn_cost=100.0)
    tight = fit_gate(stats, target, max_wrongly_kept=5)
    assert tight["cv_wrongly_kept"] <= 5
    assert tight["threshold"] >= loose["threshold"]
    assert tight["cv_wrongly_dropped"] >= loose["cv_wrongly_dropped"]
