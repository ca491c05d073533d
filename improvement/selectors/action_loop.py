"""The loop back from the plan into assessments: what a result page shows of the plan
(which next steps are in it, which finished actions moved which dimension) and what the
next questionnaire asks first (the practices whose actions are done).

Each selector runs one query, whatever the number of actions; the template tags in
improvement/templatetags/improvement.py hand them to the assessments' pages.
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.contrib.auth.models import User

from assessments.models import Assessment
from assessments.rules.levels import YES
from assessments.selectors import DimensionSection, PracticeRow
from core.access import LEAD, is_org_admin
from improvement.models import Action
from improvement.selectors.actions import end_of_next_quarter, plan_owners

DONE, DROPPED = Action.Status.DONE, Action.Status.DROPPED


def done_actions_since(*, project_id: int, since: datetime.datetime | None) -> dict[str, Action]:
    """The project's actions for a practice that were done after `since` (all of them when
    None), the latest per practice (one query)."""
    actions = Action.objects.filter(project_id=project_id, status=DONE).exclude(practice_key="")
    if since is not None:
        actions = actions.filter(done_at__gt=since)
    latest: dict[str, Action] = {}
    for action in actions.select_related("owner").order_by("done_at", "pk"):
        latest[action.practice_key] = action
    return latest


def steps_in_plan(*, project_id: int, practice_keys: Iterable[str]) -> dict[str, Action]:
    """For each practice, the project's action for it that is not dropped: the open one if
    there is one, else the latest done (one query)."""
    keys = set(practice_keys)
    if not keys:
        return {}
    actions = (
        Action.objects.filter(project_id=project_id, practice_key__in=keys)
        .exclude(status=DROPPED)
        .select_related("owner", "team")
        .order_by("created_at", "pk")
    )
    found: dict[str, Action] = {}
    for action in actions:
        kept = found.get(action.practice_key)
        if kept is None or action.is_open or not kept.is_open:
            found[action.practice_key] = action
    return found


class DimensionMove(Protocol):
    """A result row's shape (assessments.selectors.DimensionResult)."""

    key: str
    name: str
    level: int | None
    previous_level: int | None

    @property
    def change(self) -> str: ...


@dataclass(frozen=True)
class FinishedAction:
    action: Action
    dimension_name: str
    # "up", "down", "same", "new" (no earlier score to compare), "not assessed", or
    # "not compared" (the dimension is not in this assessment's results).
    change: str
    level_before: int | None
    level_after: int | None


def finished_actions(
    *, assessment: Assessment, previous: Assessment | None, results: Sequence[DimensionMove]
) -> list[FinishedAction]:
    """The project's actions done between `previous`'s submission (the start of time
    without one) and `assessment`'s, with how each one's dimension moved (one query)."""
    if assessment.submitted_at is None:
        return []
    actions = Action.objects.filter(
        project_id=assessment.project_id, status=DONE, done_at__lte=assessment.submitted_at
    )
    if previous is not None and previous.submitted_at is not None:
        actions = actions.filter(done_at__gt=previous.submitted_at)
    by_key: Mapping[str, DimensionMove] = {row.key: row for row in results}
    finished = []
    for action in actions.select_related("owner", "team").order_by("done_at", "pk"):
        row = by_key.get(action.dimension_key)
        finished.append(
            FinishedAction(
                action=action,
                dimension_name=row.name if row else action.dimension_key.replace("-", " "),
                change=row.change if row else "not compared",
                level_before=row.previous_level if row else None,
                level_after=row.level if row else None,
            )
        )
    return finished


@dataclass
class StepsPlan:
    """What a result page shows of the plan beside its next steps: the action each step is
    already in (if any) and, for those who may add actions, the form's choices."""

    can_create: bool
    in_plan: dict[str, Action]
    owners: list[User]
    default_owner_id: int | None
    default_due: datetime.date


def steps_plan(
    *,
    user: User,
    assessment: Assessment,
    practice_keys: Iterable[str],
    today: datetime.date,
) -> StepsPlan:
    """Two queries: the steps' actions, and the team's members for those who may add one.

    The owner defaults to the viewer when they are in the team, else to its first lead;
    the due date to the end of the next quarter.
    """
    role = getattr(assessment, "viewer_role", None)  # assessment_get_for_user's annotation
    can_create = is_org_admin(user) or role == LEAD
    owners = plan_owners(team=assessment.project.team) if can_create else []
    owner_ids = [owner.pk for owner in owners]
    default_owner_id = user.pk if user.pk in owner_ids else (owner_ids[0] if owners else None)
    return StepsPlan(
        can_create=can_create,
        in_plan=steps_in_plan(project_id=assessment.project_id, practice_keys=practice_keys),
        owners=owners,
        default_owner_id=default_owner_id,
        default_due=end_of_next_quarter(today),
    )


@dataclass(frozen=True)
class PlannedRow:
    row: PracticeRow
    action: Action
    dimension_name: str


@dataclass(frozen=True)
class PlannedFirst:
    """The practices a questionnaire asks first, with the done action behind each; `keys`
    are left out of their dimension's section, so each practice is asked once;
    `emptied` are the dimensions all of whose practices are asked first."""

    rows: list[PlannedRow]
    keys: frozenset[str] = frozenset()
    emptied: frozenset[str] = frozenset()


def planned_first(
    *,
    assessment: Assessment,
    sections: Sequence[DimensionSection],
    previous: Assessment | None,
) -> PlannedFirst:
    """The draft's practices whose action was done since the project's last submission
    (`previous`; every done action before the first one), in the order they were done.

    A practice is asked first when the draft asks it (it is in `sections`) and it was not
    already in place before: a "yes" carried over from the last submission leaves it in its
    dimension. A "yes" someone gives in this draft keeps it at the top, so the page does not
    reshuffle under the person answering. Submitted assessments ask nothing first.
    One query.
    """
    if assessment.is_submitted:
        return PlannedFirst(rows=[])
    since = previous.submitted_at if previous is not None else None
    done = done_actions_since(project_id=assessment.project_id, since=since)
    rows = [
        PlannedRow(row=row, action=done[row.practice.key], dimension_name=section.dimension.name)
        for section in sections
        for row in section.rows
        if row.practice.key in done and not (row.answer.carried_over and row.answer.value == YES)
    ]
    rows.sort(key=lambda planned: (planned.action.done_at, planned.action.pk))
    keys = frozenset(planned.row.practice.key for planned in rows)
    emptied = frozenset(
        section.dimension.key
        for section in sections
        if section.rows and all(row.practice.key in keys for row in section.rows)
    )
    return PlannedFirst(rows=rows, keys=keys, emptied=emptied)
