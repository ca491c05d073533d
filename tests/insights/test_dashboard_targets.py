"""The dashboards' Targets card: counts that match a hand count, the filters respected, the
projects behind per unit, and a fixed number of queries at any size, cold and warm."""

import datetime

import pytest
import time_machine

from improvement.services.targets import target_rule_set
from teams.models import Project
from teams.units import unit_create
from tests.assessments.factories import scored_organisation
from tests.factories import ProjectFactory, TeamFactory
from tests.improvement.factories import TargetOverrideFactory, TargetRuleFactory
from tests.improvement.targets_data import at, framework_with_dimensions, quarter, submitted
from tests.insights.unit_data import unit_manager

NOW = datetime.datetime(2026, 11, 15, 10, 0)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def organisation(erin):
    """Two units, two teams, eight projects; by hand, on 15 Nov 2026:

    production: level 1 by 30 Jun 2027 (2.5 quarters left); pilot: level 1 by 30 Sep 2026
    (passed); exploration: no target.

    Payments (Risk):  P1 production 0.40 (Q2) -> 0.80 (Q4): +0.2 a quarter, 1.3 by June: on track
                      P2 production level 1 in Q4: met
                      P6 exploration: no target
                      P7 production, its own level 2 by 31 Dec 2027, 1.2 (Q3) -> 1.5 (Q4):
                         +0.3 a quarter, 4.5 quarters left, 2.85: on track
    Search (Growth):  P3 production 0.00 (Q2) -> 0.10 (Q4): +0.05 a quarter, 0.225: behind
                      P4 pilot 0.50 (Q3) -> 0.95 (Q4), the date passed: behind, overdue
                      P5 production, never submitted: no assessment
                      P8 production, archived: not counted
    """
    v1 = framework_with_dimensions(1)
    q2, q3, q4 = (quarter(key, v1) for key in ("2026-Q2", "2026-Q3", "2026-Q4"))
    TargetRuleFactory(stage="production", level=1, due_on=datetime.date(2027, 6, 30))
    TargetRuleFactory(stage="pilot", level=1, due_on=datetime.date(2026, 9, 30))
    risk = unit_create(name="Risk", parent=None, actor=erin)
    growth = unit_create(name="Growth", parent=None, actor=erin)
    payments = TeamFactory(name="Payments", unit=risk)
    search = TeamFactory(name="Search", unit=growth)

    def project(name: str, team, stage: str = "production") -> Project:
        return ProjectFactory(team=team, name=name, stage=stage)

    p1, p2, p7 = (project(name, payments) for name in ("P1", "P2", "P7"))
    p6 = project("P6", payments, "exploration")
    p3, p8 = project("P3", search), project("P8", search)
    p4 = project("P4", search, "pilot")
    project("P5", search)
    TargetOverrideFactory(project=p7, level=2, due_on=datetime.date(2027, 12, 31))
    for proj, readings in [
        (p1, [(q2, at(0, 40)), (q4, at(0, 80))]),
        (p2, [(q4, at(1, 10))]),
        (p6, [(q4, at(0, 10))]),
        (p7, [(q3, at(1, 20)), (q4, at(1, 50))]),
        (p3, [(q2, at(0, 0)), (q4, at(0, 10))]),
        (p4, [(q3, at(0, 50)), (q4, at(0, 95))]),
        (p8, [(q4, at(0, 0))]),
    ]:
        for period, levels in readings:
            submitted(proj, period, levels)
    p8.archived_at = NOW.replace(tzinfo=datetime.UTC)
    p8.save()
    return {"risk": risk, "growth": growth, "payments": payments, "search": search}


def figures(page: str) -> dict[str, int]:
    """The Targets card's numbers as the page shows them."""
    found = {}
    for name in ("met", "on-track", "behind", "no-assessment"):
        marker = f'data-figure="targets-{name}"><div class="value">'
        start = page.index(marker) + len(marker)
        found[name] = int(page[start : page.index("<", start)])
    return found


def test_the_card_shows_the_hand_count(client_for, carol, organisation):
    response = client_for(carol).get("/org/")
    page = response.text
    assert figures(page) == {"met": 1, "on-track": 2, "behind": 2, "no-assessment": 1}
    assert "behind, 1 overdue" in page
    counts = response.context["page"].targets.counts
    assert (counts.no_target, counts.total) == (1, 7)  # P8 is archived
    behind = [target.name for target in response.context["page"].targets.behind]
    assert behind == ["P4", "P3"]  # overdue first
    assert 'href="/projects/p4/"' in page and 'href="/teams/search/"' in page


def test_the_card_keeps_to_the_unit_and_the_stage_filtered_on(client_for, carol, organisation):
    client = client_for(carol)
    risk = client.get(f"/org/?unit={organisation['risk'].slug}").text
    assert figures(risk) == {"met": 1, "on-track": 2, "behind": 0, "no-assessment": 0}
    pilot = client.get("/org/?stage=pilot").text
    assert figures(pilot) == {"met": 0, "on-track": 0, "behind": 1, "no-assessment": 0}
    team = client.get(f"/org/?team={organisation['payments'].slug}").text
    assert figures(team)["on-track"] == 2


def test_the_units_compared_count_their_projects_behind(client_for, carol, organisation):
    page = client_for(carol).get("/org/").context["page"]
    by_row = {row.name: page.targets.behind_by_row.get(row.url, 0) for row in page.rollup.rows}
    assert by_row == {"Growth": 2, "Risk": 0}
    text = client_for(carol).get("/org/").text
    assert "Behind target</th>" in text and 'data-behind="2"' in text


def test_a_unit_manager_counts_only_their_units(client_for, organisation):
    client = client_for(unit_manager(organisation["growth"]))
    page = client.get("/org/").text
    assert figures(page) == {"met": 0, "on-track": 0, "behind": 2, "no-assessment": 1}


def test_a_new_rule_shows_at_once(client_for, carol, erin, organisation):
    client = client_for(carol)
    assert figures(client.get("/org/").text)["behind"] == 2
    target_rule_set(stage="pilot", level=0, due_on=datetime.date(2027, 3, 31), actor=erin)
    assert figures(client.get("/org/").text) == {
        "met": 2,
        "on-track": 2,
        "behind": 1,
        "no-assessment": 1,
    }


def test_without_targets_it_says_so(client_for, carol):
    scored_organisation(teams=2, projects_per_team=1, quarters=2)
    page = client_for(carol).get("/org/").text
    assert "No project in this selection has a target yet." in page
    assert "Behind target</th>" not in page


@pytest.mark.parametrize("teams", [2, 20], ids=["2-teams", "20-teams"])
def test_it_runs_as_many_queries_for_ten_times_the_teams(
    teams, client_for, carol, django_assert_num_queries
):
    """As pinned in test_dashboard (19 cold, 3 warm), and five more when projects are behind:
    the projects listed judged afresh (projects, rules, overrides, assessments, and with a
    dimension target the dimension scores of their latest and earliest assessments)."""
    scored_organisation(teams=teams, projects_per_team=3, quarters=4)
    TargetRuleFactory(stage="production", level=1, due_on=datetime.date(2027, 6, 30))
    TargetRuleFactory(stage="production", dimension_key="data", level=2)
    client = client_for(carol)
    with django_assert_num_queries(24):
        response = client.get("/org/")
    assert response.context["page"].targets.counts.total == 3 * teams
    with django_assert_num_queries(3):
        client.get("/org/")
