"""Reads for reports: who may see which report, and everything a report shows.

The numbers are the dashboard's: the insights selectors aggregate, `insights.page_figures`
draws, and this module only picks what a report of one scope and period needs.
"""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from assessments.models import Assessment, Dimension, DimensionScore, Period
from assessments.review_scope import review_scope
from assessments.rules.recommendations import CommonGap
from core.access import in_units_q, managed_unit_paths, visible_teams_q
from core.cache import dashboards_generation
from insights.review_counts import ReviewCounts, review_label
from insights.selectors import organisation as dashboard
from insights.selectors.common import project_heatmap
from insights.shapes import (
    DashboardChoices,
    DashboardFilters,
    Heatmap,
    OrganisationDashboard,
    PeriodChoice,
    ProjectChange,
    TeamChoice,
    TrendPoint,
)
from reports.models import Report
from reports.rollup import unit_rollup
from reports.rollup_shapes import UnitRollup
from teams.models import Team

NEXT_STEPS = 5


# --- Visibility -------------------------------------------------------------------------------


def reports_visible_to(*, user: User) -> QuerySet[Report]:
    """Management sees every report; a unit's managers see its reports and those of the
    units and teams below it; a team sees its own team's reports."""
    reports = Report.objects.select_related("period", "team", "unit", "requested_by")
    visible = visible_teams_q(user, team="team__")
    if visible == Q():
        return reports
    team_reports = Q(visible, scope=Report.Scope.TEAM)
    unit_reports = Q(in_units_q(managed_unit_paths(user), unit="unit__"), scope=Report.Scope.UNIT)
    return reports.filter(team_reports | unit_reports)


@dataclass(frozen=True)
class PeriodReports:
    period: Period
    reports: list[Report]


def report_list_for_user(*, user: User) -> list[PeriodReports]:
    """Visible reports grouped by period, newest period first (one query)."""
    reports = reports_visible_to(user=user).order_by(
        "-period__opens_on", "scope", "team__name", "-created_at"
    )
    groups: dict[int, PeriodReports] = {}
    for report in reports:
        groups.setdefault(report.period_id, PeriodReports(report.period, [])).reports.append(report)
    return list(groups.values())


def report_get_for_user(*, user: User, pk: int) -> Report:
    report = reports_visible_to(user=user).filter(pk=pk).first()
    if report is None:
        raise Http404("No such report.")
    return report


def report_periods() -> QuerySet[Period]:
    """Periods a report can be generated for: those that have opened."""
    return Period.objects.started(timezone.localdate()).order_by("-opens_on")


def report_teams() -> QuerySet[Team]:
    return Team.objects.order_by("name")


# --- What a report shows ----------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """The report's first numbers, in whole percent, beside the previous quarter's.

    `framework_change` ("v1 → v2") when the previous quarter used another framework
    version: its level shares and median score are shown, but not as a rise or a fall.
    """

    due: int
    assessed: int
    completion: int
    at_level_1: int  # assessed projects at level 1 or 2
    at_level_2: int
    median_score: float | None
    previous_quarter: str | None = None
    previous_completion: int | None = None
    previous_at_level_1: int | None = None
    previous_at_level_2: int | None = None
    previous_median_score: float | None = None
    framework_change: str = ""
    reviews: ReviewCounts = field(default_factory=ReviewCounts)  # the quarter's results

    @property
    def results(self) -> int:
        """The quarter's submitted results, whatever their review."""
        counts = self.reviews
        return counts.reviewed + counts.self_assessed + counts.awaiting_review


@dataclass(frozen=True)
class LevelsTable:
    """A team's projects by dimension, as the heatmap shows them."""

    row_title: str
    columns: list[str]
    rows: list[tuple[str, list[float | None]]]


@dataclass(frozen=True)
class ProjectRow:
    name: str
    team: str
    stage: str
    status: str
    overall_level: int | None
    overall_score: float | None
    review: str = ""  # "Reviewed", "Self-assessed", "Awaiting review"; a draft's: "" or returned


@dataclass
class ReportData:
    title: str
    scope_name: str
    period: Period
    headline: Headline
    levels: LevelsTable
    projects: list[ProjectRow]
    movers: list[ProjectChange]
    stalled: list[ProjectChange]
    gaps: list[CommonGap]
    dimension_names: dict[str, str]
    # What the report's figures draw besides the dashboard: the team's projects by
    # dimension, and the organisation's trend for a team's report to compare with.
    dashboard: OrganisationDashboard
    heatmap: Heatmap
    team: Team | None
    reference_trend: list[TrendPoint]
    # The organisation's or a unit's report: its scope as a whole, then unit by unit.
    rollup: UnitRollup | None = None

    @property
    def next_steps(self) -> list[CommonGap]:
        return self.gaps[:NEXT_STEPS]


