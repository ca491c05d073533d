"""CSV exports of what the dashboards show: one streamed query, formula-safe cells."""

import csv
import datetime
from collections.abc import Iterable, Iterator, Mapping, Sequence

from django.utils import timezone

from assessments.models import DimensionScore
from insights.review_counts import review_label
from insights.selectors.common import scope_q
from insights.selectors.exemptions import UnitExemptions
from insights.shapes import DashboardFilters

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


NOT_ASSESSED = "not assessed"
# overall_score: the weakest dimension's score from framework v2 on, the mean of the
# dimension scores before; framework_version says which, so rows of two versions are
# never compared unawares. unit_path: the team's unit with the units above it, from the
# top ("Data division / Platform / Serving"), empty for a team in no unit. review: whether
# a reviewer accepted the result ("Reviewed"), nobody was asked to ("Self-assessed"), or it
# still waits ("Awaiting review"; the dashboards may leave those out of their figures).
EXPORT_HEADER = (
    "quarter",
    "framework_version",
    "unit_path",
    "team",
    "project",
    "stage",
    "dimension",
    "dimension_level",
    "dimension_progress",
    "dimension_score",
    "practices",
    "practices_not_applicable",
    "overall_level",
    "overall_score",
    "answers_confirmed_unchanged",
    "review",
)


def export_rows(*, filters: DashboardFilters, unit_paths: Mapping[int, str]) -> Iterator[tuple]:
    """A row per project x quarter x dimension up to the chosen quarter (one streamed query).
    `unit_paths`: each unit's names from the top, by unit pk (the dashboard's choices).

    A dimension whose every practice is "not applicable" reads "not assessed", with no
    progress or score.
    """
    rows = (
        DimensionScore.objects.filter(
            scope_q(filters), period__opens_on__lte=filters.period.opens_on
        )
        .order_by("period__opens_on", "team__name", "project__name", "dimension_order")
        .values_list(
            "period__key",
            "period__framework__version",
            "team__unit_id",
            "team__name",
            "project__name",
            "project__stage",
            "dimension_name",
            "level",
            "progress",
            "score",
            "practice_count",
            "not_applicable_count",
            "assessment__overall_level",
            "assessment__overall_score",
            "assessment__confirmed_unchanged",
            "assessment__review_status",
        )
    )
    for (
        quarter,
        version,
        unit_id,
        *where,
        level,
        progress,
        score,
        practices,
        exempt,
        overall,
        overall_score,
        confirmed,
        review,
    ) in rows.iterator(chunk_size=2000):
        yield (
            quarter,
            version,
            unit_paths.get(unit_id, "") if unit_id else "",
            *where,
            NOT_ASSESSED if level is None else level,
            "" if progress is None else progress,
            "" if score is None else round(score, 2),
            practices,
            exempt,
            NOT_ASSESSED if overall is None else overall,
            "" if overall_score is None else round(overall_score, 2),
            "" if confirmed is None else confirmed,
            review_label(review),
        )


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterator[tuple], *, header: Sequence[str] = EXPORT_HEADER) -> Iterator[str]:
    """UTF-8 CSV with a header row, and a byte-order mark so spreadsheets read accents right."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([neutralised(cell) for cell in row])


def neutralised(cell: object) -> object:
    """Text a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    if isinstance(cell, str) and cell.startswith(FORMULA_PREFIXES):
        return "'" + cell
    return cell


EXEMPTIONS_HEADER = (
    "unit",
    "team",
    "project",
    "practice_key",
    "practice",
    "justification",
    "status",
    "requested_by",
    "requested_at",
    "requested_in",
    "decided_by",
    "decided_at",
    "decision_note",
    "age_days",
    "asked_again_in",
)


def exemption_rows(units: Iterable[UnitExemptions]) -> Iterator[tuple]:
    """The exemptions overview as CSV rows, in its order: unit, team, then project."""
    for unit in units:
        for team in unit.teams:
            for row in team.rows:
                yield (
                    unit.name,
                    team.name,
                    row.project,
                    row.practice_key,
                    row.question,
                    row.justification,
                    row.status_label,
                    row.requested_by,
                    _when(row.requested_at),
                    row.requested_in,
                    row.decided_by,
                    _when(row.decided_at),
                    row.decision_note,
                    row.age_days,
                    row.asked_again,
                )


def _when(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""
