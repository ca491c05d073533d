"""CONTRACT STUB (issue 16, helper B replaces the body): recompute the stored Outcome rows."""

from collections.abc import Iterable

from teams.models import Project


def outcomes_refresh(*, project: Project, quarters: Iterable[str] | None = None) -> None:
    """Recompute `project`'s Outcome rows for `quarters` ("2026-Q4"; None: every quarter
    with events) from its events and its MLflow retraining fact, in one transaction, and
    bump the dashboards' cache generation."""
    raise NotImplementedError
