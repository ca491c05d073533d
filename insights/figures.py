"""Plotly figures as plain dictionaries, built from selector data: pure, no ORM, no Plotly.

Every figure of the portal is built here (or composed from these in `page_figures`), never
inside a selector. Pages emit them with `json_script` and static/js/charts.js draws every
one; reports hand the same dictionaries to Kaleido. Every figure has a title, axis titles,
hover text and the PNG download button, and each maturity level keeps one colour everywhere.
"""

import textwrap
from collections.abc import Mapping, Sequence

from assessments.rules.levels import LEVEL_NAMES, LEVELS, TOP_LEVEL
from insights.shapes import QuarterLevels, QuarterScores, TrendPoint

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
LEGEND_BELOW = {
    "orientation": "h",
    "x": 0,
    "yref": "container",
    "y": 0,
    "yanchor": "bottom",
    "traceorder": "normal",
}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _wrap(label: str, width: int = 18) -> str:
    return "<br>".join(textwrap.wrap(label, width)) or label


def _config(filename: str) -> dict:
    return {
        "displaylogo": False,
        "responsive": True,
        "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
    }


def _layout(title: str, *, subtitle: str = "", height: int = 360, **extra: object) -> dict:
    """The shared look: white, system font, left-aligned title, legend below the plot."""
    heading = {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 15}}
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


def _axis(title: str, **extra: object) -> dict:
    return {
        "title": {"text": title},
        "gridcolor": GRID,
        "linecolor": "#d1d5db",
        "zeroline": False,
        "automargin": True,
        **extra,
    }


def _figure(data: list[dict], layout: dict, *, filename: str) -> dict:
    return {"data": data, "layout": layout, "config": _config(filename)}


def level_detail(score: float) -> str:
    """'level 1, 45% of the way to level 2' from a stored score (level + progress / 100)."""
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
                round(100 * quarter.by_level[level] / quarter.assessed) if quarter.assessed else 0
                for quarter in quarters
            ],
            "marker": {"color": LEVEL_COLOURS[level]},
            "hovertemplate": f"%{{x}}<br>{LEVEL_NAMES[level]}: %{{y}} projects "
            "(%{customdata}% of those assessed)<extra></extra>",
        }
        for level in LEVELS
    ]
    layout = _layout(
        "Projects by overall level",
        subtitle="Assessed projects per quarter, by their weakest dimension's level",
        barmode="stack",
        xaxis=_axis("Quarter", type="category"),
        yaxis=_axis("Projects assessed", rangemode="tozero"),
    )
    return _figure(data, layout, filename="projects-by-level")


def maturity_trend(
    points: Sequence[TrendPoint],
    *,
    title: str,
    reference: Sequence[TrendPoint] = (),
    reference_name: str = "Organisation median",
) -> dict:
    """The median project's mean score per quarter, inside the band of the middle half."""
    quarters = [point.quarter for point in points]
    band: list[dict] = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": quarters,
            "y": [_round(point.quartiles.high) for point in points],
            "line": {"width": 0},
            "hoverinfo": "skip",
            "showlegend": False,
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "Middle half of projects",
            "x": quarters,
            "y": [_round(point.quartiles.low) for point in points],
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
        "y": [_round(point.quartiles.median) for point in points],
        "customdata": [
            [_round(point.quartiles.low), _round(point.quartiles.high), point.quartiles.count]
            for point in points
        ],
        "line": {"color": BRAND, "width": 3},
        "marker": {"size": 7},
        "hovertemplate": "%{x}<br>median %{y:.2f}; middle half %{customdata[0]:.2f}"
        "–%{customdata[1]:.2f}<br>%{customdata[2]} projects assessed<extra></extra>",
    }
    data: list[dict] = [*band, median]
    if reference:
        data.append(_reference_line(reference, reference_name))
    layout = _layout(
        title,
        subtitle="The median project's mean dimension score, in the band of the middle half",
        xaxis=_axis("Quarter", type="category"),
        yaxis=_axis("Mean dimension score (0–2)", range=[0, 2.05], **LEVEL_TICKS),
    )
    return _figure(data, layout, filename="maturity-trend")


def _reference_line(points: Sequence[TrendPoint], name: str) -> dict:
    return {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "x": [point.quarter for point in points],
        "y": [_round(point.quartiles.median) for point in points],
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
    title: str,
    rows_title: str,
    filename: str,
    mean_of_projects: bool,
    columns_title: str = "Dimension",
) -> dict:
    """Rows by dimensions, coloured by level; a click on a row's cell opens the row's page.

    `mean_of_projects`: each cell is the mean level of several projects (team rows), or
    one project's score (level + progress) otherwise.
    """
    trace = {
        "type": "heatmap",
        "x": [_wrap(column) for column in columns],
        "y": list(rows),
        "z": [[_round(value) for value in row] for row in values],
        "zmin": 0,
        "zmax": TOP_LEVEL,
        "colorscale": LEVEL_SCALE,
        "xgap": 2,
        "ygap": 2,
        "texttemplate": "%{z:.1f}",
        "textfont": {"color": "#ffffff"},
        # A legend of the three level colours instead of a colour bar: the scale is
        # discrete, and plotly.js draws colour bars with inline styles the CSP forbids.
        "showscale": False,
    }
    if mean_of_projects:
        trace["customdata"] = [list(row) for row in counts]
        trace["hovertemplate"] = (
            "%{y}<br>%{x}<br>mean level %{z:.2f} over %{customdata} projects<extra></extra>"
        )
    else:
        trace["customdata"] = [
            [level_detail(value) if value is not None else "not assessed" for value in row]
            for row in values
        ]
        trace["hovertemplate"] = "%{y}<br>%{x}<br>%{customdata}<extra></extra>"
    height = max(300, 210 + HEATMAP_ROW_PX * len(rows))
    layout = _layout(
        title,
        height=height,
        xaxis=_axis(columns_title, side="top", tickangle=0),
        yaxis=_axis(rows_title, autorange="reversed", type="category"),
        margin={"l": 64, "r": 24, "t": 130, "b": 48},
        meta={"links": list(row_links)},
    )
    return _figure([trace, *_level_legend()], layout, filename=filename)


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


