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


DISQUS_SPANS = [
    # (author, time, likes, parent index, text)
    ("Ruth Calder", "3 hours ago", 23, None,
     "I cross twice a day to get to the hospital for my shifts. Another four pounds a week "
     "is not nothing on a care assistant's wage."),
    ("Alasdair M", "2 hours ago", 7, 0,
     "The crew agreement only brings our pay up to what the mainland boats paid five years "
     "ago. Blame the fuel, not us."),
    ("Ruth Calder", "an hour ago", None, 1,
     "Nobody is blaming the crew. The council should have kept the early boats cheap, that "
     "was the whole point of the subsidy."),
    ("P. Kenny", "45 minutes ago", 2, None, "Typical. Rip off the people with no choice."),
    ("seagull77", "10 minutes ago", 0, None,
     "Useless operator, useless council, and a paper that prints their press release word "
     "for word. Pathetic, the lot of you."),
]


@pytest.mark.parametrize("model", models())
def test_disqus_touching_spans_vote_counts_and_parent_links(fixture_path, model):
    """Disqus markup with the byline's spans touching ("Ruth Calderan hour ago" as one line),
    an "in reply to" link beside the author, bare vote counts in li.voting and comments
    without a Reply link: every field comes from the span that holds it, and no vote count
    or time ends up in a text or an author."""
    res = split(fixture_path("disqus_touching_spans.html").read_bytes(), model=model)
    assert res["title"] == "Harbour ferry fares to rise by a third from spring"
    assert res["article"].startswith("The harbour ferry will charge a third more")
    assert res["article"].endswith("cutting the last evening boat.")
    cs = res["comments"]
    assert_valid_thread(cs)
    got = [
        (c["author"], c["time"], c["likes"], c["parent_id"], c["text"], c["quote"]) for c in cs
    ]
    want = [
        (a, t, lk, None if p is None else cs[p]["id"], text, None)
        for a, t, lk, p, text in DISQUS_SPANS
    ]
    assert got == want
    assert [c["depth"] for c in cs] == [0, 1, 2, 0, 0]
    assert_no_boilerplate(
        res, ["Reply", "Share", "Sort by", "5 comments", "Sign in", "Privacy", "Coastline"]
    )


def test_thread_records_vouch_for_text_the_labels_missed(fixture_path):
    """A record of the thread's own signature keeps its text when the block labels left it
    out (here the last comment's text, as the learned model did on a rude comment without a
    Reply link); the vouched-for block is reported so it leaves the article."""
    from stance.splitter.blocks import parse
    from stance.splitter.thread import build_thread

    page = parse(fixture_path("disqus_touching_spans.html").read_text(encoding="utf-8"))
    texts = [b.text for b in page.blocks]
    first = texts.index("5 comments")
    missed = next(i for i, t in enumerate(texts) if t.startswith("Useless operator"))
    cblocks = [i for i in range(first, len(texts) - 1) if i != missed]
    records, added = build_thread(page, cblocks)
    assert missed in added
    assert [r["author"] for r in records] == [a for a, *_ in DISQUS_SPANS]
    assert records[-1]["text"] == DISQUS_SPANS[-1][-1]
    assert records[-1]["likes"] == 0
    # the page-wide wrapper is no record: nothing outside the thread is vouched for
    assert all(i > first for i in added)


def test_inline_elements_keep_their_own_text():
    """blocks.parse: a classed inline element remembers its own short text, so touching
    spans stay apart; an element holding a block boundary keeps none."""
    from stance.splitter.blocks import parse

    page = parse(
        '<div class="byline"><span class="author">Ann Lee</span><span class="when">'
        "<span>03.05.26</span><span>14:02</span></span></div>"
        '<div><a class="wrap">before<div>inside</div>after</a></div>'
    )
    assert page.blocks[0].text == "Ann Lee03.05.2614:02"
    own = {page.elements[i].attrs: page.elements[i].text for i in page.blocks[0].inline}
    assert own["author"] == "Ann Lee"
    assert own["when"] == "03.05.26 14:02"
    wrap = next(e for e in page.elements if e.attrs == "wrap")
    assert wrap.text is None


def test_reply_links_in_other_languages_are_not_comment_text():
    """A record's "Antworten" / "Répondre" link is chrome like "Reply"."""
    from stance.splitter.blocks import parse
    from stance.splitter.thread import build_records

    rec = (
        '<li class="comment"><div class="comment-author">{a}</div>'
        '<div class="comment-time">{t}</div><p>{x}</p>'
        '<div class="comment-reply"><a class="comment-reply-link">{r}</a></div></li>'
    )
    page = parse(
        '<ol class="comments">'
        + rec.format(a="Lena K", t="3 May 2026", x="Die Umfrage war viel zu klein.", r="Antworten")
        + rec.format(a="Paul", t="4 May 2026", x="Das sehe ich genauso, leider.", r="Antworten")
        + rec.format(a="Zoé", t="5 May 2026", x="Même chose ici, hélas.", r="Répondre")
        + "</ol>"
    )
    records = build_records(page, list(range(len(page.blocks))))
    assert [(r["author"], r["text"]) for r in records] == [
        ("Lena K", "Die Umfrage war viel zu klein."),
        ("Paul", "Das sehe ich genauso, leider."),
        ("Zoé", "Même chose ici, hélas."),
    ]
