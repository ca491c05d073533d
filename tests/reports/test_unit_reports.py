"""A quarterly report per unit, created once when the period closes, sent to the unit's
managers, and visible to them and to management only."""

from django.contrib.auth.models import User

from reports.emails import report_recipients
from reports.models import Report
from reports.selectors import report_data, reports_visible_to
from reports.services import reports_create_for_period
from teams.models import UnitManager
from teams.units import team_create, unit_create
from tests.assessments.factories import quarter_periods, score_assessment
from tests.factories import ProjectFactory, UserFactory


def _organisation(erin):
    division = unit_create(name="Risk", parent=None, actor=erin)
    department = unit_create(name="Fraud", parent=division, actor=erin)
    other = unit_create(name="Commerce", parent=None, actor=erin)
    fraud = team_create(name="Fraud team", unit=department, actor=erin)
    shop = team_create(name="Shop team", unit=other, actor=erin)
    period = quarter_periods(1)[0]
    for team in (fraud, shop):
        score_assessment(project=ProjectFactory(team=team), period=period, levels={"data": 1})
    director = UserFactory(username="director", email="director@example.com")
    UnitManager.objects.create(user=director, unit=division)
    return period, division, director


def test_a_managed_unit_gets_its_report_once_and_its_managers_get_it(db, erin):
    period, _division, director = _organisation(erin)
    reports_create_for_period(period=period)
    reports_create_for_period(period=period)
    unit_reports = Report.objects.filter(scope=Report.Scope.UNIT)
    assert list(unit_reports.values_list("unit__name", flat=True)) == ["Risk"]
    assert report_recipients(report=unit_reports.get()) == [director]


def test_a_unit_manager_sees_their_unit_and_team_reports_only(db, erin, carol):
    period, division, director = _organisation(erin)
    reports_create_for_period(period=period)
    seen = {report.target_name for report in reports_visible_to(user=director)}
    assert seen == {"Risk", "Fraud team"}
    everything = {report.target_name for report in reports_visible_to(user=carol)}
    assert everything == {"Organisation", "Risk", "Fraud team", "Shop team"}
    assert User.objects.get(username="director").managed_units.get() == division


def test_a_unit_report_counts_only_the_unit_s_projects(db, erin):
    period, _division, _director = _organisation(erin)
    reports_create_for_period(period=period)
    unit_report = Report.objects.get(scope=Report.Scope.UNIT)
    organisation = Report.objects.get(scope=Report.Scope.ORGANISATION)
    assert report_data(report=unit_report).headline.assessed == 1
    assert report_data(report=organisation).headline.assessed == 2
    assert report_data(report=unit_report).title.startswith("Risk: MLOps maturity")
