"""The mark a chart over quarters carries where the framework version changes: pure figures,
checked as Plotly would read them, and in the chart's words."""

import json

import plotly.graph_objects as go
import pytest

from insights import figures, project_figures
from insights.figure_text import figure_summary, figure_table
from insights.shapes import QuarterLevels, QuarterScores, Quartiles, TrendPoint
from tests.insights.figure_data import quarter_scores
from tests.insights.framework_versions import marks

KEYS = ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]


def _trend(versions: list[int], keys: list[str] = KEYS) -> list[TrendPoint]:
    return [
        TrendPoint(key, Quartiles(low=0.5, median=1.0, high=1.5, count=4), framework_version=v)
        for key, v in zip(keys, versions, strict=True)
    ]


def _quarters(versions: list[int]) -> list[QuarterLevels]:
    return [
        QuarterLevels(key, due=4, assessed=4, by_level=(1, 2, 1), framework_version=version)
        for key, version in zip(KEYS, versions, strict=True)
    ]


def _history(versions: list[int]) -> list[QuarterScores]:
    history = []
    for key, version in zip(KEYS, versions, strict=True):
        point = quarter_scores(key, [0.5, 1.5, 1.25], 0)
        history.append(QuarterScores(**{**vars(point), "framework_version": version}))
    return history


def _marked_figures(versions: list[int]) -> dict[str, dict]:
    history = _history(versions)
    return {
        "levels": figures.levels_by_quarter(_quarters(versions)),
        "trend": figures.maturity_trend(_trend(versions), title="Organisation trend"),
        "project levels": project_figures.project_level_history(history),
        "dimensions": project_figures.dimension_history(history),
    }


@pytest.mark.parametrize("name", ["levels", "trend", "project levels", "dimensions"])
def test_it_marks_the_first_quarter_of_a_new_version_once(name):
    figure = _marked_figures([1, 1, 2, 2])[name]
    assert marks(figure) == [("2026-Q1", "Framework v2")]
    assert figure["layout"]["shapes"][0]["x0"] == 1.5  # between 2025-Q4 and 2026-Q1


@pytest.mark.parametrize("name", ["levels", "trend", "project levels", "dimensions"])
def test_it_draws_no_mark_on_one_version(name):
    layout = _marked_figures([2, 2, 2, 2])[name]["layout"]
    assert "shapes" not in layout and "annotations" not in layout


@pytest.mark.parametrize("name", ["levels", "trend", "project levels", "dimensions"])
def test_plotly_accepts_every_marked_figure(name):
    figure = _marked_figures([1, 1, 2, 2])[name]
    go.Figure(data=figure["data"], layout=figure["layout"])  # raises on an unknown property
    json.dumps(figure, allow_nan=False)


def test_it_marks_a_teams_trend_where_the_organisations_reference_changes_version():
    """A team first assessed on v2: its line starts after the change, which the organisation's
    reference line still crosses."""
    team = _trend([2, 2], keys=["2026-Q1", "2026-Q2"])
    figure = figures.maturity_trend(team, title="Team trend", reference=_trend([1, 1, 2, 2]))
    assert figure["layout"]["xaxis"]["categoryarray"] == KEYS  # in time order
    assert marks(figure) == [("2026-Q1", "Framework v2")]


def test_it_says_where_the_version_changed_in_the_charts_one_sentence():
    for figure in _marked_figures([1, 1, 2, 2]).values():
        summary = figure_summary(figure)
        assert summary.endswith(
            "; framework changed (v1 → v2) in 2026-Q1, and v2 scores levels differently."
        )
        assert summary.count(". ") == 0
        assert figure_table(figure).rows  # the table reads as before


def test_it_names_a_previous_quarter_of_another_version_on_the_radar():
    history = _history([1, 2, 2, 2])
    radar = project_figures.dimension_radar(history[1], history[0], {})
    assert radar["data"][1]["name"] == "2025-Q3 (previous, framework v1)"
    assert radar["layout"]["title"]["subtitle"]["text"] == (
        "Framework changed (v1 → v2) since 2025-Q3: scored differently"
    )
    assert "framework changed (v1 → v2) since 2025-Q3" in figure_summary(radar)
    same_version = project_figures.dimension_radar(history[2], history[1], {})
    assert same_version["data"][1]["name"] == "2025-Q4 (previous)"
    assert "framework" not in figure_summary(same_version).lower()
