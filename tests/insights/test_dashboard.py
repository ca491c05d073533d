"""The organisation dashboard, the team and project charts, and the CSV exports."""

import csv
import io
import json
import re
import statistics

import pytest
from django.core.cache import cache

from assessments.models import Assessment
from insights.exports import EXPORT_HEADER
from insights.selectors.common import quartiles_by
from teams.models import Project
from tests.assessments.factories import (
    DIMENSIONS,
    DimensionFactory,
    FrameworkFactory,
    PracticeFactory,
    quarter_periods,
    score_assessment,
    scored_organisation,
)
from tests.factories import ProjectFactory

# The team and project pages from a cold cache: session, user, the navigation's check of
# the user's groups and reviewed units (one query), then what the pages read.
TEAM_PAGE_QUERIES = 20  # with the outcomes card's 1
PROJECT_PAGE_QUERIES = 17  # with the outcomes card's 1
ORG_PAGES = ("/org/", "/org/export.csv")
# persona -> status of the organisation dashboard and its CSV, and of the lead's team CSV.
MATRIX = {
    "anonymous": (302, 302),
    "outsider": (403, 404),
    "member": (403, 200),
    "lead": (403, 200),
    "other_lead": (403, 404),
    "management": (200, 200),
    "admin": (200, 200),
}


@pytest.fixture
def periods(db):
    framework = FrameworkFactory()
    for order, (key, name) in enumerate(DIMENSIONS):
        dimension = DimensionFactory(framework=framework, key=key, name=name, order=order)
        PracticeFactory(framework=framework, dimension=dimension, key=f"{key}-tests", level=1)
    return quarter_periods(4, framework=framework)


@pytest.fixture
def scores(periods, project, other_project):
    """Both persona teams' projects assessed every quarter; the lead's project climbs."""
    for quarter, period in enumerate(periods):
        score_assessment(
            project=project,
            period=period,
            levels={"data": min(quarter, 2), "deployment": 1},
            gaps=["data-tests"] if quarter < 2 else [],
        )
        score_assessment(
            project=other_project,
            period=period,
            levels={"data": 0, "deployment": 0},
            gaps=["data-tests", "deployment-tests"],
        )
    return periods


