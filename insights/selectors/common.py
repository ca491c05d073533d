"""Building blocks the organisation, team and project selectors share: scopes, quartiles,
trends, heatmap columns, and the common gaps. Each runs one query.
"""

import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from django.db.models import (
    Aggregate,
    Case,
    Count,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, JSONObject, RowNumber
from django.urls import reverse

from assessments.models import Assessment, DimensionScore, Practice
from assessments.rules import scoring
from assessments.rules.levels import TOP_LEVEL, level_position
from assessments.rules.recommendations import CommonGap, rank_common_gaps
from core.access import in_units_q
from insights.shapes import LIST_LIMIT, DashboardFilters, Heatmap, Quartiles, TrendPoint
from teams.models import Project

SUBMITTED = Assessment.Status.SUBMITTED
# levels.level_position in SQL: level plus progress / 100, and the top level as it is.
LEVEL_POSITION = Case(
    When(level__gte=TOP_LEVEL, then=Cast(F("level"), FloatField())),
    default=Cast(F("level"), FloatField()) + Cast(F("progress"), FloatField()) / Value(100.0),
    output_field=FloatField(),
)


def scope_q(filters: DashboardFilters, *, team: str = "team_id") -> Q:
    """The records the filters keep; `team` is the lookup of the record's team id
    ("project__team_id" on assessments). A unit keeps its whole subtree."""
    unit = f"{team.removesuffix('_id')}__unit__"
    scope = in_units_q(filters.within, unit=unit) if filters.within else Q()
    if filters.unit is not None and filters.unit.is_no_unit:
        scope &= Q(**{f"{unit}isnull": True})
    elif filters.unit is not None:
        scope &= Q(**{f"{unit}path__startswith": filters.unit.path})
    if filters.team is not None:
        scope &= Q(**{team: filters.team.pk})
    if filters.stage:
        scope &= Q(project__stage=filters.stage)
    return scope


def quartiles_by(
    rows: QuerySet, *, group: str | tuple[str, ...], value: str
) -> dict[Any, Quartiles]:
    """Quartiles of `value` within each `group`, interpolated as percentile_cont does.
    A tuple of fields groups by all of them, and keys the result by tuples.

    One query on every database: each row is ranked within its group, and only the rows
    at positions floor((n - 1) q) and ceil((n - 1) q) for q = 1/4, 1/2, 3/4 come back.
    """
    fields = (group,) if isinstance(group, str) else group
    partition = [F(name) for name in fields]
    ranked = (
        rows.filter(**{f"{value}__isnull": False})
        .order_by()
        .annotate(
            rank=Window(RowNumber(), partition_by=partition, order_by=F(value).asc()),
            size=Window(Count("pk"), partition_by=partition),
        )
    )
    wanted = Q()
    for quarter in (1, 2, 3):
        wanted |= Q(rank=(F("size") - 1) * quarter / 4 + 1)
        wanted |= Q(rank=((F("size") - 1) * quarter + 3) / 4 + 1)
    picked: dict[Any, dict[int, float]] = defaultdict(dict)
    sizes: dict[Any, int] = {}
    for *keys, rank, size, number in ranked.filter(wanted).values_list(
        *fields, "rank", "size", value
    ):
        key = keys[0] if isinstance(group, str) else tuple(keys)
        picked[key][rank - 1] = number
        sizes[key] = size
    return {key: _interpolated(picked[key], sizes[key]) for key in picked}


def quartiles_by_counting(
    rows: QuerySet, *, group: tuple[str, ...], value: str
) -> dict[tuple, Quartiles]:
    """As quartiles_by (keyed by tuples), for a value with few distinct values, such as a
    level position (at most 201): one query counts each value within each group, and the
    quartiles are read from the counts, which costs far less than ranking every row."""
    counted: dict[tuple, list[tuple[float, int]]] = defaultdict(list)
    found = (
        rows.filter(**{f"{value}__isnull": False})
        .order_by()
        .values(*group, value)
        .annotate(rows=Count("pk"))
        .values_list(*group, value, "rows")
    )
    for *keys, number, count in found:
        counted[tuple(keys)].append((number, count))
    return {key: _counted_quartiles(sorted(values)) for key, values in counted.items()}


def _counted_quartiles(values: list[tuple[float, int]]) -> Quartiles:
    """Quartiles of the sorted (value, how many rows have it) pairs."""
    size = sum(count for _, count in values)
    wanted = sorted(
        {
            rank
            for q in (0.25, 0.5, 0.75)
            for rank in (math.floor((size - 1) * q), math.ceil((size - 1) * q))
        }
    )
    values_at, seen = {}, 0
    for number, count in values:
        seen += count
        while wanted and wanted[0] < seen:
            values_at[wanted.pop(0)] = number
    return _interpolated(values_at, size)


def _interpolated(values_at: dict[int, float], size: int) -> Quartiles:
    def quantile(q: float) -> float:
        position = (size - 1) * q
        low, high = math.floor(position), math.ceil(position)
        return values_at[low] + (values_at[high] - values_at[low]) * (position - low)

    return Quartiles(low=quantile(0.25), median=quantile(0.5), high=quantile(0.75), count=size)


def trend(assessments: QuerySet[Assessment]) -> list[TrendPoint]:
    """The overall score's quartiles per quarter, with each quarter's framework version."""
    by_quarter = quartiles_by(
        assessments.filter(status=SUBMITTED),
        group=("period__key", "period__framework__version"),
        value="overall_score",
    )
    # Keys such as "2026-Q4" sort in time order; a quarter has one period, one version.
    return [
        TrendPoint(quarter, quartiles, framework_version=version)
        for (quarter, version), quartiles in sorted(by_quarter.items())
    ]


def dimension_columns(rows: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """Dimension (key, name) pairs in framework order."""
    seen = {row["dimension_key"]: (row["dimension_order"], row["dimension_name"]) for row in rows}
    return [(key, name) for key, (_, name) in sorted(seen.items(), key=lambda item: item[1])]


def common_gaps(
    gaps: QuerySet,
    *,
    practices: QuerySet[Practice],
    assessed: int,
    limit: int = LIST_LIMIT,
    projects: Aggregate | None = None,
) -> list[CommonGap]:
    """The practices holding the most projects back.

    The database counts the gaps per practice key in one query (one pass over the rows,
    not one search of them per practice): PracticeGap rows, or the roll-up's rows with
    `projects` saying how to sum them, each count carrying its practice of `practices` (one
    framework's; keys outside it are left out). The ranking is the one every page shares,
    `recommendations.rank_common_gaps`, which lists only practices holding someone back.
    """
    practice = (
        practices.filter(key=OuterRef("practice_key"))
        .order_by()
        .values(
            found=JSONObject(
                dimension_key=F("dimension__key"),
                dimension_order=F("dimension__order"),
                order=F("order"),
                level=F("level"),
                question=F("question"),
                next_step=F("next_step"),
            )
        )
    )
    rows = [
        (key, count, found)
        for key, count, found in gaps.order_by()
        .values("practice_key")
        .annotate(projects=projects or Count("pk"))
        .values_list("practice_key", "projects", Subquery(practice[:1]))
        if found is not None
    ]
    rows.sort(key=lambda row: (row[2]["dimension_order"], row[2]["order"]))
    return rank_common_gaps(
        held_back_counts={key: count for key, count, _ in rows},
        project_count=assessed,
        practices=[
            scoring.Practice(
                key=key,
                dimension_key=found["dimension_key"],
                level=found["level"],
                question=found["question"],
                next_step=found["next_step"],
            )
            for key, _, found in rows
        ],
        limit=limit,
    )


def project_heatmap(
    scores: QuerySet[DimensionScore],
    *,
    due: Sequence[Project],
    drafts: Sequence[Assessment] = (),
    awaiting: Collection[str] = (),
) -> Heatmap:
    """Projects by dimension; projects due but not submitted stay as empty rows, and a
    draft's row says how far it got and leads to the draft. The rows of `awaiting` (project
    slugs) say that the result awaits review.

    `drafts` carry `answered` and `answer_total` annotations (see team_insights)."""
    rows = list(
        scores.values(
            "project__name",
            "project__slug",
            "dimension_key",
            "dimension_name",
            "dimension_order",
            "level",
            "progress",
            "not_applicable_count",
            "practice_count",
        )
    )
    cells = {(row["project__slug"], row["dimension_key"]): row for row in rows}
    columns = dimension_columns(rows)
    projects = sorted(
        {(row["project__name"], row["project__slug"]) for row in rows}
        | {(project.name, project.slug) for project in due}
    )
    in_progress = {draft.project.slug: draft for draft in drafts}

    def label(name: str, slug: str) -> str:
        draft = in_progress.get(slug)
        if draft is None:
            return f"{name} (awaiting review)" if slug in awaiting else name
        answered, total = draft.answered, draft.answer_total  # type: ignore[attr-defined]
        return f"{name} (in progress, {answered}/{total})"

    def link(slug: str) -> str:
        draft = in_progress.get(slug)
        if draft is not None:
            return draft.get_absolute_url()
        return reverse("portal:project_detail", kwargs={"slug": slug})

    def value(slug: str, key: str) -> float | None:
        """Level plus progress: the cells are coloured by level (levels.level_position)."""
        cell = cells.get((slug, key))
        return level_position(cell["level"], cell["progress"]) if cell else None

    def exempt(slug: str, key: str) -> int:
        """1 where a submitted project has the dimension not assessed (all N/A)."""
        cell = cells.get((slug, key))
        return int(cell is not None and cell["level"] is None)

    def flag(slug: str, key: str) -> int:
        cell = cells.get((slug, key))
        if cell is None:
            return 0
        return int(2 * cell["not_applicable_count"] > cell["practice_count"])

    return Heatmap(
        rows=[label(name, slug) for name, slug in projects],
        columns=[name for _, name in columns],
        values=[[value(slug, key) for key, _ in columns] for _, slug in projects],
        row_links=[link(slug) for _, slug in projects],
        not_assessed=[[exempt(slug, key) for key, _ in columns] for _, slug in projects],
        mostly_not_applicable=[[flag(slug, key) for key, _ in columns] for _, slug in projects],
    )
