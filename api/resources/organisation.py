"""Units and teams: the organisation as the token's reader sees it."""

from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema

from api.auth import reader_of
from api.errors import ERRORS
from api.pagination import PageQuery, page_schema, paginate
from api.schemas import Slug, TeamRef, UnitRef, unit_ref
from api.scope import teams_for, unit_path_names, units_for
from teams.models import Team, Unit

router = Router(tags=["Organisation"])


class UnitOut(Schema):
    slug: str
    name: str
    parent: str | None  # the parent unit's slug
    path: list[str]
    depth: int
    archived: bool


class UnitDetailOut(UnitOut):
    children: list[str]  # slugs of the sub-units this token reads
    teams: list[TeamRef]  # the teams directly in the unit that this token reads


class TeamOut(Schema):
    slug: str
    name: str
    description: str
    unit: UnitRef | None
    archived: bool
    active_projects: int


class ProjectBrief(Schema):
    slug: str
    name: str
    stage: str
    archived: bool


class TeamDetailOut(TeamOut):
    projects: list[ProjectBrief]


UnitPage = page_schema(UnitOut)
TeamPage = page_schema(TeamOut)


def _unit(unit: Unit, paths: dict[int, list[str]]) -> dict:
    return {
        "slug": unit.slug,
        "name": unit.name,
        "parent": unit.parent.slug if unit.parent else None,
        "path": paths.get(unit.pk, [unit.name]),
        "depth": unit.depth,
        "archived": unit.is_archived,
    }


@router.get(
    "/units",
    response={200: UnitPage, **ERRORS},
    url_name="unit_list",
    summary="The units this token reads",
    description="Management reads every unit; a unit manager the subtrees they manage; "
    "anyone else the units of their teams. In tree order.",
)
def unit_list(request: HttpRequest, page: Query[PageQuery]) -> dict:
    rows, next_url = paginate(
        request,
        units_for(reader_of(request)).select_related("parent"),
        page=page,
        ordering=("path", "pk"),
        name="units",
    )
    paths = unit_path_names(list(rows))
    return {"results": [_unit(unit, paths) for unit in rows], "next": next_url}


@router.get(
    "/units/{slug}",
    response={200: UnitDetailOut, **ERRORS},
    url_name="unit_detail",
    summary="One unit, with its sub-units and teams",
)
def unit_detail(request: HttpRequest, slug: Slug) -> dict:
    reader = reader_of(request)
    unit = units_for(reader).select_related("parent").filter(slug=slug).first()
    if unit is None:
        raise Http404
    children = units_for(reader).filter(parent=unit).order_by("path")
    teams = teams_for(reader).filter(unit=unit).order_by("name")
    return {
        **_unit(unit, unit_path_names([unit])),
        "children": list(children.values_list("slug", flat=True)),
        "teams": [TeamRef(slug=team.slug, name=team.name) for team in teams],
    }


def _teams(request: HttpRequest) -> QuerySet[Team]:
    return (
        teams_for(reader_of(request))
        .select_related("unit")
        .annotate(active_projects=Count("projects", filter=Q(projects__archived_at__isnull=True)))
    )


def _team(team: Team, paths: dict[int, list[str]]) -> dict:
    return {
        "slug": team.slug,
        "name": team.name,
        "description": team.description,
        "unit": unit_ref(team.unit, paths),
        "archived": team.archived_at is not None,
        "active_projects": team.active_projects,  # type: ignore[attr-defined]
    }


@router.get(
    "/teams",
    response={200: TeamPage, **ERRORS},
    url_name="team_list",
    summary="The teams this token reads",
    description="Management reads every team; a unit manager the teams in their units; "
    "a lead or member their own teams. By name.",
)
def team_list(request: HttpRequest, page: Query[PageQuery]) -> dict:
    rows, next_url = paginate(
        request, _teams(request), page=page, ordering=("name", "pk"), name="teams"
    )
    paths = unit_path_names([team.unit for team in rows])
    return {"results": [_team(team, paths) for team in rows], "next": next_url}


@router.get(
    "/teams/{slug}",
    response={200: TeamDetailOut, **ERRORS},
    url_name="team_detail",
    summary="One team, with its projects",
)
def team_detail(request: HttpRequest, slug: Slug) -> dict:
    team = _teams(request).filter(slug=slug).first()
    if team is None:
        raise Http404
    projects = team.projects.order_by("name").values("slug", "name", "stage", "archived_at")
    return {
        **_team(team, unit_path_names([team.unit])),
        "projects": [
            ProjectBrief(
                slug=row["slug"],
                name=row["name"],
                stage=row["stage"],
                archived=row["archived_at"] is not None,
            )
            for row in projects
        ],
    }
