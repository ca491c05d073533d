"""Actions as rows for a CSV: what a manager wants to see of every plan they can read.

Three queries whatever the number of actions: the units (for the unit paths), the
practices' names, and the actions themselves (streamed). Cells are plain values; the page
that writes the CSV makes formula-like text inert.
"""

import datetime
from collections.abc import Iterator

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone

from assessments.models import Practice
from core.access import visible_teams_q
from improvement.models import Action
from teams.models import Team, Unit

ACTION_CSV_HEADER = (
    "team",
    "unit_path",
    "project",
    "title",
    "practice",
    "dimension",
    "owner",
    "due",
    "status",
    "overdue",
    "dropped_reason",
    "ticket",
    "created",
    "done",
)


def actions_visible_to(*, user: User) -> QuerySet[Action]:
    """Every action the user may read: management all, unit managers their units' teams,
    everyone else their own teams'."""
    return Action.objects.filter(visible_teams_q(user, team="team__"))


def team_actions(*, team: Team) -> QuerySet[Action]:
    return Action.objects.filter(team=team)


def action_csv_rows(
    *, actions: QuerySet[Action], today: datetime.date | None = None
) -> Iterator[tuple]:
    """A row per action (ACTION_CSV_HEADER), by team, then status order, then due date.
    `overdue` is the number of days past due of an open action, empty otherwise; dates are
    ISO, times local."""
    today = today or timezone.localdate()
    unit_paths = _unit_paths()
    names = _dimension_names(actions)
    rows = actions.select_related("team", "project", "owner").order_by("team__name", "due_on", "pk")
    for action in rows.iterator(chunk_size=2000):
        yield (
            action.team.name,
            unit_paths.get(action.team.unit_id, "") if action.team.unit_id else "",
            action.project.name if action.project else "",
            action.title,
            action.practice_key,
            names.get(action.practice_key, action.dimension_key),
            _person(action.owner),
            action.due_on.isoformat() if action.due_on else "",
            action.get_status_display(),
            (today - action.due_on).days if action.is_overdue(today) and action.due_on else "",
            action.dropped_reason,
            action.ticket_url,
            _local(action.created_at),
            _local(action.done_at),
        )


def _dimension_names(actions: QuerySet[Action]) -> dict[str, str]:
    """Each practice's dimension by name, as the newest framework words it (one query)."""
    keys = actions.exclude(practice_key="").values("practice_key")
    rows = (
        Practice.objects.filter(key__in=keys)
        .order_by("framework__version")
        .values_list("key", "dimension__name")
    )
    return dict(rows)


def _unit_paths() -> dict[int, str]:
    """Each unit's names from the top, "Division / Department" (one query)."""
    units = {pk: (name, path) for pk, name, path in Unit.objects.values_list("pk", "name", "path")}
    paths = {}
    for pk, (_, path) in units.items():
        ids = [int(part) for part in path.strip("/").split("/") if part]
        paths[pk] = " / ".join(units[i][0] for i in ids if i in units)
    return paths


def _person(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _local(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).isoformat(timespec="minutes") if moment else ""
