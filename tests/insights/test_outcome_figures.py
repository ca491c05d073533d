"""Delivery outcomes in words and charts (insights/outcome_figures.py), arranged by
insights/outcome_cards.py: the project card's five figures with their trends, the team's
table, the deployments chart and the dashboard's outcomes by maturity level. Pure: built
from the selectors' dataclasses by hand."""

import json

import pytest

from insights import outcome_figures
from insights.figure_text import figure_summary, figure_table
from insights.outcome_cards import by_level_card, project_card, team_card
from insights.outcome_figures import deployments_by_quarter, duration
from insights.selectors.outcomes import (
    LevelFigure,
    LevelOutcomes,
    OutcomesByLevel,
    ProjectOutcomes,
    QuarterOutcome,
)


def quarter(key: str, *, deployments: int = 0, failed: int = 0, **figures) -> QuarterOutcome:
    values = {
        "lead_time_hours": None,
        "lead_time_count": 0,
        "restore_hours": None,
        "restore_count": 0,
        "retraining_days": None,
        "retraining_count": 0,
        "retraining_source": "",
        "is_demo": False,
        "in_progress": key == "2026-Q4",
        "has_events": True,
    } | figures
    return QuarterOutcome(
        quarter=key,
        deployments=deployments,
        failed_deployments=failed,
        change_failure_rate=failed / deployments if deployments else None,
        **values,
    )


def nothing(key: str) -> QuarterOutcome:
    return quarter(key, has_events=False)


def outcomes(*quarters: QuarterOutcome, name: str = "Card scoring") -> ProjectOutcomes:
    return ProjectOutcomes(
        project_id=1, project_name=name, project_slug="card-scoring", quarters=list(quarters)
    )


CLIMBING = outcomes(
    quarter("2026-Q1", deployments=3, failed=1, lead_time_hours=240.0, lead_time_count=3),
    quarter("2026-Q2", deployments=5, failed=1, lead_time_hours=60.0, lead_time_count=4),
    quarter(
        "2026-Q3",
        deployments=8,
        failed=1,
        lead_time_hours=20.5,
        lead_time_count=8,
        restore_hours=3.0,
        restore_count=1,
        retraining_days=7.0,
        retraining_count=11,
        retraining_source="events",
    ),
    quarter(
        "2026-Q4",
        deployments=2,
        lead_time_hours=0.4,
        lead_time_count=1,
        retraining_days=30.0,
        retraining_count=2,
        retraining_source="mlflow",
    ),
)


def _row(card, key):
    return next(row for row in card.rows if row.key == key)


# --- Words ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "text"),
    [
        (None, "—"),
        (0.004, "1 min"),
        (0.4, "24 min"),
        (3.0, "3 h"),
        (20.54, "21 h"),
        (7.25, "7.2 h"),
        (47.9, "48 h"),
        (48.0, "2 days"),
        (60.0, "2.5 days"),
        (24 * 13.4, "13 days"),
    ],
)
def test_durations_read_as_people_say_them(hours, text):
    assert duration(hours) == text


def test_the_project_card_gives_this_quarter_so_far_and_the_last_one():
    card = project_card(CLIMBING)
    assert (card.first, card.current.quarter, card.previous.quarter) == (
        "2026-Q1",
        "2026-Q4",
        "2026-Q3",
    )
    assert [row.label for row in card.rows] == [
        "Deployments to production",
        "Change failure rate",
        "Lead time",
        "Time to restore",
        "Retraining cadence",
    ]
    cells = {row.key: (row.current, row.previous) for row in card.rows}
    assert cells == {
        "deployments": ("2", "8"),
        "change_failure_rate": ("0%", "12%"),  # 0 of 2; 1 of 8
        "lead_time": ("24 min", "21 h"),
        "restore_time": ("—", "3 h"),
        "retraining": ("every 30 days", "every 7 days"),
    }
    assert _row(card, "change_failure_rate").previous_detail == "1 of 8 deployments"
    assert _row(card, "lead_time").previous_detail == "median of 8"
    assert _row(card, "retraining").previous_detail == ("median of 11 intervals between trainings")
    assert _row(card, "retraining").current_detail == "from MLflow's model versions"
    assert card.has_events and not card.is_demo


def test_trends_compare_finished_quarters_and_say_which_way_is_better():
    """The quarter in progress is only so far: 2 deployments in 2026-Q4 is no fall."""
    card = project_card(CLIMBING)
    deployments = _row(card, "deployments").trend
    assert deployments.words == "up from 3 in 2026-Q1 to 8 in 2026-Q3"
    assert (deployments.direction, deployments.better, deployments.arrow) == ("up", True, "▲")
    failures = _row(card, "change_failure_rate").trend
    assert failures.words == "down from 33% in 2026-Q1 to 12% in 2026-Q3"
    assert (failures.direction, failures.better) == ("down", True)
    lead = _row(card, "lead_time").trend
    assert lead.words == "down from 10 days in 2026-Q1 to 21 h in 2026-Q3" and lead.better
    # One finished quarter with a value: nothing to compare, though a point to draw.
    restore = _row(card, "restore_time").trend
    assert restore.words == "" and restore.better is None and len(restore.points) == 1


