"""Delivery outcomes in words and charts: durations and rates as the pages write them, the
deployments and failures per quarter, and the dashboard's medians by maturity level.

Pure, like `figures`, whose look (layout, axes, colours) the charts share; the cards that
arrange them on the pages are `outcome_cards`.
"""

import math
import statistics
from collections.abc import Callable, Iterable, Sequence

from assessments.rules.levels import LEVEL_NAMES, LEVELS
from insights.figures import (
    LEVEL_COLOURS,
    MUTED,
    axis,
    base_layout,
    figure_dict,
    plotly_text,
)
from insights.selectors.outcomes import LevelFigure, OutcomesByLevel, QuarterOutcome

HELD = "#15803d"
FAILED = "#c2410c"
NONE = "—"


# --- Words for one figure -------------------------------------------------------------------


def duration(hours: float | None) -> str:
    """A median duration as people say it: minutes, hours, or days from two days on."""
    if hours is None:
        return NONE
    if hours < 1:
        return f"{max(round(hours * 60), 1)} min"
    if hours < 48:
        return f"{tidy(hours)} h"
    return f"{tidy(hours / 24)} days"


def percent(share: float | None) -> str:
    return NONE if share is None else f"{round(share * 100)}%"


def days(value: float | None) -> str:
    if value is None:
        return NONE
    return f"every {tidy(value)} day{'' if value == 1 else 's'}"


def tidy(value: float) -> str:
    """One decimal below 10, whole numbers above: "2.5", "14"."""
    if value < 10:
        return f"{value:.1f}".removesuffix(".0")
    return str(math.floor(value + 0.5))  # half up: 20.5 h reads "21 h", as people round


def too_few(projects: int) -> str:
    return f"too few projects to compare (n = {projects})"


# --- Deployments and failures per quarter ---------------------------------------------------


def quarter_label(quarter: QuarterOutcome) -> str:
    return f"{quarter.quarter} (so far)" if quarter.in_progress else quarter.quarter


def deployments_by_quarter(quarters: Sequence[QuarterOutcome], *, title: str) -> dict:
    """Stacked bars: the production deployments of each quarter, split into those followed
    within 7 days by a rollback or an incident and the others."""
    x = [quarter_label(quarter) for quarter in quarters]
    rates = [percent(quarter.change_failure_rate) for quarter in quarters]
    held = {
        "type": "bar",
        "name": "Deployments without a failure",
        "x": x,
        "y": [q.deployments - q.failed_deployments for q in quarters],
        "marker": {"color": HELD},
        "hovertemplate": "%{x}<br>%{y} deployments without a failure<extra></extra>",
    }
    failed = {
        "type": "bar",
        "name": "Deployments followed by a failure",
        "x": x,
        "y": [q.failed_deployments for q in quarters],
        "customdata": rates,
        "marker": {"color": FAILED},
        "hovertemplate": "%{x}<br>%{y} followed within 7 days by a rollback or an incident"
        "<br>change failure rate %{customdata}<extra></extra>",
    }
    layout = base_layout(
        title,
        subtitle="Split by whether a rollback or an incident followed within 7 days",
        height=320,
        margin={"l": 64, "r": 24, "t": 76, "b": 84},
        barmode="stack",
        xaxis=axis("Quarter", type="category"),
        yaxis=axis("Deployments", rangemode="tozero", dtick=_whole_ticks(quarters)),
    )
    return figure_dict([held, failed], layout, filename="deployments-by-quarter")


def _whole_ticks(quarters: Sequence[QuarterOutcome]) -> int | None:
    """Whole-number ticks for small counts (Plotly would draw 0.5 deployments)."""
    return 1 if max((q.deployments for q in quarters), default=0) <= 6 else None


# --- Outcomes by maturity level -------------------------------------------------------------


def lead_time_by_level(outcomes: OutcomesByLevel) -> dict:
    """The median project's lead time at each level, labelled with n."""
    figures = {level.level: level.lead_time_hours for level in outcomes.levels}
    medians = [f.median for f in figures.values() if f.median is not None]
    in_days = bool(medians) and statistics.median(medians) >= 48
    unit = "days" if in_days else "hours"
    return _level_dots(
        outcomes,
        figures,
        title=f"Median lead time by level, {outcomes.quarter}",
        axis_title=f"Median lead time ({unit})",
        scale=lambda hours: round(hours / 24 if in_days else hours, 1),
        hover=f"median lead time %{{y}} {unit}",
        filename=f"lead-time-by-level-{outcomes.quarter}",
    )


