"""Targets and improvement actions, read as the project and plan pages read them
(`improvement.selectors`): a project's target and standing come from `project_targets`,
an action is visible wherever its team's plan is."""

import datetime

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from api.auth import reader_of
from api.errors import ERRORS
from api.pagination import PageQuery, page_schema, paginate
from api.resources.projects import ProjectFilters, filtered_projects
from api.schemas import (
    FILTER_NOTE,
    ActionStatus,
    Id,
    ProjectRef,
    ProjectStage,
    Slug,
    TeamRef,
    resolve,
)
from api.scope import actions_for, projects_for, teams_for
from improvement.models import Action, ActionChange
from improvement.selectors.targets import ProjectTarget, TargetStanding, project_targets

router = Router(tags=["Improvement"])


# --- Targets ----------------------------------------------------------------------------------


class StandingOut(Schema):
    dimension_key: str | None = Field(description="null: the overall level's target.")
    dimension_name: str
    target_level: int
    due_on: datetime.date
    source: str = Field(description="organisation (the policy for the stage), team or project")
    reason: str = Field(description="An override's reason.")
    status: str = Field(description="met, on_track, behind or no_assessment")
    overdue: bool
    level: int | None = Field(description="The latest submitted assessment's level.")
    position: float | None = Field(description="Level plus progress to the next.")
    gap_levels: int | None
    gap_points: float | None
    pace: float = Field(description="Points a quarter over the last four assessments.")
    quarters_left: float
    explanation: str


class LatestOut(Schema):
    period: str
    level: int
    score: float | None


class TargetOut(Schema):
    project: ProjectRef
    team: TeamRef
    stage: ProjectStage
    status: str = Field(
        description="The worst of its targets: met, on_track, behind; or no_assessment, no_target."
    )
    overdue: bool
    latest: LatestOut | None
    overall: StandingOut | None
    dimensions: list[StandingOut]


TargetPage = page_schema(TargetOut)


def _standing(standing: TargetStanding) -> StandingOut:
    target, judgement = standing.target, standing.judgement
    return StandingOut(
        dimension_key=standing.dimension_key or None,
        dimension_name=standing.dimension_name,
        target_level=target.level,
        due_on=target.due_on,
        source=target.source,
        reason=target.reason,
        status=judgement.status,
        overdue=judgement.overdue,
        level=judgement.level,
        position=judgement.position,
        gap_levels=judgement.gap_levels,
        gap_points=judgement.gap_points,
        pace=judgement.pace,
        quarters_left=judgement.quarters_left,
        explanation=judgement.explanation,
    )


def _target(target: ProjectTarget) -> TargetOut:
    return TargetOut(
        project=ProjectRef(slug=target.slug, name=target.name),
        team=TeamRef(slug=target.team_slug, name=target.team_name),
        stage=ProjectStage(target.stage),
        status=target.status,
        overdue=target.overdue,
        latest=LatestOut(period=target.quarter, level=target.level, score=target.score)
        if target.level is not None
        else None,
        overall=_standing(target.overall) if target.overall else None,
        dimensions=[_standing(standing) for standing in target.dimensions],
    )


@router.get(
    "/targets",
    response={200: TargetPage, **ERRORS},
    url_name="target_list",
    summary="Each project's targets and whether it is on track",
    description="The projects this token reads that are not archived, by team and name. "
    "Judged today, on the results that count under the review policy.",
)
def target_list(
    request: HttpRequest, filters: Query[ProjectFilters], page: Query[PageQuery]
) -> dict:
    projects = filtered_projects(reader_of(request), filters).filter(archived_at__isnull=True)
    rows, next_url = paginate(
        request,
        projects.select_related("team"),
        page=page,
        ordering=("team__name", "name", "pk"),
        name="targets",
    )
    targets = project_targets(projects=[project.pk for project in rows], today=timezone.localdate())
    return {
        "results": [_target(targets[project.pk]) for project in rows if project.pk in targets],
        "next": next_url,
    }


