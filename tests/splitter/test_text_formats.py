"""Plain-text dumps: chrome removal and thread structure for each comment style."""

from __future__ import annotations

import pytest

from stance.options import SplitOptions
from stance.splitter import split, split_file

from .conftest import all_text, assert_no_boilerplate, assert_valid_thread

WORDPRESS_BOILERPLATE = [
    "icon bookmark",
    "Home News",
    "Daily Frontier - news",
    "by Anna Lindqvist",
    "8 Dec, 2021",
    "Wednesday, Dec 08",
    "© AFP",
    "Getty Images",
    "(c) Daily Frontier",
    "Podcasts",
    "0:00",
    "To participate in the discussion",
    "Подпишитесь",
    "Leave a Reply",
    "Fill in your details",
    "Akismet",
    "Avatar",
    "Liked by",
    "Reply",
    "Email (required)",
    "Notify me",
    "thoughts on",
]


def by_author(comments, name):
    return [c for c in comments if c["author"] == name]


def test_wordpress_dump_article(fixture_path):
    res = split_file(fixture_path("nato_baltic_wordpress.txt"))
    assert res["title"] == "NATO to expand battlegroups on eastern flank as Ukraine talks stall"
    art = res["article"]
    assert art.startswith("Moscow calls the deployment") or art.startswith("NATO defence ministers")
    # sub-headings stay, the title is not repeated
    assert "Kremlin response" in art and "What comes next" in art
    assert "Ukraine talks stall" not in art
    assert art.rstrip().endswith("expected to come up again.")
    assert_no_boilerplate(res, WORDPRESS_BOILERPLATE)


def test_wordpress_dump_thread(fixture_path):
    res = split_file(fixture_path("nato_baltic_wordpress.txt"))
    cs = res["comments"]
    assert_valid_thread(cs)
    assert len(cs) == 5
    assert [c["depth"] for c in cs] == [0, 1, 2, 0, 0]
    first, reply, reply2 = cs[0], cs[1], cs[2]
    assert first["author"] == "baltic_observer" and first["likes"] == 3
    assert "3:12 pm" in first["time"]
    # the commenter quoted the article, then answered it
    assert first["quote"].startswith("Moscow calls the deployment a direct threat")
    assert first["text"].startswith("Of course it does.")
    assert reply["author"] == "Sergei K." and reply["parent_id"] == first["id"]
    assert reply["likes"] == 1
    assert reply2["parent_id"] == reply["id"] and reply2["author"] == "baltic_observer"
    assert by_author(cs, "Margaret Doyle")[0]["likes"] == 2
    assert by_author(cs, "Tomasz W.")[0]["likes"] is None
    # the comment form after the thread is not the last comment's text
    assert cs[-1]["text"].endswith("many nations are on it.")


def test_disqus_dump(fixture_path):
    res = split_file(fixture_path("disqus_dump.txt"))
    assert res["title"] == "NATO summit: allies split over Ukraine membership timeline"
    cs = res["comments"]
    assert_valid_thread(cs)
    assert [c["author"] for c in cs] == ["Mark Delaney", "Olena_K", "Mark Delaney", "Greg Thompson"]
    assert [c["depth"] for c in cs] == [0, 1, 2, 0]
    assert [c["likes"] for c in cs] == [41, 17, 3, 9]
    assert cs[0]["time"] == "3 hours ago"
    assert_no_boilerplate(
        res,
        [
            "Share ›",
            "△",
            "Sort by Best",
            "Join the discussion",
            "Powered by Disqus",
            "Load more",
            "Privacy",
            "Photo: Reuters",
            "By Mark Jensen",
            "Facebook Twitter",
            "World | Europe",
            "37 comments",
        ],
    )


def test_says_blog_dump(fixture_path):
    res = split_file(fixture_path("says_blog.txt"))
    assert res["title"] == "Stoltenberg: no compromise on the open door policy"
    assert "Grushko" in res["article"]
    cs = res["comments"]
    assert_valid_thread(cs)
    assert [c["author"] for c in cs] == ["Peter Hall", "Marta Z.", "Ivan"]
    assert all(c["depth"] == 0 for c in cs)
    marta = cs[1]
    assert marta["quote"] == "NATO will not compromise on its open door policy"
    assert marta["text"].startswith("Then there will be no deal")
    assert cs[2]["time"] == "January 13, 2022 at 7:02 am"
    assert_no_boilerplate(
        res,
        [
            "says:",
            "Leave a Reply",
            "Your email address",
            "Post Comment",
            "Save my name",
            "Like Loading",
            "Share this",
            "Posted on",
            "Skip to content",
            "Responses to",
        ],
    )


