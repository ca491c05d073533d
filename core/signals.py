"""Signals that let a lower app tell a higher one that something it keeps must change,
without importing it (apps import only downwards: tests/test_architecture.py)."""

from django.dispatch import Signal

# Sent inside the writer's transaction when what a project is judged on changed: a result
# stored or withdrawn, a review decided, the project's stage or team. Argument `projects`:
# a query of projects or their pks. The stored target phases (improvement) listen.
projects_changed = Signal()
