"""A page that announces comments none of which the splitter recovers says so (a warning)."""

import logging
from pathlib import Path

from stance.splitter import split

FIXTURES = Path(__file__).parent / "fixtures"

_ARTICLE = "".join(
    f"<p>The council met on Tuesday to discuss the budget for the coming year, paragraph {i}, "
    "and the mayor said the bridge tolls would stay as they are until the spring review.</p>"
    for i in range(6))

_SCRIPT_THREAD = f"""<!doctype html><html><head><title>Bridge tolls stay</title></head><body>
<article><h1>Bridge tolls stay</h1>{_ARTICLE}</article>
<section id="talk"><h2>Comments (14)</h2><div id="comments-root" data-widget="talk"></div>
<script src="https://talk.example.net/embed.js"></script></section>
<footer>© 2025 The Riverside Courier</footer></body></html>"""


def _warnings(caplog, page, **kw):
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="stance.splitter"):
        out = split(page, name="page.html", **kw)
    return out, [r.getMessage() for r in caplog.records if r.name == "stance.splitter"]


def test_announced_comments_not_recovered_are_reported(caplog):
    out, msgs = _warnings(caplog, _SCRIPT_THREAD)
    assert out["comments"] == [] and "announced" not in out
    assert len(msgs) == 1 and "page.html" in msgs[0] and "14 comment" in msgs[0]


def test_no_warning_without_an_announcement_or_with_comments(caplog):
    plain = _SCRIPT_THREAD.replace("Comments (14)", "Have your say")
    assert _warnings(caplog, plain)[1] == []
    none = _SCRIPT_THREAD.replace("Comments (14)", "Comments (0)")
    assert _warnings(caplog, none)[1] == []
    for name in ("viafoura_like.html", "flat_dump.txt"):  # announced and recovered
        out, msgs = _warnings(caplog, (FIXTURES / name).read_text(encoding="utf-8"))
        assert out["comments"] and msgs == []


def test_text_dump_that_announces_comments(caplog):
    text = "Bridge tolls stay\n\n" + _ARTICLE.replace("<p>", "").replace("</p>", "\n\n") + \
        "Comments (3)\n\nLoad comments\n\n© 2025 The Riverside Courier\n"
    out, msgs = _warnings(caplog, text)
    assert out["comments"] == [] and len(msgs) == 1 and "3 comment" in msgs[0]
