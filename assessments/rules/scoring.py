"""Scoring of an MLOps maturity assessment: pure functions, no Django, no ORM.

A framework has ordered dimensions; each dimension has practices, and each practice
belongs to level 0 (managed manual process), 1 (continuous training) or 2 (CI/CD of ML
pipelines). A practice is answered "no", "partly", "yes" or "na" (not applicable); an
unanswered practice counts as "no".

The rule:

1. Points: yes = 1, partly = 0.5, no (or unanswered) = 0; not applicable is left out of
   every denominator.
2. A dimension reaches level L (L = 1, 2) when the applicable practices at levels <= L
   together score at least 75 % of their possible points AND none of them is answered
   "no" (or unanswered). It holds level L only if it also reaches every level below L.
   A dimension with no applicable practice up to L reaches L, as long as it has some
   applicable practice at all (see step 5).
3. Progress towards the next level (0-100, rounded half up to a whole number) = points /
   possible over the applicable practices at levels <= the next level; at level 2 the
   progress is 100. Below level 2 the progress is capped at 99, because a dimension that
   has not reached its next level has not fully got there (this only matters when
   rounding would show 100, e.g. 199 "yes" and one "no").
4. The dimension's score = level + progress / 100 below level 2, and 2.0 at level 2, so
   it lies in [0, 2]. A better answer never lowers it: within a level the progress can
   only rise, and a score below level L + 1 is at most L + 0.99.
5. Not applicable never scores by itself. A dimension whose every practice is "not
   applicable" is *not assessed*: it has no level, progress or score (None), is shown as
   not assessed everywhere, and is left out of the overall level and the mean; an
   assessment with no assessed dimension has no overall level or mean either. A
   dimension with more than half of its practices "not applicable" is *mostly not
   applicable* and is flagged wherever its score is shown. "Not applicable" is never
   better than "fully in place": swapping one for the other never lowers a score.
6. Overall level = the lowest level of the assessed dimensions (the weakest link). The
   weakest dimension is the assessed one with the lowest score (ties: framework order).
   The mean of the assessed dimensions' scores is shown beside the overall level.
7. Explanation: a dimension's `holding_back` lists the applicable practices at levels <=
   the next level that are not answered "yes" (in framework order): exactly what stands
   between the dimension and its next level. At level 2, and when not assessed, it is empty.
8. Anti-patterns: an anti-pattern is flagged when a practice marked with it is answered
   "no" (or unanswered).

Framework order: dimensions by `order`, then as given; practices by their dimension's
position, then `order`, then as given. Scores are exact floats; rounding is for display.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from assessments.rules.levels import (
    ANSWER_POINTS,
    ANSWER_VALUES,
    EFFORTS,
    LEVELS,
    NO,
    NOT_APPLICABLE,
    TOP_LEVEL,
    YES,
)

LEVEL_THRESHOLD: Final = 0.75
FULL_PROGRESS: Final = 100
# Below the top level a dimension has not fully reached its next level (rule step 3).
MAX_PROGRESS_BELOW_TOP: Final = 99


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


def mostly_not_applicable(not_applicable: int, practices: int) -> bool:
    """More than half of a dimension's practices marked "not applicable" (rule step 5)."""
    return practices > 0 and 2 * not_applicable > practices


@dataclass(frozen=True)
class AssessmentScore:
    dimensions: tuple[DimensionScore, ...]
    overall_level: int | None  # None when no dimension is assessed
    mean_score: float | None
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


def score_assessment(
    *,
    dimensions: Sequence[Dimension],
    practices: Sequence[Practice],
    answers: Mapping[str, str],
) -> AssessmentScore:
    ordered_dimensions, ordered_practices = framework_order(dimensions, practices)
    known_answers = validated_answers(ordered_practices, answers)
    dimension_scores = tuple(
        _score_dimension(
            dimension,
            [practice for practice in ordered_practices if practice.dimension_key == dimension.key],
            known_answers,
        )
        for dimension in ordered_dimensions
    )
    assessed = [score for score in dimension_scores if score.assessed]
    return AssessmentScore(
        dimensions=dimension_scores,
        overall_level=min(
            (score.level for score in assessed if score.level is not None), default=None
        ),
        mean_score=_mean(score.score for score in assessed if score.score is not None),
        weakest_dimension_key=_weakest_dimension_key(assessed),
        anti_patterns=_flagged_anti_patterns(ordered_practices, known_answers),
    )


