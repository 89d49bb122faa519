"""Label validation of training corpora: no labelled row is dropped silently, and errors
name the corpus (or dataset), the file or split, the bad values and the first bad row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stance.corpora import load_corpus
from stance.errors import DataError

pytestmark = pytest.mark.usefixtures("private_hf_cache")

CIVIL = "Thanks for the careful reporting."
RUDE = "You are an idiot and a liar."


def _csv_dataset(tmp_path: Path, labels: list[str], name: str = "mine") -> Path:
    d = tmp_path / name
    d.mkdir()
    lines = ["text,uncivil"] + [
        f"{RUDE if i % 2 else CIVIL} #{i},{lab}" for i, lab in enumerate(labels)]
    (d / "train.csv").write_text("\n".join(lines) + "\n")
    return d


def _jsonl_dataset(tmp_path: Path, rows: list[dict], name: str = "mine") -> Path:
    d = tmp_path / name
    d.mkdir()
    (d / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return d


def test_yes_no_labels_among_numbers_are_an_error_not_dropped_rows(tmp_path):
    labels = [str(i % 2) for i in range(60)]
    labels[7], labels[12] = "yes", "no"
    d = _csv_dataset(tmp_path, labels)
    with pytest.raises(DataError) as err:
        load_corpus(f"hf:{d}", task="incivility")
    msg = str(err.value)
    assert f"hf:{d}" in msg and "train" in msg
    assert "'uncivil' must be a number from 0 (civil) to 1 (uncivil)" in msg
    assert "'no', 'yes'" in msg and "2 row(s)" in msg and "data row 8" in msg


@pytest.mark.parametrize("pair", [("yes", "no"), ("Y", "N"), ("uncivil", "civil")])
def test_an_all_string_label_column_names_the_values(tmp_path, pair):
    d = _csv_dataset(tmp_path, [pair[i % 2] for i in range(40)])
    with pytest.raises(DataError, match=f"not '{pair[1]}', '{pair[0]}'"):
        load_corpus(f"hf:{d}", task="incivility")


def test_true_false_text_counts_as_1_0_in_every_route(tmp_path):
    """Spreadsheets write TRUE/FALSE: the documented boolean spelling, read the same by
    an hf: CSV (pandas parses it), a registered CSV (read as text) and evaluate."""
    from stance.corpora import score_label

    d = _csv_dataset(tmp_path, ["FALSE", "TRUE", "false", "True"] * 10)  # odd rows rude
    hf = load_corpus(f"hf:{d}", split="all", task="incivility").to_pandas()
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "rows.csv").write_text((d / "train.csv").read_text())
    reg = tmp_path / "corpora.toml"
    reg.write_text('[mine]\ntask = "incivility"\ndomain = "news"\nlicence = "x"\n'
                   'path = "c"\nfiles = { train = ["rows.csv"] }\n'
                   '[mine.columns]\ntext = "text"\nuncivil = "uncivil"\n')
    registered = load_corpus("mine", data_dir=tmp_path, split="all", registry=reg).to_pandas()
    for frame in (hf, registered):
        assert len(frame) == 40
        assert (frame["uncivil"] == frame["text"].str.startswith("You").astype(float)).all()
    assert [score_label(v) for v in ("TRUE", " false ", True, "0.25", "", "NA")] == [
        1.0, 0.0, 1.0, 0.25, None, None]
    for bad in ("yes", "2", 7, -0.1, "nan?"):
        with pytest.raises(ValueError):
            score_label(bad)


def test_blank_labels_are_unlabelled_rows_and_json_booleans_are_labels(tmp_path):
    d = _csv_dataset(tmp_path, ["1", "0", "", "NA", "0.5", "1"] * 10)
    rows = load_corpus(f"hf:{d}", split="all", task="incivility")
    assert len(rows) == 40  # the 20 blank / NA rows carry no label
    b = _jsonl_dataset(tmp_path, [{"text": f"{CIVIL} {i}", "uncivil": bool(i % 2)}
                                  for i in range(30)], name="bools")
    rows = load_corpus(f"hf:{b}", split="all", task="incivility")
    assert len(rows) == 30 and sorted(set(rows["uncivil"])) == [0.0, 1.0]


def test_only_blank_labels_is_a_clear_error(tmp_path):
    d = _csv_dataset(tmp_path, [""] * 30)
    with pytest.raises(DataError, match="no row with text has an 'uncivil' label"):
        load_corpus(f"hf:{d}", task="incivility")


def test_out_of_range_labels_name_the_value_and_row(tmp_path):
    d = _csv_dataset(tmp_path, ["0", "1", "2"] * 10)
    with pytest.raises(DataError, match=r"'uncivil' must be from 0 .* not 2 \(10 row\(s\), "
                                        r"first at data row 3"):
        load_corpus(f"hf:{d}", task="incivility")
    k = _jsonl_dataset(tmp_path, [{"text": f"t{i}", "uncivil": 1, "insult": 7}
                                  for i in range(30)], name="kinds")
    with pytest.raises(DataError, match="'insult' must be from 0 to 1, not 7"):
        load_corpus(f"hf:{k}", task="incivility")


def test_a_registered_corpus_error_names_its_file(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "rows.csv").write_text("comment,toxic\nhello there,1\nbye now,yes\n")
    reg = tmp_path / "corpora.toml"
    reg.write_text('[mine]\ntask = "incivility"\ndomain = "news"\nlicence = "x"\npath = "c"\n'
                   'files = { train = ["rows.csv"] }\n'
                   '[mine.columns]\ntext = "comment"\nuncivil = "toxic"\n')
    with pytest.raises(DataError, match=r"mine \(rows.csv\): 'uncivil' .* not 'yes'"):
        load_corpus("mine", data_dir=tmp_path, registry=reg)


STANCE_ROWS = [("I back NATO fully.", "FAVOR"), ("NATO is a menace.", "Against"),
               ("NATO meets on Tuesday.", "none")]


def test_hf_stance_labels_are_case_insensitive(tmp_path):
    d = _jsonl_dataset(tmp_path, [{"text": f"{t} {i}", "target": "NATO", "stance": lab}
                                  for i in range(20) for t, lab in STANCE_ROWS])
    rows = load_corpus(f"hf:{d}", split="all", task="stance")
    assert len(rows) == 60 and set(rows["stance"]) == {"favor", "against", "none"}


def test_unknown_hf_labels_list_the_accepted_ones(tmp_path):
    d = _jsonl_dataset(tmp_path, [{"text": f"t {i}", "target": "NATO", "stance": lab}
                                  for i, lab in enumerate(["pro", "con", "favor"] * 10)])
    with pytest.raises(DataError) as err:
        load_corpus(f"hf:{d}", task="stance")
    msg = str(err.value)
    assert "['con', 'pro']" in msg and "use favor, against, none" in msg
    assert "registry" not in msg  # an hf: dataset has no registry entry
    r = _jsonl_dataset(tmp_path, [{"text": f"t {i}", "parent_text": "p", "reply_stance": "agree"}
                                  for i in range(30)], name="replies")
    with pytest.raises(DataError, match="use support, deny, query, comment"):
        load_corpus(f"hf:{r}", task="reply_stance")


def test_an_empty_hf_dataset_says_which_file_is_empty(tmp_path):
    d = tmp_path / "empty"
    d.mkdir()
    (d / "train.jsonl").write_text("")
    with pytest.raises(DataError, match=r"train.jsonl is empty \(no rows\)"):
        load_corpus(f"hf:{d}", task="stance")
