from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from stance.cli import app

runner = CliRunner()
PAGES = Path(__file__).resolve().parents[1] / "data" / "samples" / "pages"
COMMENT_KEYS = {"id", "parent_id", "depth", "author", "time", "datetime", "likes", "quote", "text"}


def test_split_pages_in_order_with_error_in_place(tmp_path):
    html, text = PAGES / "nato_summit_article.html", PAGES / "nato_baltic_wordpress.txt"
    res = runner.invoke(app, ["split", str(html), str(tmp_path / "gone.html"), str(text), "-q"])
    assert res.exit_code == 1  # one page could not be read
    out = [json.loads(line) for line in res.stdout.splitlines()]
    assert [o["source"] for o in out] == [str(html), str(tmp_path / "gone.html"), str(text)]
    assert set(out[1]) == {"source", "error"} and "gone.html" in out[1]["error"]
    for page in (out[0], out[2]):
        assert {"source", "title", "article", "comments"} <= set(page)
        assert "Ukraine" in page["title"] and len(page["article"]) > 200
        assert page["comments"] and all(set(c) == COMMENT_KEYS for c in page["comments"])
        ids = {c["id"] for c in page["comments"]}
        assert all(c["parent_id"] in ids for c in page["comments"] if c["parent_id"])


def test_split_reads_stdin():
    data = (PAGES / "nato_summit_article.html").read_bytes()
    res = runner.invoke(app, ["split", "-", "-q"], input=data)
    assert res.exit_code == 0, res.output
    page = json.loads(res.stdout)
    assert page["source"] == "<stdin>" and any(c["depth"] > 0 for c in page["comments"])


def test_score_page_uses_title_as_target():
    res = runner.invoke(app, ["score", str(PAGES / "nato_summit_article.html"), "-q"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert rows and all(r["stance"][0]["target"] == r["title"] for r in rows)
    assert any("reply_stance" in r for r in rows)  # replies resolve their parent in the page


def test_score_reads_a_page_saved_without_an_html_suffix(tmp_path):
    # a scraped "story.php" or an extension-less download is a page, not JSON lines
    html = (PAGES / "nato_summit_article.html").read_bytes()
    expected = runner.invoke(app, ["score", str(PAGES / "nato_summit_article.html"), "-q"])
    for name in ("story.php", "download"):
        page = tmp_path / name
        page.write_bytes(b"\xef\xbb\xbf\n  " + html)  # a BOM and blank space first
        res = runner.invoke(app, ["score", str(page), "-q"])
        assert res.exit_code == 0, res.output
        assert [json.loads(x)["text"] for x in res.stdout.splitlines()] == [
            json.loads(x)["text"] for x in expected.stdout.splitlines()]
    comments = tmp_path / "comments.log"  # an unknown suffix holding JSON lines stays JSONL
    comments.write_text('{"id": "1", "text": "NATO is fine."}\n')
    res = runner.invoke(app, ["score", str(comments), "-q"])
    assert res.exit_code == 0 and json.loads(res.stdout)["id"] == "1"


def test_split_files_in_workers_matches_one_process(tmp_path):
    from stance.options import SplitOptions
    from stance.splitter import split_files

    pages = sorted(PAGES.iterdir())
    paths = [*pages, tmp_path / "missing.html"] * 6  # more than one chunk of 16
    serial = list(split_files(paths, SplitOptions(jobs=1)))
    parallel = list(split_files(paths, SplitOptions(jobs=2)))
    assert parallel == serial
    assert [r["source"] for r in parallel] == [str(p) for p in paths]
    assert sum("error" in r for r in parallel) == 6


def test_split_mixes_stdin_and_files_in_order(tmp_path):
    html = PAGES / "nato_summit_article.html"
    res = runner.invoke(app, ["split", str(html), "-", str(html), "-q", "-j", "2"],
                        input=html.read_bytes())
    assert res.exit_code == 0, res.output
    out = [json.loads(line) for line in res.stdout.splitlines()]
    assert [o["source"] for o in out] == [str(html), "<stdin>", str(html)]
    assert out[0]["comments"] == out[1]["comments"] == out[2]["comments"]


def test_score_several_pages_in_order_with_a_bad_page_in_place(tmp_path):
    html = PAGES / "nato_summit_article.html"
    text = PAGES / "nato_baltic_wordpress.txt"
    junk = tmp_path / "junk.html"
    junk.write_bytes(b"\x00\x01\x02" * 1000)
    res = runner.invoke(app, ["score", str(html), str(junk), str(text), "-q", "-j", "1"])
    assert res.exit_code == 1, res.output
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    sources = [r.get("source") for r in rows]
    n_html = sources.count(str(html))
    assert n_html and sources[:n_html] == [str(html)] * n_html
    bad = rows[n_html]
    assert set(bad) == {"error", "line", "source"} and "junk.html" in bad["error"]
    assert bad["source"] == str(junk)  # an error record joins back to its file
    assert sources[n_html + 1 :] == [str(text)] * (len(rows) - n_html - 1)
    # each page's replies find their parents on the same page
    assert all("reply_stance" in r for r in rows if r.get("parent_id"))
