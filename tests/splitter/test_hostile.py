"""Hostile pages: bounded time and memory, a clear InputError, never a hang or a traceback.

Every page is generated here (nothing large is committed).
"""

from __future__ import annotations

import codecs
import os
import time

import pytest

from stance.errors import InputError
from stance.options import SplitOptions
from stance.splitter import split, split_file

from .conftest import COMMENT_KEYS, assert_valid_thread

ARTICLE = (
    "<html><head><title>NATO and Russia agree to keep talking | Wire</title></head><body>"
    "<h1>NATO and Russia agree to keep talking</h1><div class='story'>"
    "<p>Diplomats from NATO and Russia met for four hours in Brussels on Wednesday and agreed "
    "only that they would meet again, officials said after the session.</p>"
    "<p>The alliance rejected Moscow's demand to rule out further enlargement, while offering "
    "talks on missile deployments and the transparency of military exercises.</p></div>"
    "</body></html>"
)


def run(source, seconds: float, **opts):
    """Split and return (result or InputError, elapsed seconds)."""
    t0 = time.perf_counter()
    try:
        out = split(source, SplitOptions(**opts), name="hostile")
    except InputError as exc:
        out = exc
    return out, time.perf_counter() - t0


def assert_contract(out: dict, source_chars: int) -> None:
    """A dict result has the split contract's keys, and nothing in it is larger than the
    input it came from."""
    assert set(out) == {"source", "title", "article", "comments"}
    assert isinstance(out["title"], str) and isinstance(out["article"], str)
    assert len(out["title"]) <= 1000
    assert_valid_thread(out["comments"])
    assert all(set(c) == COMMENT_KEYS for c in out["comments"])
    total = len(out["article"]) + sum(len(c["text"]) for c in out["comments"])
    assert total <= source_chars


def assert_timed_out(out: InputError) -> None:
    assert "hostile" in str(out) and "longer than" in str(out), str(out)


def test_twenty_megabyte_page_is_bounded():
    row = "<div class='c'><p>Reader comment about NATO, Russia and the talks in Geneva.</p></div>\n"
    page = "<html><body>" + row * (20_000_000 // len(row)) + "</body></html>"
    assert len(page) >= 19_000_000
    out, dt = run(page, 0, timeout=1.0)
    assert dt < 20
    if isinstance(out, InputError):
        assert "hostile" in str(out) and "longer than" in str(out)


def test_page_over_the_size_limit_is_refused_at_once():
    out, dt = run("x" * 2_000_000, 0, max_bytes=1_000_000)
    assert isinstance(out, InputError) and "over the limit" in str(out)
    assert dt < 1


def test_big_text_dump_is_bounded():
    dump = "Anna says:\nDecember 8, 2021 at 3:12 pm\nNATO is a defensive alliance.\n" * 150_000
    out, dt = run(dump, 0, timeout=1.0, mode="text")
    assert dt < 20
    if isinstance(out, InputError):
        assert_timed_out(out)
    else:  # every record read is one of the dump's own
        assert_contract(out, len(dump))
        assert out["comments"]
        for c in out["comments"]:
            assert (c["author"], c["text"]) == ("Anna", "NATO is a defensive alliance.")


@pytest.mark.parametrize("depth", [10_000, 100_000])
def test_deep_nesting(depth):
    page = "<html><body>" + "<div>" * depth + ARTICLE + "</div>" * depth + "</body></html>"
    out, dt = run(page, 0, max_depth=400)
    assert dt < 10
    if depth <= 10_000:  # flattened and read
        assert not isinstance(out, InputError)
        assert "Diplomats from NATO and Russia" in out["article"]
    else:  # refused with a clear message
        assert isinstance(out, InputError) and "nesting" in str(out)


def test_unclosed_formatting_tags_are_flattened():
    page = "<html><body>" + "<b><i><font>" * 3000 + ARTICLE
    out, dt = run(page, 0)
    assert dt < 10
    assert not isinstance(out, InputError)


def test_tag_with_huge_attribute_list():
    attrs = " ".join(f"data-x{i}='{i}'" for i in range(50_000))
    page = ARTICLE.replace("<div class='story'>", f"<div class='story' {attrs}>")
    out, dt = run(page, 0)
    assert dt < 10
    assert "Diplomats from NATO" in out["article"]


def test_binary_junk_is_refused():
    junk = os.urandom(100_000)
    out, _ = run(junk, 0)
    assert isinstance(out, InputError) and "binary" in str(out)


def test_png_bytes_are_refused():
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 200
    out, _ = run(png, 0)
    assert isinstance(out, InputError)


@pytest.mark.parametrize(
    "bom,encoding",
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ],
)
def test_byte_order_marks(bom, encoding):
    data = bom + ARTICLE.replace("Russia", "Россия").encode(encoding)
    out, _ = run(data, 0)
    assert out["title"] == "NATO and Россия agree to keep talking"
    assert "Diplomats from NATO and Россия" in out["article"]
    assert "\ufeff" not in out["title"]


def test_undeclared_cp1252():
    data = ARTICLE.replace("Wednesday", "Wednesday’s “session”").encode("cp1252")
    out, _ = run(data, 0)
    assert "Wednesday’s “session”" in out["article"]


def test_page_without_title_or_head():
    body = ARTICLE.split("<body>", 1)[1].replace(
        "<h1>NATO and Russia agree to keep talking</h1>", ""
    )
    out, _ = run(body, 0)
    assert isinstance(out["title"], str)
    assert "Diplomats from NATO" in out["article"]


@pytest.mark.parametrize("source", ["", "   \n\t ", b"", "<html></html>", "<", "<<<>>>", "\x00"])
def test_empty_and_degenerate_pages(source):
    out, _ = run(source, 0)
    if not isinstance(out, InputError):
        assert out["comments"] == [] and isinstance(out["article"], str)


def test_not_a_string():
    with pytest.raises(InputError):
        split(12345)  # type: ignore[arg-type]


def test_bad_mode():
    with pytest.raises(InputError, match="mode"):
        split("text", SplitOptions(mode="pdf"))


def test_missing_file_names_the_file(tmp_path):
    missing = tmp_path / "nope.html"
    with pytest.raises(InputError, match="nope.html"):
        split_file(missing)


def test_single_enormous_line_of_text():
    from stance.splitter.text import MAX_LINE

    out, dt = run("NATO " * 1_000_000, 0, mode="text", timeout=5.0)
    assert dt < 10
    if isinstance(out, InputError):
        assert_timed_out(out)
    else:  # the line is cut before any pattern sees it, and it is no comment thread
        assert_contract(out, 5_000_000)
        assert out["comments"] == []
        assert 0 < len(out["article"]) <= MAX_LINE
        assert set(out["article"].split()) == {"NATO"}


def test_deep_nesting_with_case_folding_lookalike_tags_stays_balanced():
    # "ſpan" / "İ" fold to span / i under re.I but are not nesting tags: flattening must drop
    # exactly the too-deep <div>/<b> pairs, never shift onto the wrong tags
    import re

    from stance.splitter.blocks import flatten_deep

    html = ("<\u017fpan>x</\u017fpan><\u0130>y</\u0130>" + "<div><b>" * 300 + "t"
            + "</b></div>" * 300)
    out = flatten_deep(html, 100)
    assert len(re.findall(r"<div\b", out)) == len(re.findall(r"</div\b", out)) == 50
    assert out.count("<b>") == out.count("</b>") == 50
    assert "<\u017fpan>x</\u017fpan><\u0130>y</\u0130>" in out