# --- Project ----------------------------------------------------------------------------------


def project_level_history(history: Sequence[QuarterScores]) -> dict:
    """The overall level (the weakest dimension) and the mean score, quarter by quarter."""
    quarters = [point.quarter for point in history]
    overall = {
        "type": "scatter",
        "mode": "lines+markers",
        "name": "Overall level (weakest dimension)",
        "x": quarters,
        "y": [point.overall_level for point in history],
        "line": {"color": INK, "width": 2, "shape": "hv"},
        "marker": {
            "size": 12,
            "color": [
                LEVEL_COLOURS.get(point.overall_level, MUTED)
                if point.overall_level is not None
                else MUTED
                for point in history
            ],
        },
        "hovertemplate": "%{x}<br>overall level %{y}<extra></extra>",
    }
    mean = {
        "type": "scatter",
        "mode": "lines+markers",
        "name": "Mean of the dimension scores",
        "x": quarters,
        "y": [_round(point.mean_score) for point in history],
        "line": {"color": BRAND, "width": 2, "dash": "dot"},
        "marker": {"size": 6, "color": BRAND},
        "hovertemplate": "%{x}<br>mean score %{y:.2f}<extra></extra>",
    }
    layout = _layout(
        "Overall level and mean score by quarter",
        xaxis=_axis("Quarter", type="category"),
        yaxis=_axis("Level (0–2)", range=[-0.1, 2.1], **LEVEL_TICKS),
    )
    return _figure([overall, mean], layout, filename="project-levels")


def dimension_history(history: Sequence[QuarterScores]) -> dict:
    """Each dimension's level and progress over the quarters, as a heatmap."""
    columns = [point.quarter for point in history]
    names = {d.key: d.name for point in history for d in point.dimensions}
    scores = {(point.quarter, d.key): d.score for point in history for d in point.dimensions}
    figure = level_heatmap(
        rows=list(names.values()),
        columns=columns,
        values=[[scores.get((quarter, key)) for quarter in columns] for key in names],
        title="Each dimension over the quarters",
        rows_title="Dimension",
        columns_title="Quarter",
        filename="dimension-history",
        mean_of_projects=False,
    )
    figure["layout"]["xaxis"]["type"] = "category"
    return figure


def dimension_radar(
    latest: QuarterScores, earlier: QuarterScores | None, medians: Mapping[str, float]
) -> dict:
    """The latest dimension scores against the previous quarter and the organisation median."""
    dimensions = latest.dimensions
    theta = [_wrap(d.name, 22) for d in dimensions]
    traces = [
        _radar_trace(
            f"{latest.quarter} (this project)",
            theta,
            [d.score for d in dimensions],
            line={"color": BRAND, "width": 3},
            fill="toself",
            fillcolor=BAND,
        )
    ]
    if earlier is not None:
        before = {d.key: d.score for d in earlier.dimensions}
        traces.append(
            _radar_trace(
                f"{earlier.quarter} (previous)",
                theta,
                [before.get(d.key) for d in dimensions],
                line={"color": "#9ca3af", "width": 2, "dash": "dash"},
            )
        )
    traces.append(
        _radar_trace(
            f"Organisation median, {latest.quarter}",
            theta,
            [medians.get(d.key) for d in dimensions],
            line={"color": INK, "width": 2, "dash": "dot"},
        )
    )
    layout = _layout(
        f"Dimension levels in {latest.quarter}",
        subtitle=(
            f"Against {earlier.quarter} and the organisation median"
            if earlier
            else "Against the organisation median"
        ),
        height=460,
        margin={"l": 90, "r": 90, "t": 96, "b": 110},
        polar={
            "radialaxis": {"range": [0, 2], "gridcolor": GRID, "angle": 90, **LEVEL_TICKS},
            "angularaxis": {"direction": "clockwise", "gridcolor": GRID},
        },
    )
    return _figure(traces, layout, filename="dimension-radar")


def _radar_trace(name: str, theta: list[str], scores: list[float | None], **style) -> dict:
    # Repeat the first point so the outline closes.
    return {
        "type": "scatterpolar",
        "name": name,
        "theta": [*theta, theta[0]] if theta else [],
        "r": [_round(score) for score in [*scores, *scores[:1]]],
        "mode": "lines+markers",
        "hovertemplate": f"{name}<br>%{{theta}}: %{{r:.2f}}<extra></extra>",
        **style,
    }
