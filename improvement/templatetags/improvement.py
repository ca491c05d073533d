"""`{% load improvement %}`: the plan on the assessments' pages, which never import
improvement themselves, and the words the plan's pages use for an action's history.

On the result page:
    {% steps_plan assessment top_steps as plan %}
    {% finished_actions assessment previous results as finished %}
On the questionnaire:
    {% planned_first assessment sections previous as planned %}
"""

import datetime
from collections.abc import Sequence

from django import template
from django.template.context import Context
from django.utils import timezone
from django.utils.dateformat import format as date_format

from assessments.models import Assessment
from assessments.rules.recommendations import Recommendation
from assessments.selectors import DimensionSection
from improvement.models import Action, ActionChange
from improvement.selectors import action_loop

register = template.Library()
STATUS_LABELS = dict(Action.Status.choices)
FIELD_LABELS = {
    "title": "title",
    "project": "project",
    "owner": "owner",
    "due_on": "due date",
    "ticket_url": "ticket link",
    "notes": "notes",
    "status": "status",
    "dropped_reason": "reason for dropping",
}


@register.simple_tag(takes_context=True)
def steps_plan(
    context: Context, assessment: Assessment, steps: Sequence[Recommendation]
) -> action_loop.StepsPlan:
    """Which of the next steps are in the plan, and the "Add to plan" form's choices for
    people who may add actions (two queries)."""
    return action_loop.steps_plan(
        user=context["request"].user,
        assessment=assessment,
        practice_keys=[step.practice_key for step in steps],
        today=timezone.localdate(),
    )


@register.simple_tag
def finished_actions(
    assessment: Assessment,
    previous: Assessment | None,
    results: Sequence[action_loop.DimensionMove],
) -> list[action_loop.FinishedAction]:
    """The actions finished since the last submission and how their dimensions moved."""
    return action_loop.finished_actions(assessment=assessment, previous=previous, results=results)


@register.simple_tag
def planned_first(
    assessment: Assessment, sections: Sequence[DimensionSection], previous: Assessment | None
) -> action_loop.PlannedFirst:
    """The practices whose actions are done, asked first (one query)."""
    return action_loop.planned_first(assessment=assessment, sections=sections, previous=previous)


@register.filter
def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


@register.filter
def change_text(change: ActionChange) -> str:
    """One history row as a sentence's end: 'status: Planned → Done'."""
    name = FIELD_LABELS.get(change.field, change.field)
    if change.field == "notes":
        return "changed the notes"
    old, new = _shown(change.field, change.old_value), _shown(change.field, change.new_value)
    return f"changed the {name}: {old} → {new}"


def _shown(field: str, value: str) -> str:
    if not value:
        return "—"
    if field == "status":
        return str(STATUS_LABELS.get(value, value))
    if field == "due_on":
        try:
            return date_format(datetime.date.fromisoformat(value), "j M Y")
        except ValueError:
            return value
    return f"“{value if len(value) <= 80 else value[:79] + '…'}”"
