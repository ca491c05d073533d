"""A plan for every demo team: five to eight improvement actions made from the next steps
its projects' latest results recommend, owned by its people, in every status (some
overdue, some done, one dropped with its reason), a few with ticket links and notes, each
with the history of how it got there.

The steps are the practices holding each project back in its latest submitted assessment
(its PracticeGap rows, lower levels and smaller efforts first), worded for the project's
profile; a project without a submitted result offers the practices its latest draft
answers "no" or "partly". Every action is marked is_demo.
"""

import datetime
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from assessments.models import Answer, Assessment, Period, PracticeGap, ProjectProfile
from assessments.rules.levels import EFFORTS
from assessments.rules.profiles import Profile
from assessments.rules.scoring import Practice
from assessments.scoring_inputs import scoring_framework
from improvement.models import Action, ActionChange
from improvement.services.actions import action_fields_for_practice
from teams.models import Membership, Project, Team

# Every plan has one action of each of these; the rest are drawn from EXTRA_KINDS.
KINDS = ("done", "overdue", "due_soon", "dropped", "planned")
EXTRA_KINDS = ("planned", "in_progress", "done", "planned", "overdue")
DROPPED_REASONS = [
    "Superseded by the platform team's shared monitoring service, which covers this.",
    "The project moves to the vendor's hosted model next quarter; not worth building here.",
    "Folded into the feature store migration, tracked there.",
    "The business paused the project until the new pricing is agreed.",
]
NOTES = [
    "Pairing with the platform team on this; they have done it for two other models.",
    "First draft shared in #ml-monitoring, waiting for the finance KPI feed.",
    "Needs a day with the data engineers; booked for the next sprint.",
    "Blocked until the new cluster quota is approved.",
]
TICKET_SHARE = 0.35
BATCH_SIZE = 5000


@dataclass(frozen=True)
class Step:
    project: Project
    practice: Practice
    assessment: Assessment | None  # the result it was recommended by, if any


@transaction.atomic
def seed_plans(*, teams: Sequence[Team], seed: int, today: datetime.date) -> int:
    """Plans for the teams that have no demo actions yet; how many actions were created."""
    planned = set(
        Action.objects.filter(team__in=teams, is_demo=True).values_list("team_id", flat=True)
    )
    teams = [team for team in teams if team.pk not in planned]
    if not teams:
        return 0
    steps = _next_steps(teams)
    people = _people(teams)
    projects: dict[int, list[Project]] = defaultdict(list)
    for project in sorted({step.project for steps_ in steps.values() for step in steps_}, key=_pk):
        projects[project.team_id].append(project)
    rows: list[tuple[Action, list[ActionChange]]] = []
    for team in teams:
        if people[team.pk]:
            rng = random.Random(f"{seed}-{team.slug}-plan")
            rows += _team_plan(team, projects[team.pk], steps, people[team.pk], rng, today)
    Action.objects.bulk_create([action for action, _ in rows], batch_size=BATCH_SIZE)
    for action, history in rows:
        for change in history:
            change.action = action
    ActionChange.objects.bulk_create(
        [change for _, history in rows for change in history], batch_size=BATCH_SIZE
    )
    return len(rows)


def _team_plan(
    team: Team,
    projects: list[Project],
    steps: dict[int, list[Step]],
    people: list[User],
    rng: random.Random,
    today: datetime.date,
) -> list[tuple[Action, list[ActionChange]]]:
    """Five to eight actions, one of each of KINDS first, owned by the team's people in
    turn; two open ones carry a note."""
    chosen = _pick(projects, steps, rng.randint(5, 8))
    extra = [rng.choice(EXTRA_KINDS) for _ in range(len(chosen) - len(KINDS))]
    offset = rng.randrange(len(people))
    plan = [
        _action(team, step, kind, people[(index + offset) % len(people)], people, rng, today)
        for index, (step, kind) in enumerate(zip(chosen, [*KINDS, *extra], strict=False))
    ]
    open_actions = [action for action, _ in plan if action.is_open]
    noted = rng.sample(open_actions, k=min(2, len(open_actions)))
    for action, note in zip(noted, rng.sample(NOTES, k=len(noted)), strict=True):
        action.notes = note
    return plan


