"""Reads for initiatives: who sees which, their summaries and their progress as plain data.

Who sees what: management and org admins read (and change) every initiative, unit
managers read every initiative, leads and members read those whose scope includes one of
their teams (an initiative of the whole organisation includes every team), others none.
Stages do not narrow who reads: a team in the scope's units or teams sees the initiative.

Where an initiative stands is computed by `initiative_progress.initiatives_progress`
(scope, current answers and counts are defined there and in improvement.burnup), in a
fixed number of queries for any number of initiatives.
"""

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.http import Http404

from assessments.models import Practice
from assessments.services.frameworks import framework_latest
from core.access import AnyUser, is_management, is_unit_manager
from improvement import burnup
from improvement.models import Initiative
from improvement.selectors.initiative_progress import (
    InitiativeProgress,
    Scope,
    initiatives_progress,
    week_share,
)
from teams.models import Membership, Project

__all__ = [
    "InitiativeProgress",
    "InitiativeSummary",
    "initiative_can_manage",
    "initiative_get_for_user",
    "initiative_progress",
    "initiative_summaries",
    "initiatives_for_user",
    "practice_choices",
    "scope_summary",
]


# --- Who sees which --------------------------------------------------------------------------


def initiative_can_manage(user: AnyUser) -> bool:
    """Management and org admins create and edit initiatives and send their reminders."""
    return is_management(user)


def _visible_q(user: AnyUser) -> Q:
    if is_management(user) or is_unit_manager(user):
        return Q()
    if not user.is_authenticated:
        return Q(pk__in=[])
    my_teams = list(
        Membership.objects.filter(user_id=user.pk).values_list("team_id", "team__unit__path")
    )
    if not my_teams:
        return Q(pk__in=[])
    # A unit's path lists its ancestors' ids ("/3/7/"), so the units whose subtree holds a
    # team are exactly the prefixes of the path of the team's unit.
    enclosing = {
        path[: index + 1]
        for _, path in my_teams
        if path
        for index, char in enumerate(path)
        if char == "/" and index > 0
    }
    units = Initiative.units.through.objects
    teams = Initiative.teams.through.objects
    whole_organisation = ~Q(pk__in=units.values("initiative_id")) & ~Q(
        pk__in=teams.values("initiative_id")
    )
    return (
        whole_organisation
        | Q(pk__in=teams.filter(team_id__in=[pk for pk, _ in my_teams]).values("initiative_id"))
        | Q(pk__in=units.filter(unit__path__in=enclosing).values("initiative_id"))
    )


def initiatives_for_user(*, user: AnyUser) -> QuerySet[Initiative]:
    """The initiatives the user may read, not archived, soonest target first."""
    return Initiative.objects.filter(_visible_q(user), archived_at__isnull=True).order_by(
        "target_on", "title"
    )


def initiative_get_for_user(*, user: AnyUser, slug: str) -> Initiative:
    initiative = Initiative.objects.filter(_visible_q(user), slug=slug).first()
    if initiative is None:
        raise Http404("No such initiative.")
    return initiative


# --- Progress and summaries ------------------------------------------------------------------


def initiative_progress(*, initiative: Initiative, today: datetime.date) -> InitiativeProgress:
    return initiatives_progress(initiatives=[initiative], today=today)[initiative.pk]


@dataclass(frozen=True)
class InitiativeSummary:
    """One initiative in a line: for the list page, the reports and the lead's pages."""

    title: str
    slug: str
    url: str
    scope: str
    starts_on: datetime.date
    target_on: datetime.date
    percent_complete: float | None  # None when no project in scope has a practice to count
    on_pace_percent: float
    teams_behind: int
    projects_in_scope: int
    projects_complete: int

    @property
    def behind(self) -> bool:
        return self.percent_complete is not None and self.percent_complete < self.on_pace_percent


def initiative_summaries(
    *, initiatives: Sequence[Initiative], today: datetime.date
) -> list[InitiativeSummary]:
    """Where each initiative stands today, in the order given (ten queries for any number)."""
    initiatives = list(initiatives)
    progress = initiatives_progress(initiatives=initiatives, today=today)
    return [_summary(progress[initiative.pk]) for initiative in initiatives]


def _summary(progress: InitiativeProgress) -> InitiativeSummary:
    initiative = progress.initiative
    return InitiativeSummary(
        title=initiative.title,
        slug=initiative.slug,
        url=initiative.get_absolute_url(),
        scope=scope_summary(progress.scope),
        starts_on=initiative.starts_on,
        target_on=initiative.target_on,
        percent_complete=progress.share,
        on_pace_percent=progress.on_pace,
        teams_behind=len(progress.teams_behind),
        projects_in_scope=progress.projects_in_scope,
        projects_complete=progress.projects_complete,
    )


def scope_summary(scope: Scope) -> str:
    """The scope in words: "Production and pilot projects in Retail, Fraud Detection"."""
    labels = dict(Project.Stage.choices)
    stages = [str(labels.get(stage, stage)).lower() for stage in scope.stages]
    kind = f"{_joined(stages).capitalize()} projects" if stages else "All projects"
    places = [name for name, _ in scope.units] + [name for name, _ in scope.teams]
    return f"{kind} in {_joined(places) if places else 'the whole organisation'}"


def _joined(parts: Sequence[str]) -> str:
    if len(parts) < 2:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


# --- The practices to choose from ------------------------------------------------------------


def practice_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The latest framework's practices grouped by dimension: [(dimension, [(key, question)])]."""
    framework = framework_latest()
    if framework is None:
        return []
    groups: dict[str, list[tuple[str, str]]] = {}
    for key, question, dimension in (
        Practice.objects.filter(framework=framework)
        .order_by("dimension__order", "order")
        .values_list("key", "question", "dimension__name")
    ):
        groups.setdefault(dimension, []).append((key, question))
    return list(groups.items())


# --- The progress CSV ------------------------------------------------------------------------

CSV_HEADER = (
    "row",
    "week_start",
    "team",
    "unit",
    "leads",
    "projects_in_scope",
    "projects_complete",
    "percent_complete",
    "on_pace_percent",
    "practices_in_place",
    "practices_total",
    "behind",
)


def initiative_csv_rows(*, progress: InitiativeProgress) -> Iterator[tuple]:
    """A "week" row per recorded burn-up point, then a "team" row per team with projects in
    scope (today's numbers). Percentages to one decimal; empty when nothing counts."""
    for week in progress.weeks:
        on_pace = _on_pace_on(progress, week.week_start)
        yield (
            "week",
            week.week_start.isoformat(),
            "",
            "",
            "",
            week.projects_in_scope,
            week.projects_complete,
            _one_decimal(week_share(week)),
            _one_decimal(on_pace),
            week.practices_in_place,
            week.practices_total,
            "",
        )
    for team in progress.teams:
        yield (
            "team",
            progress.today.isoformat(),
            team.team.name,
            team.team.unit.name if team.team.unit else "",
            "; ".join(_name(lead) for lead in team.leads),
            team.projects,
            team.complete,
            _one_decimal(team.share),
            _one_decimal(team.on_pace),
            "",
            "",
            "yes" if team.behind else "no",
        )


def _on_pace_on(progress: InitiativeProgress, day: datetime.date) -> float:
    start, start_percent = progress.pace_start
    return burnup.on_pace_percent(
        start=start, start_percent=start_percent, target=progress.initiative.target_on, day=day
    )


def _one_decimal(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()
