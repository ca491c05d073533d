"""The organisation's report rolls up by unit: the organisation as a whole, then a short
section per unit with its projects, each dimension's mean level against the targets and
since last quarter, its weakest dimensions, its next steps and the units and teams below it.
The figures come from grouped queries, as many for 20 teams as for 2."""

import datetime
import io
import re
from unittest import mock

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from assessments.review_scope import review_scope
from core.cache import dashboards_generation
from improvement.models import TargetOverride, TargetRule
from insights.selectors.organisation import dashboard_choices
from reports import emails, selectors
from reports import services as reports
from reports.improvement import report_improvement
from reports.models import Report
from reports.rollup import unit_rollup
from teams.models import Project
from teams.units import team_create, unit_create
from tests.assessments.factories import (
    DIMENSIONS,
    DimensionFactory,
    FrameworkFactory,
    PracticeFactory,
    quarter_periods,
    score_assessment,
)
from tests.factories import ProjectFactory

PRODUCTION, PILOT, EXPLORATION = (
    Project.Stage.PRODUCTION,
    Project.Stage.PILOT,
    Project.Stage.EXPLORATION,
)
DUE = datetime.date(2027, 6, 30)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORT_CHART_BROWSER_PATH = ""  # the figures are in the tables
    cache.clear()


def _framework():
    framework = FrameworkFactory()
    for order, (key, name) in enumerate(DIMENSIONS):
        dimension = DimensionFactory(framework=framework, key=key, name=name, order=order)
        PracticeFactory(framework=framework, dimension=dimension, key=f"{key}-tests", level=1)
    return quarter_periods(2, framework=framework)


@pytest.fixture
def organisation(db, erin):
    """Risk (a team of its own, and the Fraud department below it), Commerce, and a team in
    no unit. Levels are (data, deployment); 2025-Q4 comes before 2026-Q1.

    Targets: production level 1 overall and level 2 in deployment, pilot level 2; the
    exploration project has its own overall target of 1, and the shop team one of 0.
    """
    earlier, now = _framework()
    risk = unit_create(name="Risk", parent=None, actor=erin)
    fraud = unit_create(name="Fraud", parent=risk, actor=erin)
    commerce = unit_create(name="Commerce", parent=None, actor=erin)
    fraud_team = team_create(name="Fraud team", unit=fraud, actor=erin)
    risk_team = team_create(name="Risk office", unit=risk, actor=erin)
    shop = team_create(name="Shop", unit=commerce, actor=erin)
    loose = team_create(name="Loose team", unit=None, actor=erin)
    TargetRule.objects.create(stage=PRODUCTION, level=1, due_on=DUE)
    TargetRule.objects.create(stage=PRODUCTION, dimension_key="deployment", level=2, due_on=DUE)
    TargetRule.objects.create(stage=PILOT, level=2, due_on=DUE)
    scoring = ProjectFactory(team=fraud_team, name="Scoring", stage=PRODUCTION)
    alerts = ProjectFactory(team=fraud_team, name="Alerts", stage=PILOT)
    triage = ProjectFactory(team=risk_team, name="Triage", stage=EXPLORATION)
    ranker = ProjectFactory(team=shop, name="Ranker", stage=PRODUCTION)
    churn = ProjectFactory(team=loose, name="Churn", stage=PRODUCTION)
    TargetOverride.objects.create(project=triage, level=1, due_on=DUE, reason="Audit.")
    TargetOverride.objects.create(team=shop, level=0, due_on=DUE, reason="Moving stores.")
    for project, levels, gaps in [
        (scoring, (2, 1), ["deployment-tests"]),
        (alerts, (0, 1), ["data-tests", "deployment-tests"]),
        (triage, (1, 0), ["deployment-tests"]),
        (ranker, (0, 2), ["data-tests"]),
        (churn, (1, 1), ["deployment-tests"]),
    ]:
        score_assessment(
            project=project,
            period=now,
            levels=dict(zip(("data", "deployment"), levels, strict=True)),
            gaps=gaps,
        )
    for project, levels in [(scoring, (1, 1)), (alerts, (0, 0)), (ranker, (0, 1))]:
        score_assessment(
            project=project,
            period=earlier,
            levels=dict(zip(("data", "deployment"), levels, strict=True)),
        )
    return now


def _by_name(sections):
    return {section.name: section for section in sections}


