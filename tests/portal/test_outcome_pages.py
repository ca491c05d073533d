"""Delivery outcomes on the pages: the project page's "Delivery outcomes" card (this quarter
so far, last quarter, trends, the deployments chart), the team page's table and trend, and
the dashboard's "Delivery outcomes by maturity level" with n behind every figure."""

import datetime
import html
import io
import json
import re

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.api_tokens import api_token_create
from accounts.models import ApiToken
from evidence.models import Outcome
from teams.models import Project
from tests.assessments.factories import (
    DIMENSIONS,
    DimensionFactory,
    FrameworkFactory,
    PracticeFactory,
    quarter_periods,
    score_assessment,
)
from tests.factories import ProjectFactory

TODAY = datetime.datetime(2026, 11, 16, 10, 0, tzinfo=datetime.UTC)  # in 2026-Q4
NO_CAUSATION = (
    "These figures describe the groups side by side; they do not show that a higher level "
    "caused the difference."
)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(TODAY, tick=False):
        yield


def outcome(project, quarter, *, deployments=0, failed=0, **figures) -> Outcome:
    return Outcome.objects.create(
        project=project,
        quarter=quarter,
        deployments=deployments,
        failed_deployments=failed,
        change_failure_rate=failed / deployments if deployments else None,
        **figures,
    )


