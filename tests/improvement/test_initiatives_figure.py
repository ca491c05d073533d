"""The burn-up chart: its traces, its marks and its text alternative."""

import datetime

from insights import figure_text
from insights.initiative_figures import BurnupPoint, burnup_chart

START = datetime.date(2026, 10, 1)
TARGET = datetime.date(2027, 3, 29)
TODAY = datetime.date(2026, 11, 18)
WEEKS = [datetime.date(2026, 9, 28) + datetime.timedelta(weeks=n) for n in range(8)]


def chart(points=None):
    points = (
        [BurnupPoint(week, 10.0 * n, n, 10) for n, week in enumerate(WEEKS)]
        if points is None
        else points
    )
    return burnup_chart(
        points=points,
        starts_on=START,
        target_on=TARGET,
        today=TODAY,
        pace_start=(points[0].week_start, points[0].share) if points else (START, 0.0),
        projects_in_scope=10,
        filename="burn-up-kpis",
    )


def test_it_draws_the_weeks_and_a_dashed_line_to_100_percent_at_the_target():
    figure = chart()
    weeks, pace = figure["data"]
    assert weeks["x"][0] == "2026-09-28" and weeks["y"][-1] == 70
    assert pace["line"]["dash"] == "dash"
    assert (pace["x"][0], pace["y"][0]) == ("2026-09-28", 0)
    assert (pace["x"][-1], pace["y"][-1]) == ("2027-03-29", 100)
    assert pace["y"] == sorted(pace["y"])


def test_it_marks_today_and_names_its_axes():
    layout = chart()["layout"]
    assert layout["shapes"][0]["x0"] == "2026-11-18"
    assert layout["xaxis"]["title"]["text"] == "Week (starting Monday)"
    assert layout["yaxis"]["title"]["text"] == "Projects complete (%)"
    assert "Projects with every practice in place" in layout["title"]["text"]
    assert any("Target 29 Mar 2027" in label["text"] for label in layout["annotations"])


def test_it_says_what_it_shows_in_words():
    figure = chart()
    summary = figure_text.figure_summary(figure)
    assert summary.startswith("Projects with every practice in place, week by week:")
    assert (
        "Projects complete (%) rose from 0 in 2026-09-28 to 70 in 2026-11-16, "
        "against 27 for On pace (%) in 2026-11-16"
    ) in summary
    assert "today (18 Nov 2026) on pace means" in summary
    table = figure_text.figure_table(figure)
    assert table.columns == ("Projects complete (%)", "On pace (%)")
    assert table.rows[0].label == "2026-09-28" and table.rows[-1].cells[1] == "100"


def test_it_starts_on_pace_at_zero_on_the_start_date_before_any_point():
    figure = chart(points=[])
    pace = figure["data"][1]
    assert (pace["x"][0], pace["y"][0]) == ("2026-10-01", 0)
    assert "; no week recorded yet; today (18 Nov 2026)" in figure_text.figure_summary(figure)
