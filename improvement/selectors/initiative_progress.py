"""Where initiatives stand now: their scope, each project's current answers, the counts.

Computed for any number of initiatives at once in a fixed number of queries (ten,
whatever the number of initiatives, projects or answers), so the list, the detail page,
the weekly tick and the reports all read the same numbers the same way.

Scope: the projects that are not archived, of teams that are not archived, whose stage is
one of the initiative's stages (any stage when it names none), in the initiative's teams
or in the subtree of its units (`Unit.path` starts with the unit's path), or anywhere in
the organisation when it names neither units nor teams.

Answers: only the assessments of the two most recent periods that have assessments (by
`Period.opens_on`) are read; the rules for the current answer, "in place", "not
applicable" and "complete" are improvement.burnup's (see its docstring).
"""

import datetime
import operator
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, Q, QuerySet

from assessments.models import Answer, Assessment, Period, Practice, ProjectProfile
from assessments.rules.profiles import Profile, matches
from core.access import in_units_q
from improvement import burnup
from improvement.models import Initiative, InitiativeWeek
from teams.models import Membership, Project, Team

# Frameworks from this scoring rule on ask each project only the practices its profile matches.
RULE_WITH_PROFILES = 2


@dataclass(frozen=True)
class Scope:
    stages: tuple[str, ...]
    units: tuple[tuple[str, str], ...]  # (name, path)
    teams: tuple[tuple[str, int], ...]  # (name, pk)

    @property
    def whole_organisation(self) -> bool:
        return not self.units and not self.teams

    def covers(self, project: Project) -> bool:
        if self.stages and project.stage not in self.stages:
            return False
        if self.whole_organisation:
            return True
        unit = project.team.unit
        in_units = unit is not None and any(unit.path.startswith(p) for _, p in self.units)
        return in_units or any(pk == project.team_id for _, pk in self.teams)

    def q(self) -> Q:
        """The same rule for a queryset of projects."""
        where = Q(archived_at__isnull=True, team__archived_at__isnull=True)
        if self.stages:
            where &= Q(stage__in=self.stages)
        if self.whole_organisation:
            return where
        paths = tuple(path for _, path in self.units)
        return where & (
            in_units_q(paths, unit="team__unit__") | Q(team_id__in=[pk for _, pk in self.teams])
        )


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
    """Each initiative's progress now, by initiative pk, in ten queries: the answers as they
    are now; `today` decides the on-pace share (and the demo passes earlier days)."""
    if not initiatives:
        return {}
    scopes = _scopes(initiatives)
    projects_q = Project.objects.filter(reduce(operator.or_, [s.q() for s in scopes.values()]))
    projects = list(projects_q.select_related("team", "team__unit").order_by("pk"))
    keys = sorted({key for initiative in initiatives for key in initiative.practice_keys})
    answers = _current_answers(projects_q.values("pk"), keys)
    practices = _practices(keys)
    leads = _leads(projects_q.values("team_id"))
    weeks = _weeks(initiatives)
    return {
        initiative.pk: _progress(
            initiative,
            scope=scopes[initiative.pk],
            projects=[project for project in projects if scopes[initiative.pk].covers(project)],
            answers=answers,
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
class _Answers:
    """Per project: its current answers and how to tell which practices it is asked."""

    values: dict[int, dict[str, str]]
    framework: dict[int, int]  # project -> the framework its latest assessment uses
    profile: dict[int, Profile | None]
    latest_framework: int | None


def _current_answers(projects: QuerySet, keys: Sequence[str]) -> _Answers:
    """Four queries: the last two periods, their assessments, the answers to `keys`, the
    projects' profiles. The answers as they are now, whatever day the caller is about: a
    period without assessments (not opened yet) is not one of the two."""
    periods = list(
        Period.objects.filter(Exists(Assessment.objects.filter(period_id=OuterRef("pk"))))
        .order_by("-opens_on")
        .values_list("pk", "framework_id")[:2]
    )
    order = {pk: index for index, (pk, _) in enumerate(periods)}
    rows = Assessment.objects.filter(period_id__in=list(order), project_id__in=projects)
    by_project: dict[int, list[tuple[int, int, str, dict]]] = defaultdict(list)
    for pk, project_id, period_id, status, stored in rows.values_list(
        "pk", "project_id", "period_id", "status", "profile"
    ):
        by_project[project_id].append((order[period_id], pk, status, stored or {}))
    answers: dict[int, dict[str, str]] = defaultdict(dict)
    for assessment_id, key, value in Answer.objects.filter(
        assessment__in=rows, practice__key__in=keys
    ).values_list("assessment_id", "practice__key", "value"):
        answers[assessment_id][key] = value
    recorded = {
        row.project_id: row.as_profile()
        for row in ProjectProfile.objects.filter(project_id__in=projects)
    }
    result = _Answers(
        values={},
        framework={},
        profile=dict(recorded),
        latest_framework=periods[0][1] if periods else None,
    )
    for project_id, assessments in by_project.items():
        latest, *earlier = sorted(assessments)
        _, latest_pk, status, stored = latest
        is_draft = status == Assessment.Status.DRAFT
        previous = next((a for a in earlier if a[2] == Assessment.Status.SUBMITTED), None)
        result.values[project_id] = burnup.current_answers(
            latest=answers[latest_pk],
            latest_is_draft=is_draft,
            previous=answers[previous[1]] if previous else None,
        )
        result.framework[project_id] = periods[latest[0]][1]
        if not is_draft:  # a submission keeps the profile it was scored with
            result.profile[project_id] = Profile.from_mapping(stored)
    return result


@dataclass
class _Practices:
    """The practices with the initiative's keys, in every framework version that has them."""

    asked_when: dict[tuple[int, str], dict]  # (framework, key) -> applies_to
    rule: dict[int, int]  # framework -> scoring rule
    info: dict[str, PracticeInfo]  # key -> wording from the newest version that has it


def _practices(keys: Sequence[str]) -> _Practices:
    practices = _Practices(asked_when={}, rule={}, info={})
    rows = (
        Practice.objects.filter(key__in=keys)
        .order_by("framework__version")
        .values_list(
            "framework_id",
            "framework__scoring_rule",
            "key",
            "applies_to",
            "question",
            "dimension__name",
        )
    )
    for framework_id, rule, key, applies_to, question, dimension in rows:
        practices.asked_when[framework_id, key] = applies_to or {}
        practices.rule[framework_id] = rule
        practices.info[key] = PracticeInfo(key=key, question=question, dimension=dimension)
    return practices


def _asked(project_id: int, keys: Sequence[str], answers: _Answers, practices: _Practices) -> set:
    """The keys the project is asked by the framework of its latest assessment (the latest
    period's when it has none) and its profile."""
    framework = answers.framework.get(project_id, answers.latest_framework)
    if framework is None:  # no period yet: every known practice counts
        return {key for key in keys if key in practices.info}
    profile = answers.profile.get(project_id)
    by_profile = practices.rule.get(framework, 1) >= RULE_WITH_PROFILES
    return {
        key
        for key in keys
        if (framework, key) in practices.asked_when
        and (not by_profile or matches(practices.asked_when[framework, key], profile))
    }


def _leads(team_ids: QuerySet) -> dict[int, list[User]]:
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
    projects: list[Project],
    answers: _Answers,
    practices: _Practices,
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
    per_key = {key: [0, 0, 0] for key in keys}  # in place, counted, left out
    per_team: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # projects, complete
    teams: dict[int, Team] = {}
    not_applicable = 0
    for project in projects:
        progress = burnup.project_progress(
            practice_keys=keys,
            answers=answers.values.get(project.pk, {}),
            asked=_asked(project.pk, keys, answers, practices),
        )
        for key in keys:
            counts = per_key[key]
            counts[0] += key in progress.in_place
            counts[1] += key in progress.counted
            counts[2] += key not in progress.counted
        if not progress.applicable:
            not_applicable += 1
            continue
        teams[project.team_id] = project.team
        per_team[project.team_id][0] += 1
        per_team[project.team_id][1] += progress.complete
    totals = list(per_key.values())
    return InitiativeProgress(
        initiative=initiative,
        today=today,
        scope=scope,
        projects_in_scope=sum(projects for projects, _ in per_team.values()),
        projects_complete=sum(complete for _, complete in per_team.values()),
        not_applicable_projects=not_applicable,
        practices_in_place=sum(counts[0] for counts in totals),
        practices_total=sum(counts[1] for counts in totals),
        practices=tuple(
            PracticeCount(
                practice=practices.info.get(
                    key, PracticeInfo(key=key, question=key, dimension="", known=False)
                ),
                in_place=counts[0],
                counted=counts[1],
                left_out=counts[2],
            )
            for key, counts in per_key.items()
        ),
        teams=tuple(
            TeamProgress(
                team=teams[team_id],
                leads=tuple(leads.get(team_id, ())),
                projects=projects,
                complete=complete,
                on_pace=on_pace,
            )
            for team_id, (projects, complete) in sorted(
                per_team.items(), key=lambda item: teams[item[0]].name
            )
        ),
        weeks=tuple(weeks),
        pace_start=start,
        on_pace=on_pace,
    )
