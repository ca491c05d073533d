"""The initiative pages: who reads and who changes what, the form, the CSV."""

import csv
import datetime
import io

import pytest
import time_machine

from improvement.models import Initiative, InitiativeWeek
from tests.improvement.initiative_data import (
    DRIFT,
    KPI,
    Q4_OPENS,
    TODAY,
    assess,
    initiative,
    quarter,
    small_framework,
)

# persona -> status of: the list, the detail, the CSV, the new form, the edit form, a remind.
MATRIX = {
    "anonymous": (302, 302, 302, 302, 302, 302),
    "outsider": (200, 404, 404, 403, 404, 404),
    "member": (200, 200, 200, 403, 403, 403),
    "lead": (200, 200, 200, 403, 403, 403),
    "other_lead": (200, 404, 404, 403, 404, 404),
    "management": (200, 200, 200, 200, 200, 302),
    "admin": (200, 200, 200, 200, 200, 302),
}


@pytest.fixture(autouse=True)
def on_a_fixed_day():
    """The pages compute "today" themselves: the tests' data sits around TODAY."""
    with time_machine.travel(datetime.datetime.combine(TODAY, datetime.time(12), datetime.UTC)):
        yield


@pytest.fixture
def fraud_kpis(db, team, project):
    small_framework()
    return initiative(title="Fraud KPIs", slug="fraud-kpis", teams=[team])


@pytest.mark.parametrize("persona", MATRIX)
def test_it_authorises_each_persona_on_each_page(persona, personas, client_for, fraud_kpis):
    client = client_for(personas[persona])
    base = "/initiatives/fraud-kpis/"
    statuses = (
        client.get("/initiatives/").status_code,
        client.get(base).status_code,
        client.get(base + "progress.csv").status_code,
        client.get("/initiatives/new/").status_code,
        client.get(base + "edit/").status_code,
        client.post(base + "remind/").status_code,
    )
    assert statuses == MATRIX[persona]


def test_it_lists_only_the_initiatives_a_member_reads(client_for, bob, fraud_kpis, other_team):
    initiative(title="Search KPIs", teams=[other_team])
    response = client_for(bob).get("/initiatives/")
    assert "Fraud KPIs" in response.text and "Search KPIs" not in response.text
    assert "New initiative" not in response.text


def test_it_puts_initiatives_in_the_navigation_of_people_who_can_read_them(
    client_for, bob, carol, charlie
):
    assert 'href="/initiatives/"' in client_for(bob).get("/").text
    assert 'href="/initiatives/"' in client_for(carol).get("/").text
    assert 'href="/initiatives/"' not in client_for(charlie).get("/").text


def form_data(**changes) -> dict:
    return {
        "title": "Business KPIs on every production model",
        "why": "A model can be up and fast while no longer helping the business.",
        "practice_keys": [KPI],
        "stages": ["production"],
        "starts_on": "2026-10-01",
        "target_on": "2027-03-31",
        **changes,
    }


def test_it_creates_an_initiative_and_records_its_first_week(client_for, carol, fraud_kpis):
    response = client_for(carol).post("/initiatives/new/", form_data(), follow=True)
    created = Initiative.objects.get(title__startswith="Business KPIs")
    assert response.redirect_chain[-1][0] == created.get_absolute_url()
    assert created.practice_keys == [KPI] and created.stages == ["production"]
    assert InitiativeWeek.objects.filter(initiative=created).count() == 1
    assert "Burn-up" in response.text and "its first week is recorded" in response.text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"practice_keys": []}, "Pick at least one practice."),
        ({"practice_keys": ["made-up-key"]}, "Unknown practice: made-up-key."),
        ({"target_on": "2026-09-30"}, "The target date must be after the start date."),
        ({"title": ""}, "Give the initiative a title."),
        ({"stages": ["someday"]}, "Unknown stage: someday."),
        ({"teams": ["999999"]}, "Unknown team: 999999."),
        ({"starts_on": "soon"}, "Enter a date."),
    ],
)
def test_it_refuses_bad_input_with_a_clear_message(client_for, carol, fraud_kpis, changes, message):
    response = client_for(carol).post("/initiatives/new/", form_data(**changes))
    assert response.status_code == 422
    assert message in response.text
    assert Initiative.objects.count() == 1