def test_a_worse_figure_is_marked_worse_and_an_unchanged_one_neither():
    card = project_card(
        outcomes(
            quarter("2026-Q2", deployments=4, failed=0, restore_hours=2.0, restore_count=1),
            quarter("2026-Q3", deployments=4, failed=2, restore_hours=30.0, restore_count=2),
            quarter("2026-Q4"),
        )
    )
    assert _row(card, "change_failure_rate").trend.better is False
    assert _row(card, "restore_time").trend.words == "up from 2 h in 2026-Q2 to 30 h in 2026-Q3"
    assert _row(card, "restore_time").trend.better is False
    unchanged = _row(card, "deployments").trend
    assert unchanged.words == "no change from 2026-Q2 to 2026-Q3"
    assert (unchanged.direction, unchanged.better) == ("flat", None)


def test_the_sparkline_leaves_a_gap_for_a_quarter_without_a_value_and_marks_the_current():
    trend = _row(project_card(CLIMBING), "restore_time").trend
    assert [point.x for point in trend.points] == [55.0]  # only 2026-Q3 has a restore time
    lead = _row(project_card(CLIMBING), "lead_time").trend
    assert [point.in_progress for point in lead.points] == [False, False, False, True]
    xs = [point.x for point in lead.points]
    ys = [point.y for point in lead.points]
    assert xs == sorted(xs) and xs[0] == 3 and xs[-1] == 81
    # The longest lead time is drawn highest (smallest y), the shortest on the bottom edge.
    assert ys[0] == min(ys) == 3 and ys[-1] == max(ys) == 19
    assert lead.line == " ".join(f"{p.x},{p.y}" for p in lead.points)


def test_a_project_without_events_has_no_figures_to_show():
    card = project_card(outcomes(*(nothing(f"2026-Q{n}") for n in range(1, 5))))
    assert not card.has_events
    assert all(row.trend.words == "" for row in card.rows)


# --- Deployments and failures per quarter ---------------------------------------------------


def test_the_deployments_chart_stacks_failed_on_held_deployments_and_reads_in_words():
    figure = deployments_by_quarter(CLIMBING.quarters, title="Production deployments per quarter")
    held, failed = figure["data"]
    assert held["x"] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4 (so far)"]
    assert [a + b for a, b in zip(held["y"], failed["y"], strict=True)] == [3, 5, 8, 2]
    assert failed["y"] == [1, 1, 1, 0]
    assert figure["layout"]["barmode"] == "stack"
    assert figure_summary(figure) == (
        "Production deployments per quarter: in 2026-Q4 (so far), 2 Deployments without a "
        "failure and 0 Deployments followed by a failure (2 in all); in 2026-Q1, 2 and 1."
    )
    table = figure_table(figure)
    assert table.columns == ("Deployments without a failure", "Deployments followed by a failure")
    assert [row.cells for row in table.rows][2] == ("7", "1")
    json.dumps(figure)  # plain data, for json_script and Kaleido


def test_small_counts_get_whole_number_ticks():
    few = deployments_by_quarter([quarter("2026-Q3", deployments=2)], title="t")
    assert few["layout"]["yaxis"]["dtick"] == 1
    many = deployments_by_quarter([quarter("2026-Q3", deployments=40)], title="t")
    assert many["layout"]["yaxis"]["dtick"] is None


# --- The team's table -----------------------------------------------------------------------


def test_the_team_card_has_a_row_per_project_with_this_and_last_quarter():
    quiet = outcomes(*(nothing(f"2026-Q{n}") for n in range(1, 5)), name="Quiet model")
    card = team_card([CLIMBING, quiet], CLIMBING.quarters)
    assert (card.current, card.previous) == ("2026-Q4", "2026-Q3")
    first, second = card.rows
    assert [(cell.current, cell.previous) for cell in first.cells] == [
        ("2", "8"),
        ("0%", "12%"),
        ("24 min", "21 h"),
        ("—", "3 h"),
        ("every 30 days", "every 7 days"),
    ]
    assert first.has_events and not second.has_events
    assert card.has_events and card.chart is not None
    assert not team_card([quiet], []).has_events


# --- By maturity level ----------------------------------------------------------------------


def level(number, projects, *, deployments, rate, lead, restore) -> LevelOutcomes:
    return LevelOutcomes(
        level=number,
        projects=projects,
        deployments=LevelFigure(*deployments),
        change_failure_rate=LevelFigure(*rate),
        lead_time_hours=LevelFigure(*lead),
        restore_hours=LevelFigure(*restore),
    )


