"""Plotly figures as plain dictionaries, built from selector data: pure, no ORM, no Plotly.

Every figure of the portal is built here (or composed from these in `page_figures`), never
inside a selector. Pages emit them with `json_script` and static/js/charts.js draws every
one; reports hand the same dictionaries to Kaleido. Every figure has a title, axis titles,
hover text and the PNG download button, and each maturity level keeps one colour everywhere.
"""

import html
import math
import textwrap
from collections.abc import Sequence

from assessments.rules.levels import LEVEL_NAMES, LEVELS, TOP_LEVEL
from insights.shapes import QuarterLevels, TrendPoint

LEVEL_COLOURS = {0: "#c2410c", 1: "#2563eb", 2: "#15803d"}
BRAND = "#4338ca"
BAND = "rgba(67, 56, 202, 0.16)"
INK = "#1f2937"
MUTED = "#6b7280"
GRID = "#e5e7eb"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"
# Levels 0-2 on a value axis, and the same colours as the level badges on the pages.
LEVEL_TICKS = {"tickvals": [0, 1, 2], "ticktext": ["L0", "L1", "L2"]}
LEVEL_SCALE = [
    [0.0, LEVEL_COLOURS[0]],
    [0.4999, LEVEL_COLOURS[0]],
    [0.5, LEVEL_COLOURS[1]],
    [0.9999, LEVEL_COLOURS[1]],
    [1.0, LEVEL_COLOURS[2]],
]
HEATMAP_ROW_PX = 24
# The stored overall score, in words true under both scoring rules (templates/insights/
# _overall_score.html says the same on the pages).
OVERALL_SCORE = "Overall score (0–2)"
OVERALL_SCORE_MEANING = (
    "the weakest dimension's score from framework v2 on; the mean of the dimension scores before"
)
LEGEND_BELOW = {
    "orientation": "h",
    "x": 0,
    "yref": "container",
    "y": 0,
    "yanchor": "bottom",
    "traceorder": "normal",
}


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _tenths_down(value: float) -> str:
    """0.99 reads "0.9", not "1.0": a cell must not show a level its colour says it lacks."""
    return f"{math.floor(value * 10 + 1e-9) / 10:.1f}"


def plotly_text(text: str) -> str:
    """Text as Plotly shows it literally. Plotly renders a subset of HTML in every label,
    title and hover text (links, styles), so names people typed are escaped before they
    reach a figure; its own line breaks (<br>) are added after."""
    return html.escape(text, quote=False)


def wrapped(label: str, width: int = 18) -> str:
    lines = textwrap.wrap(label, width, break_long_words=False)
    return "<br>".join(plotly_text(line) for line in lines) or plotly_text(label)


def _config(filename: str) -> dict:
    return {
        "displaylogo": False,
        "responsive": True,
        "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
    }


def base_layout(title: str, *, subtitle: str = "", height: int = 360, **extra: object) -> dict:
    """The shared look: white, system font, left-aligned title, legend below the plot."""
    heading = {"text": plotly_text(title), "x": 0.01, "xanchor": "left", "font": {"size": 15}}
    if subtitle:
        heading["subtitle"] = {"text": subtitle, "font": {"size": 12, "color": MUTED}}
    return {
        "title": heading,
        "font": {"family": FONT, "size": 12, "color": INK},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "height": height,
        "margin": {"l": 64, "r": 24, "t": 76 if subtitle else 56, "b": 104},
        "hoverlabel": {"font": {"family": FONT}},
        # Below the x axis, where a long legend never covers the title or the data.
        "legend": LEGEND_BELOW,
        **extra,
    }


def axis(title: str, **extra: object) -> dict:
    return {
        "title": {"text": title},
        "gridcolor": GRID,
        "linecolor": "#d1d5db",
        "zeroline": False,
        "automargin": True,
        **extra,
    }


def figure_dict(data: list[dict], layout: dict, *, filename: str) -> dict:
    return {"data": data, "layout": layout, "config": _config(filename)}


