"""The corpus registry API: specs, errors, dev splits, limits, load_task and hf: datasets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from stance import corpora
from stance.corpora import (
    DOMAINS,
    READERS,
    TASKS,
    features,
    list_corpora,
    load_corpus,
    load_task,
    schema_columns,
)
from stance.errors import DataError

FIX = Path(__file__).parent / "fixtures" / "corpora"
REG = FIX / "registry.toml"


pytestmark = pytest.mark.usefixtures("private_hf_cache")


# ------------------------------------------------------------------ the shipped registry


def test_shipped_registry_is_complete_and_valid():
    specs = list_corpora()
    names = {s.name for s in specs}
    for needed in (
        "civil_comments_autolabel",
        "civil_comments_toxic_spans",
        "ucc_unhealthy_comments",
        "reddit_incivility",
        "davidson_hate_offensive",
        "tweeteval_offensive",
        "tweeteval_hate",
        "jigsaw_toxic_wikipedia_samples",
        "wikipedia_talk_context_toxicity",
        "semeval2016-task6",
        "vast",
        "ruw-russia-ukraine",
        "pstance",
        "covid19-stance",
        "covid-cq",
        "ibm-claim-stance",
        "perspectrum",
        "arc-fnc",
        "fnc1",
        "emergent",
        "rumoureval2019",
        "dast",
    ):
        assert needed in names
    assert "tweeteval-stance" not in names  # same tweets as SemEval-2016
    for s in specs:
        assert s.task in TASKS and s.domain in DOMAINS and s.reader in READERS
        assert s.licence and s.source and s.path
    by = {s.name: s for s in specs}
    assert by["ucc_unhealthy_comments"].noncommercial and by["ucc_unhealthy_comments"].sharealike
    assert by["perspectrum"].sharealike and not by["perspectrum"].noncommercial
    assert not by["dast"].default
    assert {s.task for s in list_corpora("reply_stance")} == {"reply_stance"}
    with pytest.raises(ValueError):
        list_corpora("sentiment")


def test_schema_features_per_task():
    inc = features("incivility")
    assert inc["uncivil"].dtype == "float32" and inc["threat"].dtype == "float32"
    assert schema_columns("stance") == ("text", "target", "stance", "corpus", "domain", "group")
    assert "parent_text" in schema_columns("reply_stance")
    with pytest.raises(ValueError):
        schema_columns("nope")


def test_registry_rejects_unknown_keys(tmp_path):
    bad = tmp_path / "corpora.toml"
    bad.write_text(
        '[x]\ntask = "stance"\ndomain = "news"\nlicence = "l"\nfiles = {train=["a"]}\n'
        'colums = {text = "t"}\n'
    )
    with pytest.raises(DataError, match="unknown keys"):
        list_corpora(registry=bad)
    bad.write_text('[x]\ntask = "stance"\ndomain = "news"\nlicence = "l"\nfiles = {train=["a"]}\n'
                   'columns = {text = {col = "t", convert = "upper"}}\n')
    with pytest.raises(DataError, match="bad column spec"):
        list_corpora(registry=bad)


def test_stance_registry_points_to_your_own_registry(monkeypatch):
    # an installed package has no editable training/: a copy of the registry with your own
    # corpora, named by $STANCE_REGISTRY, is used by train / evaluate / stance corpora
    monkeypatch.setenv("STANCE_REGISTRY", str(REG))
    assert "tiny_ruw" in {c.name for c in list_corpora()}
    monkeypatch.delenv("STANCE_REGISTRY")
    assert "tiny_ruw" not in {c.name for c in list_corpora()}


# ------------------------------------------------------------------ errors


def test_missing_corpus_directory_names_path_and_source():
    with pytest.raises(DataError) as err:
        load_corpus("tiny_missing", data_dir=FIX, registry=REG)
    assert "not_there" in str(err.value) and "example.org/get-the-missing-corpus" in str(err.value)


def test_no_data_dir_mentions_the_environment_variable(monkeypatch):
    monkeypatch.delenv("STANCE_DATA_DIR", raising=False)
    with pytest.raises(DataError, match="STANCE_DATA_DIR"):
        load_corpus("tiny_ruw", registry=REG)


def test_env_data_dir_is_used(monkeypatch):
    monkeypatch.setenv("STANCE_DATA_DIR", str(FIX))
    assert len(load_corpus("tiny_ruw", registry=REG)) == 6


def test_unknown_corpus_and_missing_split():
    with pytest.raises(DataError, match="unknown corpus"):
        load_corpus("nope", data_dir=FIX, registry=REG)
    with pytest.raises(DataError, match="no test split"):
        load_corpus("tiny_ruw", data_dir=FIX, split="test", registry=REG)
    with pytest.raises(ValueError):
        load_corpus("tiny_ruw", data_dir=FIX, split="validation", registry=REG)


def _write_corpus(root: Path, rows: list[dict], extra: str = "") -> Path:
    (root / "c").mkdir(parents=True, exist_ok=True)
    with (root / "c" / "train.jsonl").open("w") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    reg = root / "corpora.toml"
    reg.write_text(
        '[syn]\ntask = "stance"\ndomain = "news"\nlicence = "synthetic"\npath = "c"\n'
        'reader = "jsonl"\nfiles = { train = ["train.jsonl"] }\ndev = "hash"\n'
        'group = { col = "topic" }\n'
        'labels = { pro = "favor", con = "against", neutral = "none" }\n'
        + extra
        + '[syn.columns]\ntext = "post"\ntarget = "topic"\nstance = "label"\n'
    )
    return reg


def test_unknown_label_is_an_error(tmp_path):
    reg = _write_corpus(tmp_path, [{"post": "a b", "topic": "t", "label": "maybe"}])
    with pytest.raises(DataError, match="maybe"):
        load_corpus("syn", data_dir=tmp_path, registry=reg)


# ------------------------------------------------------------------ dev splits


def _synthetic(n_topics: int = 120, per_topic: int = 3) -> list[dict]:
    labels = ("pro", "con", "neutral")
    return [
        {
            "post": f"comment {i} about topic {t}",
            "topic": f"topic {t}",
            "label": labels[(i + t) % 3],
        }
        for t in range(n_topics)
        for i in range(per_topic)
    ]


def test_hash_dev_split_is_disjoint_by_group_and_about_15_percent(tmp_path):
    reg = _write_corpus(tmp_path, _synthetic())
    train = load_corpus("syn", data_dir=tmp_path, registry=reg).to_pandas()
    dev = load_corpus("syn", data_dir=tmp_path, split="dev", registry=reg).to_pandas()
    every = load_corpus("syn", data_dir=tmp_path, split="all", registry=reg)
    assert set(train.group).isdisjoint(dev.group)
    assert len(train) + len(dev) == len(every) == 360
    assert 0.07 < dev.group.nunique() / 120 < 0.25
    again = load_corpus("syn", data_dir=tmp_path, split="dev", registry=reg).to_pandas()
    assert again.text.tolist() == dev.text.tolist()


def test_few_groups_still_give_about_15_percent_of_rows(tmp_path):
    rows = _synthetic(n_topics=12, per_topic=10) + _synthetic(n_topics=1, per_topic=60)
    reg = _write_corpus(tmp_path, rows)
    dev = load_corpus("syn", data_dir=tmp_path, split="dev", registry=reg)
    train = load_corpus("syn", data_dir=tmp_path, split="train", registry=reg)
    assert 0.08 <= len(dev) / (len(dev) + len(train)) <= 0.3
    assert set(dev["group"]).isdisjoint(train["group"])


def test_dev_assignment_is_stable_across_python_processes():
    groups = [f"topic {t}" for t in range(200)]
    here = [g for g in groups if corpora.is_dev_group(g)]
    code = (
        "import json,sys; from stance.corpora import is_dev_group; "
        "print(json.dumps([g for g in json.loads(sys.argv[1]) if is_dev_group(g)]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(groups)],
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONHASHSEED": "123"},
        cwd=Path(__file__).parents[1],
    ).stdout
    assert json.loads(out) == here and 0 < len(here) < 60


def test_same_text_lands_on_the_same_side_in_every_corpus():
    assert corpora.text_group("You are an idiot ") == corpora.text_group("you are an idiot")


def test_limit_is_a_deterministic_sample(tmp_path):
    reg = _write_corpus(tmp_path, _synthetic())
    a = load_corpus("syn", data_dir=tmp_path, registry=reg, limit=25)
    b = load_corpus("syn", data_dir=tmp_path, registry=reg, limit=25)
    assert len(a) == 25 and a["text"] == b["text"]
    assert len(set(a["target"])) > 5  # a sample, not the first rows


# ------------------------------------------------------------------ load_task


def test_load_task_concatenates_default_corpora():
    ds = load_task("incivility", data_dir=FIX, registry=REG)
    assert ds.features == features("incivility")
    assert set(ds["corpus"]) == {"tiny_reddit", "tiny_tweets", "tiny_spans", "tiny_ucc"}
    st = load_task("stance", ["tiny_ruw", "tiny_covid"], data_dir=FIX, split="dev", registry=REG)
    assert len(st) == 3 and set(st["stance"]) <= {"favor", "against", "none"}
    assert len(load_task("stance", ["tiny_ruw"], data_dir=FIX, limit=2, registry=REG)) == 2


def test_load_task_rejects_a_corpus_of_another_task():
    with pytest.raises(DataError, match="incivility corpus"):
        load_task("stance", ["tiny_reddit"], data_dir=FIX, registry=REG)


def test_load_task_test_split_skips_corpora_without_one():
    ds = load_task("stance", data_dir=FIX, split="test", registry=REG)
    assert len(ds) == 0 and ds.features == features("stance")


# ------------------------------------------------------------------ hf: datasets


def _hf_dir(tmp_path: Path, with_test: bool) -> Path:
    d = tmp_path / "my_labels"
    d.mkdir()
    rows = [
        {
            "text": f"comment number {i} on the budget",
            "uncivil": float(i % 4 == 0),
            "insult": float(i % 8 == 0),
        }
        for i in range(80)
    ]
    (d / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    if with_test:
        (d / "test.jsonl").write_text(json.dumps({"text": "held out", "uncivil": 1.0}) + "\n")
    return d


def test_hf_local_directory_in_common_schema(tmp_path):
    d = _hf_dir(tmp_path, with_test=True)
    train = load_corpus(f"hf:{d}")
    dev = load_corpus(f"hf:{d}", split="dev")
    assert train.features == features("incivility")
    assert len(train) + len(dev) == 80 and len(dev) > 0
    assert set(train["group"]).isdisjoint(dev["group"])
    assert train[0]["threat"] is None and train[0]["corpus"] == f"hf:{d}"
    test = load_corpus(f"hf:{d}", split="test")
    assert test["text"] == ["held out"]
    mixed = load_task("incivility", ["tiny_reddit", f"hf:{d}"], data_dir=FIX, registry=REG)
    assert len(mixed) == 3 + len(train)


def test_hf_dataset_lacking_schema_columns_is_an_error(tmp_path):
    d = _hf_dir(tmp_path, with_test=False)
    with pytest.raises(DataError, match="target"):
        load_corpus(f"hf:{d}", task="stance")
    with pytest.raises(DataError):
        load_corpus(f"hf:{tmp_path / 'nowhere'}")


def test_hf_hub_id_offline_fails_fast_with_a_clear_error(monkeypatch):
    import time

    import datasets

    monkeypatch.setattr(corpora, "_hub_reachable", lambda timeout=2.0: False)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", False)  # restored after the test
    start = time.perf_counter()
    with pytest.raises(DataError, match="Hub is unreachable"):
        load_corpus("hf:someone/not-cached-here")
    assert time.perf_counter() - start < 10  # no network retries


def test_hub_reachable_honours_offline_env(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert corpora._hub_reachable() is False


def test_invalid_registry_toml_names_the_file(tmp_path):
    bad = tmp_path / "corpora.toml"
    bad.write_text("[vast\ntask = 'stance'\n")
    with pytest.raises(DataError, match="corpora.toml: not valid TOML"):
        corpora.load_corpus("vast", registry=bad)