def test_forum_dump(fixture_path):
    res = split_file(fixture_path("forum_dump.txt"))
    assert res["title"] == "Russia-NATO talks in Geneva: anything achieved?"
    cs = res["comments"]
    assert_valid_thread(cs)
    assert [c["author"] for c in cs] == ["DmitryV", "kevin_b", "Lena.Riga"]
    assert [c["likes"] for c in cs] == [None, 4, 11]
    assert cs[1]["quote"].startswith("Does anyone here think")
    assert cs[1]["text"].startswith("No. No US administration")
    assert_no_boilerplate(
        res,
        ["wrote:", "Reply Quote Report", "You must be logged in", "Geopolitics Forum ›", "Likes:"],
    )


def test_text_without_comments_has_none():
    dump = (
        "Home World Europe\n"
        "Finland formally joins NATO, doubling alliance border with Russia\n"
        "By Helena Virtanen\n"
        "April 4, 2023\n"
        "Finland became the 31st member of NATO on Tuesday, ending decades of military "
        "non-alignment after Russia's full-scale invasion of Ukraine changed public opinion.\n"
        "The accession doubles the length of the alliance's land border with Russia. Moscow "
        "said it would strengthen its forces in the west and north-west in response.\n"
        "Share this article\n"
        "(c) Nordic Wire 2023\n"
    )
    res = split(dump, SplitOptions(mode="text"))
    assert res["comments"] == []
    assert res["title"].startswith("Finland formally joins NATO")
    assert "31st member" in res["article"] and "strengthen its forces" in res["article"]
    assert_no_boilerplate(
        res, ["Home World", "Helena Virtanen", "April 4, 2023", "Share this", "(c) Nordic Wire"]
    )


def test_flat_name_and_date_lines_after_reported_speech(fixture_path):
    """Comments opened by a "name  date" line, footers "Reply  Like N" closing each; the
    article's last sentence ("Industry groups said ...") is reported speech, not a
    "Name says:" header, so it stays in the article."""
    res = split(fixture_path("flat_dump.txt").read_bytes(), SplitOptions(mode="text"))
    assert res["title"] == "Baltic ports brace for stricter sanctions checks"
    assert res["article"].endswith("push some cargo to Finnish ports instead.")
    cs = res["comments"]
    assert [c["author"] for c in cs] == ["dockworker_lv", "ausma.b", "tallinn_trader"]
    assert [c["time"][-5:] for c in cs] == ["09:12", "09:47", "10:30"]
    assert cs[0]["time"] == "Oct 2, 2023 09:12"
    assert [c["likes"] for c in cs] == [9, 4, 17]
    assert cs[1]["text"] == "@dockworker_lv until the cargo moves to Kotka and nobody needs them."
    assert_no_boilerplate(res, ["Reply", "Like 9", "Comments (3)"])


def test_a_paragraph_is_never_the_title():
    dump = ("The talks went on for hours without any result, delegates said. " * 40).strip()
    res = split(dump, SplitOptions(mode="text"))
    assert res["title"] == "" and res["article"].startswith("The talks went on")


# ------------------------------------------------- bylines without a date line (issue #3)

RULES_AND_MODEL = [SplitOptions(mode="text"), SplitOptions(mode="text", learned=False)]


def _flat(cs):
    return [(c["author"], c["parent_id"], c["depth"], c["quote"], c["text"]) for c in cs]


def assert_nothing_lost(res: dict, dump: str, chrome: tuple[str, ...] = ()) -> None:
    """Every non-blank line of the dump is in the title, the article or a comment field,
    except the chrome lines named."""
    fields = [res["title"], *all_text(res)]
    for line in dump.splitlines():
        s = line.strip()
        if s and s not in chrome:
            assert any(s in f for f in fields), f"line lost: {s!r}"