def report_data(*, report: Report) -> ReportData:
    """The organisation or team dashboard of the report's period, shaped for print. The
    organisation's and a unit's report roll the teams up by unit (reports.rollup): however
    many teams there are, a unit is one row and one short section."""
    board, generation, choices = _dashboard(report)
    team = report.team
    heatmap = _project_heatmap(team, report.period) if team else Heatmap([], [], [])
    return ReportData(
        title=f"{report.target_name}: MLOps maturity, {report.period.key}",
        scope_name=team.name if team else report.unit.name if report.unit else "the organisation",
        period=report.period,
        headline=_headline(board),
        levels=LevelsTable(
            row_title="Project",
            columns=heatmap.columns,
            rows=list(zip(heatmap.rows, heatmap.values, strict=True)),
        ),
        projects=report_projects(period=report.period, team=team) if team else [],
        movers=board.movers,
        stalled=board.stalled,
        gaps=board.gaps,
        dimension_names=dict(
            Dimension.objects.filter(framework_id=report.period.framework_id).values_list(
                "key", "name"
            )
        ),
        dashboard=board,
        heatmap=heatmap,
        team=team,
        reference_trend=_reference_trend(board, team, generation),
        rollup=None
        if team
        else unit_rollup(
            period=board.filters.period,
            unit=board.filters.unit,
            choices=choices,
            rule=review_scope(),
        ),
    )


def _headline(board: OrganisationDashboard) -> Headline:
    current, previous = board.current, board.previous
    medians = {point.quarter: point.quartiles.median for point in board.trend}
    numbers: dict[str, Any] = {
        "due": current.due,
        "assessed": current.assessed,
        "completion": current.completion_percent,
        "at_level_1": current.level_1_or_more_percent,
        "at_level_2": current.level_2_percent,
        "median_score": medians.get(current.quarter),
        "reviews": current.reviews,
    }
    if previous is None or not previous.assessed:
        return Headline(**numbers)
    return Headline(
        **numbers,
        previous_quarter=previous.quarter,
        previous_completion=previous.completion_percent,
        previous_at_level_1=previous.level_1_or_more_percent,
        previous_at_level_2=previous.level_2_percent,
        previous_median_score=medians.get(previous.quarter),
        framework_change=board.framework_change,
    )


def _project_heatmap(team: Team, period: Period) -> Heatmap:
    """The team's projects by dimension in the period; projects not submitted stay empty."""
    due = [
        assessment.project
        for assessment in Assessment.objects.counted()
        .filter(period=period, project__team=team)
        .select_related("project")
        .order_by("project__name")
    ]
    scores = review_scope().scores(DimensionScore.objects.filter(team=team, period=period))
    return project_heatmap(scores, due=due)


def _reference_trend(
    board: OrganisationDashboard, team: Team | None, generation: str
) -> list[TrendPoint]:
    """For a team's report, the organisation's trend up to the report's quarter."""
    if team is None:
        return []
    return [
        point
        for point in dashboard.organisation_trend(generation=generation)
        if point.quarter <= board.filters.period.key  # keys such as 2026-Q4 sort in time
    ]


def report_projects(*, period: Period, team: Team) -> list[ProjectRow]:
    """The team's active projects in the period, with their status, stored levels and
    review status."""
    assessments = (
        Assessment.objects.counted()
        .filter(period=period, project__team=team)
        .select_related("project", "project__team")
        .order_by("project__name")
    )
    return [
        ProjectRow(
            name=a.project.name,
            team=a.project.team.name,
            stage=a.project.get_stage_display(),
            status=a.get_status_display(),
            overall_level=a.overall_level,
            overall_score=a.overall_score,
            review=review_label(a.review_status, submitted=a.is_submitted),
        )
        for a in assessments
    ]


def _dashboard(report: Report) -> tuple[OrganisationDashboard, str, DashboardChoices]:
    generation = dashboards_generation()
    choices = dashboard.dashboard_choices(generation=generation)
    period, team = report.period, report.team
    chosen = next((choice for choice in choices.periods if choice.pk == period.pk), None)
    unit = next((choice for choice in choices.units if choice.pk == report.unit_id), None)
    filters = DashboardFilters(
        period=chosen
        or PeriodChoice(
            period.pk, period.key, period.opens_on, period.framework_id, period.framework.version
        ),
        team=TeamChoice.of(team.pk, team.slug, team.name) if team else None,
        unit=unit,
    )
    board = dashboard.organisation_dashboard(filters=filters, choices=choices)
    return board, generation, choices


def report_headline(*, report: Report) -> dict:
    """The few numbers a report's email shows."""
    board, _, _ = _dashboard(report)
    headline = _headline(board)
    return {
        "due": headline.due,
        "assessed": headline.assessed,
        "completion": headline.completion,
        "at_level_1": headline.at_level_1,
        "at_level_2": headline.at_level_2,
        "top_gap": board.gaps[0].question if board.gaps else "",
    }
