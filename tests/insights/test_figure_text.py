"""Every chart in words: its one-sentence summary and its data table, from the figure alone."""

import pytest
from django.template.loader import render_to_string

from insights import figure_text, figures, page_figures
from insights.figure_text import FigureTable, TableRow, figure_summary, figure_table
from insights.selectors.project import ProjectInsights
from insights.shapes import QuarterLevels, Quartiles, TrendPoint
from tests.insights.figure_data import quarter_scores

QUARTERS = [
    QuarterLevels(quarter="2025-Q2", due=10, assessed=8, by_level=(6, 2, 0)),
    QuarterLevels(quarter="2025-Q3", due=10, assessed=9, by_level=(5, 3, 1)),
    QuarterLevels(quarter="2026-Q4", due=10, assessed=10, by_level=(2, 5, 3)),
]


def _trend(*medians: float) -> list[TrendPoint]:
    keys = ["2025-Q2", "2025-Q3", "2026-Q4"]
    return [
        TrendPoint(key, Quartiles(low=median - 0.25, median=median, high=median + 0.25, count=8))
        for key, median in zip(keys, medians, strict=False)
    ]


HISTORY = [
    quarter_scores("2026-Q3", [0.5, 1.25, 0.75], 0),
    quarter_scores("2026-Q4", [1.5, 2.0, 0.25], 0),
]


def _heatmap(**overrides) -> dict:
    arguments = {
        "rows": ["Fraud Detection", "Search Ranking"],
        "columns": ["Data and features", "Monitoring and feedback"],
        "values": [[0.5, 1.25], [2.0, None]],
        "counts": [[3, 3], [2, 0]],
        "row_links": ["/teams/fraud-detection/", "/teams/search-ranking/"],
        "title": "Mean level by team and dimension, 2026-Q4",
        "rows_title": "Team",
        "filename": "teams",
        "mean_of_projects": True,
        **overrides,
    }
    return figures.level_heatmap(**arguments)


def _project_figures() -> dict[str, dict]:
    insights = ProjectInsights(
        assessments=[], history=HISTORY, organisation_medians={"data": 1.0, "deployment": 2.0}
    )
    return page_figures.project_figures(insights)


def _every_figure() -> list[dict]:
    return [
        figures.levels_by_quarter(QUARTERS),
        figures.maturity_trend(_trend(0.61, 0.9, 1.48), title="Organisation trend"),
        figures.maturity_trend(
            _trend(0.5, 0.75), title="Fraud Detection trend", reference=_trend(0.6, 0.7)
        ),
        _heatmap(),
        *_project_figures().values(),
    ]


# --- The summary ------------------------------------------------------------------------------


def test_it_says_how_the_median_moved_from_the_first_quarter_to_the_last():
    figure = figures.maturity_trend(_trend(0.61, 0.9, 1.48), title="Organisation trend")
    assert figure_summary(figure) == (
        "Organisation trend: Median project rose from 0.61 in 2025-Q2 to 1.48 in 2026-Q4."
    )


@pytest.mark.parametrize(
    ("medians", "movement"),
    [
        ((1.2, 0.9, 0.8), "fell from 1.20 in 2025-Q2 to 0.80 in 2026-Q4"),
        ((1.0, 0.5, 1.0), "stayed at 1.00 from 2025-Q2 to 2026-Q4"),
        ((0.7,), "was 0.70 in 2025-Q2"),
    ],
)
def test_it_says_when_the_median_fell_held_or_has_one_quarter(medians, movement):
    figure = figures.maturity_trend(_trend(*medians), title="Organisation trend")
    assert figure_summary(figure) == f"Organisation trend: Median project {movement}."