def _pk(project: Project) -> int:
    return project.pk


def _pick(projects: list[Project], steps: dict[int, list[Step]], count: int) -> list[Step]:
    """The first steps of each project in turn, so the plan spreads over the projects."""
    chosen: list[Step] = []
    for depth in range(max((len(steps[p.pk]) for p in projects), default=0)):
        for project in projects:
            if depth < len(steps[project.pk]) and len(chosen) < count:
                chosen.append(steps[project.pk][depth])
    return chosen


# --- Where the steps come from ----------------------------------------------------------------


def _next_steps(teams: Sequence[Team]) -> dict[int, list[Step]]:
    """Project pk -> its recommended steps, from its latest submitted result of the last two
    quarters, or else the "no" and "partly" answers of its latest draft."""
    recent = list(Period.objects.order_by("-opens_on").select_related("framework")[:2])
    submitted = (
        Assessment.objects.filter(
            period__in=recent,
            project__team__in=teams,
            project__archived_at__isnull=True,
            status=Assessment.Status.SUBMITTED,
        )
        .select_related("project", "period__framework")
        .order_by("project_id", "-period__opens_on")
    )
    latest: dict[int, Assessment] = {}
    for assessment in submitted:
        latest.setdefault(assessment.project_id, assessment)
    gaps: dict[int, list[str]] = defaultdict(list)
    for assessment_id, key in PracticeGap.objects.filter(
        assessment__in=list(latest.values())
    ).values_list("assessment_id", "practice_key"):
        gaps[assessment_id].append(key)
    steps: dict[int, list[Step]] = defaultdict(list)
    for assessment in latest.values():
        profile = Profile.from_mapping(assessment.profile)
        _, practices = scoring_framework(assessment.period.framework, profile)
        wanted = set(gaps[assessment.pk])
        steps[assessment.project_id] = [
            Step(project=assessment.project, practice=practice, assessment=assessment)
            for practice in _by_priority(p for p in practices if p.key in wanted)
        ]
    if recent:
        _steps_from_drafts(teams, recent[0], steps)
    return steps


def _steps_from_drafts(teams: Sequence[Team], period: Period, steps: dict[int, list[Step]]) -> None:
    answers = (
        Answer.objects.filter(
            assessment__period=period,
            assessment__project__team__in=teams,
            assessment__project__archived_at__isnull=True,
            value__in=[Answer.Value.NO, Answer.Value.PARTLY],
        )
        .exclude(assessment__project_id__in=[pk for pk, found in steps.items() if found])
        .values_list("assessment__project", "practice__key")
    )
    keys: dict[int, set[str]] = defaultdict(set)
    for project_id, key in answers:
        keys[project_id].add(key)
    if not keys:
        return
    projects = Project.objects.in_bulk(list(keys))
    profiles = {
        row.project_id: row.as_profile()
        for row in ProjectProfile.objects.filter(project_id__in=list(keys))
    }
    for project_id, wanted in keys.items():
        _, practices = scoring_framework(period.framework, profiles.get(project_id))
        steps[project_id] = [
            Step(project=projects[project_id], practice=practice, assessment=None)
            for practice in _by_priority(p for p in practices if p.key in wanted)
        ]


def _by_priority(practices: Iterable[Practice]) -> list[Practice]:
    """Lower levels first, then smaller efforts, then framework order."""
    return sorted(practices, key=lambda p: (p.level, EFFORTS.index(p.effort), p.order))


def _people(teams: Sequence[Team]) -> dict[int, list[User]]:
    """Team pk -> its people, leads first."""
    people: dict[int, list[User]] = defaultdict(list)
    memberships = Membership.objects.filter(team__in=teams, user__is_active=True)
    for membership in sorted(
        memberships.select_related("user"), key=lambda m: (m.role != Membership.Role.LEAD, m.pk)
    ):
        people[membership.team_id].append(membership.user)
    return people


