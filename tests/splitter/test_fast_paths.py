"""The splitter's fast paths give the answers of the plain code they replace."""

from __future__ import annotations

import pytest

from stance.errors import InputError
from stance.splitter.blocks import parse
from stance.splitter.decode import _CTRL, check_text
from stance.splitter.thread import _sig

BAD = ["\x00", "\x01", "\x08", "\x0b", "\x0e", "\x1f", "\x7f", "\ufffd"]
HARMLESS = ["\t", "\n", "\r", "\x0c", "é", "中", "😀", "\x80", "\x9f", " "]


@pytest.mark.parametrize("filler", ["a", "é", "中", "😀", "\x0c"])
def test_check_text_counts_what_the_regex_counts(filler):
    size = 1000
    limit = int(0.05 * size + 8)  # more bad characters than 0.05 * len + 8 is binary
    for bad in (limit, limit + 1):
        chars = [BAD[i % len(BAD)] for i in range(bad)]
        chars += [HARMLESS[i % len(HARMLESS)] for i in range(50)]
        text = "".join(chars) + filler * (size - len(chars))
        assert len(_CTRL.findall(text)) == bad
        if bad > 0.05 * len(text) + 8:
            with pytest.raises(InputError):
                check_text(text, "x")
        else:
            check_text(text, "x")


def test_check_text_reads_the_first_64k_characters_only():
    check_text("a" * 65536 + "\x00" * 10000, "x")
    with pytest.raises(InputError):
        check_text("\ud800" + "\x00" * 5000 + "a" * 65536, "x")


def test_sig_memo_answers_per_tag_and_tokens():
    page = parse(
        "<html><body><div class='odd comment Reply'>a</div><div class='comment reply odd'>b"
        "</div><div class='Comment reply even x1 zed'>c</div><p class='comment reply odd'>d</p>"
        "</body></html>"
    )
    want = ["div.comment", "div.comment", "div.comment.zed", "p.comment"]
    for _ in range(2):  # computed, then remembered
        got = [_sig(page, i) for i, e in enumerate(page.elements) if e.tokens]
        assert got == want


def test_ones_times_is_the_csr_product():
    import numpy as np
    from scipy.sparse import csr_matrix

    from stance.splitter.learn import _ones_times

    rng = np.random.default_rng(0)
    w = rng.normal(size=(5000, 3)) * 10.0 ** rng.integers(-8, 8, size=(5000, 1))
    flat: list[int] = []
    indptr = [0]
    for i in range(300):
        k = 0 if i % 17 == 0 else int(rng.integers(1, 60))  # some empty rows
        cols = rng.integers(0, 5000, size=k).tolist()
        flat += cols + cols[:2]  # repeated columns, as hashed names can collide
        indptr.append(len(flat))
    x = csr_matrix(
        (np.ones(len(flat)), np.asarray(flat, dtype=np.int32), np.asarray(indptr)),
        shape=(300, 5000),
    )
    assert np.array_equal(_ones_times(flat, indptr, w), x @ w)
