"""Reading the Dragnet splitter corpus (HTML pages + gold text with a comments marker).

Nothing here is shipped data: pages are read from ``data_dir`` at run time. The dev split is
carved from the Dragnet *training* pages by a stable hash of the page id.
"""

from __future__ import annotations

import hashlib
import os
import re
import tarfile
from collections.abc import Iterator
from pathlib import Path

from stance.errors import DataError

MARKER = re.compile(r"^[ \t]*[!@#$%^&*() \t]{6,}COMMENTS[ \t]*$", re.M)


def dragnet_dir(data_dir: str | os.PathLike[str] | None) -> Path:
    """Find the ``dragnet`` folder under ``data_dir`` (or ``data_dir`` itself)."""
    if data_dir is None:
        data_dir = os.environ.get("STANCE_DATA_DIR")
    if not data_dir:
        raise DataError("no data directory: pass --data-dir or set STANCE_DATA_DIR")
    base = Path(data_dir).expanduser()
    for cand in (base, base / "dragnet", base / "splitter" / "dragnet"):
        if (cand / "corrected").is_dir() and (cand / "training_ids.txt").exists():
            return cand
    raise DataError(f"{base}: no Dragnet corpus (expected splitter/dragnet/corrected/)")


def decode_gold(raw: bytes) -> str:
    """Dragnet gold files are UTF-8, cp1252 or UTF-16 with a BOM."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = raw.decode("utf-16")
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_gold(text: str) -> tuple[str, str]:
    m = MARKER.search(text)
    if not m:
        return text, ""
    return text[: m.start()], text[m.end() :]


def is_dev(page_id: str, dev_fraction: float = 0.2) -> bool:
    """Stable dev assignment of a training page (md5 of its id)."""
    h = int(hashlib.md5(page_id.encode()).hexdigest()[:8], 16)
    return h / 0xFFFFFFFF < dev_fraction


def iter_pages(
    data_dir,
    part: str = "train",
    dev_fraction: float = 0.2,
    negatives: bool = True,
    limit: int | None = None,
) -> Iterator[tuple[str, bytes, str, str, bool]]:
    """Yield ``(id, html_bytes, gold_content, gold_comments, has_marker)``.

    ``part`` is "train" (training split minus dev), "dev" or "all" (the whole training split).
    Pages of the original Dragnet test split are never read.
    """
    d = dragnet_dir(data_dir)
    train_ids = set((d / "training_ids.txt").read_text().split())

    def wanted(pid: str) -> bool:
        if pid not in train_ids:
            return False
        if part == "all":
            return True
        return is_dev(pid, dev_fraction) == (part == "dev")

    def gold(pid: str) -> tuple[str, str, bool]:
        path = d / "corrected" / f"{pid}.html.corrected.txt"
        text = decode_gold(path.read_bytes())
        content, comments = split_gold(text)
        return content, comments, MARKER.search(text) is not None

    n = 0
    html_dir = d / "html"
    for path in sorted(html_dir.glob("*.html")):
        pid = path.stem
        if not wanted(pid):
            continue
        content, comments, marker = gold(pid)
        yield pid, path.read_bytes(), content, comments, marker
        n += 1
        if limit and n >= limit:
            return
    if not negatives:
        return
    unpacked = d / "html_no_comment_marker"
    tar_path = d / "html_no_comment_marker.tar.xz"
    if unpacked.is_dir():
        items = ((p.stem, p.read_bytes) for p in sorted(unpacked.rglob("*.html")))
        for pid, read in items:
            if wanted(pid):
                content, comments, marker = gold(pid)
                yield pid, read(), content, comments, marker
        return
    if not tar_path.exists():
        return
    with tarfile.open(tar_path) as tf:
        for m in tf:  # archive order: seeking backwards in xz is slow
            if not m.isfile() or not m.name.endswith(".html"):
                continue
            pid = os.path.basename(m.name)[:-5]
            if not wanted(pid):
                continue
            f = tf.extractfile(m)
            if f is None:
                continue
            content, comments, marker = gold(pid)
            yield pid, f.read(), content, comments, marker