def test_it_compares_a_team_with_the_organisation_median_in_the_last_quarter():
    figure = figures.maturity_trend(
        _trend(0.5, 0.75), title="Fraud Detection trend", reference=_trend(0.6, 0.7)
    )
    assert figure_summary(figure) == (
        "Fraud Detection trend: Median project rose from 0.50 in 2025-Q2 to 0.75 in 2025-Q3, "
        "against 0.70 for Organisation median in 2025-Q3."
    )


def test_it_gives_the_level_mix_of_the_last_quarter_and_of_the_first():
    assert figure_summary(figures.levels_by_quarter(QUARTERS)) == (
        "Projects by overall level: in 2026-Q4, 2 Level 0 · manual, "
        "5 Level 1 · continuous training and 3 Level 2 · CI/CD (10 in all); "
        "in 2025-Q2, 6, 2 and 0."
    )


def test_it_names_the_lowest_and_the_highest_cell_of_a_heatmap():
    assert figure_summary(_heatmap()) == (
        "Mean level by team and dimension, 2026-Q4: 2 teams by 2 dimensions, from 0.50 "
        "(Fraud Detection, Data and features) to 2.00 (Search Ranking, Data and features); "
        "1 without a score."
    )


def test_it_follows_a_project_level_by_level_and_score():
    assert figure_summary(_project_figures()["levels"]) == (
        "Overall level and overall score by quarter: Overall level (weakest dimension) stayed "
        "at 0 from 2026-Q3 to 2026-Q4; Overall score rose from 0.83 in 2026-Q3 to 1.25 in "
        "2026-Q4."
    )


def test_it_reads_a_radar_against_the_previous_quarter_and_the_organisation():
    assert figure_summary(_project_figures()["radar"]) == (
        "Dimension levels in 2026-Q4: 2026-Q4 (this project) is highest in Deployment and "
        "release (2.00) and lowest in Monitoring and feedback (0.25); at or above “2026-Q3 "
        "(previous)” in 2 of 3 dimensions and at or above “Organisation median, 2026-Q4” in "
        "2 of 2 dimensions."
    )


@pytest.mark.parametrize("figure", _every_figure(), ids=figure_text.figure_title)
def test_every_chart_has_one_plain_sentence(figure):
    summary = figure_summary(figure)
    assert summary.startswith(f"{figure_text.figure_title(figure)}: ")
    assert summary.endswith(".") and summary.count(". ") == 0
    assert "<br>" not in summary and "None" not in summary


def test_it_says_so_when_a_chart_has_no_data():
    empty = figures.maturity_trend([], title="Organisation trend")
    assert figure_summary(empty) == "Organisation trend: no data yet."
    assert figure_table(empty).rows == ()
    assert figure_summary({"data": [], "layout": {}}) == "Chart: no data yet."


# --- The table --------------------------------------------------------------------------------


def test_it_tabulates_bars_by_quarter_and_level():
    table = figure_table(figures.levels_by_quarter(QUARTERS))
    assert table == FigureTable(
        caption="Projects by overall level",
        corner="Quarter",
        columns=("Level 0 · manual", "Level 1 · continuous training", "Level 2 · CI/CD"),
        rows=(
            TableRow("2025-Q2", ("6", "2", "0")),
            TableRow("2025-Q3", ("5", "3", "1")),
            TableRow("2026-Q4", ("2", "5", "3")),
        ),
    )


def test_it_joins_the_band_edges_into_one_range_column_beside_the_lines():
    figure = figures.maturity_trend(
        _trend(0.5, 0.75), title="Fraud Detection trend", reference=_trend(0.6, 0.7)
    )
    table = figure_table(figure)
    assert table.columns == ("Middle half of projects", "Median project", "Organisation median")
    assert table.rows == (
        TableRow("2025-Q2", ("0.25–0.75", "0.50", "0.60")),
        TableRow("2025-Q3", ("0.50–1.00", "0.75", "0.70")),
    )