def failure_rate_by_level(outcomes: OutcomesByLevel) -> dict:
    """The median change failure rate at each level (of projects that deployed)."""
    figures = {level.level: level.change_failure_rate for level in outcomes.levels}
    return _level_dots(
        outcomes,
        figures,
        title=f"Median change failure rate by level, {outcomes.quarter}",
        axis_title="Median change failure rate (%)",
        scale=lambda share: round(share * 100),
        hover="median change failure rate %{y}%",
        filename=f"failure-rate-by-level-{outcomes.quarter}",
        yrange=[0, _percent_top(figures.values())],
    )


def _percent_top(figures: Iterable[LevelFigure]) -> int:
    """Room above the highest rate for its label, and never less than half the scale, so a
    small difference does not look large."""
    highest = max((round(f.median * 100) for f in figures if f.median is not None), default=0)
    return min(max(50, math.ceil(highest * 1.3)), 110)


def _level_dots(
    outcomes: OutcomesByLevel,
    figures: dict[int, LevelFigure],
    *,
    title: str,
    axis_title: str,
    scale: Callable[[float], float],
    hover: str,
    filename: str,
    yrange: list[int] | None = None,
) -> dict:
    """A dot per level at its median, on a stem from zero, labelled with the n behind it;
    a grey note where too few projects are. Dots rather than bars: the charts' text reads
    bars as counts stacked into a total, and medians add up to nothing."""
    names = [LEVEL_NAMES[level].replace(" · ", " ·<br>") for level in LEVELS]
    medians = [figures[level].median for level in LEVELS]
    values = [None if median is None else scale(median) for median in medians]
    projects = [figures[level].projects for level in LEVELS]
    trace = {
        "type": "scatter",
        "mode": "markers+text",
        "name": plotly_text(axis_title),
        "x": names,
        "y": values,
        "text": [f"n = {count}" for count in projects],
        "textposition": "top center",
        "cliponaxis": False,
        "marker": {"color": [LEVEL_COLOURS[level] for level in LEVELS], "size": 18},
        "customdata": projects,
        "hovertemplate": f"%{{x}}<br>{hover}<br>over %{{customdata}} projects<extra></extra>",
        "showlegend": False,
    }
    stems = [
        {
            "type": "line",
            "xref": "x",
            "yref": "y",
            "x0": index,
            "x1": index,
            "y0": 0,
            "y1": value,
            "layer": "below",
            "line": {"color": LEVEL_COLOURS[level], "width": 6},
        }
        for index, (level, value) in enumerate(zip(LEVELS, values, strict=True))
        if value is not None
    ]
    greyed = [
        {
            "x": index,
            "y": 0,
            "yanchor": "bottom",
            "showarrow": False,
            "text": _too_few_label(projects[index]),
            "font": {"size": 11, "color": MUTED},
        }
        for index, value in enumerate(values)
        if value is None
    ]
    notes = [
        f"{LEVEL_NAMES[level]}: "
        + (too_few_words(count) if value is None else f"median of {count} projects")
        for level, value, count in zip(LEVELS, values, projects, strict=True)
    ]
    known = [value for value in values if value is not None]
    top: list[float] = [*yrange] if yrange else [0, max(known) * 1.25 if any(known) else 1]
    layout = base_layout(
        title,
        height=340,
        xaxis=axis(
            "Overall level",
            type="category",
            categoryorder="array",
            categoryarray=names,
            range=[-0.5, len(names) - 0.5],
            showgrid=False,  # a grid line would run down each stem
        ),
        yaxis=axis(axis_title, range=top),
        shapes=stems,
        annotations=greyed,
        margin={"l": 64, "r": 24, "t": 56, "b": 72},
        meta={"notes": notes},
    )
    return figure_dict([trace], layout, filename=filename)


def too_few_words(projects: int) -> str:
    return too_few(projects) if projects else "no project"


def _too_few_label(projects: int) -> str:
    return f"too few projects<br>to compare (n = {projects})" if projects else "no project"
