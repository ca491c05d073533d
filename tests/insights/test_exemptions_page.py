"""The exemptions overview at /exemptions/ and its CSV: for management (the whole
organisation) and unit managers (their units' subtrees), grouped by unit and team, with each
exemption's practice, justification, status, who asked and decided, its age and the quarter
that asks the practice again; in a fixed number of queries."""

import csv
import datetime
import io
import re

import pytest
from django.utils import timezone

from assessments.models import Assessment, Exemption, Period
from tests.assessments.factories import (
    DIMENSIONS,
    DimensionFactory,
    FrameworkFactory,
    PeriodFactory,
    PracticeFactory,
)
from tests.factories import ProjectFactory, TeamFactory, UserFactory
from tests.insights.unit_data import small_tree, unit_manager

APPROVED, REQUESTED = Exemption.Status.APPROVED, Exemption.Status.REQUESTED
DECLINED, WITHDRAWN = Exemption.Status.DECLINED, Exemption.Status.WITHDRAWN


@pytest.fixture
def tree(db):
    return small_tree()


@pytest.fixture
def lena(db):
    return UserFactory(username="lena", first_name="Lena", last_name="Lead")


def _result(tree, team: str) -> Assessment:
    return Assessment.objects.filter(project__team=tree.teams[team]).order_by("pk").first()


def exempt(assessment, key, status, *, days_ago=0, decided_days_ago=None, **fields) -> Exemption:
    now = timezone.now()
    decided = decided_days_ago if decided_days_ago is not None else days_ago
    return Exemption.objects.create(
        project=assessment.project,
        practice_key=key,
        assessment=assessment,
        justification=fields.pop("justification", "Batch scoring only: nothing is served."),
        status=status,
        requested_at=now - datetime.timedelta(days=days_ago),
        decided_at=None if status == REQUESTED else now - datetime.timedelta(days=decided),
        **fields,
    )


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text))


def _rows(response) -> dict[str, dict]:
    """(project, practice key) -> the row as shown."""
    return {
        (row.project, row.practice_key): row
        for unit in response.context["overview"].units
        for team in unit.teams
        for row in team.rows
    }


def _csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def exemptions(tree, lena, rhea):
    """Across the tree: Serving's Fraud Detection (approved 30 days ago, and one waiting for
    3 days), Retail's Search Ranking (declined), Loose Ends in no unit (approved, expired)."""
    in_year = timezone.localdate() + datetime.timedelta(days=300)
    return {
        "approved": exempt(
            _result(tree, "fraud"),
            "data-tests",
            APPROVED,
            days_ago=40,
            decided_days_ago=30,
            requested_by=lena,
            decided_by=rhea,
            decision_note="Agreed: no online serving.",
            expires_on=in_year,
        ),
        "waiting": exempt(
            _result(tree, "fraud"), "deployment-tests", REQUESTED, days_ago=3, requested_by=lena
        ),
        "declined": exempt(_result(tree, "search"), "data-tests", DECLINED, days_ago=5),
        "expired": exempt(
            _result(tree, "loose"),
            "data-tests",
            APPROVED,
            days_ago=400,
            expires_on=timezone.localdate() - datetime.timedelta(days=1),
        ),
    }


# --- Who may read it --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("outsider", 403),
        ("member", 403),
        ("lead", 403),
        ("reviewer", 403),
        ("management", 200),
        ("admin", 200),
    ],
)
def test_only_management_and_unit_managers_read_it(client_for, personas, persona, status):
    client = client_for(personas[persona])
    assert client.get("/exemptions/").status_code == status
    assert client.get("/exemptions.csv").status_code == status


def test_a_unit_manager_reads_their_units_subtree_only(client_for, tree, exemptions):
    manager = unit_manager(tree.units["data"])
    response = client_for(manager).get("/exemptions/?all=1")
    assert response.status_code == 200
    assert [unit.name for unit in response.context["overview"].units] == [
        "Data division / Platform / Serving"
    ]
    assert set(_rows(response)) == {
        (_result(tree, "fraud").project.name, "data-tests"),
        (_result(tree, "fraud").project.name, "deployment-tests"),
    }
    assert "Search Ranking" not in response.text and "Loose Ends" not in response.text
    rows = _csv(client_for(manager).get("/exemptions.csv?all=1"))
    assert {row["team"] for row in rows} == {"Fraud Detection"}


# --- What it shows ----------------------------------------------------------------------------


def test_it_groups_by_unit_and_team_with_counts(client_for, carol, tree, exemptions):
    response = client_for(carol).get("/exemptions/")
    overview = response.context["overview"]
    assert [(unit.name, str(unit.counts)) for unit in overview.units] == [
        ("Data division / Platform / Serving", "1 approved · 1 awaiting a decision")
    ]
    team = overview.units[0].teams[0]
    assert (team.name, str(team.counts)) == (
        "Fraud Detection",
        "1 approved · 1 awaiting a decision",
    )
    text = _text(response)
    assert "Exemptions shown: 1 approved · 1 awaiting a decision" in text  # the totals
    assert "Fraud Detection 1 approved · 1 awaiting a decision" in text


def test_by_default_it_shows_the_exemptions_in_force_and_waiting(client_for, carol, exemptions):
    shown = {row.status for row in _rows(client_for(carol).get("/exemptions/")).values()}
    assert shown == {"approved", "requested"}
    every = client_for(carol).get("/exemptions/?all=1")
    assert {row.status for row in _rows(every).values()} == {
        "approved",
        "requested",
        "declined",
        "expired",
    }
    names = [unit.name for unit in every.context["overview"].units]
    assert names == ["Data division / Platform / Serving", "Retail division", "No unit"]
    assert "1 approved · 1 awaiting a decision · 1 expired · 1 declined" in _text(every)