def text(response) -> str:
    """The page as a reader sees it: tags dropped, entities read, spaces collapsed."""
    page = re.sub(r"<template>.*?</template>", " ", response.content.decode(), flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return " ".join(html.unescape(page).split())


def card(response, testid: str) -> str:
    page = response.content.decode()
    start = page.index(">", page.index(f'data-testid="{testid}"')) + 1
    return text_of(page[start : page.index("</section>", start)])


def text_of(fragment: str) -> str:
    fragment = re.sub(r"<template>.*?</template>", " ", fragment, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


@pytest.fixture
def history(project):
    """Four quarters of a project that ships more often and fails less."""
    outcome(project, "2026-Q1", deployments=3, failed=1, lead_time_hours=240, lead_time_count=3)
    outcome(project, "2026-Q2", deployments=5, failed=1, lead_time_hours=72, lead_time_count=5)
    outcome(
        project,
        "2026-Q3",
        deployments=8,
        failed=1,
        lead_time_hours=20.5,
        lead_time_count=8,
        restore_hours=3,
        restore_count=1,
        retraining_days=7,
        retraining_count=12,
        retraining_source="events",
    )
    outcome(
        project,
        "2026-Q4",
        deployments=4,
        failed=1,
        lead_time_hours=6,
        lead_time_count=4,
        restore_hours=1.5,
        restore_count=1,
        retraining_days=6.5,
        retraining_count=6,
        retraining_source="events",
    )


# --- The project page -----------------------------------------------------------------------


def test_the_project_page_shows_this_quarters_outcomes_against_the_last_with_trends(
    history, client_for, bob, project
):
    response = client_for(bob).get(f"/projects/{project.slug}/")
    assert response.status_code == 200
    outcomes = card(response, "outcomes-card")
    assert outcomes.startswith("Delivery outcomes")
    assert "This quarter so far 2026-Q4 Last quarter 2026-Q3 Trend since 2026-Q1" in outcomes
    rows = {
        "Deployments to production": "4 8 ▲ up from 3 in 2026-Q1 to 8 in 2026-Q3 (better)",
        "Change failure rate": "25% 1 of 4 deployments 12% 1 of 8 deployments ▼ down from 33% "
        "in 2026-Q1 to 12% in 2026-Q3 (better)",
        "Lead time": "6 h median of 4 21 h median of 8 ▼ down from 10 days in 2026-Q1 to 21 h "
        "in 2026-Q3 (better)",
        "Time to restore": "1.5 h 1 value 3 h 1 value not enough quarters to compare",
        "Retraining cadence": "every 6.5 days median of 6 intervals between trainings every 7 "
        "days median of 12 intervals between trainings not enough quarters to compare",
    }
    for label, cells in rows.items():
        assert f"{label} " in outcomes and cells in outcomes, label
    assert "Production deployments per quarter" in response.content.decode()  # the chart
    assert "demo data" not in outcomes
    assert 'src="/static/vendor/plotly' in response.content.decode()


def test_a_project_without_events_says_how_to_send_them(client_for, alice, project):
    response = client_for(alice).get(f"/projects/{project.slug}/")
    outcomes = card(response, "outcomes-card")
    assert "No events yet — how to send them" in outcomes
    assert f"POST /api/v1/projects/{project.slug}/events" in outcomes
    assert "events:write" in outcomes and "docs/events.md" in outcomes
    assert 'href="/api/v1/docs"' in response.content.decode()
    assert "Production deployments per quarter" not in response.content.decode()


def test_demo_outcomes_are_marked_as_demo_data(client_for, alice, project):
    outcome(project, "2026-Q3", deployments=2, is_demo=True)
    outcomes = card(client_for(alice).get(f"/projects/{project.slug}/"), "outcomes-card")
    assert "Delivery outcomes demo data" in outcomes


def test_other_projects_outcomes_never_show(client_for, alice, project, other_project):
    outcome(other_project, "2026-Q4", deployments=9)
    outcomes = card(client_for(alice).get(f"/projects/{project.slug}/"), "outcomes-card")
    assert "No events yet" in outcomes


def test_the_card_reads_its_quarters_in_one_query_whatever_the_history(client_for, alice, project):
    """One query for the card (pinned by PROJECT_PAGE_QUERIES with the rest of the page);
    the same with four quarters of outcomes and older ones as with none."""
    client = client_for(alice)
    client.get(f"/projects/{project.slug}/")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/projects/{project.slug}/").status_code == 200
        return len(captured)

    without = queries()
    for year in (2024, 2025, 2026):
        for number in range(1, 5):
            outcome(project, f"{year}-Q{number}", deployments=number)
    assert queries() == without


# --- The team page --------------------------------------------------------------------------


def test_the_team_page_tables_each_project_and_charts_the_team(
    history, client_for, bob, team, project
):
    ProjectFactory(team=team, name="Merchant risk", slug="merchant-risk")
    quiet = ProjectFactory(team=team, name="Address matcher", slug="address-matcher")
    outcome(quiet, "2025-Q4", deployments=1)  # before the quarters shown
    response = client_for(bob).get(f"/teams/{team.slug}/")
    outcomes = card(response, "team-outcomes")
    assert outcomes.startswith("Delivery outcomes")
    assert (
        "Project Deployments to production Change failure rate Lead time Time to restore "
        "Retraining cadence" in outcomes
    )
    assert (
        "Card transaction scoring 4 2026-Q3: 8 25% 2026-Q3: 12% 6 h 2026-Q3: 21 h 1.5 h "
        "2026-Q3: 3 h every 6.5 days 2026-Q3: every 7 days" in outcomes
    )
    assert "Address matcher no events yet 0 2026-Q3: 0 —" in outcomes
    assert "Merchant risk no events yet" in outcomes
    assert "The team's production deployments per quarter" in response.content.decode()


def test_a_team_without_events_says_how_to_send_them(client_for, alice, team, project):
    response = client_for(alice).get(f"/teams/{team.slug}/")
    outcomes = card(response, "team-outcomes")
    assert "No events yet from this team's projects" in outcomes
    assert "docs/events.md" in outcomes


# --- The dashboard --------------------------------------------------------------------------


@pytest.fixture
def assessed(db):
    """2026-Q1, the dashboard's quarter: two projects at level 0, three at level 1 and
    three at level 2, each assessed, and one more level-1 project not assessed."""
    framework = FrameworkFactory()
    for order, (key, name) in enumerate(DIMENSIONS):
        dimension = DimensionFactory(framework=framework, key=key, name=name, order=order)
        PracticeFactory(framework=framework, dimension=dimension, key=f"{key}-tests", level=1)
    [period] = quarter_periods(1, framework=framework)
    projects = {}
    for level, count in ((0, 2), (1, 3), (2, 3)):
        for number in range(count):
            project = ProjectFactory(name=f"Level {level} project {number}")
            score_assessment(project=project, period=period, levels={"data": level, "ci": level})
            projects.setdefault(level, []).append(project)
    projects["unassessed"] = [ProjectFactory(name="Not assessed")]
    return period, projects


def test_the_dashboard_compares_outcomes_by_level_with_n_and_no_causal_claim(
    assessed, client_for, carol
):
    period, projects = assessed
    quarter = period.key
    # Level 0: two projects; every figure has too few.
    outcome(projects[0][0], quarter, deployments=1, failed=1, lead_time_hours=300)
    outcome(projects[0][1], quarter, deployments=2)
    # Level 1: deployments 4, 6, 10 -> 6; rates 1/4, 0/6, 1/10 -> 10%; lead 24, 48, 72 h ->
    # 48 h = 2 days; restore time for one project only: too few (n = 1).
    outcome(projects[1][0], quarter, deployments=4, failed=1, lead_time_hours=24, restore_hours=5)
    outcome(projects[1][1], quarter, deployments=6, lead_time_hours=48)
    outcome(projects[1][2], quarter, deployments=10, failed=1, lead_time_hours=72)
    # Level 2: deployments 12, 15, 20 -> 15; rates 1/20, 0/15, 1/12 -> 5%; lead 2, 3, 5 h ->
    # 3 h; restore 1, 2, 3 h -> 2 h.
    outcome(projects[2][0], quarter, deployments=12, failed=1, lead_time_hours=5, restore_hours=3)
    outcome(projects[2][1], quarter, deployments=15, lead_time_hours=3, restore_hours=2)
    outcome(projects[2][2], quarter, deployments=20, failed=1, lead_time_hours=2, restore_hours=1)
    # Not assessed in the quarter: left out, however many deployments.
    outcome(projects["unassessed"][0], quarter, deployments=99, is_demo=True)
    response = client_for(carol).get(f"/org/?quarter={quarter}")
    assert response.status_code == 200
    outcomes = card(response, "outcomes-by-level")
    assert outcomes.startswith(f"Delivery outcomes by maturity level, {quarter} ")
    assert "demo data" not in outcomes and "so far" not in outcomes.split(" The ")[0]
    assert (
        "Overall level Projects Deployments per project Change failure rate Lead time "
        "Time to restore" in outcomes
    )
    too_few = "too few projects to compare"
    assert (
        f"Level 0 · manual 2 {too_few} (n = 2) {too_few} (n = 2) {too_few} (n = 1) no project"
        in outcomes
    )
    assert (
        f"Level 1 · continuous training 3 6 n = 3 10% n = 3 2 days n = 3 {too_few} (n = 1)"
        in outcomes
    )
    assert "Level 2 · CI/CD 3 15 n = 3 5% n = 3 3 h n = 3 2 h n = 3" in outcomes
    assert NO_CAUSATION in outcomes
    assert "too few projects to compare the levels yet" not in outcomes  # two levels have 3
    page = response.content.decode()
    assert f"Median lead time by level, {quarter}" in page
    assert f"Median change failure rate by level, {quarter}" in page
    assert '"text": ["n = 2", "n = 3", "n = 3"]' in page  # the bars' labels
    assert "to compare (n = 2)" in page  # greyed where level 0's bar would be


def test_the_dashboard_says_when_no_two_levels_can_be_compared(assessed, client_for, carol):
    period, projects = assessed
    for project in projects[1][:2]:
        outcome(project, period.key, deployments=3, is_demo=True)
    outcomes = card(client_for(carol).get(f"/org/?quarter={period.key}"), "outcomes-by-level")
    assert "demo data" in outcomes
    assert "too few projects to compare the levels yet" in outcomes
    assert NO_CAUSATION in outcomes


def test_a_running_quarter_too_thin_to_compare_links_to_the_quarter_before(
    assessed, client_for, carol
):
    period, projects = assessed
    outcome(projects[1][0], period.key, deployments=3)
    during_the_quarter = datetime.datetime(2026, 2, 10, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(during_the_quarter, tick=False):
        response = client_for(carol).get(f"/org/?quarter={period.key}")
    outcomes = card(response, "outcomes-by-level")
    assert outcomes.startswith(f"Delivery outcomes by maturity level, {period.key} so far")
    assert "too few projects to compare the levels yet. Most teams submit late" in outcomes
    assert "Most teams submit late in the quarter: see 2025-Q4" in outcomes
    assert 'href="?quarter=2025-Q4" data-testid="outcomes-earlier"' in response.content.decode()


def test_a_past_quarter_too_thin_to_compare_offers_no_other(assessed, client_for, carol):
    period, projects = assessed
    outcome(projects[1][0], period.key, deployments=3)
    outcomes = card(client_for(carol).get(f"/org/?quarter={period.key}"), "outcomes-by-level")
    assert "too few projects to compare the levels yet." in outcomes
    assert "Most teams submit late" not in outcomes


def test_the_dashboard_without_outcomes_says_where_they_come_from(assessed, client_for, carol):
    period, _ = assessed
    outcomes = card(client_for(carol).get(f"/org/?quarter={period.key}"), "outcomes-by-level")
    assert "No project in this selection has both a counted assessment and delivery outcomes" in (
        outcomes
    )
    assert "docs/events.md" in outcomes


# --- Events sent change the page ------------------------------------------------------------


def test_a_deployment_then_a_rollback_sent_for_a_demo_project_change_its_failure_rate(
    db, client, client_for
):
    """The issue's acceptance, through the endpoint with a service token: the same event
    sent again changes nothing."""
    call_command("seed_demo", teams=2, projects_per_team=2, quarters=1, stdout=io.StringIO())
    project = Project.objects.filter(events__isnull=False).order_by("pk").first()
    admin, lead = User.objects.get(username="admin"), User.objects.get(username="lead")
    _, secret = api_token_create(
        kind=ApiToken.Kind.SERVICE,
        name="Deploy pipeline",
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
        actor=admin,
        scopes=[ApiToken.Scope.EVENTS_WRITE],
        project=project,
    )

    def send(payload: dict) -> int:
        return client.post(
            f"/api/v1/projects/{project.slug}/events",
            json.dumps(payload),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        ).status_code

    def failure_rate() -> str:
        page = client_for(lead).get(f"/projects/{project.slug}/")
        row = card(page, "outcomes-card").split("Change failure rate", 1)[1]
        return row.split(" Lead time", 1)[0]

    before = Outcome.objects.get(project=project, quarter="2026-Q4")
    shown = failure_rate()
    assert f"{before.failed_deployments} of {before.deployments} deployments" in shown
    now = timezone.now()  # the demo's events end an hour before
    deployed = {
        "id": "deploy-2026-11-16",
        "kind": "deployment",
        "model_version": "9.0",
        "occurred_at": (now - datetime.timedelta(minutes=40)).isoformat(),
    }
    rolled_back = {
        "id": "rollback-2026-11-16",
        "kind": "rollback",
        "model_version": "8.9",
        "occurred_at": (now - datetime.timedelta(minutes=10)).isoformat(),
    }
    assert send(deployed) == 201 and send(rolled_back) == 201
    after = failure_rate()
    failed, deployments = before.failed_deployments + 1, before.deployments + 1
    assert f"{round(100 * failed / deployments)}% {failed} of {deployments} deployments" in after
    assert send(rolled_back) == 200 and send(deployed) == 200
    assert failure_rate() == after
