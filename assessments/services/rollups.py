"""Keeping the roll-ups (assessments.models.rollups) equal to the stored scores they sum.

Each write of a result (submission, return, review) refreshes the slice it touched, one team
in one quarter, from the stored rows, then the quarter's quartiles, in the writer's
transaction. Refreshes of one quarter queue behind a lock on its period row, so that each
reads what the one before it committed. `rollups_rebuild` recomputes everything.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Field, Max, Model, Q, QuerySet, Sum
from django.db.models.lookups import GreaterThan

from assessments.models import Assessment, DimensionScore, Period, PracticeGap
from assessments.models.rollups import (
    OrganisationQuarter,
    OrganisationQuarterGap,
    QuarterQuartiles,
    TeamQuarter,
    TeamQuarterDimension,
    TeamQuarterGap,
)
from assessments.rules.levels import LEVELS, level_position
from assessments.rules.quartiles import quartiles_of

SUBMITTED, PENDING = Assessment.Status.SUBMITTED, Assessment.Review.PENDING
BATCH_SIZE = 2000


@transaction.atomic(savepoint=False)
def rollups_refresh(*, period_id: int, team_id: int) -> None:
    """After a write to the results of one team in one quarter."""
    _lock(period_id)
    _refresh_slices(period_id, team_id=team_id)
    _refresh_organisation(period_id)
    _refresh_quartiles(period_id)


@transaction.atomic(savepoint=False)
def rollups_refresh_period(*, period_id: int) -> None:
    """After a write to a whole quarter: the period opened and every project got a draft."""
    _lock(period_id)
    _refresh_slices(period_id)
    _refresh_organisation(period_id)
    _refresh_quartiles(period_id)


def rollups_rebuild(*, period_ids: Iterable[int] | None = None) -> None:
    """Every roll-up from the stored rows (every quarter when `period_ids` is None); for
    seeding, existing data, and after units or teams move (the units' quartiles)."""
    chosen = Period.objects.order_by("opens_on")
    if period_ids is not None:
        chosen = chosen.filter(pk__in=list(period_ids))
    for period_id in chosen.values_list("pk", flat=True):
        rollups_refresh_period(period_id=period_id)


def _lock(period_id: int) -> None:
    # FOR NO KEY UPDATE: rows that reference the period (scores) can still be inserted.
    list(Period.objects.select_for_update(no_key=True).filter(pk=period_id).values_list("pk"))


# --- One team in one quarter ------------------------------------------------------------------


def _refresh_slices(period_id: int, *, team_id: int | None = None) -> None:
    """Replace the roll-up rows of one quarter (of one team) by fresh sums."""
    where = Q(period_id=period_id) & (Q(team_id=team_id) if team_id is not None else Q())
    assessments = Assessment.objects.filter(period_id=period_id)
    if team_id is not None:
        assessments = assessments.filter(project__team_id=team_id)
    TeamQuarter.objects.filter(where).delete()
    TeamQuarter.objects.bulk_create(
        (TeamQuarter(**row) for row in _team_counts(assessments)), batch_size=BATCH_SIZE
    )
    TeamQuarterDimension.objects.filter(where).delete()
    _insert_selected(TeamQuarterDimension, _dimension_sums(where))
    TeamQuarterGap.objects.filter(where).delete()
    _insert_selected(TeamQuarterGap, _gap_counts(where))


def _insert_selected(
    model: type[Model], rows: QuerySet, *, fields: Sequence[str] | None = None
) -> None:
    """Insert the rows a values() query selects into `model`'s `fields` (by default, the
    selected names), in one INSERT ... SELECT: no round trip per row."""
    query = rows.query
    names = fields or [*query.values_select, *query.annotation_select]
    columns = ", ".join(connection.ops.quote_name(_column(model, name)) for name in names)
    select, params = query.get_compiler(using=rows.db).as_sql()
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {select}", params)


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return field.column


def _team_counts(assessments: QuerySet[Assessment]) -> Iterable[dict]:
    """Each team's counts, with the sorted overall scores of its results (two queries)."""
    submitted = Q(status=SUBMITTED)
    pending = Q(review_status=PENDING)
    levels = {
        f"{prefix}level_{level}": Count(
            "pk", filter=submitted & (pending if prefix else ~pending) & Q(overall_level=level)
        )
        for prefix in ("", "pending_")
        for level in LEVELS
    }
    rows = (
        assessments.values("period_id", team_id=F("project__team_id"))
        .annotate(
            due=Count("pk"),
            assessed=Count("pk", filter=submitted),
            reviewed=Count("pk", filter=submitted & Q(review_status=Assessment.Review.REVIEWED)),
            awaiting_review=Count("pk", filter=submitted & pending),
            returned=Count("pk", filter=~submitted & Q(review_status=Assessment.Review.RETURNED)),
            **levels,
        )
        .order_by()
    )
    scores: dict[tuple[int, int, bool], list[float]] = defaultdict(list)
    for period_id, team_id, score, review_status in assessments.filter(
        submitted, overall_score__isnull=False
    ).values_list("period_id", "project__team_id", "overall_score", "review_status"):
        assert score is not None
        scores[(period_id, team_id, review_status == PENDING)].append(score)
    for row in rows:
        key = (row["period_id"], row["team_id"])
        yield row | {
            "scores": sorted(scores[(*key, False)]),
            "pending_scores": sorted(scores[(*key, True)]),
        }


def _dimension_sums(where: Q) -> QuerySet:
    mostly_na = Q(GreaterThan(F("not_applicable_count") * 2, F("practice_count")))
    sums: dict[str, Any] = {}
    for prefix, which in (("", Q(awaiting_review=False)), ("pending_", Q(awaiting_review=True))):
        sums |= {
            f"{prefix}levelled": Count("level", filter=which),
            f"{prefix}level_sum": Sum("level", filter=which, default=0),
            f"{prefix}not_assessed": Count("pk", filter=which & Q(level__isnull=True)),
            f"{prefix}mostly_na": Count("pk", filter=which & mostly_na),
        }
    rows = (
        DimensionScore.objects.filter(where)
        .values("period_id", "team_id", "dimension_key")
        .annotate(
            dimension_name=Max("dimension_name"), dimension_order=Max("dimension_order"), **sums
        )
        .order_by()
    )
    return rows


def _gap_counts(where: Q) -> QuerySet:
    rows = (
        PracticeGap.objects.filter(where)
        .values("period_id", "team_id", "practice_key")
        .annotate(
            projects=Count("pk", filter=Q(awaiting_review=False)),
            pending_projects=Count("pk", filter=Q(awaiting_review=True)),
        )
        .order_by()
    )
    return rows


# --- The organisation in one quarter ----------------------------------------------------------

COUNTED = (
    "due",
    "assessed",
    *(f"{prefix}level_{level}" for prefix in ("", "pending_") for level in LEVELS),
    "reviewed",
    "awaiting_review",
    "returned",
)


def _refresh_organisation(period_id: int) -> None:
    """The organisation's rows of the quarter: its teams' rows summed (two INSERT ...
    SELECT over the quarter's team rows)."""
    OrganisationQuarter.objects.filter(period_id=period_id).delete()
    _insert_selected(
        OrganisationQuarter,
        TeamQuarter.objects.filter(period_id=period_id)
        .values("period_id")
        .annotate(**{f"sum_{name}": Sum(name) for name in COUNTED})
        .order_by(),
        fields=["period_id", *COUNTED],
    )
    OrganisationQuarterGap.objects.filter(period_id=period_id).delete()
    _insert_selected(
        OrganisationQuarterGap,
        TeamQuarterGap.objects.filter(period_id=period_id)
        .values("period_id", "practice_key")
        .annotate(sum_projects=Sum("projects"), sum_pending=Sum("pending_projects"))
        .order_by(),
        fields=["period_id", "practice_key", "projects", "pending_projects"],
    )


# --- The quarter's quartiles ------------------------------------------------------------------


def _refresh_quartiles(period_id: int) -> None:
    """The quarter's overall scores and each dimension's positions across the organisation
    (two grouped queries: a value per row, and how many results have it)."""
    counts: dict[tuple[str, bool], Counter[float]] = defaultdict(Counter)
    scores = (
        Assessment.objects.filter(
            period_id=period_id, status=SUBMITTED, overall_score__isnull=False
        )
        .values_list("overall_score", "review_status")
        .annotate(results=Count("pk"))
        .order_by()
    )
    for score, review_status, results in scores:
        _count(counts, OVERALL, score, results, pending=review_status == PENDING)
    positions = (
        DimensionScore.objects.filter(period_id=period_id, level__isnull=False)
        .values_list("dimension_key", "level", "progress", "awaiting_review")
        .annotate(results=Count("pk"))
        .order_by()
    )
    for key, level, progress, awaiting, results in positions:
        position = level_position(level, progress)
        assert position is not None
        _count(counts, key, position, results, pending=awaiting)
    QuarterQuartiles.objects.filter(period_id=period_id).delete()
    QuarterQuartiles.objects.bulk_create(_quartile_rows(period_id, counts))


OVERALL = ""  # the dimension key of the overall score's quartiles


def _count(
    counts: dict[tuple[str, bool], Counter[float]],
    key: str,
    value: float,
    results: int,
    *,
    pending: bool,
) -> None:
    """Counted in the figures that count results awaiting review, and, unless it awaits
    review, in those that do not."""
    counts[(key, True)][value] += results
    if not pending:
        counts[(key, False)][value] += results


def _quartile_rows(
    period_id: int, counts: Mapping[tuple[str, bool], Counter[float]]
) -> Iterable[QuarterQuartiles]:
    for (key, awaiting_counted), values in counts.items():
        spread = quartiles_of(values)
        if spread is not None:
            yield QuarterQuartiles(
                period_id=period_id,
                dimension_key=key,
                awaiting_counted=awaiting_counted,
                low=spread.low,
                median=spread.median,
                high=spread.high,
                count=spread.size,
            )
