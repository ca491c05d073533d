"""Names and one-line reasons: normalised before they are stored, compared by skeleton."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.text import normalise_line, skeleton

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202e", "\u3164"]
CONTROLS = ["\x00", "\x07", "\x1b", "\x7f", "\x9b"]
WHITESPACE = [" ", "\t", "\n", "\r", "\u00a0", "\u2028", "\u3000"]
hostile_text = st.text(
    st.one_of(
        st.characters(),
        st.sampled_from(INVISIBLE + CONTROLS + WHITESPACE + ["\u0301", "\u0308", "\ufe0f"]),
    ),
    max_size=40,
)


@pytest.mark.parametrize(
    "text",
    [
        "\u200b\u200c\u200d",  # zero-width space, non-joiner, joiner
        "\ufeff",  # byte-order mark
        "\u0301\u0308\u0327",  # combining marks with no letter under them
        " \u0301 ",
        "\u3164\u2800",  # Hangul filler, braille blank
        "\x1b\x07\n\t",
        "",
    ],
)
def test_it_leaves_nothing_of_an_invisible_name(text):
    assert normalise_line(text) == ""


def test_it_strips_controls_and_collapses_whitespace():
    assert normalise_line("  Fraud\x1b[31m  model\x07\n\nv2\t ") == "Fraud[31m model v2"


def test_it_keeps_letters_with_their_accents_and_other_scripts():
    assert normalise_line("Ü\u0308ber") == "Ü\u0308ber"
    assert normalise_line("Cafe\u0301 Ранжирование") == "Café Ранжирование"
    assert normalise_line("ＦＵＬＬ width") == "FULL width"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Fraud detection", "Fraud\u200b detection"),
        ("Fraud detection", "Fraud  detection"),
        ("Fraud detection", "\ufeffFraud detection "),
        ("Data platform", "D\u0430t\u0430 pl\u0430tform"),  # Cyrillic a (U+0430)
        ("Über", "über"),
        ("Über", "U\u0308BER"),
        ("Score-card", "Score\u2013card"),
        ("Kappa", "\u039a\u0430pp\u0430"),  # Greek K (U+039A), Cyrillic a
    ],
)
def test_it_gives_look_alikes_one_skeleton(one, other):
    assert skeleton(one) == skeleton(other)


@pytest.mark.parametrize(("one", "other"), [("Über", "Uber"), ("Data", "Date"), ("ab", "a b")])
def test_it_keeps_different_names_apart(one, other):
    assert skeleton(one) != skeleton(other)


@given(hostile_text)
def test_it_is_idempotent(text):
    once = normalise_line(text)
    assert normalise_line(once) == once
    assert skeleton(once) == skeleton(text)


@given(hostile_text)
def test_it_never_returns_controls_or_invisible_characters(text):
    result = normalise_line(text)
    assert result == result.strip() and "  " not in result
    for char in result:
        assert unicodedata.category(char) not in {"Cc", "Cf", "Co", "Cs", "Cn"}, repr(char)
        assert char == " " or not char.isspace(), repr(char)
        assert char not in INVISIBLE, repr(char)
    if result:
        assert unicodedata.category(result[0])[0] != "M", "a leading combining mark"


LATIN_TO_LOOK_ALIKE = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441"}


@given(
    name=st.text("abcdeopxyz ", min_size=1, max_size=20).filter(str.strip),
    disguise=st.lists(
        st.sampled_from(["zero-width", "double-space", "cyrillic", "upper", "bom"]), max_size=4
    ),
)
def test_it_sees_through_disguised_names(name, disguise):
    disguised = name
    for trick in disguise:
        if trick == "zero-width":
            disguised = disguised[:1] + "\u200b" + disguised[1:]
        elif trick == "double-space":
            disguised = disguised.replace(" ", "  ")
        elif trick == "cyrillic":
            disguised = "".join(LATIN_TO_LOOK_ALIKE.get(char, char) for char in disguised)
        elif trick == "upper":
            disguised = disguised.upper()
        else:
            disguised = "\ufeff" + disguised
    assert skeleton(disguised) == skeleton(name)