def _score_dimension(
    dimension: Dimension, practices: Sequence[Practice], answers: Mapping[str, str]
) -> DimensionScore:
    not_applicable = sum(1 for practice in practices if answers.get(practice.key) == NOT_APPLICABLE)
    counts = {"practice_count": len(practices), "not_applicable_count": not_applicable}
    if not_applicable == len(practices):
        return DimensionScore(
            key=dimension.key,
            name=dimension.name,
            level=None,
            progress=None,
            score=None,
            points=0.0,
            possible=0.0,
            holding_back=(),
            **counts,
        )
    level = _attained_level(practices, answers)
    progress = _progress(level, practices, answers)
    points, possible = _points_and_possible(practices, answers)
    return DimensionScore(
        key=dimension.key,
        name=dimension.name,
        level=level,
        progress=progress,
        score=float(TOP_LEVEL) if level == TOP_LEVEL else level + progress / FULL_PROGRESS,
        points=points,
        possible=possible,
        holding_back=_holding_back(level, practices, answers),
        **counts,
    )


def _attained_level(practices: Sequence[Practice], answers: Mapping[str, str]) -> int:
    level = LEVELS[0]
    for candidate in LEVELS[1:]:
        if not _reaches(candidate, practices, answers):
            break
        level = candidate
    return level


def _reaches(level: int, practices: Sequence[Practice], answers: Mapping[str, str]) -> bool:
    considered = _applicable_up_to(level, practices, answers)
    if not considered:
        return True
    points, possible = _points_and_possible(considered, answers)
    any_no = any(_is_no(practice, answers) for practice in considered)
    return points >= LEVEL_THRESHOLD * possible and not any_no


def _progress(level: int, practices: Sequence[Practice], answers: Mapping[str, str]) -> int:
    if level == TOP_LEVEL:
        return FULL_PROGRESS
    # Not empty: a dimension with no applicable practice up to the next level reaches it.
    considered = _applicable_up_to(level + 1, practices, answers)
    points, possible = _points_and_possible(considered, answers)
    rounded_half_up = math.floor(points / possible * FULL_PROGRESS + 0.5)
    return min(rounded_half_up, MAX_PROGRESS_BELOW_TOP)


def _holding_back(
    level: int, practices: Sequence[Practice], answers: Mapping[str, str]
) -> tuple[str, ...]:
    if level == TOP_LEVEL:
        return ()
    considered = _applicable_up_to(level + 1, practices, answers)
    return tuple(practice.key for practice in considered if answers.get(practice.key) != YES)


def _applicable_up_to(
    level: int, practices: Iterable[Practice], answers: Mapping[str, str]
) -> list[Practice]:
    return [
        practice
        for practice in practices
        if practice.level <= level and answers.get(practice.key) != NOT_APPLICABLE
    ]


def _points_and_possible(
    practices: Iterable[Practice], answers: Mapping[str, str]
) -> tuple[float, float]:
    applicable = [practice for practice in practices if answers.get(practice.key) != NOT_APPLICABLE]
    points = math.fsum(_points(practice, answers) for practice in applicable)
    return points, float(len(applicable))


def _points(practice: Practice, answers: Mapping[str, str]) -> float:
    return ANSWER_POINTS[answers.get(practice.key, NO)]


def _is_no(practice: Practice, answers: Mapping[str, str]) -> bool:
    return answers.get(practice.key, NO) == NO


def _mean(values: Iterable[float]) -> float | None:
    collected = list(values)
    # fsum is correctly rounded, so a higher score can never lower the mean through rounding.
    return math.fsum(collected) / len(collected) if collected else None


def _weakest_dimension_key(dimension_scores: Sequence[DimensionScore]) -> str | None:
    if not dimension_scores:
        return None
    # min() keeps the first of equal scores, which is framework order.
    return min(dimension_scores, key=lambda dimension_score: dimension_score.score or 0.0).key


def _flagged_anti_patterns(
    practices: Iterable[Practice], answers: Mapping[str, str]
) -> tuple[str, ...]:
    flagged: dict[str, None] = {}
    for practice in practices:
        if practice.anti_pattern and _is_no(practice, answers):
            flagged[practice.anti_pattern] = None
    return tuple(flagged)


def _require_unique_keys(keys: Iterable[str]) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"duplicate key {key!r}")
        seen.add(key)
