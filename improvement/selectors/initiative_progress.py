"""Where initiatives stand now: their scope, each project's current answers, the counts.

Computed for any number of initiatives at once in a fixed number of queries (seven,
whatever the number of initiatives, projects or answers), so the list, the detail page,
the weekly tick and the reports all read the same numbers the same way.

Scope: the projects that are not archived, of teams that are not archived, whose stage is
one of the initiative's stages (any stage when it names none), in the initiative's teams
or in the subtree of its units (`Unit.path` starts with the unit's path), or anywhere in
the organisation when it names neither units nor teams.

Answers: only the assessments of the two most recent periods that have assessments (by
`Period.opens_on`) are read; the rules for the current answer, "in place", "not
applicable" and "complete" are improvement.burnup's (see its docstring). The database
applies both and counts (`initiative_counts`); this module reads the counts per team and
per practice and puts names to them.
"""

import datetime
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import User

from assessments.models import Practice
from improvement import burnup
from improvement.models import Initiative, InitiativeWeek
from improvement.selectors.initiative_counts import (
    PracticeTally,
    ScopeRule,
    TeamCount,
    initiative_counts,
)
from teams.models import Membership, Team


@dataclass(frozen=True)
class Scope:
    stages: tuple[str, ...]
    units: tuple[tuple[str, str], ...]  # (name, path)
    teams: tuple[tuple[str, int], ...]  # (name, pk)

    @property
    def whole_organisation(self) -> bool:
        return not self.units and not self.teams


@dataclass(frozen=True)
class PracticeInfo:
    key: str
    question: str
    dimension: str
    known: bool = True  # False for a key no loaded framework has (any more)


@dataclass(frozen=True)
class PracticeCount:
    practice: PracticeInfo
    in_place: int  # projects where it is in place
    counted: int  # projects where it counts
    left_out: int  # projects that answered "not applicable" or are not asked it

    @property
    def share(self) -> float | None:
        return burnup.percent(self.in_place, self.counted)


@dataclass(frozen=True)
class TeamProgress:
    team: Team
    leads: tuple[User, ...]
    projects: int  # in-scope projects for which at least one practice counts
    complete: int
    on_pace: float

    @property
    def share(self) -> float | None:
        return burnup.percent(self.complete, self.projects)

    @property
    def behind(self) -> bool:
        return burnup.is_behind(share=self.share, on_pace=self.on_pace)

    @property
    def gap(self) -> float:
        return burnup.gap(share=self.share, on_pace=self.on_pace)


@dataclass(frozen=True)
class InitiativeProgress:
    initiative: Initiative
    today: datetime.date
    scope: Scope
    projects_in_scope: int  # projects for which at least one of the practices counts
    projects_complete: int
    not_applicable_projects: int  # in scope, but none of the practices counts for them
    practices_in_place: int
    practices_total: int
    practices: tuple[PracticeCount, ...]
    teams: tuple[TeamProgress, ...]
    weeks: tuple[InitiativeWeek, ...]
    pace_start: tuple[datetime.date, float]
    on_pace: float  # the on-pace share today

    @property
    def share(self) -> float | None:
        return burnup.percent(self.projects_complete, self.projects_in_scope)

    @property
    def behind(self) -> bool:
        return burnup.is_behind(share=self.share, on_pace=self.on_pace)

    @property
    def teams_behind(self) -> list[TeamProgress]:
        """The teams below the on-pace share, furthest behind first."""
        behind = [team for team in self.teams if team.behind]
        return sorted(behind, key=lambda team: (-team.gap, team.team.name))


def week_share(week: InitiativeWeek) -> float | None:
    return burnup.percent(week.projects_complete, week.projects_in_scope)


def initiatives_progress(
    *, initiatives: Sequence[Initiative], today: datetime.date
) -> dict[int, InitiativeProgress]:
    """Each initiative's progress now, by initiative pk, in seven queries: the answers as
    they are now; `today` decides the on-pace share (and the demo passes earlier days).
    The database counts (`initiative_counts`): what is read here grows with the number of
    teams and practices, not of projects."""
    if not initiatives:
        return {}
    scopes = _scopes(initiatives)
    team_counts, practice_counts = initiative_counts(
        [
            ScopeRule(
                initiative_id=initiative.pk,
                stages=scopes[initiative.pk].stages,
                unit_paths=tuple(path for _, path in scopes[initiative.pk].units),
                team_ids=tuple(pk for _, pk in scopes[initiative.pk].teams),
                practice_keys=tuple(initiative.practice_keys),
            )
            for initiative in initiatives
        ]
    )
    team_ids = {row.team_id for row in team_counts if row.projects}
    teams = Team.objects.select_related("unit").in_bulk(team_ids) if team_ids else {}
    keys = sorted({key for initiative in initiatives for key in initiative.practice_keys})
    practices = _practices(keys)
    leads = _leads(team_ids)
    weeks = _weeks(initiatives)
    by_initiative: dict[int, _Counts] = defaultdict(_Counts)
    for row in team_counts:
        by_initiative[row.initiative_id].teams.append(row)
    for tally in practice_counts:
        by_initiative[tally.initiative_id].practices[tally.key] = tally
    return {
        initiative.pk: _progress(
            initiative,
            scope=scopes[initiative.pk],
            counts=by_initiative[initiative.pk],
            teams=teams,
            practices=practices,
            leads=leads,
            weeks=weeks[initiative.pk],
            today=today,
        )
        for initiative in initiatives
    }