def _csv_rows(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")  # so spreadsheets read it as UTF-8
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


# --- Who may see what -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", MATRIX)
def test_it_authorises_each_persona_on_the_dashboard_and_the_csvs(
    persona, personas, client_for, team, scores
):
    client = client_for(personas[persona])
    organisation_status, team_csv_status = MATRIX[persona]
    for path in ORG_PAGES:
        assert client.get(path).status_code == organisation_status, path
    assert client.get(f"/teams/{team.slug}/export.csv").status_code == team_csv_status


def test_it_limits_a_leads_team_csv_to_their_team(client_for, alice, team, scores):
    rows = _csv_rows(client_for(alice).get(f"/teams/{team.slug}/export.csv"))
    assert rows
    assert {row["team"] for row in rows} == {"Fraud Detection"}
    assert {row["project"] for row in rows} == {"Card transaction scoring"}


def test_it_shows_the_organisation_link_to_management_only(client_for, carol, alice, team):
    assert 'href="/org/"' in client_for(carol).get("/").text
    assert 'href="/org/"' not in client_for(alice).get("/").text


# --- The dashboard ----------------------------------------------------------------------------


def test_it_shows_the_headline_numbers_of_the_latest_quarter(client_for, carol, scores):
    response = client_for(carol).get("/org/")
    headline = re.sub(r"\s+", " ", response.text)
    assert "<h2>2026-Q1</h2>" in headline
    assert '2 <span class="of">of 2</span>' in headline  # projects assessed of due
    assert '100%</div> <div class="label">completion' in headline
    # The lead's project reached level 1 a quarter ago; the other is still at level 0.
    assert '50%</div> <div class="label">of assessed projects at level 1 or 2' in headline
    assert "since 2025-Q4" in headline


def test_it_shows_the_quarter_the_address_asks_for(client_for, carol, scores):
    response = client_for(carol).get("/org/?quarter=2025-Q2")
    assert "<h2>2025-Q2</h2>" in response.text
    assert '<option value="2025-Q2" selected>' in response.text
    dashboard = response.context["page"].data
    assert [quarter.quarter for quarter in dashboard.quarters] == ["2025-Q2"]


def test_it_filters_by_team_and_by_stage(client_for, carol, team, other_project, scores):
    client = client_for(carol)
    by_team = client.get(f"/org/?team={team.slug}").context["page"].data
    assert by_team.heatmap.rows == ["Fraud Detection"]
    assert by_team.current.assessed == 1
    Project.objects.filter(pk=other_project.pk).update(stage=Project.Stage.PILOT)
    cache.clear()
    by_stage = client.get("/org/?stage=pilot").context["page"].data
    assert by_stage.heatmap.rows == ["Search Ranking"]


def test_it_falls_back_to_the_defaults_for_filters_it_does_not_know(client_for, carol, scores):
    response = client_for(carol).get("/org/?quarter=1999-Q1&team=nope&stage=moon")
    assert response.status_code == 200
    assert "was not recognised" in response.text
    assert "<h2>2026-Q1</h2>" in response.text


def test_it_answers_htmx_with_the_fragment_and_keeps_a_plain_form(client_for, carol, scores):
    client = client_for(carol)
    page = client.get("/org/")
    assert 'hx-push-url="true"' in page.text and 'action="/org/"' in page.text
    fragment = client.get("/org/?quarter=2025-Q3", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<div id="dashboard-content"')
    assert "<h2>2025-Q3</h2>" in fragment.text
    assert 'href="/org/export.csv?quarter=2025-Q3"' in fragment.text


def test_it_emits_every_chart_as_inert_json_for_the_chart_script(client_for, carol, scores):
    text = client_for(carol).get("/org/").text
    figures = re.findall(r'<script type="application/json">(.*?)</script>', text, re.S)
    titles = [json.loads(figure)["layout"]["title"]["text"] for figure in figures]
    assert titles == [
        "Projects by overall level",
        "Organisation trend",
        "Mean level by team and dimension, 2026-Q1",
    ]
    assert text.count("data-chart") == 3
    assert "plotly-cartesian-4.1.1.min.js" in text and "cdn" not in text.lower()


def test_it_links_each_heatmap_row_to_its_team_weakest_first(
    client_for, carol, team, other_team, scores
):
    figure = client_for(carol).get("/org/").context["page"].charts["heatmap"]
    rows, links = figure["data"][0]["y"], figure["layout"]["meta"]["links"]
    assert dict(zip(rows, links, strict=True)) == {
        "Fraud Detection": f"/teams/{team.slug}/",
        "Search Ranking": f"/teams/{other_team.slug}/",
    }
    means = [
        sum(v for v in row if v is not None) / len([v for v in row if v is not None])
        for row in figure["data"][0]["z"]
    ]
    assert means == sorted(means)


def test_it_ranks_missing_practices_by_the_projects_they_hold_back(client_for, carol, scores):
    gaps = client_for(carol).get("/org/?quarter=2025-Q2").context["page"].data.gaps
    assert [(gap.practice_key, gap.projects_held_back) for gap in gaps] == [
        ("data-tests", 2),
        ("deployment-tests", 1),
    ]
    assert gaps[0].question == "Is data-tests in place?" and gaps[0].share == 1.0


def test_it_lists_the_biggest_movers_and_the_stalled_projects(client_for, carol, scores):
    dashboard = client_for(carol).get("/org/?quarter=2025-Q3").context["page"].data
    assert [(p.name, round(p.change, 2)) for p in dashboard.movers] == [
        ("Card transaction scoring", 0.5)
    ]
    latest = client_for(carol).get("/org/").context["page"].data
    assert [p.name for p in latest.stalled] == ["Product ranker"]  # level 0 for a year
    assert latest.stalled_total == 1


def test_it_shows_a_new_submission_at_once_despite_the_cache(client_for, carol, team, scores):
    client = client_for(carol)
    assert client.get("/org/").context["page"].data.current.assessed == 2
    late = ProjectFactory(team=team, name="Late project")
    score_assessment(project=late, period=scores[-1], levels={"data": 2, "deployment": 2})
    response = client.get("/org/")
    assert '3 <span class="of">of 3</span>' in re.sub(r"\s+", " ", response.text)


def test_it_says_so_when_there_is_nothing_to_show(client_for, carol):
    response = client_for(carol).get("/org/")
    assert response.status_code == 200
    assert "Nothing to show yet" in response.text


# --- CSV --------------------------------------------------------------------------------------


def test_it_exports_a_row_per_project_quarter_and_dimension(client_for, carol, scores):
    response = client_for(carol).get("/org/export.csv?quarter=2025-Q4")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition == 'attachment; filename="mlops-maturity-organisation-2025-Q4.csv"'
    rows = _csv_rows(response)
    assert list(rows[0]) == list(EXPORT_HEADER)
    assert len(rows) == 3 * 2 * len(DIMENSIONS)  # 3 quarters up to 2025-Q4, 2 projects
    card = [
        r for r in rows if r["project"] == "Card transaction scoring" and r["quarter"] == "2025-Q4"
    ]
    assert [(r["dimension"], r["dimension_level"], r["overall_level"]) for r in card] == [
        ("Data and features", "2", "1"),
        ("Deployment and release", "1", "1"),
    ]


def test_it_exports_the_numbers_the_dashboard_shows(client_for, carol, team, scores):
    client = client_for(carol)
    dashboard = client.get(f"/org/?team={team.slug}").context["page"].data
    rows = _csv_rows(client.get(f"/org/export.csv?team={team.slug}"))
    latest = {(r["project"], r["overall_level"]) for r in rows if r["quarter"] == "2026-Q1"}
    assert len(latest) == dashboard.current.assessed
    at_level_1 = sum(1 for _, level in latest if int(level) >= 1)
    assert round(100 * at_level_1 / len(latest)) == dashboard.current.level_1_or_more_percent


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+SUM(A1)", "-2+3", "@cmd"])
def test_it_neutralises_cells_a_spreadsheet_would_run(client_for, carol, team, periods, name):
    project = ProjectFactory(team=team, name=name, slug="formula")
    score_assessment(project=project, period=periods[-1], levels={"data": 1, "deployment": 1})
    rows = _csv_rows(client_for(carol).get("/org/export.csv"))
    assert {row["project"] for row in rows} == {"'" + name}


# --- Team and project pages -------------------------------------------------------------------


def test_it_draws_the_team_heatmap_trend_and_gaps(client_for, bob, team, scores):
    response = client_for(bob).get(f"/teams/{team.slug}/")
    charts = response.context["charts"]
    assert charts["heatmap"]["data"][0]["y"] == ["Card transaction scoring"]
    assert charts["heatmap"]["layout"]["meta"]["links"] == ["/projects/card-scoring/"]
    assert charts["trend"]["data"][-1]["name"] == "Organisation median"
    assert "Most common gaps, 2026-Q1" in response.text
    assert "plotly-cartesian-4.1.1.min.js" in response.text


def test_it_draws_the_project_history_and_radar(client_for, alice, project, scores):
    response = client_for(alice).get(f"/projects/{project.slug}/")
    charts = response.context["charts"]
    radar = charts["radar"]["data"]
    assert [trace["name"] for trace in radar] == [
        "2026-Q1 (this project)",
        "2025-Q4 (previous)",
        "Organisation median, 2026-Q1",
    ]
    assert radar[2]["r"][:2] == [1.25, 1.0]  # medians of (2.0, 0.5) and (1.5, 0.5)
    assert charts["levels"]["data"][0]["y"] == [0, 1, 1, 1]
    assert "plotly-4.1.1.min.js" in response.text  # the smallest official bundle with radars


def test_it_keeps_a_hostile_project_name_inert_in_the_chart_data(client_for, alice, team, periods):
    hostile = "</script><script>alert(1)</script>"
    project = ProjectFactory(team=team, name=hostile, slug="hostile")
    score_assessment(project=project, period=periods[-1], levels={"data": 1, "deployment": 1})
    text = client_for(alice).get(f"/teams/{team.slug}/").text
    assert hostile not in text
    # Escaped for Plotly (figures.plotly_text), then for the page by json_script.
    assert "\\u0026lt;/script\\u0026gt;\\u0026lt;script\\u0026gt;alert(1)" in text


def test_it_invites_a_team_without_scores_to_its_first_submission(client_for, alice, team):
    response = client_for(alice).get(f"/teams/{team.slug}/")
    assert "No assessment of this team's projects has been submitted yet" in response.text
    assert "plotly" not in response.text


# --- Query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("teams", [2, 20], ids=["2-teams", "20-teams"])
def test_it_runs_as_many_queries_for_a_ten_times_larger_organisation(
    teams, client_for, carol, django_assert_num_queries
):
    """session, user, management group, the navigation's two reviewer checks, then on a
    cache miss: quarters, teams, units, the review policy, the roll-ups' counts (with the
    teams' scores, whose medians the rows show), the organisation's stored quartiles,
    heatmap, gaps, movers, stalled, the Targets card's three (the projects by their stored
    phase on the day, those behind listed, behind per team: no target here, so none listed
    to judge) and the Reviews card's two (signals, exemptions). The cache generation costs
    no query. The team and project pages judge their targets afresh (projects, rules,
    overrides, assessments: improvement.selectors.targets), and read the policy once for
    their charts and targets."""
    organisation = scored_organisation(teams=teams, projects_per_team=3, quarters=4)
    client = client_for(carol)
    team, project = organisation.teams[0], organisation.projects[0]
    with django_assert_num_queries(19):  # 13, Targets 3, Reviews 2, Outcomes 1
        client.get("/org/")
    with django_assert_num_queries(3):
        client.get("/org/")
    cache.clear()
    # 15 (the review policy among them; the trend and the results by review status in
    # one), the projects' targets (4), the plan's counts
    with django_assert_num_queries(TEAM_PAGE_QUERIES):
        client.get(f"/teams/{team.slug}/")
    cache.clear()
    # 11 (the review policy among them), the project's profile, and its target (4)
    with django_assert_num_queries(PROJECT_PAGE_QUERIES):
        client.get(f"/projects/{project.slug}/")


# --- Quartiles in SQL -------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 8, 13])
def test_it_computes_quartiles_in_sql_as_percentile_cont_does(count, periods, team):
    means = [round(0.13 * n * n % 2, 2) for n in range(count)]
    for number, mean in enumerate(means):
        project = ProjectFactory(team=team, name=f"P{number}", slug=f"p{number}")
        Assessment.objects.create(
            project=project, period=periods[-1], status="submitted", overall_score=mean
        )
    quartiles = quartiles_by(Assessment.objects.all(), group="period_id", value="overall_score")[
        periods[-1].pk
    ]
    expected = statistics.quantiles(means, n=4, method="inclusive") if count > 1 else [means[0]] * 3
    assert [quartiles.low, quartiles.median, quartiles.high] == pytest.approx(expected)
    assert quartiles.count == count
