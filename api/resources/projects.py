"""Projects, filtered by unit, team and stage, each with its profile and latest result."""

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
    ProjectStage,
    ReviewStatus,
    Slug,
    TeamRef,
    UnitRef,
    resolve,
    unit_ref,
)
from api.scope import projects_for, teams_for, unit_path_names, units_for
from assessments.models import Assessment, ProjectProfile
from teams.models import Project

router = Router(tags=["Projects"])


class ProjectFilters(Schema):
    unit: Slug | None = Field(
        None, description="A unit's slug: the projects of its whole subtree." + FILTER_NOTE
    )
    team: Slug | None = Field(None, description="A team's slug." + FILTER_NOTE)
    stage: ProjectStage | None = Field(None, description="Only projects at this stage.")


class ProjectOut(Schema):
    slug: str
    name: str
    stage: ProjectStage
    team: TeamRef
    unit: UnitRef | None
    business_goal: str
    kpi: str
    archived: bool


class ProfileOut(Schema):
    kind: str
    serving: str
    label_delay: str
    risk_tier: str


class ResultOut(Schema):
    assessment_id: int
    period: str
    framework_version: int
    overall_level: int | None
    overall_score: float | None
    review_status: ReviewStatus
    submitted_at: datetime.datetime | None


class ProjectDetailOut(ProjectOut):
    description: str
    profile: ProfileOut | None
    latest_result: ResultOut | None = Field(
        description="The latest submitted assessment's overall result, as stored."
    )


ProjectPage = page_schema(ProjectOut)


def filtered_projects(reader: User, filters: ProjectFilters) -> QuerySet[Project]:
    """The reader's projects narrowed by the filters (one query per filter given, to look
    its value up among the reader's)."""
    projects = projects_for(reader)
    unit = resolve(units_for(reader), param="unit", value=filters.unit, noun="unit")
    if unit is not None:
        projects = projects.filter(team__unit__path__startswith=unit.path)
    team = resolve(teams_for(reader), param="team", value=filters.team, noun="team")
    if team is not None:
        projects = projects.filter(team=team)
    if filters.stage is not None:
        projects = projects.filter(stage=filters.stage.value)
    return projects


def _project(project: Project, paths: dict[int, list[str]]) -> dict:
    return {
        "slug": project.slug,
        "name": project.name,
        "stage": project.stage,
        "team": TeamRef(slug=project.team.slug, name=project.team.name),
        "unit": unit_ref(project.team.unit, paths),
        "business_goal": project.business_goal,
        "kpi": project.kpi,
        "archived": project.is_archived,
    }


@router.get(
    "/projects",
    response={200: ProjectPage, **ERRORS},
    url_name="project_list",
    summary="The projects this token reads",
    description="Archived projects included (see `archived`). By name.",
)
def project_list(
    request: HttpRequest, filters: Query[ProjectFilters], page: Query[PageQuery]
) -> dict:
    projects = filtered_projects(reader_of(request), filters).select_related("team__unit")
    rows, next_url = paginate(
        request, projects, page=page, ordering=("name", "pk"), name="projects"
    )
    paths = unit_path_names([project.team.unit for project in rows])
    return {"results": [_project(project, paths) for project in rows], "next": next_url}


@router.get(
    "/projects/{slug}",
    response={200: ProjectDetailOut, **ERRORS},
    url_name="project_detail",
    summary="One project, with its profile and latest submitted result",
)
def project_detail(request: HttpRequest, slug: Slug) -> dict:
    project = (
        projects_for(reader_of(request)).select_related("team__unit").filter(slug=slug).first()
    )
    if project is None:
        raise Http404
    profile = ProjectProfile.objects.filter(project=project).first()
    latest = (
        Assessment.objects.filter(project=project, status=Assessment.Status.SUBMITTED)
        .select_related("period__framework")
        .order_by("-period__opens_on")
        .first()
    )
    return {
        **_project(project, unit_path_names([project.team.unit])),
        "description": project.description,
        "profile": _profile(profile) if profile else None,
        "latest_result": _result(latest) if latest else None,
    }


def _profile(profile: ProjectProfile) -> ProfileOut:
    return ProfileOut(
        kind=profile.kind,
        serving=profile.serving,
        label_delay=profile.label_delay,
        risk_tier=profile.risk_tier,
    )


def _result(assessment: Assessment) -> ResultOut:
    return ResultOut(
        assessment_id=assessment.pk,
        period=assessment.period.key,
        framework_version=assessment.period.framework.version,
        overall_level=assessment.overall_level,
        overall_score=assessment.overall_score,
        review_status=ReviewStatus(assessment.review_status),
        submitted_at=assessment.submitted_at,
    )