def with_framework_marks(
    layout: dict, *, quarters: Sequence[str], versions: Sequence[int], label_below: bool = False
) -> dict:
    """The layout with a dashed line and a label ("Framework v2") before each quarter scored
    with another framework version than the quarter before it, and the same in words for
    the chart's text (`meta.notes`, read by `figure_text`).

    `quarters` are the x axis's categories in order, listed on the axis so that a line at
    a quarter's index - 0.5 falls between it and the quarter before. `label_below` puts the
    label under the plot, where it covers no heatmap cell.
    """
    changes = [
        (index, versions[index - 1], versions[index])
        for index in range(1, len(quarters))
        if versions[index] != versions[index - 1]
    ]
    if not changes:
        return layout
    shapes = [
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": index - 0.5,
            "x1": index - 0.5,
            "y0": 0,
            "y1": 1,
            "line": {"color": INK, "width": 1.5, "dash": "dash"},
        }
        for index, _, _ in changes
    ]
    labels = [
        {
            "xref": "x",
            "yref": "paper",
            "x": index - 0.5,
            "y": 0 if label_below else 1,
            "xanchor": "left",
            "yanchor": "top",
            "xshift": 3,
            "yshift": -2 if label_below else 0,
            "showarrow": False,
            "text": f"Framework v{after}",
            "font": {"size": 11, "color": INK},
            "bgcolor": "rgba(255, 255, 255, 0.85)",
            "hovertext": f"From {plotly_text(quarters[index])} on, framework v{after}: it "
            f"scores levels differently from v{before}",
        }
        for index, before, after in changes
    ]
    notes = [
        f"framework changed (v{before} → v{after}) in {plotly_text(quarters[index])}, "
        f"and v{after} scores levels differently"
        for index, before, after in changes
    ]
    meta = layout.get("meta") or {}
    return {
        **layout,
        "xaxis": {**layout["xaxis"], "categoryorder": "array", "categoryarray": list(quarters)},
        "shapes": [*layout.get("shapes", []), *shapes],
        "annotations": [*layout.get("annotations", []), *labels],
        "meta": {**meta, "notes": [*meta.get("notes", []), *notes]},
    }


def level_detail(score: float) -> str:
    """'level 1, 45% of the way to level 2' from a level position (levels.level_position)."""
    level = min(int(score), TOP_LEVEL)
    if level == TOP_LEVEL:
        return "level 2 (top level)"
    return f"level {level}, {round((score - level) * 100)}% of the way to level {level + 1}"


# --- Organisation and team --------------------------------------------------------------------


def levels_by_quarter(quarters: Sequence[QuarterLevels]) -> dict:
    """Stacked bars: how many assessed projects sit at each overall level, per quarter."""
    data = [
        {
            "type": "bar",
            "name": LEVEL_NAMES[level],
            "x": [quarter.quarter for quarter in quarters],
            "y": [quarter.by_level[level] for quarter in quarters],
            "customdata": [
                round(100 * quarter.by_level[level] / quarter.counted) if quarter.counted else 0
                for quarter in quarters
            ],
            "marker": {"color": LEVEL_COLOURS[level]},
            "hovertemplate": f"%{{x}}<br>{LEVEL_NAMES[level]}: %{{y}} projects "
            "(%{customdata}% of those assessed)<extra></extra>",
        }
        for level in LEVELS
    ]
    layout = base_layout(
        "Projects by overall level",
        subtitle="Assessed projects per quarter, by their weakest dimension's level",
        barmode="stack",
        xaxis=axis("Quarter", type="category"),
        yaxis=axis("Projects assessed", rangemode="tozero"),
    )
    layout = with_framework_marks(
        layout,
        quarters=[quarter.quarter for quarter in quarters],
        versions=[quarter.framework_version for quarter in quarters],
    )
    return figure_dict(data, layout, filename="projects-by-level")


def maturity_trend(
    points: Sequence[TrendPoint],
    *,
    title: str,
    reference: Sequence[TrendPoint] = (),
    reference_name: str = "Organisation median",
) -> dict:
    """The median project's overall score per quarter, inside the band of the middle half,
    and a mark where the framework version changes (in these quarters or the reference's)."""
    quarters = [point.quarter for point in points]
    band: list[dict] = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": quarters,
            "y": [rounded(point.quartiles.high) for point in points],
            "line": {"width": 0},
            "hoverinfo": "skip",
            "showlegend": False,
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "Middle half of projects",
            "x": quarters,
            "y": [rounded(point.quartiles.low) for point in points],
            "line": {"width": 0},
            "fill": "tonexty",
            "fillcolor": BAND,
            "hoverinfo": "skip",
        },
    ]
    median = {
        "type": "scatter",
        "mode": "lines+markers",
        "name": "Median project",
        "x": quarters,
        "y": [rounded(point.quartiles.median) for point in points],
        "customdata": [
            [rounded(point.quartiles.low), rounded(point.quartiles.high), point.quartiles.count]
            for point in points
        ],
        "line": {"color": BRAND, "width": 3},
        "marker": {"size": 7},
        "hovertemplate": "%{x}<br>median overall score %{y:.2f}; middle half %{customdata[0]:.2f}"
        "–%{customdata[1]:.2f}<br>%{customdata[2]} projects assessed<extra></extra>",
    }
    data: list[dict] = [*band, median]
    if reference:
        data.append(_reference_line(reference, reference_name))
    layout = base_layout(
        title,
        subtitle="The median project's overall score, in the band of the middle half",
        xaxis=axis("Quarter", type="category"),
        yaxis=axis(OVERALL_SCORE, range=[0, 2.05], **LEVEL_TICKS),
    )
    # Keys such as "2026-Q4" sort in time order; a quarter has one framework version.
    versions = {point.quarter: point.framework_version for point in [*reference, *points]}
    layout = with_framework_marks(
        layout, quarters=sorted(versions), versions=[versions[q] for q in sorted(versions)]
    )
    return figure_dict(data, layout, filename="maturity-trend")


