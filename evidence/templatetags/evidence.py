"""How the pages of other apps show evidence: {% load evidence %}.

{{ reading.source|source_name }}: {{ reading.sentence }}
(checked {{ reading.observed_at|checked_ago }})
{% if suggestion|contradicts:answer.value %}…{% endif %}
"""

import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from evidence.rules import sources, suggestions

register = template.Library()


@register.filter
def source_name(source: str) -> str:
    """{{ "mlflow"|source_name }} -> "MLflow"."""
    return sources.source_name(source)


@register.filter
def checked_ago(moment: datetime.datetime | None) -> str:
    """When a fact was observed, as "2 hours ago", "3 days ago" or "just now"."""
    if moment is None:
        return ""
    if timezone.now() - moment < datetime.timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment, depth=1)} ago"


@register.filter
def contradicts(suggestion: suggestions.Suggestion | None, answer: str) -> bool:
    """Whether `answer` claims "fully in place" where the tools suggest less."""
    return suggestion is not None and suggestions.is_mismatch(answer, suggestion)
