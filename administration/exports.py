"""The audit log as CSV: one streamed query, formula-safe cells."""

import csv
import json
from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils import timezone

from core.models import AuditEntry
from insights.exports import neutralised

CSV_HEADER = ("at", "actor", "action", "target_type", "target_id", "target", "before", "after")


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(entries: QuerySet[AuditEntry]) -> Iterator[str]:
    """UTF-8 CSV with a byte-order mark; every text cell a spreadsheet would run as a
    formula is made inert (insights.exports.neutralised, the portal's one rule for it)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(CSV_HEADER)
    for entry in entries.iterator(chunk_size=2000):
        row = (
            timezone.localtime(entry.at).isoformat(timespec="seconds"),
            entry.actor_label,
            entry.action,
            entry.target_type,
            "" if entry.target_id is None else entry.target_id,
            entry.target_label,
            _json(entry.before),
            _json(entry.after),
        )
        yield writer.writerow([neutralised(cell) for cell in row])


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
