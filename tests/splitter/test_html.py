"""HTML pages: article extraction and comment records, with and without the learned model."""

from __future__ import annotations

import pytest

from stance.options import SplitOptions
from stance.splitter import load_model, split, split_file

from .conftest import assert_no_boilerplate, assert_valid_thread

RULES = SplitOptions(learned=False)

SUMMIT_BOILERPLATE = [
    "Subscribe",
    "Home",
    "Share this",
    "Twitter",
    "Related",
    "Sweden clears last hurdle",
    "Leave a Reply",
    "Cancel reply",
    "Your email address",
    "Akismet",
    "All rights reserved",
    "says:",
    "thoughts on",
    "Reply",
    "Privacy",
    "Reuters / Ints Kalnins",
]


def models():
    """Rules alone, and the shipped learned model when it is there."""
    out = [pytest.param(None, id="rules")]
    if load_model() is not None:
        out.append(pytest.param("default", id="learned"))
    return out


@pytest.mark.parametrize("model", models())
def test_wordpress_html_article(fixture_path, model):
    data = fixture_path("nato_summit_article.html").read_bytes()
    res = split(data, name="summit.html", model=model)
    assert res["source"] == "summit.html"
    assert res["title"] == "Allies split over Ukraine's path to membership at Vilnius summit"
    art = res["article"]
    assert art.startswith("NATO leaders meeting in Vilnius")
    assert "Zelensky calls the wording absurd" in art  # sub-heading kept
    assert art.rstrip().endswith("for European security.")
    assert_no_boilerplate(res, SUMMIT_BOILERPLATE)


@pytest.mark.parametrize("model", models())
def test_wordpress_html_nested_thread(fixture_path, model):
    data = fixture_path("nato_summit_article.html").read_bytes()
    cs = split(data, model=model)["comments"]
    assert_valid_thread(cs)
    assert [c["author"] for c in cs] == [
        "Piotr Nowak",
        "Hannah Berger",
        "Piotr Nowak",
        "Mike_in_Ohio",
    ]
    assert [c["depth"] for c in cs] == [0, 1, 2, 0]
    assert cs[1]["parent_id"] == cs[0]["id"] and cs[2]["parent_id"] == cs[1]["id"]
    assert cs[0]["likes"] == 14
    assert cs[0]["quote"] == "Poland and the Baltic states had pushed for a firm date."
    assert cs[0]["text"].startswith("And they were right to.")
    assert "7:12 pm" in cs[0]["time"]


@pytest.mark.parametrize("model", models())
def test_records_without_comment_markup(fixture_path, model):
    """Repeated sibling records with a name, a date and a reply link are comments."""
    res = split(fixture_path("forum_records.html").read_bytes(), model=model)
    assert res["title"] == "Geneva talks: what the meeting on security guarantees achieved"
    assert "Ryabkov" in res["article"] and "Readers write" not in res["article"]
    cs = res["comments"]
    assert_valid_thread(cs)
    assert [c["author"] for c in cs] == ["Viktor_M", "Ania K.", "DS1970"]
    assert [c["depth"] for c in cs] == [0, 1, 0]
    assert [c["likes"] for c in cs] == [12, 5, -2]
    assert cs[0]["time"] == "11.01.2022 21:14"
    assert_no_boilerplate(res, ["Reply", "Log in", "Archive", "Reprinting only", "+12"])


@pytest.mark.parametrize("model", models())
def test_page_without_comments(fixture_path, model):
    res = split(fixture_path("no_comments.html").read_bytes(), model=model)
    assert res["comments"] == []
    assert res["title"] == "Sweden's NATO bid: Turkey lifts its veto after a year of talks"
    art = res["article"]
    assert "forward Sweden's application" in art and "What Stockholm promised" in art
    assert_no_boilerplate(
        res,
        ["cookies", "Most read", "Riga port", "All rights reserved", "Privacy policy", "Business"],
    )


def test_rules_only_option_is_honoured(fixture_path):
    res = split_file(fixture_path("nato_summit_article.html"), RULES)
    assert len(res["comments"]) == 4


def test_cp1252_page_without_declaration():
    html = (
        "<html><body><h1>Kremlin rejects “ultimatum” talk</h1><div class='story'>"
        "<p>Moscow’s envoy said the proposals were not an ultimatum but a “last chance” "
        "for diplomacy, according to reporters in Geneva on Monday evening.</p>"
        "<p>Western diplomats said the alliance’s open door policy was not up for "
        "negotiation and would not be traded for promises about exercises.</p>"
        "</div></body></html>"
    ).encode("cp1252")
    res = split(html)
    assert "“last chance”" in res["article"] and "Moscow’s envoy" in res["article"]
    assert res["title"] == "Kremlin rejects “ultimatum” talk"


@pytest.mark.parametrize("model", models())
def test_disqus_embed_with_vote_counts_before_reply(fixture_path, model):
    """Disqus markup: the footer line is "8 Reply Share ›" (votes first), the byline has the
    author and a relative time, a reply nests in ul.children and quotes its parent."""
    res = split(fixture_path("disqus_embed.html").read_bytes(), model=model)
    assert res["title"] == "Finland opens new border crossing talks with Estonia"
    assert "joint inspection point" in res["article"] and "2027" not in res["article"]
    cs = res["comments"]
    assert_valid_thread(cs)
    assert [c["author"] for c in cs] == ["harbour_pilot", "TartuTom", "kaisa.v"]
    assert [c["depth"] for c in cs] == [0, 1, 0]
    assert [c["likes"] for c in cs] == [8, 3, 15]
    assert cs[1]["quote"] == "The ferries already lose an hour at every inspection"
    assert cs[1]["text"].startswith("Only in winter")
    assert_no_boilerplate(res, ["Reply", "Share", "Log in", "Privacy", "Nordic Ledger"])


@pytest.mark.parametrize("model", models())
def test_comment_divs_with_inline_byline_and_reply_class(fixture_path, model):
    """div.comment records whose byline is inline spans, one of them marked "reply":
    the reply class does not make it another record type, and every byline is kept."""
    res = split(fixture_path("comment_divs.html").read_bytes(), model=model)
    assert res["title"] == "Grain corridor: first convoy leaves Odesa"
    assert "Bosphorus" in res["article"] and "silos" not in res["article"]
    cs = res["comments"]
    assert_valid_thread(cs)
    assert [c["author"] for c in cs] == ["Marta_Odesa", "Bosporus_watch", "R. Lindqvist"]
    assert [c["time"] for c in cs] == ["6 hours ago", "5 hours ago", "3 hours ago"]
    assert cs[1]["text"] == "Wait until the insurers pull out again. One convoy proves nothing."
    assert_no_boilerplate(res, ["Comments", "Privacy", "World"])
