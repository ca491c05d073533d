"""How the pages of other apps show evidence: {% load evidence %}.

<h2>{{ evidence.lines|evidence_from }}</h2>
{{ reading.source|source_name }}: {{ reading.sentence }}
(checked {{ reading.observed_at|checked_ago }})
{% if suggestion|contradicts:answer.value %}…{% endif %}
"""

import datetime
from collections.abc import Iterable

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from evidence.rules import sources, suggestions
from evidence.rules.facts import FACTS

register = template.Library()


@register.filter
def source_name(source: str) -> str:
    """{{ "mlflow"|source_name }} -> "MLflow"."""
    return sources.source_name(source)


def _source_names(lines: Iterable) -> tuple[str, bool]:
    """The sources of the facts in `lines` (each with a fact `key`), as "MLflow and CI
    events", and whether that is MLflow alone; MLflow without facts yet."""
    found = dict.fromkeys(FACTS[line.key].source for line in lines if line.key in FACTS)
    found = found or {"mlflow": None}
    return " and ".join(sources.source_name(s) for s in found), list(found) == ["mlflow"]


@register.filter
def evidence_from(lines: Iterable) -> str:
    """The project page's evidence card heading: "Evidence from MLflow and CI events"."""
    return f"Evidence from {_source_names(lines)[0]}"


@register.filter
def what_evidence_shows(lines: Iterable) -> str:
    """The evidence page's heading: "What MLflow shows", "What MLflow and CI events show"."""
    names, mlflow_alone = _source_names(lines)
    return f"What {names} {'shows' if mlflow_alone else 'show'}"


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
