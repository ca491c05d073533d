"""Periods, and assessments with the scores and gaps stored at submission (never
recomputed: the API reads `DimensionScore` and `PracticeGap` as the dashboards do)."""

import datetime

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from api.auth import reader_of
from api.errors import ERRORS
from api.pagination import PageQuery, page_schema, paginate
from api.schemas import (
    FILTER_NOTE,
    AssessmentStatus,
    Id,
    PeriodKey,
    ProjectRef,
    ProjectStage,
    ReviewStatus,
    Slug,
    TeamRef,
    UnitRef,
    resolve,
    unit_ref,
)
from api.scope import assessments_for, projects_for, teams_for, unit_path_names, units_for
from assessments.models import Answer, Assessment, Period, Practice
from assessments.rules.profiles import Profile, variant_for

router = Router(tags=["Assessments"])


# --- Periods ----------------------------------------------------------------------------------


class FrameworkOut(Schema):
    key: str
    version: int
    title: str


class PeriodOut(Schema):
    key: str
    framework: FrameworkOut
    opens_on: datetime.date
    due_on: datetime.date
    closes_on: datetime.date
    reopened_until: datetime.date | None
    state: str = Field(description="upcoming, open, overdue (past due, still open) or closed")


PeriodPage = page_schema(PeriodOut)


def _period(period: Period) -> PeriodOut:
    framework = period.framework
    return PeriodOut(
        key=period.key,
        framework=FrameworkOut(key=framework.key, version=framework.version, title=framework.title),
        opens_on=period.opens_on,
        due_on=period.due_on,
        closes_on=period.closes_on,
        reopened_until=period.reopened_until,
        state=period.state,
    )


@router.get(
    "/periods",
    response={200: PeriodPage, **ERRORS},
    url_name="period_list",
    summary="The assessment periods, newest first",
    description="Every reader sees every period: periods hold no team's data.",
)
def period_list(request: HttpRequest, page: Query[PageQuery]) -> dict:
    periods = Period.objects.select_related("framework")
    rows, next_url = paginate(
        request, periods, page=page, ordering=("-opens_on", "-pk"), name="periods"
    )
    return {"results": [_period(period) for period in rows], "next": next_url}


@router.get(
    "/periods/{key}",
    response={200: PeriodOut, **ERRORS},
    url_name="period_detail",
    summary="One period, by its key (e.g. 2026-Q4)",
)
def period_detail(request: HttpRequest, key: PeriodKey) -> PeriodOut:
    period = Period.objects.select_related("framework").filter(key=key).first()
    if period is None:
        raise Http404
    return _period(period)


# --- Assessments ------------------------------------------------------------------------------


class AssessmentFilters(Schema):
    period: PeriodKey | None = Field(
        None, description="A period's key, e.g. 2026-Q4." + FILTER_NOTE
    )
    unit: Slug | None = Field(None, description="A unit's slug: its whole subtree." + FILTER_NOTE)
    team: Slug | None = Field(None, description="A team's slug." + FILTER_NOTE)
    project: Slug | None = Field(None, description="A project's slug." + FILTER_NOTE)
    stage: ProjectStage | None = Field(None, description="Projects at this stage (now).")
    status: AssessmentStatus | None = Field(None, description="Drafts or submissions only.")


class AssessmentOut(Schema):
    id: int
    project: ProjectRef
    team: TeamRef
    unit: UnitRef | None
    period: str
    framework_version: int
    status: AssessmentStatus
    review_status: ReviewStatus
    submitted_at: datetime.datetime | None
    overall_level: int | None = Field(description="As stored at submission; null for a draft.")
    overall_score: float | None


class DimensionOut(Schema):
    key: str
    name: str
    level: int | None = Field(description="null: not assessed (every practice not applicable)")
    progress: int | None = Field(description="Percent of the way to the next level.")
    score: float | None
    practice_count: int
    not_applicable_count: int


class GapOut(Schema):
    practice_key: str
    dimension_key: str
    name: str = Field(description="The practice's question, as the project was asked it.")
    level: int | None = Field(description="The level the practice belongs to.")
    answer: str = Field(description='"yes", "partly", "no", "na", or "" when unanswered.')
    next_step: str


class AssessmentDetailOut(AssessmentOut):
    framework: FrameworkOut
    weakest_dimension: str
    dimensions: list[DimensionOut]
    gaps: list[GapOut]


AssessmentPage = page_schema(AssessmentOut)
RELATIONS = ("project__team__unit", "period__framework")