def test_each_unit_rolls_up_its_whole_subtree(organisation):
    report = Report(scope="organisation", period=organisation)
    rollup = selectors.report_data(report=report).rollup
    assert rollup.previous_quarter == "2025-Q4"
    assert [(s.name, s.parent_label, s.depth) for s in rollup.sections] == [
        ("Commerce", "", 0),
        ("Risk", "", 0),
        ("Fraud", "Risk", 1),
        ("No unit", "", 0),
    ]
    risk = _by_name(rollup.sections)["Risk"]
    assert (risk.teams, risk.figures.due, risk.figures.assessed) == (2, 3, 3)
    assert risk.figures.by_level == (2, 1, 0)  # Alerts and Triage at 0, Scoring at 1
    assert risk.figures.level_1_or_more_percent == 33
    assert risk.level_1_change == 33 - 50  # Scoring 1 and Alerts 0 in 2025-Q4
    # Overall targets: Scoring 1 (met), Alerts 2 (below), Triage its own 1 (below).
    assert (risk.figures.with_target, risk.figures.below_target) == (3, 2)
    data, deployment = risk.dimensions
    assert data.mean_level == pytest.approx(1.0)  # 2, 0, 1
    assert data.target == pytest.approx(4 / 3)  # 1, 2, 1
    assert data.gap == pytest.approx(1 / 3)
    assert (data.below_target, data.with_target) == (1, 3)  # Alerts
    assert data.change == pytest.approx(1.0 - 0.5)
    assert deployment.mean_level == pytest.approx(2 / 3)  # 1, 1, 0
    # Production's deployment rule lifts Scoring to 2; Alerts' overall 2; Triage's own 1.
    assert deployment.target == pytest.approx(5 / 3)
    assert deployment.gap == pytest.approx(1.0)
    assert deployment.below_target == 3
    assert [d.key for d in risk.weakest] == ["deployment", "data"]
    steps = [(gap.practice_key, gap.projects_held_back) for gap in risk.next_steps]
    assert steps == [("deployment-tests", 3), ("data-tests", 1)]
    # Right below Risk, weakest first: its own team (0.5), then the Fraud department (1.0).
    assert [(line.name, line.kind) for line in risk.lines] == [
        ("Risk office", "team"),
        ("Fraud", "unit"),
    ]
    assert risk.lines[0].weakest == "Deployment and release"


def test_a_teams_own_target_beats_the_policy_for_its_stage(organisation):
    rollup = selectors.report_data(report=Report(scope="organisation", period=organisation)).rollup
    commerce = _by_name(rollup.sections)["Commerce"]
    data, deployment = commerce.dimensions
    assert (data.target, data.below_target) == (0, 0)  # the team's 0, not production's 1
    assert (deployment.target, deployment.below_target) == (2, 0)  # the deployment rule
    assert commerce.figures.below_target == 0
    assert commerce.dimensions[1].change == pytest.approx(1.0)  # Ranker 1 -> 2


def test_the_organisation_is_the_sum_of_its_units_and_the_teams_in_none(organisation):
    scope = selectors.report_data(
        report=Report(scope="organisation", period=organisation)
    ).rollup.scope
    assert (scope.figures.due, scope.figures.assessed, scope.teams) == (5, 5, 4)
    data, deployment = scope.dimensions
    assert data.mean_level == pytest.approx((2 + 0 + 1 + 0 + 1) / 5)
    assert deployment.mean_level == pytest.approx((1 + 1 + 0 + 2 + 1) / 5)
    assert deployment.below_target == 4  # every project but Ranker
    assert scope.next_steps[0].practice_key == "deployment-tests"
    assert scope.next_steps[0].projects_held_back == 4


def test_a_units_report_rolls_up_the_units_below_it(organisation):
    risk = Report(
        scope="unit",
        unit=_unit("Risk"),
        period=organisation,
    )
    rollup = selectors.report_data(report=risk).rollup
    assert rollup.scope.figures.due == 3
    assert [(s.name, s.parent_label) for s in rollup.sections] == [("Fraud", "")]


def _unit(name):
    from teams.models import Unit

    return Unit.objects.get(name=name)


