"""The maturity vocabulary, defined once: levels, efforts and answers. Pure Python.

Scoring, recommendations, the framework file format, the models' choices, the figures and
the templates all read these names, so a level or an answer means the same everywhere.
"""

from collections.abc import Mapping
from typing import Final

LEVELS: Final = (0, 1, 2)
TOP_LEVEL: Final = LEVELS[-1]
# Scoring rule 2: a level with fewer applicable practices than this is not assessed.
MIN_PRACTICES_PER_LEVEL: Final = 2
LEVEL_NAMES: Final[Mapping[int, str]] = {
    0: "Level 0 · manual",
    1: "Level 1 · continuous training",
    2: "Level 2 · CI/CD",
}

EFFORTS: Final = ("S", "M", "L")
EFFORT_NAMES: Final[Mapping[str, str]] = {"S": "Small", "M": "Medium", "L": "Large"}

NO: Final = "no"
PARTLY: Final = "partly"
YES: Final = "yes"
NOT_APPLICABLE: Final = "na"
UNANSWERED: Final = "unanswered"
ANSWER_POINTS: Final[Mapping[str, float]] = {NO: 0.0, PARTLY: 0.5, YES: 1.0}
ANSWER_VALUES: Final = frozenset({*ANSWER_POINTS, NOT_APPLICABLE})
ANSWER_LABELS: Final[Mapping[str, str]] = {
    NO: "Not in place",
    PARTLY: "Partly",
    YES: "Fully in place",
    NOT_APPLICABLE: "Not applicable",
}


def answer_label(value: str) -> str:
    """The answer as people read it; an empty or unknown value is 'Unanswered'."""
    return ANSWER_LABELS.get(value, "Unanswered" if value in ("", UNANSWERED) else value)


def level_position(level: int | None, progress: int | None) -> float | None:
    """Where a dimension stands on the level scale: its level plus its progress towards the
    next (1.45 is level 1, 45 % of the way to level 2), and 2.0 at the top. Charts coloured
    by level show this, not the score: under scoring rule 2 the score measures coverage
    and a level-0 dimension can score 1.8. Under rule 1 the two are equal."""
    if level is None:
        return None
    if level >= TOP_LEVEL or progress is None:
        return float(level)
    return level + progress / 100
