"""A project's figures: its levels over the quarters, each dimension's history, and the
radar of its latest dimensions against the previous quarter and the organisation median.
Pure, like `figures`, whose look (layout, axes, colours) they share."""

from collections.abc import Mapping, Sequence

from insights import figures
from insights.figures import (
    BAND,
    BRAND,
    GRID,
    INK,
    LEVEL_COLOURS,
    LEVEL_TICKS,
    MUTED,
    axis,
    base_layout,
    figure_dict,
    rounded,
    with_framework_marks,
    wrapped,
)
from insights.shapes import QuarterScores, framework_change


def project_level_history(history: Sequence[QuarterScores]) -> dict:
    """The overall level (the weakest dimension) and the overall score, quarter by quarter,
    with a mark where the framework version changes."""
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
    score = {
        "type": "scatter",
        "mode": "lines+markers",
        "name": "Overall score",
        "x": quarters,
        "y": [rounded(point.overall_score) for point in history],
        "line": {"color": BRAND, "width": 2, "dash": "dot"},
        "marker": {"size": 6, "color": BRAND},
        "hovertemplate": "%{x}<br>overall score %{y:.2f}<extra></extra>",
    }
    layout = base_layout(
        "Overall level and overall score by quarter",
        xaxis=axis("Quarter", type="category"),
        yaxis=axis("Level and score (0–2)", range=[-0.1, 2.1], **LEVEL_TICKS),
    )
    layout = with_framework_marks(
        layout, quarters=quarters, versions=[point.framework_version for point in history]
    )
    return figure_dict([overall, score], layout, filename="project-levels")


def dimension_history(history: Sequence[QuarterScores]) -> dict:
    """Each dimension's level and progress over the quarters, as a heatmap, with a mark
    where the framework version changes."""
    columns = [point.quarter for point in history]
    names = {d.key: d.name for point in history for d in point.dimensions}
    # Coloured by level, so each cell is the level plus progress, never rule 2's coverage score.
    scores = {(point.quarter, d.key): d.position for point in history for d in point.dimensions}
    figure = figures.level_heatmap(
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
    figure["layout"] = with_framework_marks(
        figure["layout"],
        quarters=columns,
        versions=[point.framework_version for point in history],
        label_below=True,
    )
    return figure


def dimension_radar(
    latest: QuarterScores, earlier: QuarterScores | None, medians: Mapping[str, float]
) -> dict:
    """The latest dimension scores against the previous quarter and the organisation median.
    A previous quarter scored with another framework version says so in its name."""
    dimensions = latest.dimensions
    change = (
        framework_change(earlier.framework_version, latest.framework_version) if earlier else ""
    )
    theta = [wrapped(d.name, 22) for d in dimensions]
    traces = [
        _radar_trace(
            f"{latest.quarter} (this project)",
            theta,
            [d.position for d in dimensions],
            line={"color": BRAND, "width": 3},
            fill="toself",
            fillcolor=BAND,
        )
    ]
    if earlier is not None:
        before = {d.key: d.position for d in earlier.dimensions}
        traces.append(
            _radar_trace(
                f"{earlier.quarter} (previous"
                + (f", framework v{earlier.framework_version})" if change else ")"),
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
    layout = base_layout(
        f"Dimension levels in {latest.quarter}",
        subtitle=_radar_subtitle(earlier, change),
        height=460,
        margin={"l": 90, "r": 90, "t": 96, "b": 110},
        polar={
            "radialaxis": {"range": [0, 2], "gridcolor": GRID, "angle": 90, **LEVEL_TICKS},
            "angularaxis": {"direction": "clockwise", "gridcolor": GRID},
        },
    )
    if earlier and change:  # in words for the chart's text too (figure_text reads notes)
        layout["meta"] = {"notes": [f"framework changed ({change}) since {earlier.quarter}"]}
    return figure_dict(traces, layout, filename="dimension-radar")


def _radar_subtitle(earlier: QuarterScores | None, change: str) -> str:
    if earlier is None:
        return "Against the organisation median"
    if change:
        return f"Framework changed ({change}) since {earlier.quarter}: scored differently"
    return f"Against {earlier.quarter} and the organisation median"


def _radar_trace(name: str, theta: list[str], scores: list[float | None], **style) -> dict:
    # Repeat the first point so the outline closes.
    return {
        "type": "scatterpolar",
        "name": name,
        "theta": [*theta, theta[0]] if theta else [],
        "r": [rounded(score) for score in [*scores, *scores[:1]]],
        "mode": "lines+markers",
        "hovertemplate": f"{name}<br>%{{theta}}: %{{r:.2f}}<extra></extra>",
        **style,
    }
