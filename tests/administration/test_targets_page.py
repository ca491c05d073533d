"""The organisation's target policy at /manage/targets/: org admins only, cells edited in
place, clear messages for refused input, every override listed, every change audited."""

import datetime

import pytest
import time_machine

from core.cache import dashboards_generation
from core.models import AuditEntry
from improvement.models import TargetRule
from tests.factories import ProjectFactory, TeamFactory, UserFactory
from tests.improvement.factories import TargetOverrideFactory, TargetRuleFactory
from tests.improvement.targets_data import framework_with_dimensions

URL = "/manage/targets/"
RULE = "/manage/targets/rule/"
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime.datetime(2026, 11, 15, 10, 0), tick=False):
        yield


@pytest.fixture
def dimensions(db):
    return framework_with_dimensions(1)


@pytest.mark.parametrize("persona", ["alice", "bob", "carol", "charlie"])
def test_it_is_for_org_admins_only(persona, request, client_for):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    data = {"cell-stage": "production", "cell-level": "0", "cell-due_on": "2027-06-30"}
    assert client.post(RULE, data).status_code == 403
    assert not TargetRule.objects.exists()


def test_it_shows_the_policy_and_links_it_from_the_administration(client_for, erin):
    TargetRuleFactory(stage="production", level=1, due_on=datetime.date(2027, 6, 30))
    client = client_for(erin)
    page = client.get(URL).text
    assert 'Level 1</span> <span class="small">by 30 Jun 2027' in page
    assert "A project's target is its own override, else its team's" in page.replace("&#x27;", "'")
    assert 'href="/manage/targets/"' in client.get("/manage/").text


def test_it_edits_a_cell_in_place_and_audits_it(client_for, erin):
    client = client_for(erin)
    form = client.get(f"{RULE}?stage=pilot&dimension=", headers=HTMX)
    assert form.status_code == 200 and 'name="cell-level"' in form.text
    assert "<html" not in form.text
    before = dashboards_generation()
    data = {"cell-stage": "pilot", "cell-dimension_key": "", "cell-level": "1"}
    response = client.post(RULE, data | {"cell-due_on": "2027-12-31"}, headers=HTMX)
    assert response.status_code == 200
    assert "Pilot projects, overall level: level 1 by 31 Dec 2027." in response.text
    assert dashboards_generation() != before
    rule = TargetRule.objects.get()
    assert (rule.stage, rule.level, rule.updated_by) == ("pilot", 1, erin)
    entry = AuditEntry.objects.get(action="target_rule.create")
    assert entry.after["due_on"] == "2027-12-31" and entry.actor == erin


def test_it_refuses_a_past_date_a_wrong_level_and_an_unknown_dimension(
    client_for, erin, dimensions
):
    client = client_for(erin)
    cell = {"cell-stage": "pilot", "cell-dimension_key": "", "cell-level": "1"}
    past = client.post(RULE, cell | {"cell-due_on": "2026-06-30"}, headers=HTMX)
    assert past.status_code == 422
    assert "30 Jun 2026 has passed: choose today or a later date." in past.text
    assert 'value="2026-06-30"' in past.text  # what was typed is kept
    wrong = client.post(RULE, cell | {"cell-level": "3", "cell-due_on": "2027-06-30"})
    assert wrong.status_code == 422 and "Choose level 0, 1 or 2." in wrong.text
    unknown = client.post(
        RULE,
        {
            "add-stage": "production",
            "add-dimension_key": "vibes",
            "add-level": "1",
            "add-due_on": "2027-06-30",
        },
    )
    assert unknown.status_code == 422
    assert "There is no dimension “vibes” in the framework" in unknown.text
    assert not TargetRule.objects.exists()


def test_it_adds_a_dimension_row_then_removes_it(client_for, erin, dimensions):
    client = client_for(erin)
    data = {"add-stage": "production", "add-dimension_key": "data", "add-level": "2"}
    response = client.post(RULE, data | {"add-due_on": "2027-06-30"}, follow=True)
    assert "Production projects, data and features: level 2 by 30 Jun 2027." in response.text
    assert '<th scope="row">Data and features</th>' in response.text
    cleared = client.post(
        "/manage/targets/rule/clear/", {"stage": "production", "dimension_key": "data"}
    )
    assert cleared.status_code == 302
    assert not TargetRule.objects.exists()
    assert AuditEntry.objects.filter(action="target_rule.delete").count() == 1


def test_it_lists_every_override_with_its_reason_who_and_when(client_for, erin, team, project):
    setter = UserFactory(username="uma", first_name="Uma", last_name="Manager")
    TargetOverrideFactory(project=project, level=2, reason="Customer-facing.", set_by=setter)
    TargetOverrideFactory(project=None, team=team, level=0, reason="New team.")
    page = client_for(erin).get(URL).text
    assert "Customer-facing." in page and "New team." in page and "Uma Manager" in page
    assert f'href="/projects/{project.slug}/target/"' in page
    assert f'href="/teams/{team.slug}/target/"' in page


@pytest.mark.parametrize("size", [2, 20], ids=["2-overrides", "20-overrides"])
def test_it_runs_as_many_queries_for_ten_times_the_overrides(
    size, client_for, erin, django_assert_num_queries
):
    """session, user; then the dimensions, the rules, the overrides with their teams,
    projects and setters; the navigation asks whether the org admin also reviews."""
    TargetRuleFactory(stage="production")
    for number in range(size):
        team = TeamFactory(name=f"Team {number}")
        TargetOverrideFactory(project=None, team=team, reason=f"Reason {number}", set_by=erin)
        TargetOverrideFactory(project=ProjectFactory(team=team), reason="Own", set_by=erin)
    client = client_for(erin)
    with django_assert_num_queries(6):
        assert client.get(URL).status_code == 200


def test_a_forged_cell_is_refused_with_its_reason(client_for, erin):
    client = client_for(erin)
    data = {"cell-stage": "<script>", "cell-dimension_key": "", "cell-level": "1"}
    response = client.post(RULE, data | {"cell-due_on": "2027-13-45"}, headers=HTMX)
    assert response.status_code == 422
    assert "Choose one of the project stages." in response.text
    assert "Enter the date as YYYY-MM-DD." in response.text
    assert "<script>" not in response.text
    assert client.get(f"{RULE}?stage=<script>&dimension=x").status_code == 200