# --- Actions ----------------------------------------------------------------------------------


class ActionFilters(Schema):
    team: Slug | None = Field(None, description="A team's slug." + FILTER_NOTE)
    project: Slug | None = Field(None, description="A project's slug." + FILTER_NOTE)
    status: ActionStatus | None = Field(None, description="Only actions in this status.")


class ActionOut(Schema):
    id: int
    title: str
    team: TeamRef
    project: ProjectRef | None
    practice_key: str
    dimension_key: str
    practice_level: int | None
    effort: str
    status: ActionStatus
    owner: str | None = Field(description="The owner's username.")
    due_on: datetime.date | None
    overdue: bool
    done_at: datetime.datetime | None
    next_step: str
    ticket_url: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ChangeOut(Schema):
    field: str
    old_value: str
    new_value: str
    changed_by: str | None
    changed_at: datetime.datetime


class ActionDetailOut(ActionOut):
    notes: str
    dropped_reason: str
    history: list[ChangeOut] = Field(description="Every change, oldest first.")


ActionPage = page_schema(ActionOut)
ACTION_RELATIONS = ("team", "project", "owner")


def _filtered_actions(request: HttpRequest, filters: ActionFilters) -> QuerySet[Action]:
    reader = reader_of(request)
    actions = actions_for(reader)
    team = resolve(teams_for(reader), param="team", value=filters.team, noun="team")
    if team is not None:
        actions = actions.filter(team=team)
    project = resolve(projects_for(reader), param="project", value=filters.project, noun="project")
    if project is not None:
        actions = actions.filter(project=project)
    if filters.status is not None:
        actions = actions.filter(status=filters.status.value)
    return actions


def _action(action: Action, today: datetime.date) -> dict:
    return {
        "id": action.pk,
        "title": action.title,
        "team": TeamRef(slug=action.team.slug, name=action.team.name),
        "project": ProjectRef(slug=action.project.slug, name=action.project.name)
        if action.project
        else None,
        "practice_key": action.practice_key,
        "dimension_key": action.dimension_key,
        "practice_level": action.practice_level,
        "effort": action.effort,
        "status": action.status,
        "owner": action.owner.get_username() if action.owner else None,
        "due_on": action.due_on,
        "overdue": action.is_overdue(today),
        "done_at": action.done_at,
        "next_step": action.next_step,
        "ticket_url": action.ticket_url,
        "created_at": action.created_at,
        "updated_at": action.updated_at,
    }


@router.get(
    "/actions",
    response={200: ActionPage, **ERRORS},
    url_name="action_list",
    summary="The improvement actions of the teams this token reads",
    description="Every team's plan is readable by whoever reads the team. Oldest first.",
)
def action_list(
    request: HttpRequest, filters: Query[ActionFilters], page: Query[PageQuery]
) -> dict:
    actions = _filtered_actions(request, filters).select_related(*ACTION_RELATIONS)
    rows, next_url = paginate(request, actions, page=page, ordering=("pk",), name="actions")
    today = timezone.localdate()
    return {"results": [_action(action, today) for action in rows], "next": next_url}


@router.get(
    "/actions/{id}",
    response={200: ActionDetailOut, **ERRORS},
    url_name="action_detail",
    summary="One action, with its history",
)
def action_detail(request: HttpRequest, id: Id) -> dict:
    action = actions_for(reader_of(request)).select_related(*ACTION_RELATIONS).filter(pk=id).first()
    if action is None:
        raise Http404
    history = ActionChange.objects.filter(action=action).select_related("changed_by")
    return {
        **_action(action, timezone.localdate()),
        "notes": action.notes,
        "dropped_reason": action.dropped_reason,
        "history": [
            ChangeOut(
                field=change.field,
                old_value=change.old_value,
                new_value=change.new_value,
                changed_by=change.changed_by.get_username() if change.changed_by else None,
                changed_at=change.changed_at,
            )
            for change in history.order_by("changed_at", "pk")
        ],
    }
