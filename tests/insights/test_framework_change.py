"""Across the change from framework v1 to v2: every chart over quarters marks it, and no
comparison pairs a v1 level with a v2 level without saying so."""

import csv
import io
import re

import pytest
from django.core.cache import cache

from assessments.models import Period
from core.cache import dashboards_changed
from tests.assessments.factories import FrameworkFactory, scored_organisation
from tests.insights.framework_versions import marks, periods_across_versions, score_across
from tests.insights.test_dashboard import PROJECT_PAGE_QUERIES, TEAM_PAGE_QUERIES

V2_MARK = ("2026-Q1", "Framework v2")


@pytest.fixture
def v2_last_quarter(project, other_project):
    """Six quarters to 2026-Q1, the last on framework v2."""
    periods = periods_across_versions(quarters=6, on_v2=1)
    score_across(periods, climbing=project, flat=other_project)
    return periods


@pytest.fixture
def v2_last_two_quarters(project, other_project):
    """Six quarters to 2026-Q1, 2025-Q4 and 2026-Q1 on framework v2."""
    periods = periods_across_versions(quarters=6, on_v2=2)
    score_across(periods, climbing=project, flat=other_project)
    return periods


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _headline_figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">(.*?)</div>\s*</div>', html, re.S)
    assert match, name
    return _text(match.group(1))


# --- The organisation dashboard ---------------------------------------------------------------


def test_it_marks_the_first_v2_quarter_on_both_dashboard_charts(client_for, carol, v2_last_quarter):
    page = client_for(carol).get("/org/")
    charts = page.context["page"].charts
    assert marks(charts["levels"]) == [V2_MARK]
    assert marks(charts["trend"]) == [V2_MARK]
    # Said in words too, in each chart's summary.
    assert page.text.count("framework changed (v1 → v2) in 2026-Q1") == 2


def test_it_draws_no_mark_while_every_quarter_shown_is_on_one_version(
    client_for, carol, v2_last_quarter
):
    charts = client_for(carol).get("/org/?quarter=2025-Q4").context["page"].charts
    assert marks(charts["levels"]) == marks(charts["trend"]) == []


def test_it_does_not_rank_movers_across_the_change_and_says_how_many_it_left_out(
    client_for, carol, v2_last_quarter
):
    response = client_for(carol).get("/org/")
    dashboard = response.context["page"].data
    # Card transaction scoring's score went 1.75 (v1 mean) -> 2.00 (v2 weakest): not a move.
    assert dashboard.movers == []
    assert dashboard.movers_not_compared == 2
    assert (
        "2 projects were assessed in both quarters and moved to framework v2 this quarter; "
        "their change is not compared, because v2 scores levels differently."
    ) in _text(response.text)
    assert "No project assessed in both quarters changed its score" not in response.text


def test_it_shows_the_level_shares_of_the_v1_quarter_without_a_rise_or_fall(
    client_for, carol, v2_last_quarter
):
    response = client_for(carol).get("/org/")
    dashboard = response.context["page"].data
    assert dashboard.framework_change == "v1 → v2"
    assert set(dashboard.changes) == {"assessed", "completion"}
    for name in ("level-1", "level-2"):
        figure = _headline_figure(response.text, name)
        assert "in 2025-Q4; framework changed (v1 → v2)" in figure
        assert "▲" not in figure and "▼" not in figure and "no change" not in figure
    assert "no change since 2025-Q4" in _headline_figure(response.text, "completion")
    assert "2026-Q1 uses framework v2, which scores levels differently" in _text(response.text)


def test_it_counts_no_project_as_stalled_across_the_change(client_for, carol, v2_last_quarter):
    client = client_for(carol)
    before = client.get("/org/?quarter=2025-Q4").context["page"].data
    # A year on v1: Product ranker at level 0, Card transaction scoring at level 1.
    assert [project.name for project in before.stalled] == [
        "Product ranker",
        "Card transaction scoring",
    ]
    response = client.get("/org/")
    dashboard = response.context["page"].data
    # The same levels since, but a v1 level and a v2 level are not the same level.
    assert (dashboard.stalled, dashboard.stalled_total) == ([], 0)
    assert (
        "Framework v2 began in 2026-Q1: a project counts as stalled once it has kept the same "
        "overall level for four quarters on v2."
    ) in _text(response.text)


