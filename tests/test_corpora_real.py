"""Real corpora (needs STANCE_DATA_DIR, else skipped): row counts and label balances match the
tables of each folder's SOURCE.md, dev splits do not leak groups, test files stay apart."""

from __future__ import annotations

from collections import Counter
from functools import cache

import pytest

from stance.corpora import load_corpus


@pytest.fixture(scope="module")
def load(data_dir):
    @cache
    def _load(name: str, split: str = "all"):
        return load_corpus(name, data_dir=data_dir, split=split).to_pandas()

    return _load


def _counts(df, col="stance"):
    return dict(Counter(df[col]))


# (corpus, split, rows, {label: count}) from the SOURCE.md tables
STANCE = [
    # SemEval Task A training = training file 731/1342/741 + trial 22/53/25
    ("semeval2016-task6", "all", 2914, {"favor": 753, "against": 1395, "none": 766}),
    ("vast", "all", 13477, {"against": 5595, "favor": 5327, "none": 2555}),
    ("ruw-russia-ukraine", "train", 8400, {"favor": 971 + 1752, "against": 2013 + 1127,
                                           "none": 1216 + 1321}),
    ("ruw-russia-ukraine", "dev", 1200, {"favor": 132 + 230, "against": 267 + 148,
                                         "none": 201 + 222}),
    ("pstance", "train", 17224, {"favor": 2937 + 2552 + 2858, "against": 3425 + 3254 + 2198}),
    ("pstance", "dev", 2193, {"favor": 374 + 328 + 350, "against": 440 + 417 + 284}),
    ("pstance", "test", 2157, {"favor": 352 + 337 + 343, "against": 425 + 408 + 292}),
    ("covid19-stance", "train", 2865, {"favor": 402 + 297 + 291 + 112,
                                       "against": 206 + 220 + 102 + 140,
                                       "none": 175 + 342 + 152 + 426}),
    ("covid19-stance", "dev", 512, {"favor": 192, "against": 118, "none": 202}),
    ("covid19-stance", "test", 506, {"favor": 190, "against": 113, "none": 203}),
    ("covid-cq", "train", 10055, {"favor": 4747, "against": 3285, "none": 2023}),
    ("covid-cq", "dev", 2155, {"favor": 1015, "against": 699, "none": 441}),
    ("covid-cq", "test", 2155, {"favor": 1036, "against": 646, "none": 473}),
    ("ibm-claim-stance", "all", 1039, {"favor": 625, "against": 414}),
    ("ibm-claim-stance", "test", 1355, {"favor": 700, "against": 655}),
    ("perspectrum", "train", 6978, {"favor": 3599, "against": 3379}),
    ("perspectrum", "dev", 2071, {"favor": 1047, "against": 1024}),
    ("perspectrum", "test", 2773, {"favor": 1471, "against": 1302}),
    ("arc-fnc", "all", 3563, {"favor": 1257, "against": 1402, "none": 904}),
    ("fnc1", "all", 13427, {"favor": 3678, "against": 840, "none": 8909}),
    ("fnc1", "test", 7064, {"favor": 1903, "against": 697, "none": 4464}),
    ("emergent", "all", 2595, {"favor": 1238, "against": 395, "none": 962}),
]


@pytest.mark.parametrize(("name", "split", "rows", "balance"), STANCE,
                         ids=[f"{s[0]}:{s[1]}" for s in STANCE])
def test_stance_counts_match_source(load, name, split, rows, balance):
    df = load(name, split)
    assert len(df) == rows
    assert _counts(df) == balance
    assert (df.text.str.len() > 0).all() and (df.target.str.len() > 0).all()


def test_semeval_per_target_and_marker(load):
    df = load("semeval2016-task6")
    atheism = df[df.target == "Atheism"]
    assert _counts(atheism) == {"favor": 92, "against": 304, "none": 117}
    assert not df.text.str.contains("#SemST").any()