def _reference_line(points: Sequence[TrendPoint], name: str) -> dict:
    return {
        "type": "scatter",
        "mode": "lines",
        "name": plotly_text(name),
        "x": [point.quarter for point in points],
        "y": [rounded(point.quartiles.median) for point in points],
        "line": {"color": MUTED, "width": 2, "dash": "dot"},
        "hovertemplate": f"%{{x}}<br>{name} %{{y:.2f}}<extra></extra>",
    }


def level_heatmap(
    *,
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float | None]],
    counts: Sequence[Sequence[int]] = (),
    row_links: Sequence[str] = (),
    not_assessed: Sequence[Sequence[int]] = (),
    mostly_not_applicable: Sequence[Sequence[int]] = (),
    hidden_rows: int = 0,
    title: str,
    rows_title: str,
    filename: str,
    mean_of_projects: bool,
    columns_title: str = "Dimension",
) -> dict:
    """Rows by dimensions, coloured by level; a click on a row's cell opens the row's page.

    `mean_of_projects`: each cell is the mean level of several projects (team rows), or
    one project's level plus progress (levels.level_position) otherwise. A cell where
    projects mark most of the dimension "not applicable" carries a flag (⚑); a dimension
    not assessed is empty.
    """
    flagged = [
        [bool(mostly_not_applicable and mostly_not_applicable[r][c]) for c in range(len(columns))]
        for r in range(len(rows))
    ]
    trace = {
        "type": "heatmap",
        # Nine dimensions (framework v2) need narrower column labels than eight.
        "x": [wrapped(column, 18 if len(columns) <= 8 else 12) for column in columns],
        "y": [plotly_text(row) for row in rows],
        "z": [[rounded(value) for value in row] for row in values],
        "zmin": 0,
        "zmax": TOP_LEVEL,
        "colorscale": LEVEL_SCALE,
        "xgap": 2,
        "ygap": 2,
        "text": [
            [
                "" if value is None else f"{_tenths_down(value)}{' ⚑' if flag else ''}"
                for value, flag in zip(row, flags, strict=True)
            ]
            for row, flags in zip(values, flagged, strict=True)
        ],
        "texttemplate": "%{text}",
        "textfont": {"color": "#ffffff"},
        # A legend of the three level colours instead of a colour bar: the scale is
        # discrete, and plotly.js draws colour bars with inline styles the CSP forbids.
        "showscale": False,
        "customdata": [
            [
                _cell_detail(
                    value,
                    projects=counts[r][c] if counts else 0,
                    not_assessed=not_assessed[r][c] if not_assessed else 0,
                    flagged=flagged[r][c],
                    mean_of_projects=mean_of_projects,
                )
                for c, value in enumerate(row)
            ]
            for r, row in enumerate(values)
        ],
        "hovertemplate": "%{y}<br>%{x}<br>%{customdata}<extra></extra>",
    }
    height = max(300, 210 + HEATMAP_ROW_PX * len(rows))
    layout = base_layout(
        title,
        subtitle=(
            f"The weakest and the strongest; {hidden_rows} more in between" if hidden_rows else ""
        ),
        height=height,
        xaxis=axis(columns_title, side="top", tickangle=0),
        yaxis=axis(rows_title, autorange="reversed", type="category"),
        margin={"l": 64, "r": 24, "t": 175 if hidden_rows else 130, "b": 48},
        meta={"links": list(row_links)},
    )
    return figure_dict([trace, *_level_legend()], layout, filename=filename)


def _cell_detail(
    value: float | None, *, projects: int, not_assessed: int, flagged: bool, mean_of_projects: bool
) -> str:
    if not mean_of_projects:
        if value is None:
            return "not assessed" if not_assessed else "no score: not submitted"
        return level_detail(value) + (" ⚑ mostly not applicable" if flagged else "")
    if value is None:
        if not_assessed:
            return f"not assessed: every practice not applicable in {not_assessed} project(s)"
        return "no project assessed"
    detail = f"mean level {value:.2f} over {projects} project{'s' if projects != 1 else ''}"
    if not_assessed:
        detail += f"; {not_assessed} more not assessed"
    if flagged:
        detail += "; ⚑ mostly not applicable in some"
    return detail


def _level_legend() -> list[dict]:
    """Empty traces whose legend entries name the colour of each level."""
    return [
        {
            "type": "scatter",
            "mode": "markers",
            "name": LEVEL_NAMES[level],
            "x": [None],
            "y": [None],
            "marker": {"color": LEVEL_COLOURS[level], "symbol": "square", "size": 12},
            "hoverinfo": "skip",
        }
        for level in LEVELS
    ]