def test_it_tabulates_a_heatmap_with_its_row_links_and_unassessed_cells():
    table = figure_table(_heatmap())
    assert (table.corner, table.columns) == (
        "Team",
        ("Data and features", "Monitoring and feedback"),
    )
    assert table.rows == (
        TableRow("Fraud Detection", ("0.50", "1.25"), "/teams/fraud-detection/"),
        TableRow("Search Ranking", ("2.00", "no project assessed"), "/teams/search-ranking/"),
    )


def test_it_unwraps_long_labels_and_keeps_only_links_to_this_site():
    figure = _heatmap(
        columns=["Experimentation and reproducibility", "Monitoring"],
        rows=["Fraud Detection", "Search Ranking", "Churn"],
        values=[[0.5, 1.25], [2.0, None], [1.0, 1.0]],
        counts=[[3, 3], [2, 0], [1, 1]],
        row_links=["//elsewhere.example/", "javascript:alert(1)", "/\\elsewhere.example/"],
    )
    table = figure_table(figure)
    assert table.columns[0] == "Experimentation and reproducibility"
    assert [row.link for row in table.rows] == ["", "", ""]


def test_it_leaves_the_cells_of_a_label_row_empty_and_keeps_a_cells_flag():
    figure = _heatmap(
        rows=["Fraud Detection", "⋯ 3 more in between ⋯", "Search Ranking"],
        values=[[0.5, 1.25], [None, None], [2.0, 1.0]],
        counts=[[3, 3], [0, 0], [2, 2]],
        row_links=["/teams/fraud-detection/", "", "/teams/search-ranking/"],
    )
    figure["data"][0]["text"] = [["0.5", "1.2 ⚑"], ["", ""], ["2.0", "1.0"]]
    table = figure_table(figure)
    assert [row.cells for row in table.rows] == [("0.50", "1.25 ⚑"), ("", ""), ("2.00", "1.00")]
    assert figure_summary(figure).startswith(
        "Mean level by team and dimension, 2026-Q4: 2 teams by 2 dimensions "
        "(⋯ 3 more in between ⋯), from 0.50"
    )


def test_it_tabulates_a_radar_once_per_dimension():
    table = figure_table(_project_figures()["radar"])
    assert table.columns == (
        "2026-Q4 (this project)",
        "2026-Q3 (previous)",
        "Organisation median, 2026-Q4",
    )
    assert [row.label for row in table.rows] == [
        "Data and features",
        "Deployment and release",
        "Monitoring and feedback",
    ]
    assert table.rows[2].cells == ("0.25", "0.75", "no data")


def test_it_tabulates_each_dimension_over_the_quarters():
    table = figure_table(_project_figures()["dimensions"])
    assert (table.corner, table.columns) == ("Dimension", ("2026-Q3", "2026-Q4"))
    assert table.rows[0] == TableRow("Data and features", ("0.50", "1.50"))


@pytest.mark.parametrize("figure", _every_figure(), ids=figure_text.figure_title)
def test_every_table_has_a_cell_for_each_column_of_each_row(figure):
    table = figure_table(figure)
    assert table.rows and table.columns
    assert all(len(row.cells) == len(table.columns) for row in table.rows)


# --- On the page ------------------------------------------------------------------------------


def test_the_chart_include_escapes_names_from_user_text():
    hostile = '<img src=x onerror="alert(1)">'
    figure = _heatmap(rows=[hostile, "Search Ranking"])
    html = render_to_string("insights/_chart.html", {"figure": figure})
    assert hostile not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert '<a href="/teams/fraud-detection/">&lt;img' in html
    assert html.count("<details") == 1 and "Show the data as a table" in html
    assert 'class="chart-summary"' in html and "2 teams by 2 dimensions" in html


@pytest.mark.parametrize(
    ("value", "text"), [(None, "no data"), (3, "3"), (0.5, "0.50"), (1.0, "1.00"), (True, "True")]
)
def test_it_writes_counts_as_they_are_and_scores_to_two_places(value, text):
    assert figure_text.number(value) == text
