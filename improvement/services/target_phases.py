"""Keeping the stored target phases (`improvement.models.TargetPhase`) equal to judging the
projects afresh: every service that changes what a standing is judged on (a result stored
or withdrawn, a review decided, a target rule or override, the review policy, a project's
stage or team) replaces the phases of the projects it touched, in its own transaction.
`target_phases_rebuild` (and the command of that name) recomputes every project's.
"""

from collections.abc import Iterable
from dataclasses import asdict
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from improvement.models import TargetPhase
from improvement.selectors.targets import read_target_inputs
from improvement.target_phases import target_phases
from teams.models import Project

BATCH_SIZE = 2000


@transaction.atomic(savepoint=False)
def target_phases_refresh(*, projects: QuerySet[Project] | Iterable[int]) -> int:
    """Replace the phases of `projects` (a query or pks); returns how many rows it stored."""
    chosen: Any = projects.values("pk") if isinstance(projects, QuerySet) else list(projects)
    # Refreshes of one project take turns, so that the later one reads what the earlier
    # committed and its rows are the ones that stay.
    list(Project.objects.select_for_update().filter(pk__in=chosen).order_by("pk").values("pk"))
    inputs = read_target_inputs(chosen)
    rows = [
        TargetPhase(project_id=row["pk"], **asdict(phase))
        for row in inputs.rows
        for phase in target_phases(partial(inputs.judge, row))
    ]
    TargetPhase.objects.filter(project_id__in=chosen).delete()
    TargetPhase.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return len(rows)


def target_phases_rebuild() -> int:
    """Every project's phases, for seeding, existing data and a rule that names every stage."""
    return target_phases_refresh(projects=Project.objects.all())


def refresh_on_projects_changed(sender: Any, *, projects: Any, **kwargs: Any) -> None:
    """`core.signals.projects_changed`: a lower app changed what the projects are judged on."""
    target_phases_refresh(projects=projects)
