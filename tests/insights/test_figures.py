"""Figures are plain data: what a reader of each chart sees, checked without a browser."""

import json

import pytest

from insights import figures, project_figures
from insights.figure_text import figure_table
from insights.shapes import (
    QuarterLevels,
    Quartiles,
    TrendPoint,
)
from tests.insights.figure_data import quarter_scores

QUARTERS = [
    QuarterLevels(quarter="2026-Q1", due=10, assessed=8, by_level=(4, 3, 1)),
    QuarterLevels(quarter="2026-Q2", due=10, assessed=10, by_level=(2, 5, 3)),
]
TREND = [
    TrendPoint("2026-Q1", Quartiles(low=0.5, median=0.8333333, high=1.25, count=8)),
    TrendPoint("2026-Q2", Quartiles(low=0.75, median=1.1666666, high=1.5, count=10)),
]


HISTORY = [
    quarter_scores("2026-Q1", [0.5, 1.25, 0.75], 0),
    quarter_scores("2026-Q2", [1.5, 2.0, 1.0], 1),
]


def _all_figures() -> list[dict]:
    return [
        figures.levels_by_quarter(QUARTERS),
        figures.maturity_trend(TREND, title="Organisation trend"),
        figures.level_heatmap(
            rows=["Fraud", "Search"],
            columns=["Data and features", "Deployment and release"],
            values=[[0.5, 1.25], [2.0, None]],
            counts=[[3, 3], [2, 0]],
            row_links=["/teams/fraud/", "/teams/search/"],
            title="Mean level by team and dimension",
            rows_title="Team",
            filename="teams",
            mean_of_projects=True,
        ),
        project_figures.project_level_history(HISTORY),
        project_figures.dimension_history(HISTORY),
        project_figures.dimension_radar(HISTORY[-1], HISTORY[0], {"data": 1.0, "deployment": 1.5}),
    ]


@pytest.mark.parametrize(
    "figure",
    _all_figures(),
    ids=lambda figure: figure["config"]["toImageButtonOptions"]["filename"],
)
def test_it_gives_every_chart_a_title_axis_labels_hover_text_and_a_png_download(figure):
    layout = figure["layout"]
    assert layout["title"]["text"]
    if "polar" not in layout:
        assert layout["xaxis"]["title"]["text"] and layout["yaxis"]["title"]["text"]
    drawn = [trace for trace in figure["data"] if trace.get("hoverinfo") != "skip"]
    assert all("hovertemplate" in trace for trace in drawn)
    assert figure["config"]["toImageButtonOptions"]["format"] == "png"
    assert "toImage" not in figure["config"]["modeBarButtonsToRemove"]
    assert figure["config"]["displaylogo"] is False
    json.dumps(figure, allow_nan=False)  # plain data, ready for json_script and Kaleido


def test_it_stacks_projects_by_level_in_the_level_colours():
    figure = figures.levels_by_quarter(QUARTERS)
    assert figure["layout"]["barmode"] == "stack"
    assert [trace["marker"]["color"] for trace in figure["data"]] == [
        "#c2410c",
        "#2563eb",
        "#15803d",
    ]
    assert [trace["y"] for trace in figure["data"]] == [[4, 2], [3, 5], [1, 3]]
    assert figure["data"][2]["customdata"] == [12, 30]  # percent of those assessed


def test_it_draws_the_median_inside_the_band_of_the_middle_half_rounded_to_two_places():
    figure = figures.maturity_trend(TREND, title="Trend")
    upper, lower, median = figure["data"]
    assert upper["y"] == [1.25, 1.5] and lower["y"] == [0.5, 0.75]
    assert lower["fill"] == "tonexty"
    assert median["y"] == [0.83, 1.17]
    assert median["customdata"][0] == [0.5, 1.25, 8]


def test_it_adds_the_organisation_median_as_a_reference_line_when_given():
    figure = figures.maturity_trend(TREND, title="Fraud trend", reference=TREND)
    assert figure["data"][-1]["name"] == "Organisation median"
    assert figure["data"][-1]["line"]["dash"] == "dot"


