"""The figures each page shows, composed from `figures` and the pages' selector data.

Pure: selectors return data, this module turns it into the figure dictionaries that the
pages emit with `json_script` and the reports hand to Kaleido.
"""

from dataclasses import asdict, dataclass

from insights import figures
from insights.project_figures import dimension_history, dimension_radar, project_level_history
from insights.selectors.project import ProjectInsights
from insights.selectors.team import TeamInsights
from insights.shapes import (
    Heatmap,
    OrganisationDashboard,
    QuarterLevels,
    TrendPoint,
    mixed_versions,
)
from teams.models import Team


@dataclass(frozen=True)
class ChartFigure:
    """A figure for a report, with its caption: drawn to an image by the report renderer."""

    key: str
    title: str
    caption: str
    figure: dict


# A manager reads the weakest and the strongest teams; the rest wait behind "Show all".
WEAKEST_ROWS = 10
STRONGEST_ROWS = 5


def readable_heatmap(heatmap: Heatmap, *, show_all: bool = False) -> Heatmap:
    """The heatmap as a manager can read it at 200 teams: the weakest rows and the strongest,
    one row saying how many are in between, unless every row is asked for."""
    if show_all:
        return heatmap
    return heatmap.condensed(weakest=WEAKEST_ROWS, strongest=STRONGEST_ROWS)


def dashboard_figures(
    dashboard: OrganisationDashboard, *, show_all: bool = False
) -> dict[str, dict]:
    """The rows of the heatmap are the roll-up's: units, or teams below the last units."""
    period = dashboard.filters.period.key
    rollup = dashboard.rollup
    noun = rollup.noun if rollup else "team"
    heatmap = readable_heatmap(rollup.heatmap if rollup else dashboard.heatmap, show_all=show_all)
    return {
        "levels": levels_figure(dashboard.quarters),
        "trend": figures.maturity_trend(dashboard.trend, title=f"{_scope(dashboard)} trend"),
        "heatmap": figures.level_heatmap(
            **asdict(heatmap),
            title=f"Mean level by {noun} and dimension, {period}",
            rows_title=noun.capitalize(),
            filename=f"{noun.replace(' ', '-')}s-by-dimension-{period}",
            mean_of_projects=True,
        ),
    }


def levels_figure(quarters: list[QuarterLevels]) -> dict:
    """Projects by overall level, saying in its text which results awaiting review it
    leaves out (the organisation's choice: assessments.review_scope)."""
    figure = figures.levels_by_quarter(quarters)
    left_out = [
        f"{q.reviews.not_counted} result{'s' if q.reviews.not_counted != 1 else ''} awaiting "
        f"review in {q.quarter} not counted"
        for q in quarters
        if q.reviews.not_counted
    ]
    if not left_out:
        return figure
    meta = figure["layout"].get("meta") or {}
    notes = [*meta.get("notes", []), *left_out]
    return {**figure, "layout": {**figure["layout"], "meta": {**meta, "notes": notes}}}


def _scope(dashboard: OrganisationDashboard) -> str:
    """Whose trend it is: the unit filtered on, a unit manager's units, or the organisation."""
    filters = dashboard.filters
    if filters.unit is not None:
        return filters.unit.name
    return "Your units'" if filters.within else "Organisation"


def team_figures(insights: TeamInsights, *, team: Team) -> dict[str, dict]:
    if not insights.trend or insights.heatmap is None:
        return {}
    quarter = insights.latest_quarter
    return {
        "trend": figures.maturity_trend(
            insights.trend, title=f"{team.name} trend", reference=insights.organisation_trend
        ),
        "heatmap": figures.level_heatmap(
            **asdict(insights.heatmap),
            title=f"Projects by dimension, {quarter}",
            rows_title="Project",
            filename=f"{team.slug}-{quarter}",
            mean_of_projects=False,
        ),
    }


def project_figures(insights: ProjectInsights) -> dict[str, dict]:
    history = insights.history
    if not history:
        return {}
    return {
        "levels": project_level_history(history),
        "dimensions": dimension_history(history),
        "radar": dimension_radar(
            history[-1], history[-2] if len(history) > 1 else None, insights.organisation_medians
        ),
    }


def report_figures(
    board: OrganisationDashboard,
    *,
    heatmap: Heatmap,
    team: Team | None,
    reference: list[TrendPoint],
    scope_name: str = "",
) -> list[ChartFigure]:
    """The dashboard's figures for a report's scope (a unit's, by `scope_name`), in the
    order the report shows them."""
    scope = team.name if team else scope_name or "the organisation"
    marked = " The dashed line marks a new framework version, which scores levels differently."
    chosen = [
        ChartFigure(
            key="trend",
            title="Maturity over time",
            caption="The median project's overall score per quarter "
            f"({figures.OVERALL_SCORE_MEANING}); the band holds the middle half of the projects."
            + (" The dotted line is the organisation's median." if team else "")
            + (marked if mixed_versions([*board.trend, *reference]) else ""),
            figure=figures.maturity_trend(
                board.trend, title=f"Maturity of {scope}, quarter by quarter", reference=reference
            ),
        ),
        ChartFigure(
            key="levels",
            title="Projects by overall level",
            caption="How many assessed projects sit at each overall level (their weakest "
            "dimension), per quarter." + (marked if mixed_versions(board.quarters) else ""),
            figure=levels_figure(board.quarters),
        ),
    ]
    if heatmap.rows:
        chosen.append(
            ChartFigure(
                key="heatmap",
                title="Levels by project and dimension" if team else "Levels by team and dimension",
                caption="Each project's level per dimension, plus its progress to the next."
                if team
                else "The mean level of each team's assessed projects, per dimension.",
                figure=figures.level_heatmap(
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
    return chosen
