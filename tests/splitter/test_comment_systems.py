"""Comment systems seen in the wild (Coral, Viafoura-like, Disqus embeds, BEM markup, a
custom div system with action links in no known wording, copy-paste dumps): every record's
author, time, machine-readable datetime, likes, parent and text, with the outlet's and the
widget's chrome gone. All fixtures are written for these tests."""

from __future__ import annotations

import pytest

from stance.options import SplitOptions
from stance.splitter import load_model, split
from stance.splitter.blocks import parse
from stance.splitter.html import repeated_records, unnamed_records

from .conftest import assert_valid_thread

TEXT = SplitOptions(mode="text")
FIELDS = ("id", "parent_id", "depth", "author", "time", "datetime", "likes", "text")


def models():
    out = [pytest.param(None, id="rules")]
    if load_model() is not None:
        out.append(pytest.param("default", id="learned"))
    return out


def rows(comments: list[dict]) -> list[tuple]:
    assert_valid_thread(comments)
    for c in comments:
        assert c["quote"] is None
    return [tuple(c[k] for k in FIELDS) for c in comments]


TRAM = [
    "Another year of the replacement buses. Nobody at the transport company ever takes "
    "them, that much is obvious.",
    "I take them every day with a pram and I agree, the drivers are kind but the timetable "
    "is fiction.",
    "The bridge dispute was known three years ago. Why was the opening date not moved back "
    "then?",
    "Good that they at least admitted it now instead of in December. Build it properly.",
]


@pytest.mark.parametrize("model", models())
def test_custom_div_system_with_unknown_action_words(fixture_path, model):
    """Records whose links read "Reagovat  Nahlásit" (no "Reply" anywhere) and whose markup
    never says "comment" are still a thread: the action line repeats in every record."""
    res = split(fixture_path("custom_actions.html").read_bytes(), model=model)
    assert rows(res["comments"]) == [
        ("c1", None, 0, "jan.dvorak", "03.02.2025 08:12", "2025-02-03T08:12:00+01:00", 17,
         TRAM[0]),
        ("c2", "c1", 1, "Petra K.", "03.02.2025 08:40", "2025-02-03T08:40:00+01:00", 5,
         TRAM[1]),
        ("c3", None, 0, "mostar_77", "03.02.2025 09:05", "2025-02-03T09:05:00+01:00", 0,
         TRAM[2]),
        ("c4", None, 0, "H. Sedlacek", "03.02.2025 10:30", "2025-02-03T10:30:00+01:00", 9,
         TRAM[3]),
    ]
    assert res["article"].startswith("The extension of tram line 8")
    assert res["article"].endswith("twice as long at rush hour.")


def test_unnamed_records_need_the_record_structure(fixture_path):
    page = parse(fixture_path("custom_actions.html").read_text(encoding="utf-8"))
    assert repeated_records(page) == set()  # no known reply word
    found = {page.blocks[i].text for i in unnamed_records(page)}
    assert set(TRAM) | {"jan.dvorak 03.02.2025 08:12", "17 Reagovat Nahlásit"} <= found
    assert not any("tram line 8" in t or "Older posts" in t for t in found)
    # the same records without dates are not a thread
    html = fixture_path("custom_actions.html").read_text(encoding="utf-8")
    undated = html.replace("03.02.2025 ", "")
    for hh in ("08:12", "08:40", "09:05", "10:30"):
        undated = undated.replace(hh, "")
    assert unnamed_records(parse(undated)) == set()


TEASER = (
    '<div class="card"><h3><a href="/a{n}">Council meets on the {n} budget plan today</a></h3>'
    '<span class="date">12.03.2025 1{n}:00</span><p>The council will debate the budget for '
    "the coming year with the mayor and the opposition.</p>"
    '<div class="links"><a href="/a{n}">Read story</a> <a href="/s{n}">Share it</a></div></div>'
)
FEED = (
    '<div class="tw"><p>CityNewsDesk</p><span class="t">{n} mins ago</span><p>Road closures '
    'in the centre tonight because of the marathon number {n} setup.</p>'
    '<div class="acts"><a href="#">Reply</a> <a href="#">Repost</a> <a href="#">Like</a>'
    "</div></div>"
)


@pytest.mark.parametrize("card", [TEASER, FEED], ids=["teasers", "one-account-feed"])
def test_unnamed_records_skip_teaser_cards_and_feeds(card):
    html = "<html><body><h1>Front page</h1>" + "".join(
        card.format(n=n) for n in range(1, 5)
    ) + "</body></html>"
    page = parse(html)
    assert unnamed_records(page) == set()
    assert split(html, model=None)["comments"] == []