def test_each_row_says_who_asked_who_decided_and_how_old_it_is(client_for, carol, tree, exemptions):
    rows = _rows(client_for(carol).get("/exemptions/?all=1"))
    fraud = _result(tree, "fraud").project.name
    approved = rows[(fraud, "data-tests")]
    assert approved.question == "Is data-tests in place?"
    assert approved.justification == "Batch scoring only: nothing is served."
    assert (approved.requested_by, approved.decided_by) == ("Lena Lead", "Rhea")
    assert (approved.age_days, approved.age_since) == (30, "approved")
    waiting = rows[(fraud, "deployment-tests")]
    assert (waiting.status_label, waiting.age_days, waiting.age_since) == (
        "Awaiting a decision",
        3,
        "requested",
    )
    assert waiting.decided_by == "" and waiting.asked_again == ""
    declined = rows[(_result(tree, "search").project.name, "data-tests")]
    assert (declined.status_label, declined.age_since) == ("Declined", "decided")


def test_it_names_the_quarter_that_asks_the_practice_again(client_for, carol, tree, lena):
    fraud = _result(tree, "fraud")
    exempt(fraud, "data-tests", APPROVED, expires_on=datetime.date(2026, 10, 1))
    exempt(fraud, "deployment-tests", APPROVED, expires_on=datetime.date(2027, 8, 1))
    PeriodFactory(
        key="2026-Q4", opens_on=datetime.date(2026, 10, 1), framework=tree.periods[0].framework
    )
    with_period = {
        row.practice_key: row.asked_again
        for row in _rows(client_for(carol).get("/exemptions/?all=1")).values()
    }
    # A period that exists, and one not created yet: the quarter opening after the expiry.
    assert with_period == {"data-tests": "2026-Q4", "deployment-tests": "2027-Q4"}


def test_the_practice_reads_as_the_projects_latest_framework_asks_it(client_for, carol, tree):
    fraud = _result(tree, "fraud")
    v2 = FrameworkFactory(version=2, content_hash="v2")
    for order, (key, name) in enumerate(DIMENSIONS):
        dimension = DimensionFactory(framework=v2, key=key, name=name, order=order)
        PracticeFactory(
            framework=v2, dimension=dimension, key=f"{key}-tests", question=f"Are {key} tests run?"
        )
    later = PeriodFactory(key="2026-Q2", opens_on=datetime.date(2026, 4, 1), framework=v2)
    Assessment.objects.create(project=fraud.project, period=later)
    exempt(fraud, "data-tests", REQUESTED)
    exempt(fraud, "retired-practice", APPROVED, expires_on=datetime.date(2030, 1, 1))
    rows = _rows(client_for(carol).get("/exemptions/"))
    assert rows[(fraud.project.name, "data-tests")].question == "Are data tests run?"
    # A practice the latest framework no longer asks reads as its key.
    assert rows[(fraud.project.name, "retired-practice")].question == "retired-practice"


def test_it_says_when_there_is_nothing_to_show(client_for, carol, tree):
    text = _text(client_for(carol).get("/exemptions/"))
    assert "No exemption is in force or awaiting a decision." in text


def test_the_filter_swaps_the_list_in_place(client_for, carol, exemptions):
    response = client_for(carol).get("/exemptions/?all=1", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="exemptions-content">')
    assert "<html" not in response.text
    assert 'href="/exemptions.csv?all=1"' in response.text


def test_a_hostile_justification_is_inert_on_the_page_and_in_the_csv(client_for, carol, tree):
    exempt(_result(tree, "fraud"), "data-tests", REQUESTED, justification="=HYPERLINK(1)<b>x</b>")
    page = client_for(carol).get("/exemptions/").text
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    rows = _csv(client_for(carol).get("/exemptions.csv"))
    assert rows[0]["justification"] == "'=HYPERLINK(1)<b>x</b>"


def test_the_csv_holds_what_the_page_shows(client_for, carol, tree, exemptions):
    response = client_for(carol).get("/exemptions.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = _csv(response)
    assert [(row["unit"], row["status"], row["age_days"]) for row in rows] == [
        ("Data division / Platform / Serving", "Approved", "30"),
        ("Data division / Platform / Serving", "Awaiting a decision", "3"),
    ]
    assert rows[0]["practice"] == "Is data-tests in place?"
    assert (
        rows[0]["decided_by"] == "Rhea" and rows[0]["decision_note"] == "Agreed: no online serving."
    )


# --- Queries ----------------------------------------------------------------------------------

# session, user, the user's groups (management, reviewers) and reviewed units, the
# exemptions with everything they show, the units' names; the CSV has no navigation.
PAGE_QUERIES = 5
CSV_QUERIES = 5


@pytest.mark.parametrize("teams", [2, 12], ids=["2-teams", "12-teams"])
def test_it_runs_as_many_queries_for_more_exemptions(
    teams, client_for, carol, tree, django_assert_num_queries
):
    period = Period.objects.get(key="2026-Q1")
    for number in range(teams):
        team = TeamFactory(name=f"Team {number:02d}", unit=tree.units["serving"])
        for project_number in range(2):
            project = ProjectFactory(team=team, name=f"{team.name} project {project_number}")
            assessment = Assessment.objects.create(project=project, period=period)
            exempt(assessment, "data-tests", REQUESTED, days_ago=number)
            exempt(assessment, "deployment-tests", APPROVED, expires_on=datetime.date(2030, 1, 1))
    client = client_for(carol)
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get("/exemptions/")
    assert len(_rows(response)) == 4 * teams
    with django_assert_num_queries(CSV_QUERIES):
        assert len(_csv(client.get("/exemptions.csv"))) == 4 * teams
