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
    wrapped,
)
from insights.shapes import QuarterScores


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
        "y": [rounded(point.mean_score) for point in history],
        "line": {"color": BRAND, "width": 2, "dash": "dot"},
        "marker": {"size": 6, "color": BRAND},
        "hovertemplate": "%{x}<br>mean score %{y:.2f}<extra></extra>",
    }
    layout = base_layout(
        "Overall level and mean score by quarter",
        xaxis=axis("Quarter", type="category"),
        yaxis=axis("Level (0–2)", range=[-0.1, 2.1], **LEVEL_TICKS),
    )
    return figure_dict([overall, mean], layout, filename="project-levels")


def dimension_history(history: Sequence[QuarterScores]) -> dict:
    """Each dimension's level and progress over the quarters, as a heatmap."""
    columns = [point.quarter for point in history]
    names = {d.key: d.name for point in history for d in point.dimensions}
    scores = {(point.quarter, d.key): d.score for point in history for d in point.dimensions}
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
    return figure


def dimension_radar(
    latest: QuarterScores, earlier: QuarterScores | None, medians: Mapping[str, float]
) -> dict:
    """The latest dimension scores against the previous quarter and the organisation median."""
    dimensions = latest.dimensions
    theta = [wrapped(d.name, 22) for d in dimensions]
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
    layout = base_layout(
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
    return figure_dict(traces, layout, filename="dimension-radar")


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