def test_it_edits_an_initiative_keeping_its_address(client_for, carol, fraud_kpis, team):
    client = client_for(carol)
    page = client.get("/initiatives/fraud-kpis/edit/")
    assert 'value="Fraud KPIs"' in page.text
    assert f'value="{KPI}" id="practice-{KPI}" checked' in page.text
    data = form_data(title="Fraud KPIs and drift", practice_keys=[KPI, DRIFT], teams=[team.pk])
    response = client.post("/initiatives/fraud-kpis/edit/", data)
    assert response.status_code == 302 and response["Location"] == "/initiatives/fraud-kpis/"
    fraud_kpis.refresh_from_db()
    assert fraud_kpis.title == "Fraud KPIs and drift"
    assert fraud_kpis.practice_keys == [KPI, DRIFT]


def test_it_keeps_the_saved_initiative_when_an_edit_is_refused(client_for, carol, fraud_kpis):
    response = client_for(carol).post(
        "/initiatives/fraud-kpis/edit/", form_data(title="Changed", target_on="2020-01-01")
    )
    assert response.status_code == 422
    fraud_kpis.refresh_from_db()
    assert fraud_kpis.title == "Fraud KPIs"


def test_it_shows_the_burn_up_practices_and_teams_behind(
    client_for, carol, fraud_kpis, project, alice
):
    period = quarter(small_framework(), "2026-Q4", Q4_OPENS)
    assess(project, period, business_kpi_tracking="no")
    response = client_for(carol).get("/initiatives/fraud-kpis/")
    text = response.text
    assert "Burn-up" in text and "data-chart" in text
    assert "Is business-kpi-tracking in place?" in text
    assert "Teams behind" in text and "/teams/fraud-detection/plan/" in text
    assert "Alice" in text and "Remind the leads behind" in text
    assert "How progress is counted" in text


def test_it_hides_the_remind_button_from_readers(client_for, bob, fraud_kpis, project):
    period = quarter(small_framework(), "2026-Q4", Q4_OPENS)
    assess(project, period, business_kpi_tracking="no")
    text = client_for(bob).get("/initiatives/fraud-kpis/").text
    assert "Teams behind" in text and "Remind the leads behind" not in text
    assert "Edit" not in text.split("<main", 1)[1].split("Why it matters")[0]


def test_it_exports_weeks_and_teams_as_formula_safe_csv(client_for, carol, team, fraud_kpis):
    team.name = '=HYPERLINK("http://evil")'
    team.save()
    InitiativeWeek.objects.create(
        initiative=fraud_kpis,
        week_start=datetime.date(2026, 10, 5),
        projects_in_scope=4,
        projects_complete=1,
        practices_in_place=3,
        practices_total=8,
    )
    response = client_for(carol).get("/initiatives/fraud-kpis/progress.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "initiative-fraud-kpis-progress-" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["row", "week_start", "team"]
    assert rows[1][:2] == ["week", "2026-10-05"] and rows[1][7] == "25.0"
    team_row = next(row for row in rows if row[0] == "team")
    assert team_row[2] == '\'=HYPERLINK("http://evil")'
    assert team_row[5:7] == ["1", "0"]


def test_it_answers_404_for_an_unknown_initiative(client_for, carol):
    assert client_for(carol).get("/initiatives/nothing-here/").status_code == 404


def test_anonymous_users_are_sent_to_log_in(client, fraud_kpis):
    response = client.get("/initiatives/")
    assert response["Location"].startswith("/accounts/login/?next=/initiatives/")


def test_it_lists_the_teams_furthest_behind_and_the_rest_on_request(
    client_for, carol, monkeypatch, team, other_team, project, other_project
):
    small_framework()
    initiative(title="Both teams", slug="both-teams", teams=[team, other_team])
    period = quarter(small_framework(), "2026-Q4", Q4_OPENS)
    assess(project, period, business_kpi_tracking="no")
    assess(other_project, period, business_kpi_tracking="no")
    monkeypatch.setattr("portal.initiative_views.TEAMS_BEHIND_SHOWN", 1)
    client = client_for(carol)
    text = client.get("/initiatives/both-teams/").text
    rows = text.split('class="table behind-table"')[1].split("</table>")[0]
    assert rows.count("<tr>") == 2  # the header and one team
    assert "The 1 furthest behind of 2 teams behind." in text
    assert 'href="?teams=all#teams-behind">Show all 2</a>' in text
    text = client.get("/initiatives/both-teams/?teams=all").text
    rows = text.split('class="table behind-table"')[1].split("</table>")[0]
    assert "Fraud Detection" in rows and "Search Ranking" in rows
    assert "furthest behind of" not in text
