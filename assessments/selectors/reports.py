"""Reads for reports: who may see which report, and everything a report shows.

The numbers and figures are the dashboard's: its selectors aggregate, `charts.py` draws,
and this module only picks what a report of one scope and period needs.
"""

from dataclasses import asdict, dataclass, field

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from assessments import charts
from assessments.models import Assessment, Dimension, DimensionScore, Period, Report
from assessments.recommendations import CommonGap
from assessments.selectors import dashboard
from teams.models import Membership, Team
from teams.permissions import is_management

NEXT_STEPS = 5


@dataclass(frozen=True)
class ChartFigure:
    """A dashboard figure for a report: drawn to an image by the report service."""

    key: str
    title: str
    caption: str
    figure: dict


# --- Visibility -------------------------------------------------------------------------------


def reports_visible_to(*, user: User) -> QuerySet[Report]:
    """Management sees every report; a team sees its own team's reports."""
    reports = Report.objects.select_related("period", "team", "requested_by")
    if is_management(user):
        return reports
    team_ids = Membership.objects.filter(user=user).values("team_id")
    return reports.filter(scope=Report.Scope.TEAM, team_id__in=team_ids)


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
    return Period.objects.filter(opens_on__lte=timezone.localdate()).order_by("-opens_on")


def report_teams() -> QuerySet[Team]:
    return Team.objects.order_by("name")


# --- What a report shows ----------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """The report's first numbers, in whole percent, beside the previous quarter's."""

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


@dataclass(frozen=True)
class LevelsTable:
    """Levels by row (team or project) and dimension, as the heatmap shows them."""

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
    mean_score: float | None


@dataclass
class ReportData:
    title: str
    scope_name: str
    period: Period
    headline: Headline
    levels: LevelsTable
    completion_by_team: list[dashboard.TeamCompletion]
    projects: list[ProjectRow]
    movers: list[dashboard.ProjectChange]
    stalled: list[dashboard.ProjectChange]
    gaps: list[CommonGap]
    dimension_names: dict[str, str]
    figures: list[ChartFigure] = field(default_factory=list)

    @property
    def next_steps(self) -> list[CommonGap]:
        return self.gaps[:NEXT_STEPS]


def report_data(*, report: Report) -> ReportData:
    """The organisation or team dashboard of the report's period, shaped for print."""
    board, version = _dashboard(report)
    team = report.team
    heatmap = _project_heatmap(team, report.period) if team else board.heatmap
    return ReportData(
        title=f"{team.name if team else 'Organisation'}: MLOps maturity, {report.period.key}",
        scope_name=team.name if team else "the organisation",
        period=report.period,
        headline=_headline(board),
        levels=LevelsTable(
            row_title="Project" if team else "Team",
            columns=heatmap.columns,
            rows=list(zip(heatmap.rows, heatmap.values, strict=True)),
        ),
        completion_by_team=[] if team else board.completion_by_team,
        projects=report_projects(period=report.period, team=team) if team else [],
        movers=board.movers,
        stalled=board.stalled,
        gaps=board.gaps,
        dimension_names=dict(
            Dimension.objects.filter(framework_id=report.period.framework_id).values_list(
                "key", "name"
            )
        ),
        figures=_figures(board, heatmap, team, version),
    )


def _headline(board: dashboard.OrganisationDashboard) -> Headline:
    current, previous = board.current, board.previous
    medians = {point.quarter: point.quartiles.median for point in board.trend}
    numbers = {
        "due": current.due,
        "assessed": current.assessed,
        "completion": current.completion_percent,
        "at_level_1": current.level_1_or_more_percent,
        "at_level_2": current.level_2_percent,
        "median_score": medians.get(current.quarter),
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
    )


def _project_heatmap(team: Team, period: Period) -> dashboard.Heatmap:
    """The team's projects by dimension in the period; projects not submitted stay empty.

    The dashboard's team page builds this grid for the latest quarter only, so the report
    borrows its (private) builder for the report's period.
    """
    due = [
        assessment.project
        for assessment in Assessment.objects.filter(period=period, project__team=team)
        .select_related("project")
        .order_by("project__name")
    ]
    scores = DimensionScore.objects.filter(team=team, period=period)
    return dashboard._project_heatmap(scores, due=due)


def _figures(
    board: dashboard.OrganisationDashboard,
    heatmap: dashboard.Heatmap,
    team: Team | None,
    version: str,
) -> list[ChartFigure]:
    """The dashboard's figures for the report's scope, in the order the report shows them."""
    scope = team.name if team else "the organisation"
    reference = (
        [
            point
            for point in dashboard.organisation_trend(version=version)
            if point.quarter <= board.filters.period.key  # keys such as 2026-Q4 sort in time
        ]
        if team
        else []
    )
    figures = [
        ChartFigure(
            key="trend",
            title="Maturity over time",
            caption="The median project's mean dimension score per quarter; the band holds "
            "the middle half of the projects."
            + (" The dotted line is the organisation's median." if team else ""),
            figure=charts.maturity_trend(
                board.trend, title=f"Maturity of {scope}, quarter by quarter", reference=reference
            ),
        ),
        ChartFigure(
            key="levels",
            title="Projects by overall level",
            caption="How many assessed projects sit at each overall level (their weakest "
            "dimension), per quarter.",
            figure=charts.levels_by_quarter(board.quarters),
        ),
    ]
    if heatmap.rows:
        figures.append(
            ChartFigure(
                key="heatmap",
                title="Levels by project and dimension" if team else "Levels by team and dimension",
                caption="Each project's score per dimension (level plus progress to the next)."
                if team
                else "The mean level of each team's assessed projects, per dimension.",
                figure=charts.level_heatmap(
                    **asdict(heatmap),
                    title=f"{board.filters.period.key}: level by "
                    + ("project" if team else "team")
                    + " and dimension",
                    rows_title="Project" if team else "Team",
                    filename="report-heatmap",
                    mean_of_projects=team is None,
                ),
            )
        )
    return figures


def report_projects(*, period: Period, team: Team) -> list[ProjectRow]:
    """The team's active projects in the period, with their status and stored levels."""
    assessments = (
        Assessment.objects.filter(period=period, project__team=team)
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
            mean_score=a.mean_score,
        )
        for a in assessments
    ]


def _dashboard(report: Report) -> tuple[dashboard.OrganisationDashboard, str]:
    version = dashboard.data_version()
    choices = dashboard.dashboard_choices(version=version)
    filters = dashboard.DashboardFilters(period=report.period, team=report.team)
    board = dashboard.organisation_dashboard(filters=filters, choices=choices)
    return board, version


def report_headline(*, report: Report) -> dict:
    """The few numbers a report's email shows."""
    board, _ = _dashboard(report)
    headline = _headline(board)
    return {
        "due": headline.due,
        "assessed": headline.assessed,
        "completion": headline.completion,
        "at_level_1": headline.at_level_1,
        "at_level_2": headline.at_level_2,
        "top_gap": board.gaps[0].question if board.gaps else "",
    }
