"""Reads for improvement actions: a team's plan, one action with its history, who may
change what, the plan's counts per team, and the loop back into assessments (what the next
questionnaire asks first, what a result page shows as finished).

Every selector runs a fixed number of queries, whatever the number of actions.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from assessments.models import Practice
from core.access import LEAD, is_org_admin, team_role, visible_teams_q
from improvement.models import Action, ActionChange
from teams.models import Team

DONE, DROPPED = Action.Status.DONE, Action.Status.DROPPED
OPEN = Action.OPEN_STATUSES
# What a row of the plan shows of an action's relations, read with it.
ROW_RELATIONS = ("owner", "project", "created_by", "source_assessment__period")


@dataclass(frozen=True)
class PracticeName:
    question: str
    dimension_name: str


@dataclass
class ActionRow:
    """An action as the plan shows it, with its history (oldest first)."""

    action: Action
    changes: list[ActionChange]
    overdue_days: int
    practice: PracticeName | None
    # What the viewer may do: edit every field (leads), or the status and notes (its owner).
    can_edit: bool = False
    can_update: bool = False

    @property
    def next_step_adds(self) -> bool:
        """Whether the full next step says more than the title made from it."""
        step, title = self.action.next_step.rstrip(". "), self.action.title.rstrip(". ")
        return bool(step) and step != title

    @property
    def dimension_name(self) -> str:
        if self.practice is not None:
            return self.practice.dimension_name
        return self.action.dimension_key.replace("-", " ").capitalize()


@dataclass(frozen=True)
class PlanCounts:
    """A plan's actions by state; `open` (planned or in progress) includes `overdue`."""

    open: int = 0
    overdue: int = 0
    done: int = 0
    dropped: int = 0

    @property
    def total(self) -> int:
        return self.open + self.done + self.dropped


@dataclass
class PlanSection:
    key: str  # "overdue", "open", "done" or "dropped"
    title: str
    rows: list[ActionRow] = field(default_factory=list)


@dataclass
class TeamPlan:
    sections: list[PlanSection]
    counts: PlanCounts

    @property
    def is_empty(self) -> bool:
        return self.counts.total == 0


@dataclass(frozen=True)
class PlanViewer:
    """Who looks at a team's plan: leads and org admins change every action; a member
    changes the status and notes of the actions they own; everyone else reads."""

    user_id: int
    can_manage: bool
    is_member: bool

    def can_update(self, action: Action) -> bool:
        return self.can_manage or (self.is_member and action.owner_id == self.user_id)


def plan_viewer(*, user: User, team_id: int) -> PlanViewer:
    """One query (the user's role in the team), none for an org admin's second look."""
    role = team_role(user, team_id)
    return PlanViewer(
        user_id=user.pk, can_manage=is_org_admin(user) or role == LEAD, is_member=role is not None
    )


# --- The plan ---------------------------------------------------------------------------------


def team_plan(
    *,
    team: Team,
    viewer: PlanViewer | None = None,
    project_id: int | None = None,
    owner_id: int | None = None,
    today: datetime.date | None = None,
) -> TeamPlan:
    """The team's actions by status: overdue first (most overdue first), then planned and
    in progress by due date, then done (most recent first), then dropped.

    Three queries whatever the number of actions: the actions with their projects and
    owners, their history, and the names of their practices.
    """
    today = today or timezone.localdate()
    actions = Action.objects.filter(team=team).select_related(*ROW_RELATIONS)
    if project_id is not None:
        actions = actions.filter(project_id=project_id)
    if owner_id is not None:
        actions = actions.filter(owner_id=owner_id)
    rows = _rows(list(actions), today=today, viewer=viewer)
    sections = {
        "overdue": PlanSection("overdue", "Overdue"),
        "open": PlanSection("open", "Planned and in progress"),
        "done": PlanSection("done", "Done"),
        "dropped": PlanSection("dropped", "Dropped"),
    }
    for row in rows:
        sections[_section_of(row)].rows.append(row)
    far = datetime.date.max
    sections["overdue"].rows.sort(key=lambda r: (r.action.due_on or far, r.action.pk))
    sections["open"].rows.sort(key=lambda r: (r.action.due_on or far, r.action.pk))
    sections["done"].rows.sort(key=lambda r: r.action.done_at or r.action.updated_at, reverse=True)
    sections["dropped"].rows.sort(key=lambda r: r.action.updated_at, reverse=True)
    counts = PlanCounts(
        open=len(sections["overdue"].rows) + len(sections["open"].rows),
        overdue=len(sections["overdue"].rows),
        done=len(sections["done"].rows),
        dropped=len(sections["dropped"].rows),
    )
    return TeamPlan(sections=list(sections.values()), counts=counts)


