"""Readers of the corpus registry on hand-written fixtures imitating each format's quirks."""

from __future__ import annotations

from pathlib import Path

import pytest

from stance.corpora import INCIVILITY_KINDS, load_corpus
from stance.errors import DataError

FIX = Path(__file__).parent / "fixtures" / "corpora"
REG = FIX / "registry.toml"


pytestmark = pytest.mark.usefixtures("private_hf_cache")


def load(name: str, split: str = "train", **kw):
    return load_corpus(name, data_dir=FIX, split=split, registry=REG, **kw).to_list()


def test_cp1252_tsv_with_semst_marker_and_trial_rows():
    rows = load("tiny_semeval", "all")
    texts = {r["text"] for r in rows}
    assert "We can\u2019t keep pretending the floods are normal. #climate" in texts  # 0x92
    assert any(t.startswith("Caf\u00e9 open") for t in texts)  # 0xE9
    assert '"Global warming" my foot, it snowed in May again' in texts  # quote kept verbatim
    assert not any("#SemST" in t for t in texts)
    # the two tokenised trial rows are train rows of the main corpus, target prefix parsed
    trial = [r for r in rows if r["text"].startswith("Science explains")]
    assert trial and trial[0]["target"] == "Atheism" and trial[0]["stance"] == "favor"
    assert all(r["corpus"] == "tiny_semeval" for r in rows)
    assert len(rows) == 6


def test_trial_rows_are_never_in_dev():
    dev_texts = {r["text"] for r in load("tiny_semeval", "dev")}
    assert not any(t.startswith(("Science explains", "Another record")) for t in dev_texts)


def test_gb18030_csv_gives_one_row_per_target():
    rows = load("tiny_ruw")
    assert len(rows) == 6  # 3 tweets x (Russia, Ukraine)
    shelling = [r for r in rows if r["text"].startswith("The shelling")]
    assert {(r["target"], r["stance"]) for r in shelling} == {
        ("Russia", "against"), ("Ukraine", "favor")}
    assert "\u2026" in shelling[0]["text"]  # GB18030 bytes A1 AD decoded as an ellipsis
    assert len({r["group"] for r in shelling}) == 1  # both rows of a tweet share a group
    dev = load("tiny_ruw", "dev")
    assert len(dev) == 2 and dev[0]["text"].startswith("Peace talks")


def test_alias_resolves_to_the_corpus():
    assert load("ruw_alias") == load("tiny_ruw")


def test_tab_separated_csv_drops_empty_text_and_maps_targets():
    rows = load("tiny_covid")
    assert len(rows) == 3  # the deleted tweet (empty full_text) is dropped
    assert {r["target"] for r in rows} == {"Wearing a Face Mask", "Anthony S. Fauci, M.D."}
    assert [r["stance"] for r in rows] == ["favor", "against", "none"]


def test_html_entities_decoded_and_personal_columns_not_read():
    rows = load("tiny_hcq")
    assert rows[0]["text"] == "Early data & small trials > nothing. Give it a chance"
    assert 'Stop "miracle cure" talk' in rows[1]["text"] and "\n" in rows[1]["text"]
    assert set(rows[0]) == {"text", "target", "stance", "corpus", "domain", "group"}
    assert not any("doc_anna" in str(v) for r in rows for v in r.values())


def test_headerless_csv_with_column_names():
    rows = load("tiny_reddit")
    assert [r["uncivil"] for r in rows] == [0.0, 1.0, 0.0]
    assert rows[1]["text"] == "You absolute clown, read the article before posting"
    assert rows[2]["text"].startswith("Thanks for the source,\nI had")


def test_blank_line_in_line_aligned_file_does_not_shift_labels():
    rows = load("tiny_tweets")
    assert [(r["text"][:6], r["uncivil"]) for r in rows] == [
        ("@user ", 1.0), ("Lovely", 0.0), ("shut u", 1.0)]
    assert [r["insult"] for r in rows] == [1.0, 0.0, 1.0]
    assert rows[0]["threat"] is None  # kinds the corpus does not label are None
    assert load("tiny_tweets", "dev")[0]["uncivil"] == 0.0


def test_misaligned_line_files_raise_with_both_paths():
    with pytest.raises(DataError, match="bad_labels.txt"):
        load("tiny_tweets_misaligned")


def test_join_on_body_id_drops_unrelated():
    rows = load("tiny_fnc")
    assert len(rows) == 3
    by_body = {r["text"][:10]: (r["target"], r["stance"]) for r in rows}
    assert by_body["I ride to "] == ("City council should fund bike lanes", "favor")
    assert by_body["Another va"][1] == "against"
    assert by_body["The distri"] == ("Schools should ban phones", "none")
    assert {r["group"] for r in rows} == {
        "City council should fund bike lanes", "Schools should ban phones"}


def test_toxic_spans_kinds_are_annotator_shares():
    rows = {r["text"][:8]: r for r in load("tiny_spans")}
    liar, fool = rows["You are "], rows["Go back "]
    assert liar["uncivil"] == 1.0 and fool["uncivil"] == 1.0
    assert liar["insult"] == pytest.approx(2 / 3)  # 2 of 3 annotators marked an insult
    assert liar["identity_attack"] == 0.0
    assert fool["identity_attack"] == pytest.approx(1.0)
    assert fool["profanity"] == pytest.approx(0.5)
    assert fool["hostile"] is None


def test_expression_columns_and_unfair_generalisation():
    rows = load("tiny_ucc")
    assert [r["uncivil"] for r in rows] == [0.0, 1.0, 1.0]
    assert [r["sarcastic"] for r in rows] == [0.0, 1.0, 0.0]
    assert rows[2]["unfair_generalisation"] == 1.0
    assert set(INCIVILITY_KINDS) <= set(rows[0])


def test_threads_get_parent_text_and_skip_sources():
    train = load("tiny_threads")
    assert [r["reply_stance"] for r in train] == ["query", "deny"]  # "[deleted]" reply dropped
    assert train[0]["parent_text"] == train[0]["source_text"]  # depth 1: parent = source
    assert train[1]["parent_text"] == "Source? Police have not said anything yet"
    dev = load("tiny_threads", "dev")
    assert [r["text"] for r in dev] == ["Confirmed by the council website"]  # null text dropped
    assert dev[0]["domain"] == "reddit" and train[0]["domain"] == "tweets"
    assert {r["group"] for r in train} == {"s1"}


def test_perspectrum_pairs_every_pid_with_official_split():
    train = load("tiny_perspectrum")
    assert len(train) == 3 and {r["target"] for r in train} == {"Homework should be banned"}
    assert sorted(r["stance"] for r in train) == ["against", "favor", "favor"]
    dev = load("tiny_perspectrum", "dev")
    assert [(r["target"], r["stance"]) for r in dev] == [("Voting should be compulsory",
                                                          "against")]
