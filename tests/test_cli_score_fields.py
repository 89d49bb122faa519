"""What `stance score` adds to a record: never overwriting an input field, `source` for file
inputs, `@title` among the targets, clear errors for `stance split` output."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from stance.cli import app

runner = CliRunner()
PAGE = Path(__file__).resolve().parents[1] / "data/samples/pages/nato_summit_article.html"


def parse(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_input_fields_named_like_outputs_are_kept(tmp_path):
    rows = [{"id": "a", "text": "I support NATO.", "target": "NATO", "stance": "favor",
             "incivility": 0, "input_stance": "older"},
            {"id": "b", "parent_id": "a", "text": "Nonsense, you idiot.", "target": "NATO",
             "stance": "against", "reply_stance": "deny"},
            {"id": "c", "text": "Fine by me.", "target": "NATO"}]
    f = tmp_path / "gold.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = runner.invoke(app, ["score", str(f), "-j", "1"])
    assert res.exit_code == 0, res.output
    out = parse(res.stdout)
    assert out[0]["input_input_stance"] == "favor" and out[0]["input_stance"] == "older"
    assert out[0]["input_incivility"] == 0 and isinstance(out[0]["incivility"], dict)
    assert out[1]["input_stance"] == "against" and out[1]["input_reply_stance"] == "deny"
    assert out[1]["reply_stance"]["label"] in {"support", "deny", "query", "comment"}
    for o in out:
        assert isinstance(o["stance"], list) and o["stance"][0]["target"] == "NATO"
    assert not any(k.startswith("input_") for k in out[2])
    assert res.output.count("would be overwritten") == 1  # one warning per run


def test_file_records_carry_their_source(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    for f in (a, b):
        f.write_text("id,text\nw1,NATO is fine.\nw2,No it is not.\n")
    own = tmp_path / "own.jsonl"
    own.write_text(json.dumps({"text": "x", "source": "site-1"}) + "\n"
                   + json.dumps({"text": "y"}) + "\n")
    res = runner.invoke(app, ["score", str(a), str(b), str(own), "-q", "-j", "1"])
    assert res.exit_code == 0, res.output
    assert [o["source"] for o in parse(res.stdout)] == [str(a), str(a), str(b), str(b),
                                                        "site-1", str(own)]
    res = runner.invoke(app, ["score", "-", "-q"], input=json.dumps({"text": "z"}) + "\n")
    assert res.exit_code == 0 and "source" not in parse(res.stdout)[0]  # stdin: none
    res = runner.invoke(app, ["score", str(PAGE), "-q"])  # page comments: the page
    assert {o["source"] for o in parse(res.stdout)} == {str(PAGE)}


def test_title_target_scores_toward_each_headline_too(tmp_path):
    rows = [{"text": "NATO must stop.", "title": "NATO expands again"}, {"text": "No title."}]
    f = tmp_path / "c.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = runner.invoke(app, ["score", str(f), "-t", "Russia", "-t", "@title", "-q"])
    assert res.exit_code == 0, res.output
    out = parse(res.stdout)
    assert [s["target"] for s in out[0]["stance"]] == ["Russia", "NATO expands again"]
    assert [s["target"] for s in out[1]["stance"]] == ["Russia"]
    res = runner.invoke(app, ["score", str(PAGE), "-t", "Russia", "-t", "@title", "-q"])
    out = parse(res.stdout)
    assert out and all([s["target"] for s in o["stance"]] == ["Russia", o["title"]]
                       for o in out)


def test_scoring_split_output_says_what_to_do(tmp_path):
    split = tmp_path / "split.jsonl"
    res = runner.invoke(app, ["split", str(PAGE), "-o", str(split), "-q"])
    assert res.exit_code == 0
    res = runner.invoke(app, ["score", str(split), "-q"])
    assert res.exit_code == 1
    err = parse(res.stdout)[0]["error"]
    assert "stance split" in err and "score the page files themselves" in err
