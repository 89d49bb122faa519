"""Cards that repeat a name and a date (columnist teasers, shop products) are not comments."""

from __future__ import annotations

from stance.splitter import split

ARTICLE = ("<article><h1>Harbour bridge reopens</h1><p>The harbour bridge reopened on Monday "
           "after eight months of repairs to its deck and cables, the city said.</p><p>Traffic "
           "was light in the morning, and the ferry service will keep its summer timetable "
           "until the end of the month.</p></article>")


def _page(cards: str) -> str:
    head = "<html><head><title>Harbour bridge reopens</title></head>"
    return f"{head}<body>{ARTICLE}{cards}</body></html>"


def _cards(box: str, name_class: str, rows, extra: str = "") -> str:
    """Records of a name, a date and a line of text, each in a ``div.<box>``."""
    return "".join(
        f'<div class="{box}"><div class="meta"><span class="{name_class}">{n}</span> '
        f'<span class="date">{d}</span></div><p>{t}</p>{extra}</div>' for n, d, t in rows)


def test_columnist_teasers_are_not_comments():
    cards = _cards("teaser", "author", [
        ("Rosa Tern", "June 3, 2024", "What the bridge repairs teach us about budgets."),
        ("Olaf Brandt", "June 1, 2024", "The ferry deserves more riders than it gets."),
        ("Kemi Adeyemi", "May 30, 2024", "Our waterfront is changing faster than we think.")],
        extra='<a href="/op">Read more</a>')
    page = split(_page(f'<div class="opinion-box"><div class="box-title">Voices</div>{cards}'
                       "</div>"))
    assert page["comments"] == []
    assert "reopened on Monday" in page["article"]


def test_product_cards_are_not_comments():
    cards = _cards("item", "name", [
        ("Deck Lamp", "Added March 3, 2024", "A brass lamp for small harbour flats."),
        ("Rope Basket", "Added March 1, 2024", "Woven from recycled mooring rope."),
        ("Tide Clock", "Added February 27, 2024", "Shows high and low water at a glance.")])
    page = split(_page(f'<section class="shop-products"><h2>You may also like</h2>{cards}'
                       "</section>"))
    assert page["comments"] == []


def test_the_same_records_under_a_comment_heading_are_comments():
    recs = _cards("entry", "user", [
        ("Rosa Tern", "June 3, 2024", "About time, the detour added an hour to my commute."),
        ("Olaf Brandt", "June 1, 2024", "Eight months for a deck is far too long."),
        ("Kemi Adeyemi", "May 30, 2024", "The ferry was a nicer way to cross anyway.")])
    page = split(_page(f"<h3>Comments (3)</h3><div>{recs}</div>"))
    assert [c["author"] for c in page["comments"]] == ["Rosa Tern", "Olaf Brandt", "Kemi Adeyemi"]
