"""`stance split -m DIR` and `stance score PAGE -m DIR` split pages with DIR's splitter
(as `STANCE_MODEL_DIR=DIR` does), and an unreadable splitter model is a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stance.cli import app
from stance.resources import default_model_dir

runner = CliRunner()
PAGE = Path(__file__).resolve().parents[1] / "data/samples/pages/nato_summit_article.html"


def _model_set(tmp_path: Path, splitter: str | None) -> Path:
    """A model set linking the shipped pipelines, with ``splitter`` as its splitter.joblib
    (text written as is; None: no splitter.joblib)."""
    shipped = default_model_dir()
    d = tmp_path / "set"
    d.mkdir()
    for name in ("model_card.json", "incivility.joblib", "stance.joblib", "reply.joblib"):
        (d / name).symlink_to(shipped / name)
    if splitter is not None:
        (d / "splitter.joblib").write_text(splitter)
    return d


def test_score_page_uses_the_model_dirs_splitter(tmp_path):
    bad = _model_set(tmp_path, "not a pickle")
    res = runner.invoke(app, ["score", str(PAGE), "-m", str(bad), "-q"])
    assert res.exit_code == 2, res.output  # it was 0: the shipped splitter split the page
    assert "splitter.joblib" in res.output and "not a joblib pickle" in res.output
    # several files go through the same path
    res = runner.invoke(app, ["score", str(PAGE), str(PAGE), "-m", str(bad), "-q"])
    assert res.exit_code == 2 and "not a joblib pickle" in res.output


def test_split_takes_a_model_dir(tmp_path):
    bad = _model_set(tmp_path, "not a pickle")
    res = runner.invoke(app, ["split", str(PAGE), "-m", str(bad), "-q"])
    assert res.exit_code == 2 and "not a joblib pickle" in res.output
    res = runner.invoke(app, ["split", str(PAGE), "-m", str(tmp_path / "nowhere"), "-q"])
    assert res.exit_code == 2 and "no such model directory" in res.output


def test_a_set_without_splitter_splits_by_rules_alone(tmp_path):
    from stance.options import SplitOptions
    from stance.splitter import split_file

    rules = _model_set(tmp_path, None)
    res = runner.invoke(app, ["split", str(PAGE), "-m", str(rules)])
    assert res.exit_code == 0, res.output
    page = json.loads(res.stdout.splitlines()[0])
    assert page == split_file(PAGE, SplitOptions(learned=False))
    assert page == split_file(PAGE, model=rules)


def test_library_split_file_names_the_model(tmp_path):
    from stance.errors import ModelError
    from stance.splitter import split_file, split_files

    bad = _model_set(tmp_path, "not a pickle")
    with pytest.raises(ModelError, match="not a joblib pickle"):
        split_file(PAGE, model=bad)
    with pytest.raises(ModelError, match="not a joblib pickle"):
        list(split_files([PAGE], model=str(bad)))
    assert split_file(PAGE, model=default_model_dir()) == split_file(PAGE)


@pytest.mark.parametrize("content", [b"garbage that is not a model\n", "cut"])
def test_text_and_truncated_model_files_are_called_corrupt(tmp_path, content):
    from stance.errors import ModelError
    from stance.scorer import Scorer

    d = tmp_path / "set"
    d.mkdir()
    shipped = (default_model_dir() / "reply.joblib").read_bytes()
    (d / "reply.joblib").write_bytes(shipped[: len(shipped) // 3] if content == "cut" else content)
    with pytest.raises(ModelError, match="not a joblib pickle"):
        Scorer(d).pipeline("reply")