def _scopes(initiatives: Sequence[Initiative]) -> dict[int, Scope]:
    ids = [initiative.pk for initiative in initiatives]
    units: dict[int, list[tuple[str, str]]] = defaultdict(list)
    teams: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for initiative_id, name, path in (
        Initiative.units.through.objects.filter(initiative_id__in=ids)
        .order_by("unit__path")
        .values_list("initiative_id", "unit__name", "unit__path")
    ):
        units[initiative_id].append((name, path))
    for initiative_id, name, pk in (
        Initiative.teams.through.objects.filter(initiative_id__in=ids)
        .order_by("team__name")
        .values_list("initiative_id", "team__name", "team_id")
    ):
        teams[initiative_id].append((name, pk))
    return {
        initiative.pk: Scope(
            stages=tuple(initiative.stages or ()),
            units=tuple(units[initiative.pk]),
            teams=tuple(teams[initiative.pk]),
        )
        for initiative in initiatives
    }


@dataclass
class _Counts:
    """One initiative's rows of `initiative_counts`."""

    teams: list[TeamCount] = field(default_factory=list)
    practices: dict[str, PracticeTally] = field(default_factory=dict)


def _practices(keys: Sequence[str]) -> dict[str, PracticeInfo]:
    """Each key's wording, from the newest framework version that has it."""
    info: dict[str, PracticeInfo] = {}
    rows = (
        Practice.objects.filter(key__in=keys)
        .order_by("framework__version")
        .values_list("key", "question", "dimension__name")
    )
    for key, question, dimension in rows:
        info[key] = PracticeInfo(key=key, question=question, dimension=dimension)
    return info


def _leads(team_ids: Collection[int]) -> dict[int, list[User]]:
    leads: dict[int, list[User]] = defaultdict(list)
    for membership in (
        Membership.objects.filter(team_id__in=team_ids, role=Membership.Role.LEAD)
        .select_related("user")
        .order_by("user__first_name", "user__username")
    ):
        leads[membership.team_id].append(membership.user)
    return leads


def _weeks(initiatives: Sequence[Initiative]) -> dict[int, list[InitiativeWeek]]:
    weeks: dict[int, list[InitiativeWeek]] = defaultdict(list)
    for week in InitiativeWeek.objects.filter(
        initiative_id__in=[initiative.pk for initiative in initiatives]
    ).order_by("week_start"):
        weeks[week.initiative_id].append(week)
    return weeks


def _progress(
    initiative: Initiative,
    *,
    scope: Scope,
    counts: _Counts,
    teams: dict[int, Team],
    practices: dict[str, PracticeInfo],
    leads: dict[int, list[User]],
    weeks: list[InitiativeWeek],
    today: datetime.date,
) -> InitiativeProgress:
    keys = list(dict.fromkeys(initiative.practice_keys))
    points = [(w.week_start, s) for w in weeks if (s := week_share(w)) is not None]
    start = burnup.pace_start(points=points, starts_on=initiative.starts_on)
    on_pace = burnup.on_pace_percent(
        start=start[0], start_percent=start[1], target=initiative.target_on, day=today
    )
    counted_teams = sorted(
        (row for row in counts.teams if row.projects),
        key=lambda row: (teams[row.team_id].name, row.team_id),
    )
    tallies = [
        counts.practices.get(key) or PracticeTally(initiative.pk, key, 0, 0, 0) for key in keys
    ]
    return InitiativeProgress(
        initiative=initiative,
        today=today,
        scope=scope,
        projects_in_scope=sum(row.projects for row in counted_teams),
        projects_complete=sum(row.complete for row in counted_teams),
        not_applicable_projects=sum(row.not_applicable for row in counts.teams),
        practices_in_place=sum(tally.in_place for tally in tallies),
        practices_total=sum(tally.counted for tally in tallies),
        practices=tuple(
            PracticeCount(
                practice=practices.get(
                    tally.key,
                    PracticeInfo(key=tally.key, question=tally.key, dimension="", known=False),
                ),
                in_place=tally.in_place,
                counted=tally.counted,
                left_out=tally.left_out,
            )
            for tally in tallies
        ),
        teams=tuple(
            TeamProgress(
                team=teams[row.team_id],
                leads=tuple(leads.get(row.team_id, ())),
                projects=row.projects,
                complete=row.complete,
                on_pace=on_pace,
            )
            for row in counted_teams
        ),
        weeks=tuple(weeks),
        pace_start=start,
        on_pace=on_pace,
    )
