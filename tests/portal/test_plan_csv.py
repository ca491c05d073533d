"""The actions as CSV: a team's plan, and every action a person may read."""

import csv
import io

import pytest

from teams.models import UnitManager
from teams.units import team_move, unit_create
from tests.factories import UserFactory
from tests.improvement.factories import ActionFactory


def _rows(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture
def plans(project, other_project, alice, dave):
    return (
        ActionFactory(project=project, owner=alice, title='=HYPERLINK("http://evil")'),
        ActionFactory(project=other_project, owner=dave, title="Rank by freshness"),
    )


def test_the_team_csv_holds_the_teams_actions_with_formulas_made_inert(
    client_for, alice, team, plans
):
    response = client_for(alice).get(f"/teams/{team.slug}/plan.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="improvement-fraud-detection-plan-' in response["Content-Disposition"]
    rows = _rows(response)
    assert [row["title"] for row in rows] == ['\'=HYPERLINK("http://evil")']
    assert list(rows[0]) == [
        "team",
        "unit_path",
        "project",
        "title",
        "practice",
        "dimension",
        "owner",
        "due",
        "status",
        "overdue",
        "dropped_reason",
        "ticket",
        "created",
        "done",
    ]
    assert rows[0]["owner"] == "Alice" and rows[0]["status"] == "Planned"


@pytest.mark.parametrize("persona", ["outsider", "other_lead"])
def test_the_team_csv_is_404_for_who_cannot_see_the_team(
    persona, personas, client_for, team, plans
):
    assert client_for(personas[persona]).get(f"/teams/{team.slug}/plan.csv").status_code == 404


@pytest.mark.parametrize(
    ("persona", "teams"),
    [
        ("management", {"Fraud Detection", "Search Ranking"}),
        ("admin", {"Fraud Detection", "Search Ranking"}),
        ("lead", {"Fraud Detection"}),
        ("member", {"Fraud Detection"}),
        ("other_lead", {"Search Ranking"}),
        ("outsider", set()),
    ],
)
def test_the_csv_of_every_action_holds_what_each_person_may_read(
    persona, teams, personas, client_for, plans
):
    response = client_for(personas[persona]).get("/actions.csv")
    assert response.status_code == 200
    assert {row["team"] for row in _rows(response)} == teams


def test_unit_managers_get_their_units_actions(client_for, team, plans):
    unit = unit_create(name="Risk", parent=None, actor=None)
    team_move(team=team, unit=unit, actor=None)
    manager = UserFactory(username="ursula")
    UnitManager.objects.create(user=manager, unit=unit)
    rows = _rows(client_for(manager).get("/actions.csv"))
    assert {(row["team"], row["unit_path"]) for row in rows} == {("Fraud Detection", "Risk")}


def test_anonymous_visitors_are_sent_to_log_in(client, plans):
    assert client.get("/actions.csv").status_code == 302
