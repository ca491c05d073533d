"""Scoring of an MLOps maturity assessment: pure functions, no Django, no ORM.

A framework has ordered dimensions; each dimension has practices, and each practice
belongs to level 0 (managed manual process), 1 (continuous training) or 2 (CI/CD of ML
pipelines). A practice is answered "no", "partly", "yes" or "na" (not applicable); an
unanswered practice counts as "no". "Partly" means in place but done by hand, or covering
only part of the project's models.

Rule 2 (framework version 2 onwards; version 1 keeps rule 1, see `scoring_v1`):

1. Asked: only the practices whose `applies_to` matches the project's profile; the others
   play no part at all. Points: yes = 1, partly = 0.5, no (or unanswered) = 0. "Not
   applicable" leaves a practice out of every count.
2. No subsidy: each level of a dimension is judged on that level's own applicable
   practices. A level is *assessed* when it has at least MIN_PRACTICES_PER_LEVEL (2) of
   them and, for levels 1 and 2, at least one of its defining practices applies. Its
   coverage is points / applicable practices.
3. Level 0 is *met* when it is assessed and its coverage is at least 75 %. Level 1 or 2
   is met when it is assessed, its coverage is at least 75 % and every applicable
   defining practice of the level is "yes". A dimension holds level L when levels 0 to L
   are all met; it always holds level 0. A level that is not assessed is never met, so
   "not applicable" can never make a level, or any level above it, claimable.
4. The smooth score: 2 x (c0 + c1 + c2) / 3, where cL is level L's coverage when it is
   assessed and 0 when it is not. It lies in [0, 2]. Every level that is assessed has at
   least two practices, so one answer moved one step (no -> partly -> yes) moves the
   score by at most 1/6, less than a tenth of the scale, whatever the levels do.
5. A dimension with no applicable practice (all "not applicable", or none asked) is *not
   assessed*: no level, progress or score, left out of the overall level and score. A
   dimension with more than half of its asked practices "not applicable" is *mostly not
   applicable* and flagged.
6. Overall level = the lowest level of the assessed dimensions. Overall score = the
   lowest score of the assessed dimensions: like the ML Test Score's minimum over its
   sections, it rises only when the weakest dimension does. The weakest dimension is the
   assessed one with the lowest level, then the lowest score (ties: framework order).
7. Progress to the next level (0-100, display only) = points / applicable practices over
   the levels up to the next one, capped at 99 below level 2, 100 at level 2.
   `holding_back` lists those practices that are not "yes", in framework order, and also
   the "not applicable" ones of a level that is not assessed: until they apply (or the
   level gets other practices), they are what stands between the dimension and the level.
8. Monotone: a better answer (no -> partly -> yes) never lowers a level, a score, the
   overall level or the overall score. "Not applicable" never scores better than "yes".
9. Anti-patterns: flagged when a practice marked with one is answered "no" (or unanswered).
"""

import math
from collections.abc import Mapping, Sequence
from typing import Final

from assessments.rules import scoring_v1
from assessments.rules.levels import (
    LEVELS,
    MIN_PRACTICES_PER_LEVEL,
    NOT_APPLICABLE,
    TOP_LEVEL,
    YES,
)
from assessments.rules.profiles import Profile, matches
from assessments.rules.scoring_types import (
    ApplicabilityMixin,
    AssessmentScore,
    Dimension,
    DimensionScore,
    Practice,
    flagged_anti_patterns,
    framework_order,
    mean,
    mostly_not_applicable,
    not_assessed,
    points_and_possible,
    validated_answers,
    weakest_dimension_key,
)

__all__ = [
    "ApplicabilityMixin",
    "AssessmentScore",
    "Dimension",
    "DimensionScore",
    "Practice",
    "asked_practices",
    "framework_order",
    "mostly_not_applicable",
    "score_assessment",
    "validated_answers",
]

LEVEL_THRESHOLD: Final = 0.75
FULL_PROGRESS: Final = 100
MAX_PROGRESS_BELOW_TOP: Final = 99
RULES: Final = (1, 2)


def asked_practices(practices: Sequence[Practice], profile: Profile | None) -> list[Practice]:
    """The practices a project with this profile is asked (rule 2, step 1)."""
    return [practice for practice in practices if matches(practice.applies_to, profile)]