def _text(report: Report) -> tuple[str, str]:
    with report.html_file.open("rb") as file:
        html = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", file.read().decode()))
    with report.pdf_file.open("rb") as file:
        reader = PdfReader(io.BytesIO(file.read()))
    return html, re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_the_printed_report_has_a_section_per_unit_with_its_figures(organisation):
    created = Report.objects.create(scope="organisation", period=organisation)
    with mock.patch("reports.tasks.report_email_send.delay_on_commit"):
        report = reports.report_generate(report_id=created.pk)
    assert report.status == "done", report.error
    html, pdf = _text(report)
    for heading in ("By dimension", "Next steps", "Units at a glance", "Unit by unit"):
        assert heading in pdf
    risk = html.split(" Risk 2 teams ")[1].split(" Risk / Fraud ")[0]
    assert "3 of 3 projects assessed (100%)" in risk
    assert "33% at level 1 or 2 (-17 pts since 2025-Q4)" in risk
    assert "2 of 3 below their overall target" in risk
    assert "Mean level 1.00 0.67" in risk
    assert "Since 2025-Q4 +0.50 +0.17" in risk
    assert "Target 1.33 1.67" in risk  # the targets differ by dimension: a row of their own
    assert "Below target 33% 100%" in risk
    assert "Weakest: Deployment and release (0.67, 1.00 short of target)" in risk
    assert "Put deployment-tests in place. (3 projects held back" in risk
    assert "Risk office 1/1" in risk
    assert "Fraud (1 team) 2/2" in risk
    assert "Commerce 1 team" in pdf and "No unit 1 team" in pdf


def test_the_report_reads_as_many_queries_for_20_teams_as_for_2(
    db, erin, django_assert_num_queries
):
    earlier, now = _framework()
    TargetRule.objects.create(stage=PRODUCTION, level=1, due_on=DUE)
    counted = []
    for teams, more in ((2, 2), (20, 18)):
        _teams_in_units(more, erin, (earlier, now), offset=teams)
        cache.clear()
        report = Report(scope="organisation", period=now)
        with CaptureQueriesContext(connection) as queries:
            data = selectors.report_data(report=report)
            report_improvement(report=report, today=timezone.localdate())
        counted.append(len(queries))
        assert data.rollup.scope.teams == teams
    assert counted[0] == counted[1]
    choices = dashboard_choices(generation=dashboards_generation())
    rule = review_scope()
    period = next(choice for choice in choices.periods if choice.pk == now.pk)
    with django_assert_num_queries(5):  # the roll-up by unit's own: see reports.rollup
        unit_rollup(period=period, unit=None, choices=choices, rule=rule)


def _teams_in_units(count: int, erin, periods, *, offset: int) -> None:
    """`count` more teams of one project each, in two divisions of two departments."""
    divisions = [
        unit_create(name=f"Division {offset + number}", parent=None, actor=erin)
        for number in range(2)
    ]
    departments = [
        unit_create(name=f"Department {offset + number}", parent=division, actor=erin)
        for number, division in enumerate(divisions * 2)
    ]
    for number in range(count):
        team = team_create(name=f"Team {offset + number}", unit=departments[number % 4], actor=erin)
        project = ProjectFactory(team=team, name=f"Project {offset + number}")
        for quarter, period in enumerate(periods):
            levels = {
                key: (number + order + quarter) % 3 for order, (key, _) in enumerate(DIMENSIONS)
            }
            score_assessment(project=project, period=period, levels=levels, gaps=["data-tests"])


def test_the_emailed_organisation_report_arrives_with_its_pdf(organisation, carol):
    created = Report.objects.create(scope="organisation", period=organisation, automatic=True)
    with mock.patch("reports.tasks.report_email_send.delay_on_commit") as queued:
        report = reports.report_generate(report_id=created.pk)
    assert (report.pk, carol.pk) in [call.args for call in queued.call_args_list]
    sent = emails.report_email_send(report=report, user=carol)
    assert sent is not None and sent.status == "sent"
    (email,) = mail.outbox
    assert email.to == [carol.email]
    name, content, kind = email.attachments[0]
    assert (name, kind) == ("mlops-maturity-2026-Q1-organisation.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    assert "Unit by unit" in " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(content)).pages
    )


def test_the_command_writes_a_report_to_a_folder_and_saves_nothing(organisation, tmp_path):
    out = io.StringIO()
    call_command(
        "generate_report", "--period", "2026-Q1", "--output", str(tmp_path / "out"), stdout=out
    )
    assert not Report.objects.exists()
    pdf = tmp_path / "out" / "mlops-maturity-2026-Q1-organisation.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert (
        "Unit by unit"
        in (tmp_path / "out" / "mlops-maturity-2026-Q1-organisation.html").read_text()
    )
    assert str(pdf) in out.getvalue()
    call_command(
        "generate_report", "--period", "2026-Q1", "--unit", "risk", "--output", str(tmp_path)
    )
    assert (tmp_path / "mlops-maturity-2026-Q1-risk.html").read_text().count("<h1>Risk: MLOps") == 1