def test_it_links_each_heatmap_row_and_names_the_level_colours_in_a_legend():
    figure = _all_figures()[2]
    heatmap, *legend = figure["data"]
    assert figure["layout"]["meta"]["links"] == ["/teams/fraud/", "/teams/search/"]
    assert heatmap["z"] == [[0.5, 1.25], [2.0, None]]
    assert heatmap["showscale"] is False  # colour bars need inline styles the CSP forbids
    assert [trace["name"] for trace in legend] == list(figures.LEVEL_NAMES.values())
    assert figure["layout"]["yaxis"]["autorange"] == "reversed"  # first team on top


def test_it_grows_the_heatmap_with_its_rows_so_they_stay_readable():
    small = figures.level_heatmap(
        rows=["a"],
        columns=["x"],
        values=[[1]],
        title="t",
        rows_title="r",
        filename="f",
        mean_of_projects=True,
    )
    rows = [f"Team {n}" for n in range(200)]
    large = figures.level_heatmap(
        rows=rows,
        columns=["x"],
        values=[[1]] * 200,
        title="t",
        rows_title="r",
        filename="f",
        mean_of_projects=True,
    )
    assert large["layout"]["height"] >= 200 * 20 > small["layout"]["height"]


def test_it_explains_a_project_cell_as_level_and_progress():
    figure = project_figures.dimension_history(HISTORY)
    assert figure["data"][0]["customdata"][0] == [
        "level 0, 50% of the way to level 1",
        "level 1, 50% of the way to level 2",
    ]
    assert figures.level_detail(2.0) == "level 2 (top level)"


def test_it_closes_each_radar_outline_and_compares_three_series():
    figure = project_figures.dimension_radar(
        HISTORY[-1], HISTORY[0], {"data": 1.0, "deployment": 1.5}
    )
    current, previous, median = figure["data"]
    assert all(trace["type"] == "scatterpolar" for trace in figure["data"])
    assert current["r"] == [1.5, 2.0, 1.0, 1.5]
    assert current["theta"][0] == current["theta"][-1]
    assert previous["r"] == [0.5, 1.25, 0.75, 0.5]
    assert median["r"] == [1.0, 1.5, None, 1.0]  # no median yet: a gap, not a zero
    assert figure["layout"]["polar"]["radialaxis"]["range"] == [0, 2]


def test_it_draws_a_first_radar_without_a_previous_quarter():
    figure = project_figures.dimension_radar(HISTORY[0], None, {})
    assert len(figure["data"]) == 2
    assert "previous" not in json.dumps(figure)


def test_it_colours_the_overall_level_markers_by_level():
    figure = project_figures.project_level_history(HISTORY)
    assert figure["data"][0]["marker"]["color"] == ["#c2410c", "#2563eb"]
    assert figure["data"][1]["y"] == [0.83, 1.5]


MARKUP = '<a href="https://evil.example/p">x</a><span style="font-size:60px">BIG</span>'


def _strings(value: object):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def test_it_escapes_markup_in_names_before_it_reaches_a_figure():
    figures_with_names = [
        figures.level_heatmap(
            rows=[MARKUP, "Fine team"],
            columns=[MARKUP, "Data"],
            values=[[1.0, None], [2.0, 0.5]],
            counts=[[1, 0], [2, 1]],
            title=f"{MARKUP} trend",
            rows_title="Team",
            filename="x",
            mean_of_projects=True,
        ),
        figures.maturity_trend(TREND, title=f"{MARKUP} trend", reference=TREND),
        project_figures.dimension_radar(HISTORY[-1], HISTORY[0], {}),
    ]
    for figure in figures_with_names:
        for text in _strings(figure):
            ours_removed = text.replace("<br>", "").replace("<extra></extra>", "")
            assert "<" not in ours_removed, text
    heatmap = figures_with_names[0]["data"][0]
    assert heatmap["y"][0] == MARKUP.replace("<", "&lt;").replace(">", "&gt;")


def test_it_shows_an_escaped_name_as_typed_in_the_chart_text():
    figure = figures.level_heatmap(
        rows=[MARKUP],
        columns=["Data"],
        values=[[1.0]],
        counts=[[1]],
        title="Levels",
        rows_title="Team",
        filename="x",
        mean_of_projects=True,
    )
    table = figure_table(figure)
    assert table.rows[0].label == MARKUP  # plain text; the template escapes it once