def filtered_assessments(reader: User, filters: AssessmentFilters) -> QuerySet[Assessment]:
    """The reader's assessments narrowed by the filters (a query per named filter value)."""
    rows = assessments_for(reader)
    period = resolve(Period.objects.all(), param="period", value=filters.period, noun="period")
    if period is not None:
        rows = rows.filter(period=period)
    unit = resolve(units_for(reader), param="unit", value=filters.unit, noun="unit")
    if unit is not None:
        rows = rows.filter(project__team__unit__path__startswith=unit.path)
    team = resolve(teams_for(reader), param="team", value=filters.team, noun="team")
    if team is not None:
        rows = rows.filter(project__team=team)
    project = resolve(projects_for(reader), param="project", value=filters.project, noun="project")
    if project is not None:
        rows = rows.filter(project=project)
    if filters.stage is not None:
        rows = rows.filter(project__stage=filters.stage.value)
    if filters.status is not None:
        rows = rows.filter(status=filters.status.value)
    return rows


def _assessment(assessment: Assessment, paths: dict[int, list[str]]) -> dict:
    project, team = assessment.project, assessment.project.team
    return {
        "id": assessment.pk,
        "project": ProjectRef(slug=project.slug, name=project.name),
        "team": TeamRef(slug=team.slug, name=team.name),
        "unit": unit_ref(team.unit, paths),
        "period": assessment.period.key,
        "framework_version": assessment.period.framework.version,
        "status": assessment.status,
        "review_status": assessment.review_status,
        "submitted_at": assessment.submitted_at,
        "overall_level": assessment.overall_level,
        "overall_score": assessment.overall_score,
    }


@router.get(
    "/assessments",
    response={200: AssessmentPage, **ERRORS},
    url_name="assessment_list",
    summary="The assessments this token reads",
    description="Newest period first, then by project name. Drafts included (see `status`).",
)
def assessment_list(
    request: HttpRequest, filters: Query[AssessmentFilters], page: Query[PageQuery]
) -> dict:
    rows, next_url = paginate(
        request,
        filtered_assessments(reader_of(request), filters).select_related(*RELATIONS),
        page=page,
        ordering=("-period__opens_on", "project__name", "pk"),
        name="assessments",
    )
    paths = unit_path_names([assessment.project.team.unit for assessment in rows])
    return {"results": [_assessment(row, paths) for row in rows], "next": next_url}


@router.get(
    "/assessments/{id}",
    response={200: AssessmentDetailOut, **ERRORS},
    url_name="assessment_detail",
    summary="One assessment, with its stored dimension scores and gaps",
)
def assessment_detail(request: HttpRequest, id: Id) -> dict:
    assessment = (
        assessments_for(reader_of(request)).select_related(*RELATIONS).filter(pk=id).first()
    )
    if assessment is None:
        raise Http404
    framework = assessment.period.framework
    dimensions = assessment.dimension_scores.order_by("dimension_order", "dimension_key")
    return {
        **_assessment(assessment, unit_path_names([assessment.project.team.unit])),
        "framework": FrameworkOut(
            key=framework.key, version=framework.version, title=framework.title
        ),
        "weakest_dimension": assessment.weakest_dimension_key,
        "dimensions": [
            DimensionOut(
                key=row.dimension_key,
                name=row.dimension_name,
                level=row.level,
                progress=row.progress,
                score=row.score,
                practice_count=row.practice_count,
                not_applicable_count=row.not_applicable_count,
            )
            for row in dimensions
        ],
        "gaps": _gaps(assessment),
    }


def _gaps(assessment: Assessment) -> list[GapOut]:
    """The stored gaps, in framework order, worded for the profile the assessment was
    scored with, each with the answer given (three queries)."""
    gaps = list(assessment.gaps.values_list("practice_key", "dimension_key"))
    if not gaps:
        return []
    keys = [key for key, _ in gaps]
    practices = {
        practice.key: practice
        for practice in Practice.objects.filter(
            framework_id=assessment.period.framework_id, key__in=keys
        ).select_related("dimension")
    }
    answers = dict(
        Answer.objects.filter(assessment=assessment, practice__key__in=keys).values_list(
            "practice__key", "value"
        )
    )
    profile = Profile.from_mapping(assessment.profile)

    def order(gap: tuple[str, str]) -> tuple[int, int, str]:
        practice = practices.get(gap[0])
        return (practice.dimension.order, practice.order, gap[0]) if practice else (999, 0, gap[0])

    found = []
    for key, dimension_key in sorted(gaps, key=order):
        practice = practices.get(key)
        wording = variant_for(practice.variants, profile) if practice else {}
        found.append(
            GapOut(
                practice_key=key,
                dimension_key=dimension_key,
                name=str(wording.get("question") or (practice.question if practice else key)),
                level=practice.level if practice else None,
                answer=answers.get(key, ""),
                next_step=str(wording.get("next_step") or (practice.next_step if practice else "")),
            )
        )
    return found
