"""The improvement plans in the organisation's and a unit's report are summed by unit, as the
rest of the report is; a team's report lists its own."""

import datetime

import pytest

from improvement.models import Action
from reports.improvement import report_improvement
from reports.models import Report
from teams.units import team_create, unit_create
from tests.assessments.factories import quarter_periods

TODAY = datetime.date(2026, 3, 1)


@pytest.fixture
def teams(db, erin):
    risk = unit_create(name="Risk", parent=None, actor=erin)
    fraud = unit_create(name="Fraud", parent=risk, actor=erin)
    commerce = unit_create(name="Commerce", parent=None, actor=erin)
    made = {
        "fraud": team_create(name="Fraud team", unit=fraud, actor=erin),
        "risk": team_create(name="Risk office", unit=risk, actor=erin),
        "shop": team_create(name="Shop", unit=commerce, actor=erin),
        "loose": team_create(name="Loose team", unit=None, actor=erin),
    }
    late, later = TODAY - datetime.timedelta(days=5), TODAY + datetime.timedelta(days=30)
    for key, due_dates, done in [
        ("fraud", [late, late, later], 1),
        ("risk", [late, later], 0),
        ("shop", [later], 2),
        ("loose", [late], 0),
    ]:
        for due_on in due_dates:
            Action.objects.create(team=made[key], title="Monitor drift", due_on=due_on)
        for _ in range(done):
            Action.objects.create(team=made[key], title="Done", status=Action.Status.DONE)
    return made


def _plans(report: Report) -> list[tuple[str, int, int, int]]:
    section = report_improvement(report=report, today=TODAY)
    return [
        (row.name, row.counts.open, row.counts.overdue, row.counts.done) for row in section.plans
    ]


def test_the_organisation_report_sums_the_plans_by_top_level_unit(teams):
    period = quarter_periods(1)[0]
    report = Report(scope="organisation", period=period)
    assert _plans(report) == [
        ("Risk", 5, 3, 1),  # the Fraud department's team and Risk's own
        ("No unit", 1, 1, 0),
        ("Commerce", 1, 0, 2),
    ]
    assert report_improvement(report=report, today=TODAY).plans_by_unit


def test_a_units_report_sums_the_units_below_it_and_lists_its_own_teams(teams):
    from teams.models import Unit

    period = quarter_periods(1)[0]
    report = Report(scope="unit", unit=Unit.objects.get(name="Risk"), period=period)
    assert _plans(report) == [("Fraud", 3, 2, 1), ("Risk office", 2, 1, 0)]


def test_a_teams_report_lists_its_own_plan(teams):
    period = quarter_periods(1)[0]
    report = Report(scope="team", team=teams["shop"], period=period)
    section = report_improvement(report=report, today=TODAY)
    assert _plans(report) == [("Shop", 1, 0, 2)]
    assert not section.plans_by_unit
