"""Script payloads in every text a user can write stay inert: pages, fragments, charts,
e-mails and reports. In a real browser, no dialog may fire."""

import io

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from pypdf import PdfReader

from assessments.models import Answer, Assessment, DimensionScore
from assessments.selectors import period_current
from mlops_portal.celery import app
from reports import services as reports
from reports.models import Report
from teams.models import Project, Team, Unit

pytestmark = pytest.mark.browser
PAYLOAD = "<img src=x onerror=alert(1)><script>alert(2)</script>"


@pytest.fixture
def hostile_organisation(seed_organisation) -> Assessment:
    seed_organisation(teams=2, projects_per_team=2, quarters=2)
    team = Team.objects.get(memberships__user__username="lead")
    Team.objects.filter(pk=team.pk).update(name=f"Fraud {PAYLOAD}", description=PAYLOAD)
    for number, project in enumerate(Project.objects.filter(team=team)):
        project.name = f"Scoring {number} {PAYLOAD}"
        project.description = project.kpi = project.business_goal = PAYLOAD
        project.save()
    User.objects.filter(username="lead").update(first_name=PAYLOAD)
    draft = Assessment.objects.filter(
        period=period_current(), project__team=team, status="draft"
    ).first()
    Answer.objects.filter(assessment=draft).update(
        note=PAYLOAD, evidence_url="https://example.com/?q=%3Cscript%3E"
    )
    return draft


def test_it_never_runs_a_payload_in_any_page(page, login, console_errors, hostile_organisation):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    draft = hostile_organisation
    login(page, "manager")
    for path in (
        "/",
        f"/teams/{draft.project.team.slug}/",
        f"/projects/{draft.project.slug}/",
        f"/assessments/{draft.pk}/",
        "/org/",
        "/reports/",
    ):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert page.locator("script:not([src])").count() == 0, path
    page.context.clear_cookies()
    login(page, "lead")
    page.goto(f"/assessments/{draft.pk}/")
    form = page.locator("form.practice").first
    with page.expect_response(lambda r: "/answers/" in r.url and r.status == 200):
        form.get_by_label("Partly").check()  # the saved fragment shows the lead's name
    assert dialogs == []
    assert console_errors == []


def test_it_keeps_payloads_inert_in_emails_and_reports(hostile_organisation, settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        period = hostile_organisation.period
        manager = User.objects.get(username="manager")
        report = reports.report_request(period=period, team=None, user=manager)
        team_report = reports.report_request(
            period=period, team=hostile_organisation.project.team, user=manager
        )
        call_command("send_reminders", stdout=io.StringIO())
    finally:
        app.conf.task_always_eager = saved
    team_report.refresh_from_db()
    html = team_report.html_file.read().decode()
    assert "<script>alert(2)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    text = "".join(page.extract_text() for page in PdfReader(team_report.pdf_file.path).pages)
    assert "<script>alert(2)</script>" in text  # shown as text, never interpreted
    assert Report.objects.get(pk=report.pk).status == "done"
    assert mail.outbox, "the open e-mails were sent"
    for message in mail.outbox:
        for body, _ in getattr(message, "alternatives", []):
            assert "<script>alert(2)" not in body and "<img src=x" not in body


PLOTLY_MARKUP = '<a href="https://evil.example/p">link</a><span style="font-size:60px">BIG</span>'


def test_it_draws_markup_in_names_as_text_in_the_charts(page, login, seed_organisation):
    """Plotly renders a subset of HTML in labels: a name with a link and a style must show
    as its literal text, for the manager too, never as a link or 60 px text."""
    seed_organisation(teams=2, projects_per_team=2, quarters=2)
    team = Team.objects.get(memberships__user__username="lead")
    Team.objects.filter(pk=team.pk).update(name=f"Team {PLOTLY_MARKUP}")
    project = Project.objects.filter(team=team).first()
    Project.objects.filter(pk=project.pk).update(name=f"Project {PLOTLY_MARKUP}")
    division = team.unit.parent
    Unit.objects.filter(pk=division.pk).update(name=f"Division {PLOTLY_MARKUP}")
    # The demo's review queue may leave this team without a result in the newest quarter.
    scored = (
        DimensionScore.objects.filter(team=team).order_by("-period__opens_on").first().period.key
    )
    login(page, "manager")
    for path in (
        f"/org/?quarter={scored}&teams=all",  # the divisions
        f"/org/?quarter={scored}&teams=all&unit={team.unit.slug}",  # the department's teams
        f"/teams/{team.slug}/",
    ):
        page.goto(path)
        page.wait_for_function(
            "document.querySelectorAll('.chart-plot').length > 0 && "
            "document.querySelectorAll('.chart-plot').length === "
            "document.querySelectorAll('.chart-plot[data-drawn]').length"
        )
        svg = page.locator(".chart-plot svg")
        assert svg.locator("a[href*='evil.example']").count() == 0, path
        big = ".chart-plot [style*='font-size:60px'], .chart-plot [style*='font-size: 60px']"
        assert page.locator(big).count() == 0, path
        labels = " ".join(page.locator(".chart-plot svg text").all_text_contents())
        assert '<a href="https://evil.example/p">' in labels, path  # shown as typed