@pytest.mark.parametrize("name", ["vast", "ibm-claim-stance", "arc-fnc", "fnc1", "emergent",
                                  "semeval2016-task6"])
def test_carved_dev_shares_no_group_with_train(load, name):
    train, dev = load(name, "train"), load(name, "dev")
    assert set(train.group).isdisjoint(dev.group)
    assert 0.05 < len(dev) / (len(train) + len(dev)) < 0.35
    if name == "vast":  # zero-shot: dev topics unseen in train, even up to case/punctuation
        def key(t):
            return set(t.str.lower().str.replace(r"[\W_]+", " ", regex=True).str.strip())

        assert key(train.target).isdisjoint(key(dev.target))


INCIVILITY = [
    # (corpus, split, rows, rows with uncivil >= 0.5)
    ("civil_comments_autolabel", "all", 1000, 597),
    ("civil_comments_toxic_spans", "all", 16100, 16100),
    ("ucc_unhealthy_comments", "all", 4427, 336),
    ("ucc_unhealthy_comments", "test", 4425, 320),
    ("reddit_incivility", "all", 4982, 511),
    ("wikipedia_talk_context_toxicity", "all", 10000, 59),
    ("wikipedia_talk_context_toxicity-gc", "all", 10000, 151),
    ("jigsaw_toxic_wikipedia_samples", "all", 401, 44),
    ("tweeteval_offensive", "train", 11916, 3941),
    ("tweeteval_offensive", "dev", 1324, 459),
    ("tweeteval_offensive", "test", 860, 240),
    ("tweeteval_hate", "train", 9000 - 7, 3783),  # 7 blank lines dropped after alignment
    ("tweeteval_hate", "dev", 1000 - 1, 427),
    ("tweeteval_hate", "test", 2970, 1252),
]


@pytest.mark.parametrize(("name", "split", "rows", "positives"), INCIVILITY,
                         ids=[f"{s[0]}:{s[1]}" for s in INCIVILITY])
def test_incivility_counts_match_source(load, name, split, rows, positives):
    df = load(name, split)
    assert len(df) == rows
    assert int((df.uncivil >= 0.5).sum()) == positives
    assert df.uncivil.between(0, 1).all()


def test_incivility_kinds(load):
    cc = load("civil_comments_autolabel")
    assert int((cc.profanity >= 0.5).sum()) == 217 and int((cc.threat >= 0.5).sum()) == 194
    assert cc.hostile.isna().all()
    ucc = load("ucc_unhealthy_comments")
    assert int(ucc.hostile.sum()) == 99 and int(ucc.unfair_generalisation.sum()) == 88
    assert ucc.insult.isna().all()
    small = load("wikipedia_talk_context_toxicity-small")
    assert len(small) == 978 and int((small.uncivil > 0.5).sum()) == 125  # = label_oc
    dav = load("davidson_hate_offensive")
    assert len(dav) == 24783
    assert abs(int((dav.uncivil < 0.5).sum()) - 4163) < 150  # majority "neither"
    spans = load("civil_comments_toxic_spans")
    assert spans.insult.mean() > spans.threat.mean() > 0


def test_reply_stance_threads(load):
    train, dev = load("rumoureval2019", "train"), load("rumoureval2019", "dev")
    # minus source posts, null-text stubs and [deleted]/[removed] replies
    assert len(train) == 5217 - 327 - 12 - 33
    assert len(dev) == 1485 - 38 - 7 - 14
    assert not train.text.isin(["[deleted]", "[removed]"]).any()
    assert 320 <= train.group.nunique() <= 327 and 35 <= dev.group.nunique() <= 38
    assert set(train.domain) == {"tweets", "reddit"}
    assert (train.parent_text.str.len() > 0).mean() > 0.95
    dast = load("dast")
    assert _counts(dast, "reply_stance") == {"support": 273, "deny": 300, "query": 81,
                                             "comment": 2353}
