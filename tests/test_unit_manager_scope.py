"""The demo's `director` manages the Risk and Customer division and sees only it: on the
dashboard, in the CSV, in the reports, and when guessing addresses."""

import csv
import io

import pytest
from django.core.management import call_command

from assessments.models import Assessment
from assessments.selectors import period_current
from reports.models import Report
from reports.services import reports_create_for_period
from teams.models import Project, Team

DIVISION_TEAMS = {"Fraud Detection", "Customer Churn", "Document Intelligence"}


@pytest.fixture
def demo(db, client_for, django_user_model):
    call_command("seed_demo", teams=6, projects_per_team=2, quarters=2, stdout=io.StringIO())
    director = django_user_model.objects.get(username="director")
    return client_for(director)


def test_the_dashboard_and_its_csv_hold_the_division_only(demo):
    page = demo.get("/org/")
    assert page.status_code == 200
    for team in Team.objects.exclude(name__in=DIVISION_TEAMS):
        assert team.name not in page.text
    rows = list(
        csv.DictReader(
            io.StringIO(b"".join(demo.get("/org/export.csv").streaming_content).decode("utf-8-sig"))
        )
    )
    assert rows
    assert {row["team"] for row in rows} <= DIVISION_TEAMS
    assert all(row["unit_path"].startswith("Risk and Customer") for row in rows)


def test_guessed_addresses_outside_the_division_answer_404(demo):
    outside = Team.objects.exclude(name__in=DIVISION_TEAMS).first()
    project = Project.objects.filter(team=outside).first()
    assessment = Assessment.objects.filter(project=project).first()
    for path in (
        f"/teams/{outside.slug}/",
        f"/projects/{project.slug}/",
        f"/assessments/{assessment.pk}/",
        f"/teams/{outside.slug}/export.csv",
        f"/org/?unit={outside.unit.slug}",
        f"/org/?team={outside.slug}",
    ):
        assert demo.get(path).status_code == 404, path
    inside = Team.objects.get(name="Fraud Detection")
    assert demo.get(f"/teams/{inside.slug}/").status_code == 200


def test_the_reports_list_holds_the_division_s_reports_only(demo):
    reports_create_for_period(period=period_current())
    page = demo.get("/reports/").text
    unit_report = Report.objects.get(scope=Report.Scope.UNIT)
    assert unit_report.unit.name == "Risk and Customer"
    assert f"/reports/{unit_report.pk}/" in page
    for report in Report.objects.exclude(team__name__in=DIVISION_TEAMS).exclude(pk=unit_report.pk):
        assert f"/reports/{report.pk}/" not in page
        assert demo.get(f"/reports/{report.pk}/").status_code == 404