BY_LEVEL = OutcomesByLevel(
    quarter="2026-Q3",
    minimum=3,
    levels=[
        level(0, 2, deployments=(None, 2), rate=(None, 2), lead=(None, 1), restore=(None, 0)),
        level(1, 5, deployments=(4.0, 5), rate=(0.25, 4), lead=(96.0, 5), restore=(None, 2)),
        level(2, 4, deployments=(11.5, 4), rate=(0.1, 4), lead=(12.0, 3), restore=(2.5, 3)),
    ],
    comparable=True,
    is_demo=True,
)


def test_the_level_card_gives_each_median_with_its_n_and_says_when_there_are_too_few():
    card = by_level_card(BY_LEVEL, current_quarter="2026-Q4")
    assert not card.in_progress and card.comparable and card.has_outcomes and card.is_demo
    cells = {row.level: [(cell.text, cell.projects) for cell in row.cells] for row in card.rows}
    assert cells == {
        0: [
            ("too few projects to compare (n = 2)", 2),
            ("too few projects to compare (n = 2)", 2),
            ("too few projects to compare (n = 1)", 1),
            ("no project", 0),
        ],
        1: [("4", 5), ("25%", 4), ("4 days", 5), ("too few projects to compare (n = 2)", 2)],
        2: [("12", 4), ("10%", 4), ("12 h", 3), ("2.5 h", 3)],
    }
    assert [row.projects for row in card.rows] == [2, 5, 4]
    assert card.no_causation == (
        "These figures describe the groups side by side; they do not show that a higher level "
        "caused the difference."
    )
    assert by_level_card(BY_LEVEL, current_quarter="2026-Q3").in_progress


def test_the_level_charts_label_each_median_with_n_and_grey_out_too_few():
    lead, rate = by_level_card(BY_LEVEL, current_quarter="2026-Q4").charts
    dots = rate["data"][0]
    assert dots["x"] == [
        "Level 0 ·<br>manual",
        "Level 1 ·<br>continuous training",
        "Level 2 ·<br>CI/CD",
    ]
    assert dots["y"] == [None, 25, 10]  # percent
    assert dots["text"] == ["n = 2", "n = 4", "n = 4"]
    assert dots["marker"]["color"] == ["#c2410c", "#2563eb", "#15803d"]
    # A stem from zero to each median, in the level's colour.
    assert [(s["x0"], s["y0"], s["y1"]) for s in rate["layout"]["shapes"]] == [
        (1, 0, 25),
        (2, 0, 10),
    ]
    [greyed] = rate["layout"]["annotations"]
    assert (greyed["x"], greyed["text"]) == (0, "too few projects<br>to compare (n = 2)")
    assert rate["layout"]["yaxis"]["range"] == [0, 50]  # never a magnified small difference
    assert figure_summary(rate) == (
        "Median change failure rate by level, 2026-Q3: Median change failure rate (%) fell "
        "from 25 in Level 1 · continuous training to 10 in Level 2 · CI/CD; Level 0 · manual: "
        "too few projects to compare (n = 2); Level 1 · continuous training: median of 4 "
        "projects; Level 2 · CI/CD: median of 4 projects."
    )
    assert [row.cells for row in figure_table(rate).rows] == [("no data",), ("25",), ("10",)]
    # Lead times of days and hours (4 days, 12 h): drawn in days, as the middle is 54 h.
    assert lead["data"][0]["y"] == [None, 4.0, 0.5]
    assert lead["layout"]["yaxis"]["title"]["text"] == "Median lead time (days)"
    hours = OutcomesByLevel(
        quarter="2026-Q3",
        minimum=3,
        levels=[
            level(n, 3, deployments=(1, 3), rate=(0.2, 3), lead=(6.0 * (3 - n), 3), restore=(1, 3))
            for n in (0, 1, 2)
        ],
        comparable=True,
        is_demo=False,
    )
    chart = outcome_figures.lead_time_by_level(hours)
    assert chart["data"][0]["y"] == [18.0, 12.0, 6.0]
    assert chart["layout"]["yaxis"]["title"]["text"] == "Median lead time (hours)"


def test_a_quarter_without_outcomes_says_so():
    empty = OutcomesByLevel(
        quarter="2026-Q3",
        minimum=3,
        levels=[
            level(n, 0, deployments=(None, 0), rate=(None, 0), lead=(None, 0), restore=(None, 0))
            for n in (0, 1, 2)
        ],
        comparable=False,
        is_demo=False,
    )
    card = by_level_card(empty, current_quarter="2026-Q4")
    assert not card.has_outcomes and not card.comparable
    assert card.charts[0]["layout"]["yaxis"]["range"] == [0, 1]
    assert [note["text"] for note in card.charts[0]["layout"]["annotations"]] == ["no project"] * 3
    assert "Level 2 · CI/CD: no project" in figure_summary(card.charts[1])