@pytest.mark.parametrize("opts", RULES_AND_MODEL)
def test_forum_posts_without_dates(fixture_path, opts):
    dump = fixture_path("forum_nodates.txt").read_text(encoding="utf-8")
    res = split(dump, opts)
    assert res["title"] == "Ferry timetable cut to four sailings a day"
    assert res["article"] == (
        "The island ferry will run four times a day instead of seven from the first of May, "
        "the operator announced, blaming the cost of fuel and a shortage of deck crew.\n\n"
        "Residents who commute to the mainland say the last boat back, now leaving at half "
        "past five, makes a normal working day impossible."
    )
    cs = res["comments"]
    assert_valid_thread(cs)
    assert [c["id"] for c in cs] == ["c1", "c2", "c3", "c4"]
    assert all(c["time"] is None and c["likes"] is None for c in cs)
    assert _flat(cs) == [
        (
            "marina_k",
            None,
            0,
            None,
            "Four sailings. Four. How is anyone supposed to get to the "
            "hospital appointments on the mainland?",
        ),
        (
            "Old Tom",
            None,
            0,
            None,
            "They did the same thing in 2009 and reversed it after one "
            "summer. Write to the council, it works.",
        ),
        (
            "marina_k",
            None,
            0,
            "Quote from Old Tom: Write to the council, it works",
            "Already did. The reply was a leaflet about car sharing.",
        ),
        (
            "DeckhandDave",
            None,
            0,
            None,
            "Nobody mentions that the crew have not had a pay rise "
            "in six years. That is the real shortage.",
        ),
    ]
    assert_no_boilerplate(res, ["wrote", "Reply to thread", "Powered by", "#17"])
    chrome = ("Reply to thread", "Powered by XenForo")
    bylines = tuple(ln for ln in dump.splitlines() if ln.startswith("#"))
    assert_nothing_lost(res, dump, chrome + bylines)


@pytest.mark.parametrize("opts", RULES_AND_MODEL)
def test_says_comments_without_dates(fixture_path, opts):
    dump = fixture_path("says_nodates.txt").read_text(encoding="utf-8")
    res = split(dump, opts)
    assert res["title"] == "Library to open on Sundays from June"
    assert res["article"].startswith("The central library will open from 11 to 4 on Sundays")
    assert res["article"].endswith("the culture department said.")
    assert res["article"].count("\n\n") == 1
    cs = res["comments"]
    assert_valid_thread(cs)
    assert all(c["time"] is None and c["likes"] is None for c in cs)
    assert _flat(cs) == [
        (
            "Priya Natarajan",
            None,
            0,
            None,
            "Finally. Sunday is the only day I can take the "
            "kids, and the reading room is always full on Saturdays.",
        ),
        (
            "book_worm_77",
            None,
            0,
            None,
            "Volunteers running a public library is not a plan, it is a cut with a nicer name.",
        ),
        (
            "Leo",
            None,
            0,
            None,
            "Northgate on a Sunday was lovely. Quiet, warm, and the staff knew everyone.",
        ),
    ]
    assert_no_boilerplate(res, ["says:", "Reply"])
    bylines = tuple(ln for ln in dump.splitlines() if ln.endswith(" says:"))
    assert_nothing_lost(res, dump, ("Reply", *bylines))


@pytest.mark.parametrize("opts", RULES_AND_MODEL)
def test_headline_above_paragraphs_without_byline(fixture_path, opts):
    dump = fixture_path("article_nobyline.txt").read_text(encoding="utf-8")
    res = split(dump, opts)
    assert res["title"] == "Heat pumps overtake boilers"
    paras = [ln for ln in dump.splitlines()[1:] if ln.strip()]
    assert len(paras) == 3
    assert res["article"] == "\n\n".join(paras)
    assert res["comments"] == []
    assert_nothing_lost(res, dump)


def test_reported_speech_opener_is_not_a_comment():
    """A "The mayor says:" line in an article opens no comment; its lines stay in the article."""
    dump = (
        "Tram line extension approved\n\n"
        "The regional council approved the four-kilometre tram extension to the airport on "
        "Thursday after a debate that lasted most of the afternoon.\n\n"
        "The mayor says:\n"
        "This line will take ten thousand cars off the ring road every working day.\n\n"
        "Construction is due to start next spring and last about three years.\n"
    )
    for opts in RULES_AND_MODEL:
        res = split(dump, opts)
        assert res["title"] == "Tram line extension approved"
        assert res["comments"] == []
        assert_nothing_lost(res, dump)


def test_paragraph_above_the_title_is_kept():
    """A lede printed above its headline and byline is article text, not outlet chrome."""
    dump = (
        "Menu\n"
        "Search\n"
        "Water bills will rise by an average of nine percent from April, the regulator said, "
        "the largest increase in more than a decade.\n"
        "Water bills to rise nine percent in April\n"
        "By Tomas Lind\n"
        "February 2, 2025\n"
        "Companies had asked for more than twice as much to pay for new sewage works and "
        "leak repairs, and two of them said they would appeal.\n"
    )
    res = split(dump, SplitOptions(mode="text", learned=False))
    assert res["title"] == "Water bills to rise nine percent in April"
    assert res["article"].startswith("Water bills will rise by an average of nine percent")
    assert res["article"].endswith("two of them said they would appeal.")
    assert_no_boilerplate(res, ["Menu", "Search", "Tomas Lind", "February 2, 2025"])
