"""The shapes scoring works on and returns, and the helpers every scoring rule shares.

Pure Python. `scoring` holds the rules; these types are the same for all of them, so a
stored score, a page and a chart read a result without asking which rule produced it.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from assessments.rules.levels import (
    ANSWER_POINTS,
    ANSWER_VALUES,
    EFFORTS,
    LEVELS,
    NO,
    NOT_APPLICABLE,
)


@dataclass(frozen=True)
class Practice:
    key: str
    dimension_key: str
    level: int
    effort: str = "M"
    prerequisites: tuple[str, ...] = ()
    anti_pattern: str | None = None
    order: int = 0
    question: str = ""
    next_step: str = ""
    why: str = ""
    # Rule 2: the level needs this practice fully in place.
    defining: bool = False
    # Asked only of projects whose profile matches (see `profiles.matches`).
    applies_to: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"practice {self.key!r}: level must be one of {LEVELS}")
        if self.effort not in EFFORTS:
            raise ValueError(f"practice {self.key!r}: effort must be one of {EFFORTS}")


@dataclass(frozen=True)
class Dimension:
    key: str
    name: str
    order: int = 0


class ApplicabilityMixin:
    """What a dimension's counts of practices say (rule step 5), for every class that
    carries a dimension's level and counts: the score here, the stored row, the result."""

    level: int | None
    practice_count: int
    not_applicable_count: int

    @property
    def assessed(self) -> bool:
        return self.level is not None

    @property
    def mostly_not_applicable(self) -> bool:
        return mostly_not_applicable(self.not_applicable_count, self.practice_count)


@dataclass(frozen=True)
class DimensionScore(ApplicabilityMixin):
    key: str
    name: str
    # None when the dimension is not assessed: none of its practices applies.
    level: int | None
    progress: int | None
    score: float | None
    # Coverage over every applicable practice of the dimension, whatever its level.
    points: float
    possible: float
    holding_back: tuple[str, ...]
    practice_count: int = 0
    not_applicable_count: int = 0
    # Rule 2: levels with too few applicable practices, which the dimension cannot claim.
    unassessed_levels: tuple[int, ...] = ()


def not_assessed(dimension: Dimension, practice_count: int) -> DimensionScore:
    """A dimension with no applicable practice: no level, progress or score."""
    return DimensionScore(
        key=dimension.key,
        name=dimension.name,
        level=None,
        progress=None,
        score=None,
        points=0.0,
        possible=0.0,
        holding_back=(),
        practice_count=practice_count,
        not_applicable_count=practice_count,
    )


def mostly_not_applicable(not_applicable: int, practices: int) -> bool:
    """More than half of a dimension's practices marked "not applicable" (rule step 5)."""
    return practices > 0 and 2 * not_applicable > practices


@dataclass(frozen=True)
class AssessmentScore:
    dimensions: tuple[DimensionScore, ...]
    overall_level: int | None  # None when no dimension is assessed
    # Rule 1: the mean of the dimension scores; rule 2: the lowest dimension score.
    overall_score: float | None
    weakest_dimension_key: str | None
    anti_patterns: tuple[str, ...]

    @property
    def assessed_dimensions(self) -> tuple[DimensionScore, ...]:
        return tuple(dimension for dimension in self.dimensions if dimension.assessed)

    def dimension(self, key: str) -> DimensionScore:
        for dimension_score in self.dimensions:
            if dimension_score.key == key:
                return dimension_score
        raise KeyError(key)


def framework_order(
    dimensions: Sequence[Dimension], practices: Sequence[Practice]
) -> tuple[tuple[Dimension, ...], tuple[Practice, ...]]:
    """Return dimensions and practices in framework order; reject inconsistent data."""
    _require_unique_keys(dimension.key for dimension in dimensions)
    _require_unique_keys(practice.key for practice in practices)
    ordered_dimensions = tuple(sorted(dimensions, key=lambda dimension: dimension.order))
    position = {dimension.key: index for index, dimension in enumerate(ordered_dimensions)}
    for practice in practices:
        if practice.dimension_key not in position:
            raise ValueError(
                f"practice {practice.key!r} belongs to unknown dimension {practice.dimension_key!r}"
            )
    ordered_practices = tuple(
        sorted(practices, key=lambda practice: (position[practice.dimension_key], practice.order))
    )
    return ordered_dimensions, ordered_practices


def validated_answers(practices: Iterable[Practice], answers: Mapping[str, str]) -> dict[str, str]:
    """Keep the answers to known practices; raise ValueError on an unknown answer value."""
    known_answers: dict[str, str] = {}
    for practice in practices:
        answer = answers.get(practice.key)
        if answer is None:
            continue
        if answer not in ANSWER_VALUES:
            raise ValueError(f"practice {practice.key!r}: unknown answer {answer!r}")
        known_answers[practice.key] = answer
    return known_answers


def points_and_possible(
    practices: Iterable[Practice], answers: Mapping[str, str]
) -> tuple[float, float]:
    applicable = [practice for practice in practices if answers.get(practice.key) != NOT_APPLICABLE]
    points = math.fsum(answer_points(practice, answers) for practice in applicable)
    return points, float(len(applicable))


def answer_points(practice: Practice, answers: Mapping[str, str]) -> float:
    return ANSWER_POINTS[answers.get(practice.key, NO)]


def is_no(practice: Practice, answers: Mapping[str, str]) -> bool:
    return answers.get(practice.key, NO) == NO


def mean(values: Iterable[float]) -> float | None:
    collected = list(values)
    # fsum is correctly rounded, so a higher score can never lower the mean through rounding.
    return math.fsum(collected) / len(collected) if collected else None


def weakest_dimension_key(dimension_scores: Sequence[DimensionScore]) -> str | None:
    if not dimension_scores:
        return None
    # The lowest level first, then the lowest score; min() keeps the first of equals, which
    # is framework order. Under rule 1 the score alone decides (it grows with the level).
    return min(
        dimension_scores,
        key=lambda dimension_score: (dimension_score.level or 0, dimension_score.score or 0.0),
    ).key


def flagged_anti_patterns(
    practices: Iterable[Practice], answers: Mapping[str, str]
) -> tuple[str, ...]:
    flagged: dict[str, None] = {}
    for practice in practices:
        if practice.anti_pattern and is_no(practice, answers):
            flagged[practice.anti_pattern] = None
    return tuple(flagged)


def _require_unique_keys(keys: Iterable[str]) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"duplicate key {key!r}")
        seen.add(key)