def test_custom_div_system_without_action_links(fixture_path):
    """No action links at all: bylines of one markup (name span + date) anchor the records."""
    html = fixture_path("custom_actions.html").read_text(encoding="utf-8")
    html = html.replace("prezdivka", "user-name")
    import re

    html = re.sub(r'<div class="prispevek-akce">.*?</div>', "", html)
    cs = split(html, model=None)["comments"]
    assert [(c["author"], c["parent_id"], c["likes"], c["text"]) for c in cs] == [
        ("jan.dvorak", None, None, TRAM[0]),
        ("Petra K.", "c1", None, TRAM[1]),
        ("mostar_77", None, None, TRAM[2]),
        ("H. Sedlacek", None, None, TRAM[3]),
    ]


BUS = [
    "About time. I walk forty minutes home after every late shift because the last bus "
    "leaves at eleven.",
    "Then the bars should pay for it, not everyone else through the rates.",
    "Hospitals are not bars. Half the riders on the petition work in care.",
    "Will the routes stop at the ferry terminal? That is where most of us change.",
]


@pytest.mark.parametrize("model", models())
def test_coral_stream(fixture_path, model):
    """Respect counts sit in buttons; "In reply to X" is not text; time keeps the visible
    date and datetime the <time datetime> value."""
    res = split(fixture_path("coral_stream.html").read_bytes(), model=model)
    assert rows(res["comments"]) == [
        ("c1", None, 0, "nightshift_nurse", "May 9, 2025", "2025-05-09T19:02:11.000Z", 21,
         BUS[0]),
        ("c2", "c1", 1, "TaxpayerTom", "May 9, 2025", "2025-05-09T19:30:45.000Z", 3, BUS[1]),
        ("c3", "c2", 2, "nightshift_nurse", "May 9, 2025", "2025-05-09T20:01:00.000Z", 14,
         BUS[2]),
        ("c4", None, 0, "Deb Okafor", "May 10, 2025", "2025-05-10T07:15:00.000Z", 0, BUS[3]),
    ]


@pytest.mark.parametrize("model", models())
def test_coral_copy_paste_dump(fixture_path, model):
    """The action line is dropped (its count is the likes), "In reply to X" names the
    parent, and the site footer after the last record is not comment text."""
    res = split(fixture_path("coral_copy_dump.txt").read_text(encoding="utf-8"), TEXT,
                model=model)
    assert rows(res["comments"]) == [
        ("c1", None, 0, "nightshift_nurse", "May 9, 2025", None, 21, BUS[0]),
        ("c2", "c1", 1, "TaxpayerTom", "May 9, 2025", None, 3, BUS[1]),
        ("c3", "c2", 2, "nightshift_nurse", "May 9, 2025", None, 14, BUS[2]),
        ("c4", None, 0, "Deb Okafor", "May 10, 2025", None, 0, BUS[3]),
    ]
    assert res["title"] == "Council approves night bus trial"
    assert res["article"].endswith("when ridership figures are due.")


@pytest.mark.parametrize("model", models())
def test_dump_with_action_words_in_another_language(fixture_path, model):
    res = split(fixture_path("action_words_dump.txt").read_text(encoding="utf-8"), TEXT,
                model=model)
    assert rows(res["comments"]) == [
        ("c1", None, 0, "jan.dvorak", "03.02.2025 08:12", None, None, TRAM[0]),
        ("c2", None, 0, "Petra K.", "03.02.2025 08:40", None, None, TRAM[1]),
        ("c3", None, 0, "mostar_77", "03.02.2025 09:05", None, None, TRAM[2]),
    ]


@pytest.mark.parametrize("model", models())
def test_viafoura_like_header_without_author_markup(fixture_path, model):
    """The name is the span beside the <time> in the header (no "author" class); like
    counts sit in buttons, the dislike count is not likes; "Apr 15" is a time because the
    <time> element says so."""
    res = split(fixture_path("viafoura_like.html").read_bytes(), model=model)
    assert rows(res["comments"]) == [
        ("c1", None, 0, "reading_mum", "4:20 PM", "2025-04-14T16:20:00-04:00", 12,
         "Wonderful news, Saturday mornings are always packed with kids."),
        ("c2", "c1", 1, "G. Marsh", "5:05 PM", "2025-04-14T17:05:00-04:00", 4,
         "Shame it comes out of the mobile library though. My mother relies on it."),
        ("c3", None, 0, "Oskar_B", "Apr 15", "2025-04-15T09:41:00-04:00", 0,
         "Any chance the study rooms will be bookable on Sundays as well?"),
    ]


