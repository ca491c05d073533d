"""Initiatives and where they stand, as their pages show them: who reads which is
`improvement.selectors.initiatives.initiatives_for_user`'s rule, the numbers are
`initiatives_progress`' (a fixed number of queries for a whole page of initiatives)."""

import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from api.auth import reader_of
from api.errors import ERRORS
from api.pagination import PageQuery, page_schema, paginate
from api.schemas import Slug, TeamRef
from improvement.models import InitiativeWeek
from improvement.selectors.initiative_progress import (
    InitiativeProgress,
    initiatives_progress,
    week_share,
)
from improvement.selectors.initiatives import (
    initiative_get_for_user,
    initiatives_for_user,
    scope_summary,
)

router = Router(tags=["Improvement"])


class WeekOut(Schema):
    week_start: datetime.date = Field(description="The Monday the point was recorded for.")
    projects_in_scope: int
    projects_complete: int
    percent_complete: float | None
    practices_in_place: int
    practices_total: int


class InitiativeOut(Schema):
    slug: str
    title: str
    why: str
    practice_keys: list[str]
    stages: list[str] = Field(description="The stages in scope; empty: every stage.")
    scope: str = Field(description="The scope in words.")
    starts_on: datetime.date
    target_on: datetime.date
    projects_in_scope: int
    projects_complete: int
    percent_complete: float | None = Field(description="null when no project in scope counts.")
    on_pace_percent: float = Field(description="Where it should stand today to finish in time.")
    behind: bool
    teams_behind: int
    latest_week: WeekOut | None = Field(description="The latest burn-up point recorded.")


class TeamBehindOut(Schema):
    team: TeamRef
    projects: int
    projects_complete: int
    percent_complete: float | None


class PracticeProgressOut(Schema):
    key: str
    question: str
    dimension: str
    in_place: int = Field(description="Projects where it is in place.")
    counted: int = Field(description="Projects where it counts.")


class InitiativeDetailOut(InitiativeOut):
    teams_behind_pace: list[TeamBehindOut] = Field(description="Furthest behind first.")
    practices: list[PracticeProgressOut]
    weeks: list[WeekOut] = Field(description="The burn-up, oldest first.")


InitiativePage = page_schema(InitiativeOut)


def _week(week: InitiativeWeek) -> WeekOut:
    return WeekOut(
        week_start=week.week_start,
        projects_in_scope=week.projects_in_scope,
        projects_complete=week.projects_complete,
        percent_complete=week_share(week),
        practices_in_place=week.practices_in_place,
        practices_total=week.practices_total,
    )


def _initiative(progress: InitiativeProgress) -> dict:
    initiative = progress.initiative
    return {
        "slug": initiative.slug,
        "title": initiative.title,
        "why": initiative.why,
        "practice_keys": list(initiative.practice_keys),
        "stages": list(initiative.stages or []),
        "scope": scope_summary(progress.scope),
        "starts_on": initiative.starts_on,
        "target_on": initiative.target_on,
        "projects_in_scope": progress.projects_in_scope,
        "projects_complete": progress.projects_complete,
        "percent_complete": progress.share,
        "on_pace_percent": progress.on_pace,
        "behind": progress.behind,
        "teams_behind": len(progress.teams_behind),
        "latest_week": _week(progress.weeks[-1]) if progress.weeks else None,
    }


@router.get(
    "/initiatives",
    response={200: InitiativePage, **ERRORS},
    url_name="initiative_list",
    summary="The initiatives this token reads, soonest target first",
    description="Management and unit managers read every initiative; leads and members "
    "those whose scope includes one of their teams; archived ones are left out.",
)
def initiative_list(request: HttpRequest, page: Query[PageQuery]) -> dict:
    rows, next_url = paginate(
        request,
        initiatives_for_user(user=reader_of(request)),
        page=page,
        ordering=("target_on", "title", "pk"),
        name="initiatives",
    )
    progress = initiatives_progress(initiatives=rows, today=timezone.localdate())
    return {
        "results": [_initiative(progress[initiative.pk]) for initiative in rows],
        "next": next_url,
    }


@router.get(
    "/initiatives/{slug}",
    response={200: InitiativeDetailOut, **ERRORS},
    url_name="initiative_detail",
    summary="One initiative, with its burn-up, practices and the teams behind pace",
)
def initiative_detail(request: HttpRequest, slug: Slug) -> dict:
    # As the page: by its address, an archived initiative still reads.
    initiative = initiative_get_for_user(user=reader_of(request), slug=slug)
    progress = initiatives_progress(initiatives=[initiative], today=timezone.localdate())[
        initiative.pk
    ]
    return {
        **_initiative(progress),
        "teams_behind_pace": [
            TeamBehindOut(
                team=TeamRef(slug=row.team.slug, name=row.team.name),
                projects=row.projects,
                projects_complete=row.complete,
                percent_complete=row.share,
            )
            for row in progress.teams_behind
        ],
        "practices": [
            PracticeProgressOut(
                key=count.practice.key,
                question=count.practice.question,
                dimension=count.practice.dimension,
                in_place=count.in_place,
                counted=count.counted,
            )
            for count in progress.practices
        ],
        "weeks": [_week(week) for week in progress.weeks],
    }
