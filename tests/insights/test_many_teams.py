"""200 teams must stay readable: the dashboard and the report show the weakest and the
strongest teams, weakest first, and the rest behind "Show all" (on the page) or in the
dashboard and CSV (from the printed report)."""

import pytest

from insights.page_figures import STRONGEST_ROWS, WEAKEST_ROWS
from reports import selectors as report_selectors
from reports.models import Report
from tests.assessments.factories import scored_organisation

TEAMS = 30


@pytest.fixture
def organisation(db):
    return scored_organisation(teams=TEAMS, projects_per_team=1, quarters=2)


def _means(rows: list[list[float | None]]) -> list[float]:
    return [
        sum(v for v in row if v is not None) / len([v for v in row if v is not None])
        for row in rows
    ]


def test_it_shows_the_weakest_and_strongest_teams_and_says_how_many_are_between(
    client_for, carol, organisation
):
    response = client_for(carol).get("/org/")
    heatmap = response.context["page"].charts["heatmap"]["data"][0]
    assert len(heatmap["y"]) == WEAKEST_ROWS + 1 + STRONGEST_ROWS
    assessed_teams = len(response.context["page"].data.heatmap.rows)  # one team is a draft
    hidden = assessed_teams - WEAKEST_ROWS - STRONGEST_ROWS
    assert heatmap["y"][WEAKEST_ROWS] == f"⋯ {hidden} more in between ⋯"
    shown = [row for index, row in enumerate(heatmap["z"]) if index != WEAKEST_ROWS]
    assert _means(shown) == sorted(_means(shown))  # weakest first
    assert f"Show all {assessed_teams} teams" in response.text
    completion = response.context["page"].completion_shown
    assert len(completion) == WEAKEST_ROWS


def test_it_shows_every_team_on_request(client_for, carol, organisation):
    response = client_for(carol).get("/org/?teams=all")
    page = response.context["page"]
    assert len(page.charts["heatmap"]["data"][0]["y"]) == len(page.data.heatmap.rows) >= TEAMS - 1
    assert len(page.completion_shown) == TEAMS
    assert "Show only the weakest and strongest teams" in response.text


def test_it_prints_the_weakest_and_strongest_teams_in_the_report(organisation):
    period = organisation.periods[-1]
    report = Report.objects.create(scope="organisation", period=period)
    scope = report_selectors.report_data(report=report).rollup.scope  # no units: teams
    assert (len(scope.lines), len(scope.strongest)) == (WEAKEST_ROWS, STRONGEST_ROWS)
    assert scope.lines_hidden == TEAMS - WEAKEST_ROWS - STRONGEST_ROWS
    shown = [line.mean_level for line in [*scope.lines, *scope.strongest]]
    assert shown[0] is None  # the team with nothing submitted: the weakest
    assert shown[1:] == sorted(shown[1:])  # then the lowest mean level first