def score_assessment(
    *,
    dimensions: Sequence[Dimension],
    practices: Sequence[Practice],
    answers: Mapping[str, str],
    rule: int = 2,
    profile: Profile | None = None,
) -> AssessmentScore:
    if rule not in RULES:
        raise ValueError(f"unknown scoring rule {rule!r}")
    if rule == 2:
        practices = asked_practices(practices, profile)
    ordered_dimensions, ordered_practices = framework_order(dimensions, practices)
    known_answers = validated_answers(ordered_practices, answers)
    score_dimension = scoring_v1.score_dimension if rule == 1 else _score_dimension
    dimension_scores = tuple(
        score_dimension(
            dimension,
            [practice for practice in ordered_practices if practice.dimension_key == dimension.key],
            known_answers,
        )
        for dimension in ordered_dimensions
    )
    assessed = [score for score in dimension_scores if score.assessed]
    scores = [score.score for score in assessed if score.score is not None]
    return AssessmentScore(
        dimensions=dimension_scores,
        overall_level=min(
            (score.level for score in assessed if score.level is not None), default=None
        ),
        overall_score=mean(scores) if rule == 1 else min(scores, default=None),
        weakest_dimension_key=weakest_dimension_key(assessed),
        anti_patterns=flagged_anti_patterns(ordered_practices, known_answers),
    )


def _score_dimension(
    dimension: Dimension, practices: Sequence[Practice], answers: Mapping[str, str]
) -> DimensionScore:
    applicable = [practice for practice in practices if answers.get(practice.key) != NOT_APPLICABLE]
    if not applicable:
        return not_assessed(dimension, len(practices))
    coverage = {level: _coverage(level, applicable, answers) for level in LEVELS}
    level = _held_level(applicable, coverage, answers)
    points, possible = points_and_possible(applicable, answers)
    unassessed = tuple(level for level, value in coverage.items() if value is None)
    return DimensionScore(
        level=level,
        progress=_progress(level, applicable, answers),
        score=2 * math.fsum(value or 0.0 for value in coverage.values()) / len(LEVELS),
        points=points,
        possible=possible,
        holding_back=_holding_back(level, practices, answers, unassessed),
        unassessed_levels=unassessed,
        key=dimension.key,
        name=dimension.name,
        practice_count=len(practices),
        not_applicable_count=len(practices) - len(applicable),
    )


def _coverage(
    level: int, applicable: Sequence[Practice], answers: Mapping[str, str]
) -> float | None:
    """Points over the level's own applicable practices; None when it is not assessed."""
    own = [practice for practice in applicable if practice.level == level]
    if len(own) < MIN_PRACTICES_PER_LEVEL:
        return None
    if level != LEVELS[0] and not any(practice.defining for practice in own):
        return None
    points, possible = points_and_possible(own, answers)
    return points / possible


def _held_level(
    applicable: Sequence[Practice],
    coverage: Mapping[int, float | None],
    answers: Mapping[str, str],
) -> int:
    held = LEVELS[0]
    for level in LEVELS:
        level_coverage = coverage[level]
        met = (
            level_coverage is not None
            and level_coverage >= LEVEL_THRESHOLD
            and all(
                answers.get(practice.key) == YES
                for practice in applicable
                if practice.level == level and practice.defining
            )
        )
        if not met:
            break
        held = level
    return held


def _progress(level: int, applicable: Sequence[Practice], answers: Mapping[str, str]) -> int:
    if level == TOP_LEVEL:
        return FULL_PROGRESS
    considered = [practice for practice in applicable if practice.level <= level + 1]
    points, possible = points_and_possible(considered, answers)
    rounded_half_up = math.floor(points / possible * FULL_PROGRESS + 0.5) if possible else 0
    return min(rounded_half_up, MAX_PROGRESS_BELOW_TOP)


def _holding_back(
    level: int,
    practices: Sequence[Practice],
    answers: Mapping[str, str],
    unassessed: Sequence[int],
) -> tuple[str, ...]:
    if level == TOP_LEVEL:
        return ()
    return tuple(
        practice.key
        for practice in practices
        if practice.level <= level + 1
        and answers.get(practice.key) != YES
        and (answers.get(practice.key) != NOT_APPLICABLE or practice.level in unassessed)
    )
