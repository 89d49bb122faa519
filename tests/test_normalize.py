import pickle
import random

import pandas as pd
import pytest

from stance.normalize import OBFUSCATIONS, TextNormalizer, normalize, obfuscate, obfuscate_word


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("You are an i d i o t", "you are an idiot"),
        ("what a 1d10t", "what a idiot"),
        ("f*ck off", "fuck off"),
        ("that is sh!t!", "that is shit!"),
        ("you @$$hole", "you asshole"),
        ("b***h please", "bitch please"),
        ("f.u.c.k this", "fuck this"),
        ("id\u200biot", "idiot"),
        ("\u0456d\u0456\u043et", "idiot"),  # Cyrillic i, i, o
        ("\uff29\uff24\uff29\uff2f\uff34", "idiot"),  # fullwidth
        ("\u00eed\u00ef\u00f6t", "idiot"),  # accents
        ("Don't be a m0r0n.", "don't be a moron."),
    ],
)
def test_obfuscations_are_undone(raw, expected):
    assert normalize(raw) == expected


def test_repeated_letters_are_cut_to_two():
    assert normalize("stuuuuupid") == "stuupid"
    assert normalize("sooooo good") == "soo good"


@pytest.mark.parametrize(
    "text",
    [
        "The council met in 2019 and approved $5 million for 1000 new homes.",
        "Путин сказал, что переговоры продолжатся.",
        "Email the editor at letters@example.com or see www.example.com/opinion",
        "I, a reader since 1998, disagree.",
    ],
)
def test_ordinary_text_only_lowercased(text):
    out = normalize(text)
    # numbers, money, addresses and real Cyrillic words survive
    assert out.replace("ww.", "www.") == text.lower()


def test_ambiguous_mask_is_left_alone():
    # "s**t" fits shit, slut, ... : not guessed
    assert normalize("s**t") == "s**t"


def test_obfuscate_is_seeded_and_changes_text():
    text = "you are a stupid idiot and a disgusting moron"
    a = obfuscate(text, random.Random(7), rate=0.8)
    b = obfuscate(text, random.Random(7), rate=0.8)
    assert a == b
    assert a != text
    assert obfuscate(text, random.Random(7), rate=0.0) == text


CORPUS = [
    "What a pathetic and disgusting display from the council, again.",
    "The minister is a traitor to every voter who trusted him, a pathetic clown.",
    "Only a stupid loser would defend this disgusting deal.",
    "Calling people an idiot or a moron is not an argument.",
] * 5
WORDS = ["idiot", "stupid", "moron", "disgusting", "pathetic", "loser", "clown", "traitor"]


@pytest.mark.parametrize("how", OBFUSCATIONS)
def test_normalize_inverts_most_obfuscations(how):
    tn = TextNormalizer().fit(CORPUS)  # learns the words masked tokens may stand for
    rng = random.Random(3)
    recovered = 0
    trials = 0
    for _ in range(10):
        for w in WORDS:
            trials += 1
            back = tn.transform([obfuscate_word(w, how, rng)])[0]
            if how == "repeat":
                recovered += back.replace(w, "") == "" or len(back) <= len(w) + 1
            else:
                recovered += back == w
    # leetspeak is lossy (1 = i or l); the rest must round-trip
    floor = 0.6 if how == "leet" else 0.95
    assert recovered / trials >= floor


def test_learned_lexicon_needs_a_clear_winner():
    tn = TextNormalizer(min_count=1).fit(["lager lager lager", "laser"])
    assert tn.transform(["l*ger"]) == ["lager"]
    tn = TextNormalizer(min_count=1).fit(["lager lager", "laser laser"])
    assert tn.transform(["la*er"]) == ["la*er"]  # two equally likely words: left masked


def test_unknown_obfuscation_rejected():
    with pytest.raises(ValueError):
        obfuscate_word("idiot", "rot13", random.Random(0))


def test_transformer_accepts_frames_series_and_lists_and_pickles():
    tn = TextNormalizer(lexicon=("nitwit",)).fit(None)
    df = pd.DataFrame({"text": ["N*twit!", None, "ok"], "other": [1, 2, 3]})
    assert tn.transform(df) == ["nitwit!", "", "ok"]
    assert tn.transform(df["text"]) == ["nitwit!", "", "ok"]
    assert tn.transform(["1d10t"]) == ["idiot"]
    clone = pickle.loads(pickle.dumps(tn))
    assert clone.transform(["n*twit"]) == ["nitwit"]
    with pytest.raises(TypeError):
        tn.transform("a single string")


def test_disabled_transformer_only_lowercases():
    assert TextNormalizer(enabled=False).fit(None).transform(["F*CK"]) == ["f*ck"]


def test_transformer_tokens_equal_normalize_tokens():
    rng = random.Random(3)
    base = [
        "You are an IDIOT!!! and a m*r*n... (sh1t) [b***h] a**hole's",
        "i d i o t, f.u.c.k   s-t-u-p-i-d\n\nnew line",
        "Caf\u00e9 \u00bd \u2153 \uff49\uff44\uff49\uff4f\uff54 \u0456d\u0456\u043et st\u200bupid",
        "U.S.A is 3rd at 10am; x@y.com \u2014 fine",
        "",
    ]
    texts = base + [obfuscate(t, rng, rate=0.6) for t in base * 4]
    tn = TextNormalizer(lexicon=("nitwit",)).fit(texts)
    first = tn.transform(texts)
    again = tn.transform(texts)  # from the token memo
    for t, a, b in zip(texts, first, again):
        expected = normalize(t, unmasker=tn.unmasker_).split()
        assert a.split() == expected and b.split() == expected
    assert "_memo" in tn.__dict__
    assert "_memo" not in pickle.loads(pickle.dumps(tn)).__dict__