@pytest.mark.parametrize(("on_v2", "stalled"), [(0, True), (1, False), (3, False), (4, True)])
def test_it_counts_stalled_projects_again_after_four_quarters_on_v2(
    on_v2, stalled, client_for, carol, project, other_project
):
    periods = periods_across_versions(quarters=8, on_v2=on_v2)
    score_across(periods, climbing=project, flat=other_project)
    dashboard = client_for(carol).get("/org/").context["page"].data
    assert [p.name for p in dashboard.stalled] == (["Product ranker"] if stalled else [])
    assert dashboard.stalled_not_judged is not stalled


def test_it_compares_two_v2_quarters_as_usual(client_for, carol, v2_last_two_quarters):
    response = client_for(carol).get("/org/")
    dashboard = response.context["page"].data
    assert dashboard.framework_change == ""
    assert [(p.name, round(p.change, 2)) for p in dashboard.movers] == [
        ("Card transaction scoring", 0.5)
    ]
    assert "level_2" in dashboard.changes
    assert 'data-testid="movers-not-compared"' not in response.text
    # The year of stalled projects still spans the change, which began in 2025-Q4.
    assert "Framework v2 began in 2025-Q4" in _text(response.text)
    assert marks(response.context["page"].charts["trend"]) == [("2025-Q4", "Framework v2")]


def test_it_calls_the_stored_figure_the_overall_score(client_for, carol, v2_last_quarter):
    response = client_for(carol).get("/org/?quarter=2025-Q4")
    text = _text(response.text)
    assert "mean score" not in text.lower()
    assert "Change in the overall score (0–2), up or down" in text
    assert (
        "Overall score (0–2): the weakest dimension's score from framework v2 on; the mean of "
        "the dimension scores before."
    ) in text
    trend = response.context["page"].charts["trend"]
    assert trend["layout"]["yaxis"]["title"]["text"] == "Overall score (0–2)"


# --- Team and project pages -------------------------------------------------------------------


def test_it_marks_the_change_on_the_team_trend(client_for, bob, team, v2_last_quarter):
    response = client_for(bob).get(f"/teams/{team.slug}/")
    assert response.status_code == 200
    assert marks(response.context["charts"]["trend"]) == [V2_MARK]


def test_it_marks_the_change_on_the_project_charts(client_for, alice, project, v2_last_quarter):
    response = client_for(alice).get(f"/projects/{project.slug}/")
    assert response.status_code == 200
    charts = response.context["charts"]
    assert marks(charts["levels"]) == [V2_MARK]
    assert marks(charts["dimensions"]) == [V2_MARK]
    radar = charts["radar"]
    assert radar["data"][1]["name"] == "2025-Q4 (previous, framework v1)"
    assert (
        "Framework changed (v1 → v2) since 2025-Q4" in radar["layout"]["title"]["subtitle"]["text"]
    )


# --- CSV --------------------------------------------------------------------------------------


def test_it_exports_the_overall_score_with_each_rows_framework_version(
    client_for, carol, v2_last_quarter
):
    response = client_for(carol).get("/org/export.csv")
    text = b"".join(response.streaming_content).decode().removeprefix("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert "overall_score" in rows[0] and "mean_score" not in rows[0]
    versions = {(row["quarter"], row["framework_version"]) for row in rows}
    assert ("2025-Q4", "1") in versions and ("2026-Q1", "2") in versions


# --- Query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("teams", [2, 20], ids=["2-teams", "20-teams"])
def test_it_runs_no_more_queries_across_the_change(
    teams, client_for, carol, django_assert_num_queries
):
    """As pinned in test_dashboard, except that the dashboard skips the stalled query: a
    year across two versions has no stalled project."""
    organisation = scored_organisation(teams=teams, projects_per_team=3, quarters=4)
    v2 = FrameworkFactory(version=2, scoring_rule=2, content_hash="v2")
    Period.objects.filter(pk=organisation.periods[-1].pk).update(framework=v2)
    dashboards_changed()
    client = client_for(carol)
    team, project = organisation.teams[0], organisation.projects[0]
    with django_assert_num_queries(18):  # 12, Targets 3, Reviews 2, Outcomes 1
        response = client.get("/org/")
    assert response.status_code == 200
    assert response.context["page"].data.movers_not_compared > 0
    with django_assert_num_queries(3):
        client.get("/org/")
    cache.clear()
    with django_assert_num_queries(TEAM_PAGE_QUERIES):
        assert client.get(f"/teams/{team.slug}/").status_code == 200
    cache.clear()
    with django_assert_num_queries(PROJECT_PAGE_QUERIES):
        assert client.get(f"/projects/{project.slug}/").status_code == 200
