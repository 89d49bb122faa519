"""Comment exports of comment platforms, read as comment records (and as pages).

Disqus XML export (what a site's admin downloads from Disqus: ``<disqus>`` with ``<category>``,
``<thread>`` and ``<post>`` elements, posts pointing to their thread and parent by ``dsq:id``).
Each ``<post>`` becomes one record, in file order::

    {"id", "parent_id", "thread", "url", "title", "author", "time", "text", "quote"?,
     "deleted"?, "spam"?}

``title`` is the thread's title (the article's headline: the default stance target), ``text``
the message as plain text (paragraphs and line breaks kept as newlines) without the passages it
quotes in ``<blockquote>``, which go to ``quote``; ``deleted`` / ``spam`` appear only when Disqus
flags the post. The file is parsed incrementally (lxml ``iterparse``, no entities, no network),
so an export of millions of posts is read in bounded memory; a malformed file yields the posts
before the fault, then one error record naming the line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from stance.io import Record, error_record

_NS = "{http://disqus.com}"
_DSQ_ID = "{http://disqus.com/disqus-internals}id"
_BLOCKS = ("p", "div", "li", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6")


def is_disqus_export(path: str | Path) -> bool:
    """Whether ``path`` (plain or ``.gz``) starts like a Disqus XML export (only a regular
    file is sniffed: reading the head of a pipe would consume it)."""
    if not Path(path).is_file():
        return False
    try:
        with _open(path) as fh:
            head = fh.read(4096)
    except OSError:
        return False
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"<?xml"):  # the declaration, then the root element
        head = head[head.find(b"?>") + 2:].lstrip() if b"?>" in head else b""
    return head.startswith(b"<disqus") and b"disqus.com" in head


def _open(path: str | Path):
    if str(path).lower().endswith(".gz"):
        import gzip

        return gzip.open(path, "rb")
    return open(path, "rb")


def html_text(html: str) -> tuple[str, str]:
    """(text, quoted text) of a comment's HTML message: block elements and ``<br>`` become
    line breaks, ``<blockquote>`` passages are taken out of the text into the quote."""
    if "<" not in html:
        from html import unescape

        return _lines(unescape(html)), ""
    from lxml import etree
    from lxml import html as lhtml

    try:
        root = lhtml.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return _lines(html), ""
    for junk in list(root.iter("script", "style", "noscript", "template")):
        junk.drop_tree()  # code, not words of the comment
    quotes = []
    for bq in list(root.iter("blockquote")):
        if any(a.tag == "blockquote" for a in bq.iterancestors()):
            continue  # nested quotes belong to the outer one
        quotes.append(_block_text(bq))
        bq.drop_tree()
    return _block_text(root), "\n".join(q for q in quotes if q)


def _block_text(elem) -> str:
    for br in elem.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for blk in elem.iter(*_BLOCKS):
        blk.tail = "\n" + (blk.tail or "")
        blk.text = "\n" + (blk.text or "")
    return _lines(elem.text_content())


def _lines(text: str) -> str:
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def _child_text(elem, name: str) -> str | None:
    """The text of ``elem``'s child ``name``; an entity reference of a DTD (never expanded)
    stays as written (``&x;``) instead of cutting the text there."""
    child = elem.find(_NS + name)
    text = "".join(child.itertext()).strip() if child is not None else ""
    return text or None


def _ref(elem, name: str) -> str | None:
    child = elem.find(_NS + name)
    return child.get(_DSQ_ID) if child is not None else None


def read_disqus(path: str | Path, source: str | None = None,
                threads: dict[str, tuple[str | None, str | None]] | None = None
                ) -> Iterator[Record]:
    """One record per ``<post>`` of a Disqus XML export, in file order (see the module doc);
    a malformed file ends with one error record naming its line. ``threads`` (optional)
    receives every thread's (title, link) by ``dsq:id``; a post listed before its thread
    (exports list threads first) has no ``title`` / ``url``."""
    from lxml import etree

    source = source or str(path)
    threads = {} if threads is None else threads
    with _open(path) as fh:
        events = etree.iterparse(fh, events=("end",), tag=(_NS + "thread", _NS + "post"),
                                 resolve_entities=False, no_network=True, remove_comments=True,
                                 recover=False)
        try:
            for _, elem in events:
                parent = elem.getparent()
                if parent is None or parent.tag != _NS + "disqus":
                    continue  # a post's <thread dsq:id=".."/> reference
                if elem.tag == _NS + "thread":
                    threads[elem.get(_DSQ_ID) or ""] = (_child_text(elem, "title"),
                                                        _child_text(elem, "link"))
                else:
                    yield _post(elem, threads)
                elem.clear()
                while elem.getprevious() is not None:  # keep memory bounded
                    del parent[0]
        except etree.XMLSyntaxError as exc:
            yield error_record(f"not a well-formed Disqus export ({exc.msg})",
                               exc.lineno or 0, source)


def _post(elem, threads: dict) -> Record:
    thread = _ref(elem, "thread")
    title, link = threads.get(thread or "", (None, None))
    text, quote = html_text(_child_text(elem, "message") or "")
    author = elem.find(_NS + "author")
    rec: Record = {"id": elem.get(_DSQ_ID), "parent_id": _ref(elem, "parent"),
                   "thread": thread, "url": link, "title": title,
                   "author": _child_text(author, "name") if author is not None else None,
                   "time": _child_text(elem, "createdAt"), "text": text}
    if quote:
        rec["quote"] = quote
    for flag, key in (("isDeleted", "deleted"), ("isSpam", "spam")):
        if (_child_text(elem, flag) or "").lower() == "true":
            rec[key] = True
    return {k: v for k, v in rec.items() if v is not None or k == "text"}


def disqus_pages(path: str | Path) -> Iterator[Record]:
    """A Disqus export as pages of the ``split`` contract, one per thread (in order of each
    thread's first post): title, url, no article, and its comments with depth."""
    pages: dict[str, Record] = {}
    depth: dict[str, int] = {}
    threads: dict[str, tuple[str | None, str | None]] = {}
    for rec in read_disqus(path, threads=threads):
        if "error" in rec:
            yield {"source": str(path), "error": rec["error"]}
            continue
        key = rec.get("thread") or ""
        page = pages.setdefault(key, {
            "source": f"{path}#thread-{key}", "title": rec.get("title") or "",
            "url": rec.get("url"), "article": "", "comments": []})
        parent, cid = rec.get("parent_id"), rec.get("id")
        level = depth[parent] + 1 if parent in depth else 0
        depth[cid] = level
        page["comments"].append({
            "id": cid, "parent_id": parent, "depth": level,
            "author": rec.get("author"), "time": rec.get("time"),
            "datetime": rec.get("time"), "likes": None,  # createdAt is ISO 8601 already
            "quote": rec.get("quote"), "text": rec["text"]})
    for key, page in pages.items():  # threads listed after their first post
        title, link = threads.get(key, (None, None))
        page["title"] = page["title"] or title or ""
        page["url"] = page["url"] or link
    yield from pages.values()
