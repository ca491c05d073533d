"""The rows of the demo's submitted assessments, as tuples for `demo.bulk`: each assessment,
its answers and its stored score, without an ORM instance per row (10,000 projects x 20
quarters is 12 million answers). The stored score's rows carry what `score_rows` gives a
real submission: tests/demo/test_history_rows.py recomputes them with the portal's own
services and compares every column.
"""

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from assessments.models import Answer, Assessment, DimensionScore, Period, Practice, PracticeGap
from assessments.rules import scoring
from assessments.services.answering import assessment_score_fields
from demo.bulk import (
    copy_text,
    insert_rows,
    insert_text,
    is_postgresql,
    references_checked_by_the_seeder,
    reserve_ids,
)
from teams.models import Project

LLM_NA_REASON = "A hosted LLM: the project trains no model of its own."
# Under v1 an LLM application could only mark the training-centred dimensions N/A.
V1_LLM_NOT_APPLICABLE = ("data", "experimentation", "training")
NA_REASONS = [
    "Batch model: there is no online endpoint to canary.",
    "No personal data is used by this model.",
    "Labels arrive months later; handled by the quarterly review instead.",
]

ASSESSMENT_COLUMNS = (
    "id",
    "project_id",
    "period_id",
    "status",
    "submitted_by_id",
    "submitted_at",
    "version",
    "review_status",
    "profile",
    "overall_level",
    "overall_score",
    "weakest_dimension_key",
    "anti_patterns",
)
ANSWER_COLUMNS = (
    "assessment_id",
    "practice_id",
    "value",
    "na_reason",
    "version",
    "answered_by_id",
    "answered_at",
)
DIMENSION_COLUMNS = (
    "assessment_id",
    "period_id",
    "project_id",
    "team_id",
    "awaiting_review",
    "dimension_key",
    "dimension_name",
    "dimension_order",
    "level",
    "progress",
    "score",
    "practice_count",
    "not_applicable_count",
    "unassessed_levels",
)
GAP_COLUMNS = (
    "assessment_id",
    "period_id",
    "project_id",
    "team_id",
    "awaiting_review",
    "practice_key",
    "dimension_key",
)


@dataclass
class Submitted:
    """One demo submission before it is written: its id is reserved when the period's
    submissions are known."""

    project: Project
    answers: dict[str, str]
    score: scoring.AssessmentScore
    submitted_at: datetime.datetime
    lead_id: int | None
    profile: dict[str, str] = field(default_factory=dict)
    pk: int = 0


def write_submitted(
    period: Period, submitted: Sequence[Submitted], practices: Sequence[Practice], llm: set[int]
) -> None:
    """The assessments, their answers and their stored scores, each table in one COPY."""
    for row, pk in zip(submitted, reserve_ids(Assessment, len(submitted)), strict=True):
        row.pk = pk
    with references_checked_by_the_seeder():
        insert_rows(Assessment, ASSESSMENT_COLUMNS, (_assessment(period, row) for row in submitted))
        if is_postgresql():
            insert_text(Answer, ANSWER_COLUMNS, _answer_lines(submitted, practices, llm))
        else:
            insert_rows(Answer, ANSWER_COLUMNS, _answers(submitted, practices, llm))
        insert_rows(DimensionScore, DIMENSION_COLUMNS, _dimensions(period, submitted))
        insert_rows(PracticeGap, GAP_COLUMNS, _gaps(period, submitted))


def _assessment(period: Period, row: Submitted) -> tuple:
    fields = assessment_score_fields(score=row.score)
    return (
        row.pk,
        row.project.pk,
        period.pk,
        Assessment.Status.SUBMITTED,
        row.lead_id,
        row.submitted_at,
        2,
        Assessment.Review.SELF_ASSESSED,
        row.profile,
        fields["overall_level"],
        fields["overall_score"],
        fields["weakest_dimension_key"],
        fields["anti_patterns"],
    )


def _answers(
    submitted: Sequence[Submitted], practices: Sequence[Practice], llm_projects: set[int]
) -> Iterator[tuple]:
    for row in submitted:
        llm = row.project.pk in llm_projects
        for practice in practices:
            value = row.answers.get(practice.key, "")
            if not value:
                yield (row.pk, practice.pk, "", "", 0, None, None)
                continue
            reason = na_reason(practice, llm) if value == "na" else ""
            yield (row.pk, practice.pk, value, reason, 1, row.lead_id, row.submitted_at)


def _answer_lines(
    submitted: Sequence[Submitted], practices: Sequence[Practice], llm_projects: set[int]
) -> Iterator[str]:
    """The answers as COPY text: 12 million of them at 10,000 projects x 20 quarters."""
    for row in submitted:
        llm = row.project.pk in llm_projects
        given = f"\t1\t{copy_text(row.lead_id)}\t{copy_text(row.submitted_at)}"
        for practice in practices:
            value = row.answers.get(practice.key, "")
            if not value:
                yield f"{row.pk}\t{practice.pk}\t\t\t0\t\\N\t\\N"
                continue
            reason = copy_text(na_reason(practice, llm)) if value == "na" else ""
            yield f"{row.pk}\t{practice.pk}\t{value}\t{reason}{given}"


def na_reason(practice: Practice, llm: bool) -> str:
    if llm and practice.dimension.key in V1_LLM_NOT_APPLICABLE:
        return LLM_NA_REASON
    return NA_REASONS[practice.order % len(NA_REASONS)]


# Self-assessed, so not awaiting review: as score_rows stores a submission under no policy.
def _dimensions(period: Period, submitted: Sequence[Submitted]) -> Iterator[tuple]:
    for row in submitted:
        common = (row.pk, period.pk, row.project.pk, row.project.team_id, False)
        for order, dimension in enumerate(row.score.dimensions):
            yield (
                *common,
                dimension.key,
                dimension.name,
                order,
                dimension.level,
                dimension.progress,
                dimension.score,
                dimension.practice_count,
                dimension.not_applicable_count,
                list(dimension.unassessed_levels),
            )


def _gaps(period: Period, submitted: Sequence[Submitted]) -> Iterator[tuple]:
    for row in submitted:
        common = (row.pk, period.pk, row.project.pk, row.project.team_id, False)
        for dimension in row.score.dimensions:
            for key in dimension.holding_back:
                yield (*common, key, dimension.key)
