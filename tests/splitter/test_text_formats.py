"""Plain-text dumps: chrome removal and thread structure for each comment style."""

from __future__ import annotations

from stance.options import SplitOptions
from stance.splitter import split, split_file

from .conftest import assert_no_boilerplate, assert_valid_thread

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
