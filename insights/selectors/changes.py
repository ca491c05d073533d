"""The organisation dashboard's projects that moved most since the previous quarter, and
those stalled for a year (one query each, among the results that count)."""

from collections.abc import Sequence

from django.db.models import Count, F, FilteredRelation, Max, Min, Q, QuerySet, Window
from django.db.models.functions import Abs
from django.urls import reverse

from assessments.models import Assessment
from assessments.review_scope import ReviewScope
from assessments.rules.levels import TOP_LEVEL
from insights.review_counts import review_label
from insights.selectors.common import SUBMITTED
from insights.shapes import (
    LIST_LIMIT,
    STALLED_QUARTERS,
    DashboardFilters,
    PeriodChoice,
    ProjectChange,
    framework_change,
    mixed_versions,
)

PROJECT_FIELDS = ("project__name", "project__slug", "project__team__name", "project__team__slug")


def _project_change(row: dict, *, earlier_level: int, earlier_score: float) -> ProjectChange:
    return ProjectChange(
        review=review_label(row["review_status"]),
        name=row["project__name"],
        url=reverse("portal:project_detail", kwargs={"slug": row["project__slug"]}),
        team_name=row["project__team__name"],
        team_url=reverse("portal:team_detail", kwargs={"slug": row["project__team__slug"]}),
        level=row["overall_level"],
        overall_score=row["overall_score"],
        earlier_level=earlier_level,
        earlier_overall_score=earlier_score,
    )


def movers(
    assessments: QuerySet[Assessment],
    last_two: Sequence[PeriodChoice],
    filters: DashboardFilters,
    rule: ReviewScope,
) -> tuple[list[ProjectChange], int]:
    """The projects whose overall score changed most since the previous quarter, either
    way (one query), among the results that count (`assessments` and `rule`).

    When the two quarters used different framework versions no change is ranked: the
    second number counts the projects assessed in both, whose change is not compared.
    """
    if len(last_two) < 2:
        return [], 0
    earlier, now = last_two
    if framework_change(earlier.framework_version, now.framework_version):
        both = assessments.filter(
            rule.assessments_q("project__assessments__"),
            period_id=now.pk,
            status=SUBMITTED,
            project__assessments__period_id=earlier.pk,
            project__assessments__status=SUBMITTED,
        )
        return [], both.count()
    rows = (
        assessments.filter(period_id=filters.period.pk, status=SUBMITTED)
        .annotate(
            earlier=FilteredRelation(
                "project__assessments",
                condition=Q(
                    rule.assessments_q("project__assessments__"),
                    project__assessments__period_id=earlier.pk,
                    project__assessments__status=SUBMITTED,
                ),
            ),
            change=F("overall_score") - F("earlier__overall_score"),
        )
        .exclude(change=0)
        .filter(change__isnull=False)
        .order_by(Abs("change").desc(), "project__name")
        .values(
            *PROJECT_FIELDS,
            "overall_level",
            "overall_score",
            "review_status",
            "earlier__overall_level",
            "earlier__overall_score",
        )
    )[:LIST_LIMIT]
    movers = [
        _project_change(
            row,
            earlier_level=row["earlier__overall_level"],
            earlier_score=row["earlier__overall_score"],
        )
        for row in rows
    ]
    return movers, 0


def stalled(
    assessments: QuerySet[Assessment],
    last_quarters: Sequence[PeriodChoice],
    filters: DashboardFilters,
) -> tuple[list[ProjectChange], int]:
    """Projects below the top level whose overall level has not moved for a year (the
    first few, lowest first, and how many there are). A year that spans two framework
    versions has none: a level of one version is not compared with a level of another."""
    if len(last_quarters) < STALLED_QUARTERS or mixed_versions(last_quarters):
        return [], 0
    rows = (
        assessments.filter(period_id__in=[p.pk for p in last_quarters], status=SUBMITTED)
        .values("project_id", *PROJECT_FIELDS)
        .annotate(
            quarters=Count("pk"),
            lowest=Min("overall_level"),
            highest=Max("overall_level"),
            latest_score=Max("overall_score", filter=Q(period_id=filters.period.pk)),
            review_status=Max("review_status", filter=Q(period_id=filters.period.pk)),
            earliest_score=Max("overall_score", filter=Q(period_id=last_quarters[0].pk)),
        )
        .filter(quarters=len(last_quarters), lowest=F("highest"), highest__lt=TOP_LEVEL)
        .annotate(total=Window(Count("*")))
        .order_by("highest", "latest_score", "project__name")[:LIST_LIMIT]
    )
    rows = list(rows)
    stalled = [
        _project_change(
            row | {"overall_level": row["highest"], "overall_score": row["latest_score"]},
            earlier_level=row["highest"],
            earlier_score=row["earliest_score"],
        )
        for row in rows
    ]
    return stalled, rows[0]["total"] if rows else 0
