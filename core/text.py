"""Text people type as a name or a one-line reason: cleaned before it is stored, and
compared by what it looks like. Pure Python, no Django.

`normalise_line` is what is stored and shown: Unicode NFKC (full-width letters, ligatures
and compatibility spaces become their plain forms); control characters (ESC, BEL, NUL),
format characters (zero-width space, joiners, word joiner, byte-order mark, soft hyphen,
bidirectional overrides), private-use, surrogate and unassigned code points, and the blank
"letters" that render as nothing (Hangul fillers, the braille blank) are removed; a
combining mark with no letter to sit on is removed; every run of whitespace, newlines and
tabs included, becomes one space; the ends are stripped. An empty result means nothing
visible was typed. Applying it twice changes nothing. (Emoji joined by a zero-width joiner
come apart into their parts: a small price for never storing an invisible character.)

`skeleton` is what is compared when names must be unique, never stored or shown: the
normalised text with the Cyrillic and Greek letters that look like Latin ones replaced by
those Latin letters (and dashes by "-"), then case-folded. So "Über" and "über", and "Data"
written with a Cyrillic "a" (U+0430), have the same skeleton. We chose a skeleton over refusing
names that mix scripts: a name written wholly, or partly, in Cyrillic or Greek is fine;
only a name that looks like another one in the same place is refused.
"""

import unicodedata

__all__ = ["normalise_line", "skeleton"]

# Letters (Lo, So, Mn) that draw nothing, used to make names that look empty.
_BLANKS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")
# Control, format, surrogate, private-use and unassigned code points.
_DROPPED = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})

_LATIN_LOOK_ALIKES = {
    # Cyrillic
    "А": "A", "В": "B", "Е": "E", "Ѕ": "S", "І": "I", "Ј": "J", "К": "K", "М": "M", "Н": "H",
    "О": "O", "Р": "P", "С": "C", "Т": "T", "У": "Y", "Х": "X", "Ү": "Y", "Һ": "H", "Ӏ": "I",
    "Ԛ": "Q", "Ԝ": "W", "Ё": "Ë", "Ї": "Ï",
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "ѕ": "s", "і": "i",
    "ј": "j", "һ": "h", "ӏ": "l", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ү": "y", "ё": "ë", "ї": "ï",
    # Greek
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    "α": "a", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "υ": "u", "χ": "x",
    # Latin letters and dashes that pass for others
    "ı": "i", "ɑ": "a", "ɡ": "g",
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
}  # fmt: skip
_LOOK_ALIKES = str.maketrans(_LATIN_LOOK_ALIKES)


def normalise_line(text: str) -> str:
    """`text` as one clean line: see the module's docstring for what is removed."""
    kept: list[str] = []
    for char in unicodedata.normalize("NFKC", text):
        if char.isspace():
            kept.append(" ")
            continue
        category = unicodedata.category(char)
        if category in _DROPPED or char in _BLANKS:
            continue
        if category[0] == "M" and (not kept or kept[-1] == " "):
            continue  # a combining mark with no letter under it
        kept.append(char)
    # Removing an invisible character can bring a letter and its accent together again.
    return " ".join(unicodedata.normalize("NFKC", "".join(kept)).split())


def skeleton(text: str) -> str:
    """What `text` looks like, for comparing names: equal skeletons look alike."""
    folded = normalise_line(text).translate(_LOOK_ALIKES).casefold()
    return unicodedata.normalize("NFKC", folded.translate(_LOOK_ALIKES))