def _section_of(row: ActionRow) -> str:
    if row.overdue_days:
        return "overdue"
    if row.action.is_open:
        return "open"
    return "done" if row.action.status == DONE else "dropped"


def action_row(
    *, action: Action, viewer: PlanViewer | None = None, today: datetime.date | None = None
) -> ActionRow:
    """One action as the plan shows it, with its history (two queries)."""
    return _rows([action], today=today or timezone.localdate(), viewer=viewer)[0]


def _rows(
    actions: list[Action], *, today: datetime.date, viewer: PlanViewer | None
) -> list[ActionRow]:
    history: dict[int, list[ActionChange]] = {action.pk: [] for action in actions}
    if actions:
        changes = ActionChange.objects.filter(action__in=[a.pk for a in actions])
        for change in changes.select_related("changed_by").order_by("changed_at", "pk"):
            history[change.action_id].append(change)
    names = practice_names(keys={a.practice_key for a in actions if a.practice_key})
    return [
        ActionRow(
            action=action,
            changes=history[action.pk],
            overdue_days=_days_overdue(action, today),
            practice=names.get(action.practice_key),
            can_edit=viewer is not None and viewer.can_manage,
            can_update=viewer is not None and viewer.can_update(action),
        )
        for action in actions
    ]


def _days_overdue(action: Action, today: datetime.date) -> int:
    if action.due_on is None or not action.is_overdue(today):
        return 0
    return (today - action.due_on).days


def practice_names(*, keys: Iterable[str]) -> dict[str, PracticeName]:
    """Each practice's question and dimension, as the newest framework version that has
    it words them (one query; none for no keys)."""
    keys = set(keys)
    if not keys:
        return {}
    rows = (
        Practice.objects.filter(key__in=keys)
        .order_by("framework__version")
        .values_list("key", "question", "dimension__name")
    )
    return {key: PracticeName(question, dimension) for key, question, dimension in rows}


def action_get_for_user(*, user: User, pk: int) -> Action:
    """The action, if the user may see its team's plan; a 404 otherwise."""
    action = (
        Action.objects.select_related("team", *ROW_RELATIONS)
        .filter(visible_teams_q(user, team="team__"), pk=pk)
        .first()
    )
    if action is None:
        raise Http404("No such action.")
    return action


def plan_summary(
    *, team_ids: Iterable[int], today: datetime.date | None = None
) -> dict[int, PlanCounts]:
    """Each team's counts of open, overdue, done and dropped actions (one query); a team
    with no action has all zeros."""
    today = today or timezone.localdate()
    ids = list(team_ids)
    rows = (
        Action.objects.filter(team_id__in=ids)
        .values("team_id")
        .annotate(
            open_count=Count("pk", filter=Q(status__in=OPEN)),
            overdue_count=Count("pk", filter=Q(status__in=OPEN, due_on__lt=today)),
            done_count=Count("pk", filter=Q(status=DONE)),
            dropped_count=Count("pk", filter=Q(status=DROPPED)),
        )
        .order_by()
    )
    summary = {team_id: PlanCounts() for team_id in ids}
    for row in rows:
        summary[row["team_id"]] = PlanCounts(
            open=row["open_count"],
            overdue=row["overdue_count"],
            done=row["done_count"],
            dropped=row["dropped_count"],
        )
    return summary


def plan_owners(*, team: Team) -> list[User]:
    """Who can own the team's actions: its members, leads first (one query)."""
    return [
        membership.user
        for membership in team.memberships.select_related("user").order_by(
            "role", "user__first_name", "user__username"
        )
    ]


def plan_projects(*, team: Team) -> QuerySet:
    return team.projects.filter(archived_at__isnull=True).order_by("name")


def end_of_next_quarter(today: datetime.date) -> datetime.date:
    """The last day of the quarter after `today`'s: a step planned now is due by then."""
    quarter = (today.month - 1) // 3 + 1
    year, quarter = (today.year + 1, 1) if quarter == 4 else (today.year, quarter + 1)
    first_of_following = (
        datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, 3 * quarter + 1, 1)
    )
    return first_of_following - datetime.timedelta(days=1)