# --- One action and its history ---------------------------------------------------------------


def _action(
    team: Team,
    step: Step,
    kind: str,
    owner: User,
    people: list[User],
    rng: random.Random,
    today: datetime.date,
) -> tuple[Action, list[ActionChange]]:
    """An action of `kind` (done, overdue, due_soon, dropped, planned, in_progress) for one
    step, created some weeks ago, and the changes that brought it where it is."""
    now = timezone.now()
    lead = people[0]
    days = datetime.timedelta
    practice = step.practice
    action = Action(
        team=team,
        project=step.project,
        **action_fields_for_practice(practice),
        owner=owner,
        source_assessment=step.assessment,
        created_by=lead,
        created_at=now - days(days=rng.randint(21, 75), hours=rng.randint(0, 8)),
        is_demo=True,
    )
    if rng.random() < TICKET_SHARE:
        action.ticket_url = f"https://tracker.example.com/ML-{rng.randint(100, 999)}"
    history: list[tuple[datetime.datetime, User, str, str, str]] = []
    if kind == "dropped":
        action.status = Action.Status.DROPPED
        action.due_on = today + days(rng.randint(-10, 40))
        action.dropped_reason = rng.choice(DROPPED_REASONS)
        when = now - days(days=rng.randint(1, 12))
        history += [
            (when, lead, "status", Action.Status.PLANNED, Action.Status.DROPPED),
            (when, lead, "dropped_reason", "", action.dropped_reason),
        ]
    elif kind == "planned":
        action.due_on = today + days(rng.randint(14, 80))
    else:
        _in_progress_or_done(action, kind, owner, rng, today, history)
    if kind == "overdue" and action.due_on and rng.random() < 0.5:
        moved_from = (action.due_on - days(rng.randint(7, 21))).isoformat()
        when = action.created_at + days(days=2)
        history.append((when, lead, "due_on", moved_from, action.due_on.isoformat()))
    if len(people) > 1 and rng.random() < 0.2:
        previous = next(person for person in people if person != owner)
        when = action.created_at + days(days=1)
        history.append((when, lead, "owner", _name(previous), _name(owner)))
    history.sort(key=lambda change: change[0])
    changes = [
        ActionChange(field=field, old_value=old, new_value=new, changed_by=by, changed_at=when)
        for when, by, field, old, new in history
    ]
    # One version per save; a drop saves its status and reason together.
    action.version = 1 + len({(when, by) for when, by, *_ in history})
    return action, changes


def _in_progress_or_done(
    action: Action,
    kind: str,
    owner: User,
    rng: random.Random,
    today: datetime.date,
    history: list[tuple[datetime.datetime, User, str, str, str]],
) -> None:
    now = timezone.now()
    days = datetime.timedelta
    if kind == "done":
        action.status = Action.Status.DONE
        action.due_on = today + days(rng.randint(-25, 20))
        action.done_at = now - days(days=rng.randint(2, 18), hours=rng.randint(0, 6))
        action.created_at = action.done_at - days(days=rng.randint(14, 45))
    else:
        action.status = Action.Status.IN_PROGRESS
        if kind == "overdue":
            action.due_on = today - days(rng.randint(3, 24))
            if rng.random() < 0.3:
                action.status = Action.Status.PLANNED  # never even started
        elif kind == "due_soon":
            action.due_on = today + days(rng.randint(2, 6))
        else:
            action.due_on = today + days(rng.randint(8, 45))
        earliest = datetime.datetime.combine(
            action.due_on - days(30), datetime.time(9), tzinfo=datetime.UTC
        )
        action.created_at = min(action.created_at, earliest)
    if action.status == Action.Status.PLANNED:
        return
    started = action.created_at + days(days=rng.randint(1, 7))
    history.append((started, owner, "status", Action.Status.PLANNED, Action.Status.IN_PROGRESS))
    if action.done_at:
        history.append(
            (action.done_at, owner, "status", Action.Status.IN_PROGRESS, Action.Status.DONE)
        )


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()
