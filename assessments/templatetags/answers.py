from django import template

from assessments.rules import levels

register = template.Library()


@register.filter
def answer_label(value: str) -> str:
    """An answer as people read it: {{ "partly"|answer_label }} -> "Partly"."""
    return levels.answer_label(value)