@pytest.mark.parametrize("model", models())
def test_disqus_embed_bullets_and_title_timestamps(fixture_path, model):
    """The footer's bullet items are not text; datetime is the time link's title."""
    res = split(fixture_path("disqus_bullets.html").read_bytes(), model=model)
    assert rows(res["comments"]) == [
        ("c1", None, 0, "islander_dave", "2 days ago", "Tuesday, July 8, 2025 9:12 AM", 7,
         "Ten percent again, and the timetable got worse last winter."),
        ("c2", "c1", 1, "M. Kowalczyk", "2 days ago", "Tuesday, July 8, 2025 10:40 AM", 2,
         "Fuel really did go up though. The discount for residents matters more to me."),
        ("c3", None, 0, "Ruth A.", "a day ago", "Wednesday, July 9, 2025 6:55 PM", 0,
         "Will the foot passenger fare rise as well or only the car deck?"),
    ]


@pytest.mark.parametrize("model", models())
def test_bem_like_buttons(fixture_path, model):
    """"Like <span>8</span>" in a button is the likes; no machine time in the markup."""
    res = split(fixture_path("bem_like_buttons.html").read_bytes(), model=model)
    assert rows(res["comments"]) == [
        ("c1", None, 0, "Ewa Lindgren", "12.08.2025, 14:03", None, 8,
         "The pilot at our school was a success, the children liked the lentil curry most."),
        ("c2", "c1", 1, "frank_p", "12.08.2025, 15:20", None, 2,
         "Mine refused everything green for a month, but he came round in the end."),
        ("c3", None, 0, "Amira S.", "13.08.2025, 09:47", None, 5,
         "Will the app finally show the allergens for each dish this time?"),
    ]


def test_machine_time_attributes():
    from stance.splitter.blocks import machine_time

    assert machine_time({"datetime": " 2025-01-02T03:04:05Z "}) == "2025-01-02T03:04:05Z"
    assert machine_time({"title": "2025-01-02 03:04"}) == "2025-01-02 03:04"
    assert machine_time({"title": "Thursday, January 2, 2025 3:04 AM"}) == (
        "Thursday, January 2, 2025 3:04 AM"
    )
    assert machine_time({"data-ts": "1735787045"}) == "1735787045"
    assert machine_time({"data-comment-timestamp": "2025-01-02T03:04:05+01:00"}) == (
        "2025-01-02T03:04:05+01:00"
    )
    # a title that is no date, a data-* attribute that is no timestamp
    assert machine_time({"title": "Permalink to this comment"}) is None
    assert machine_time({"data-id": "1735787045", "data-time": "soon"}) is None


def test_in_reply_to_lines():
    from stance.splitter.patterns import reply_to

    assert reply_to("In reply to G. Marsh") == "G. Marsh"
    assert reply_to("Antwort an @anna_v") == "anna_v"
    assert reply_to("В ответ на Ivan_Petrov") == "Ivan_Petrov"
    # sentences that start alike are comment text
    assert reply_to("In response to Mark: you are wrong about the fares.") is None
    assert reply_to("In reply to the council, which said nothing.") is None
    assert reply_to("Reply to this") is None


def test_action_lines_are_a_class_not_a_word_list():
    from stance.splitter.thread import action_lines

    recs = [
        [(1, "Ann"), (2, "I think the fares are fine."), (3, "12 Antworten Melden")],
        [(4, "Bob"), (5, "They are not, look at the winter timetable."), (6, "3 Antworten Melden")],
        [(7, "Ann"), (8, "Fair point about the winter."), (9, "0 Antworten Melden")],
    ]
    assert action_lines(recs) == {3, 6, 9}
    # a name that recurs in some records, or a short comment repeated twice, is not one
    recs[2][2] = (9, "Thanks for the link")
    assert action_lines(recs) == set()


def test_in_reply_to_names_a_parent_that_is_not_the_previous_record():
    from stance.splitter.text import parse_thread

    dump = (
        "Ann\nMay 1, 2025\nFirst comment about the ferry fares and the timetable.\n"
        "Like 3  Reply\n\n"
        "Bob\nMay 1, 2025\nSecond, unrelated comment about the harbour works.\nLike 1  Reply\n\n"
        "Cid\nMay 2, 2025\nIn reply to Ann\nReplying to the first one later in a flat dump.\n"
        "Like 0  Reply\n"
    )
    lines = dump.splitlines()
    cs = parse_thread(lines)
    assert_valid_thread(cs)
    assert [(c["author"], c["parent_id"], c["depth"], c["likes"]) for c in cs] == [
        ("Ann", None, 0, 3),
        ("Bob", None, 0, 1),
        ("Cid", "c1", 1, 0),
    ]
    assert cs[2]["text"] == "Replying to the first one later in a flat dump."
