"""stance.exports: a Disqus XML export read as comment records and as pages."""

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stance.cli import app
from stance.exports import disqus_pages, html_text, is_disqus_export, read_disqus
from stance.io import is_error, read_records

EXPORT = Path(__file__).parent / "fixtures" / "exports" / "disqus_export.xml"


def test_posts_become_records_in_file_order():
    recs = list(read_disqus(EXPORT))
    assert [r["id"] for r in recs] == ["5550001", "5550002", "5550003", "5550004", "5550005"]
    first, reply, _, guest, spam = recs
    assert first["title"] == "Bridge tolls return in January, council confirms"
    assert first["url"].endswith("/bridge-tolls-return/") and first["author"] == "Dot Keane"
    assert first["time"] == "2026-10-02T07:01:12Z" and "parent_id" not in first
    assert first["text"] == ("Tolls paid for the bridge twice over already.\n"
                             "Where did that money go?")
    # the quoted passage goes to quote, entities and <br> are decoded
    assert reply["parent_id"] == "5550001" and reply["quote"] == "Where did that money go?"
    assert reply["text"] == ("Into resurfacing the east ramp, it's in the council minutes.\n"
                             "Page 14.")
    assert guest["title"] == "Library to open on Sundays from next month" and "quote" not in guest
    assert spam["deleted"] is True and spam["spam"] is True and "deleted" not in guest
    assert not any(is_error(r) for r in recs)


def test_read_records_and_score_take_an_export(tmp_path):
    assert list(read_records(EXPORT)) == list(read_disqus(EXPORT))
    zipped = tmp_path / "export.xml.gz"
    zipped.write_bytes(gzip.compress(EXPORT.read_bytes()))
    assert is_disqus_export(zipped) and len(list(read_records(zipped))) == 5
    res = CliRunner().invoke(app, ["score", str(EXPORT), "-q"])
    assert res.exit_code == 0, res.output
    out = [json.loads(x) for x in res.stdout.splitlines()]
    assert [o["id"] for o in out] == ["5550001", "5550002", "5550003", "5550004", "5550005"]
    assert out[0]["stance"][0]["target"] == out[0]["title"]  # the headline, by default
    assert "reply_stance" in out[1] and "reply_stance" in out[2] and "reply_stance" not in out[3]


def test_split_gives_one_page_per_thread():
    pages = list(disqus_pages(EXPORT))
    assert [p["title"] for p in pages] == ["Bridge tolls return in January, council confirms",
                                           "Library to open on Sundays from next month"]
    bridge = pages[0]["comments"]
    assert [(c["id"], c["parent_id"], c["depth"]) for c in bridge] == [
        ("5550001", None, 0), ("5550002", "5550001", 1), ("5550003", "5550002", 2)]
    assert bridge[1]["quote"] == "Where did that money go?" and pages[0]["article"] == ""
    res = CliRunner().invoke(app, ["split", str(EXPORT), "-q"])
    assert res.exit_code == 0 and len(res.stdout.splitlines()) == 2


def test_a_thread_listed_after_its_posts_still_titles_its_page(tmp_path):
    text = EXPORT.read_text()
    start, end = text.index('  <thread dsq:id="880012">'), text.index("  <post dsq:id=")
    late = text[:start] + text[end:].replace("</disqus>", text[start:end] + "</disqus>")
    moved = tmp_path / "late.xml"
    moved.write_text(late)
    pages = list(disqus_pages(moved))
    assert pages[1]["title"] == "Library to open on Sundays from next month"
    assert pages[1]["url"].endswith("/library-hours/")


def test_a_broken_export_keeps_the_posts_before_the_fault(tmp_path):
    text = EXPORT.read_text()
    cut = text.index("<post dsq:id=\"5550003\">")
    broken = tmp_path / "broken.xml"
    broken.write_text(text[:cut] + "<post dsq:id=\"5550003\"><message>unclosed</post>\n</disqus>")
    recs = list(read_records(broken))
    assert [r.get("id") for r in recs[:2]] == ["5550001", "5550002"]
    assert len(recs) == 3 and is_error(recs[2])
    assert recs[2]["error"].startswith(f"{broken}:") and recs[2]["line"] > 0
    other = tmp_path / "feed.xml"
    other.write_text("<?xml version='1.0'?><rss><channel/></rss>")
    from stance.errors import InputError

    with pytest.raises(InputError, match="not a Disqus export"):
        list(read_records(other))


def test_only_an_export_is_read_as_one(tmp_path):
    # a JSONL file whose first comment talks about Disqus stays JSON lines
    lines = tmp_path / "comments.jsonl"
    lines.write_text('{"id": "1", "text": "Paste <disqus> from https://disqus.com here"}\n'
                     '{"id": "2", "text": "ok"}\n')
    assert not is_disqus_export(lines)
    assert [r["id"] for r in read_records(lines)] == ["1", "2"]
    # another XML format (a WordPress export) is a clear error, not an empty result
    wxr = tmp_path / "wordpress.xml"
    wxr.write_text('<?xml version="1.0"?><rss version="2.0" '
                   'xmlns:wp="http://wordpress.org/export/1.2/"><channel/></rss>')
    res = CliRunner().invoke(app, ["score", str(wxr), "-q"])
    assert res.exit_code == 2 and "not a Disqus export" in res.output


def test_dtd_entities_are_neither_expanded_nor_cutting_the_text(tmp_path):
    dtd = tmp_path / "dtd.xml"
    dtd.write_text('<?xml version="1.0"?>\n<!DOCTYPE disqus [<!ENTITY x "EXPANDED">]>\n'
                   '<disqus xmlns="http://disqus.com" '
                   'xmlns:dsq="http://disqus.com/disqus-internals">\n'
                   '<thread dsq:id="1"><title>Fares</title></thread>\n'
                   '<post dsq:id="2"><message>before &x; after</message>'
                   '<thread dsq:id="1"/></post>\n</disqus>\n')
    (rec,) = read_disqus(dtd)
    assert rec["text"] == "before &x; after" and rec["title"] == "Fares"


def test_html_text_without_markup_and_nested_quotes():
    assert html_text("plain &amp; simple") == ("plain & simple", "")
    text, quote = html_text("<blockquote>outer <blockquote>inner</blockquote></blockquote>"
                            "<p>my answer</p>")
    assert text == "my answer" and quote == "outer\ninner"
    text, _ = html_text('<p>See <a href="x">this link</a></p><script>alert("x")</script>'
                        "<style>p{color:red}</style><p>ok.</p>")
    assert text == "See this link\nok."
