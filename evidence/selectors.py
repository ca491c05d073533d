"""Reading evidence: each project's latest fact per key, in one query whatever the history."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from evidence.models import Collection, Fact, MlflowConnection
from evidence.rules.facts import FACTS, fact_sentence


@dataclass(frozen=True)
class FactReading:
    key: str
    value: float
    detail: dict
    observed_at: datetime.datetime
    is_demo: bool

    @property
    def source(self) -> str:
        return FACTS[self.key].source

    @property
    def sentence(self) -> str:
        return fact_sentence(self.key, self.value, self.detail)


def latest_facts(project_ids: Iterable[int]) -> dict[int, dict[str, FactReading]]:
    """project id -> fact key -> its latest reading; one query."""
    ids = list(project_ids)
    if not ids:
        return {}
    ranked = (
        Fact.objects.filter(project_id__in=ids, key__in=FACTS)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("project_id"), F("key")],
                order_by=[F("observed_at").desc(), F("id").desc()],
            )
        )
        .filter(rank=1)
        .values_list("project_id", "key", "value", "detail", "observed_at", "is_demo")
    )
    found: dict[int, dict[str, FactReading]] = {}
    for project_id, key, value, detail, observed_at, is_demo in ranked:
        found.setdefault(project_id, {})[key] = FactReading(
            key, value, detail, observed_at, is_demo
        )
    return found


def connection_for(project_id: int) -> MlflowConnection | None:
    return MlflowConnection.objects.filter(project_id=project_id).first()


def latest_collection(project_id: int, source: str = "mlflow") -> Collection | None:
    return Collection.objects.filter(project_id=project_id, source=source).first()
