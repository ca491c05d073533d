import datetime
import io
import shutil
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.utils import timezone
from pypdf import PdfReader

from assessments.services.answering import assessment_submit
from notifications.models import SentEmail
from reports import services as reports
from reports.models import Report
from tests.assessments.conftest import answer_all
from tests.conftest import require_service

SECTIONS = [
    "Headline",
    "By dimension",
    "Next steps",
    "Charts",
    "Teams",  # an organisation without units lists its teams, weakest first
    "Movers",
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()  # the dashboard caches its aggregates


@pytest.fixture
def scored(assessment, other_assessment, alice, dave):
    """Both projects of the period submitted: one with gaps, one fully in place."""
    answer_all(assessment, "partly")
    answer_all(other_assessment, "yes")
    assessment_submit(assessment=assessment, user=alice)
    assessment_submit(assessment=other_assessment, user=dave)
    return assessment.period


def generate(report: Report) -> Report:
    with mock.patch("reports.tasks.report_email_send.delay_on_commit") as send:
        done = reports.report_generate(report_id=report.pk)
    done.emails_queued = [call.args for call in send.call_args_list]
    return done


def pdf_text(report: Report) -> tuple[PdfReader, str]:
    with report.pdf_file.open("rb") as file:
        reader = PdfReader(io.BytesIO(file.read()))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_it_writes_a_pdf_with_every_section_and_the_charts_as_images(scored, settings):
    browser = settings.REPORT_CHART_BROWSER_PATH or shutil.which("chromium")
    if not browser:
        require_service("Chromium for the chart images: set BROWSER_PATH")
    settings.REPORT_CHART_BROWSER_PATH = browser
    report = generate(Report.objects.create(scope="organisation", period=scored))
    assert (report.status, report.progress, report.error) == ("done", 100, "")
    reader, text = pdf_text(report)
    for section in SECTIONS:
        assert section in text
    assert "Fraud Detection" in text and "Search Ranking" in text
    assert "Charts unavailable" not in text
    # WeasyPrint shares image resources between pages: count distinct images.
    images = {image.name: image.image for page in reader.pages for image in page.images}
    assert len(images) == 2  # trend and levels by quarter; the dimensions are a table
    assert all(image.width == 960 for image in images.values())  # 640 px at scale 1.5
    with report.html_file.open("rb") as file:
        html = file.read().decode()
    assert html.count('src="data:image/png;base64,') == 2


def test_it_says_charts_are_unavailable_without_chromium_and_keeps_every_table(scored, settings):
    settings.REPORT_CHART_BROWSER_PATH = ""
    report = generate(Report.objects.create(scope="organisation", period=scored))
    reader, text = pdf_text(report)
    assert report.status == "done"
    assert "Charts unavailable: no Chromium is installed on the server" in text
    for section in SECTIONS:
        assert section in text
    assert not [image for page in reader.pages for image in page.images]


def test_it_writes_a_team_report_with_the_teams_projects(scored, team, settings):
    settings.REPORT_CHART_BROWSER_PATH = ""
    report = generate(Report.objects.create(scope="team", team=team, period=scored))
    _, text = pdf_text(report)
    assert "Fraud Detection: MLOps maturity" in text
    assert "Levels by project and dimension" in text
    assert "Card transaction scoring" in text
    assert "Product ranker" not in text  # another team's project


def test_it_emails_an_automatic_report_to_its_recipients_once_done(
    scored, team, alice, bob, carol, erin, settings
):
    settings.REPORT_CHART_BROWSER_PATH = ""
    organisation = generate(
        Report.objects.create(scope="organisation", period=scored, automatic=True)
    )
    team_report = generate(
        Report.objects.create(scope="team", team=team, period=scored, automatic=True)
    )
    asked = generate(Report.objects.create(scope="organisation", period=scored, requested_by=carol))
    assert sorted(organisation.emails_queued) == [
        (organisation.pk, carol.pk),
        (organisation.pk, erin.pk),
    ]
    assert team_report.emails_queued == [(team_report.pk, alice.pk)]
    assert asked.emails_queued == []  # asked for in the browser: downloaded, not emailed


def test_it_moves_through_queued_running_and_done_with_progress(scored, settings):
    settings.REPORT_CHART_BROWSER_PATH = ""
    report = Report.objects.create(scope="organisation", period=scored)
    seen = []
    original = reports._progress

    def spy(report_, token, percent):
        original(report_, token, percent)
        seen.append(Report.objects.values_list("status", "progress").get(pk=report.pk))

    with mock.patch.object(reports, "_progress", spy):
        done = generate(report)
    assert seen == [("running", 20), ("running", 60), ("running", 70), ("running", 90)]
    assert done.started_at <= done.finished_at
    assert done.html_file.name.startswith("reports/2026-Q4-organisation-")


def test_it_marks_a_report_failed_with_the_error(scored):
    report = Report.objects.create(scope="organisation", period=scored)
    with mock.patch("reports.selectors.report_data", side_effect=RuntimeError("disk full")):
        failed = generate(report)
    assert (failed.status, failed.error) == ("failed", "RuntimeError: disk full")
    assert failed.finished_at is not None
    assert not failed.pdf_file


def test_it_generates_a_report_only_once(scored, settings):
    settings.REPORT_CHART_BROWSER_PATH = ""
    report = Report.objects.create(scope="organisation", period=scored)
    generate(report)
    assert reports.report_generate(report_id=report.pk) is None


def test_it_discards_the_files_of_a_run_that_was_replaced(scored, settings, tmp_path):
    settings.REPORT_CHART_BROWSER_PATH = ""
    report = Report.objects.create(scope="organisation", period=scored)

    def replaced(report_, token, percent):
        # Meanwhile the tick gave up on this run and another worker claimed it.
        Report.objects.filter(pk=report_.pk).update(started_at=timezone.now())

    with mock.patch.object(reports, "_progress", replaced):
        generate(report)
    report.refresh_from_db()
    assert report.status == "running"
    assert not list((tmp_path / "reports").iterdir())


# --- Rescue -----------------------------------------------------------------------------------


def running_since(period, minutes: int, **fields) -> Report:
    fields.setdefault("scope", "organisation")
    return Report.objects.create(
        period=period,
        status="running",
        progress=40,
        started_at=timezone.now() - datetime.timedelta(minutes=minutes),
        **fields,
    )


def test_it_runs_a_report_again_once_when_its_worker_died(
    period, team, settings, django_capture_on_commit_callbacks
):
    settings.REPORT_TASK_TIME_LIMIT = 300
    stuck = running_since(period, 7)
    alive = running_since(period, 4, scope="team", team=team)
    with (
        mock.patch("reports.tasks.report_generate.delay") as generate_task,
        django_capture_on_commit_callbacks(execute=True),
    ):
        rescued = reports.reports_rescue()
    assert rescued == [stuck]
    stuck.refresh_from_db()
    assert (stuck.status, stuck.progress) == ("queued", 0)
    assert stuck.error == "The worker stopped while generating this report (at 40%)."
    generate_task.assert_called_once_with(stuck.pk)
    alive.refresh_from_db()
    assert alive.status == "running"


def test_it_fails_a_report_whose_worker_died_twice(period):
    stuck = running_since(period, 30, error="The worker stopped while generating this report.")
    with mock.patch("reports.tasks.report_generate.delay_on_commit") as generate_task:
        reports.reports_rescue()
    stuck.refresh_from_db()
    assert stuck.status == "failed"
    assert "stopped twice" in stuck.error
    generate_task.assert_not_called()


def test_it_queues_a_report_again_whose_task_was_lost(period, team):
    with time_machine.travel(timezone.now() - datetime.timedelta(minutes=11)):
        lost = Report.objects.create(scope="organisation", period=period)
    Report.objects.create(scope="team", team=team, period=period)  # just queued: leave it
    with mock.patch("reports.tasks.report_generate.delay_on_commit") as generate_task:
        reports.reports_rescue()
    generate_task.assert_called_once_with(lost.pk)


def test_it_queues_report_emails_not_sent_yet(period, carol, erin):
    report = Report.objects.create(
        scope="organisation",
        period=period,
        automatic=True,
        status="done",
        finished_at=timezone.now(),
    )
    report.pdf_file.save("r.pdf", ContentFile(b"%PDF"))
    SentEmail.objects.create(
        key=f"report:{period.key}:report-{report.pk}:user-{carol.pk}", kind="report", status="sent"
    )
    with mock.patch("reports.tasks.report_email_send.delay_on_commit") as send:
        reports.reports_rescue()
    send.assert_called_once_with(report.pk, erin.pk)


# --- Pages ------------------------------------------------------------------------------------


@pytest.fixture
def org_report(period) -> Report:
    return done_report(Report.objects.create(scope="organisation", period=period))


@pytest.fixture
def team_report(period, team) -> Report:
    return done_report(Report.objects.create(scope="team", team=team, period=period))


def done_report(report: Report) -> Report:
    report.pdf_file.save("r.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    report.html_file.save("r.html", ContentFile(b"<html>report</html>"), save=False)
    report.status, report.progress = "done", 100
    report.finished_at = timezone.now()
    report.save()
    return report


@pytest.mark.parametrize(
    ("persona", "org_status", "team_status"),
    [
        ("anonymous", 302, 302),
        ("outsider", 404, 404),
        ("member", 404, 200),
        ("lead", 404, 200),
        ("other_lead", 404, 404),
        ("management", 200, 200),
        ("admin", 200, 200),
    ],
)
def test_it_shows_a_report_to_its_audience_only(
    personas, client_for, org_report, team_report, persona, org_status, team_status
):
    client = client_for(personas[persona])
    for report, expected in ((org_report, org_status), (team_report, team_status)):
        for url in (
            f"/reports/{report.pk}/",
            f"/reports/{report.pk}/report.pdf",
            f"/reports/{report.pk}/report.html",
        ):
            assert client.get(url).status_code == expected, url


def test_it_lists_the_reports_each_user_may_see_by_period(
    client_for, org_report, team_report, bob, carol
):
    member_page = client_for(bob).get("/reports/").content.decode()
    assert f"/reports/{team_report.pk}/" in member_page
    assert f"/reports/{org_report.pk}/" not in member_page
    assert "Generate a report" not in member_page
    management_page = client_for(carol).get("/reports/").content.decode()
    assert f"/reports/{org_report.pk}/" in management_page
    assert "2026-Q4" in management_page and "Generate a report" in management_page


def test_it_serves_the_pdf_inline_and_the_html_as_a_download(client_for, org_report, carol):
    client = client_for(carol)
    pdf = client.get(f"/reports/{org_report.pk}/report.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert (
        pdf["Content-Disposition"] == 'inline; filename="mlops-maturity-2026-Q4-organisation.pdf"'
    )
    assert b"".join(pdf.streaming_content) == b"%PDF-1.7 test"
    html = client.get(f"/reports/{org_report.pk}/report.html")
    assert html["Content-Disposition"].startswith("attachment;")


def test_it_has_no_file_to_download_before_the_report_is_done(client_for, period, carol):
    report = Report.objects.create(scope="organisation", period=period, status="running")
    assert client_for(carol).get(f"/reports/{report.pk}/report.pdf").status_code == 404


def test_it_lets_only_management_generate_a_report(
    client_for, period, alice, carol, django_capture_on_commit_callbacks
):
    assert client_for(alice).post("/reports/generate/", {"period": period.pk}).status_code == 403
    with (
        mock.patch("reports.tasks.report_generate.delay") as generate_task,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client_for(carol).post("/reports/generate/", {"period": period.pk, "team": ""})
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    assert (report.scope, report.status, report.requested_by) == ("organisation", "queued", carol)
    generate_task.assert_called_once_with(report.pk)


def test_it_refuses_a_period_that_has_not_opened(client_for, framework, carol):
    from tests.assessments.conftest import make_period

    future = make_period(framework, "2027-Q1", opened_days_ago=-30)
    response = client_for(carol).post("/reports/generate/", {"period": future.pk})
    assert response.status_code == 422
    assert not Report.objects.exists()


def test_it_polls_progress_until_the_report_is_finished(client_for, period, carol):
    client = client_for(carol)
    report = Report.objects.create(
        scope="organisation", period=period, status="running", progress=60
    )
    page = client.get(f"/reports/{report.pk}/")
    assert b'hx-trigger="every 2s"' in page.content
    partial = client.get(f"/reports/{report.pk}/", headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert b'value="60"' in partial.content and b"<html" not in partial.content
    done_report(report)
    finished = client.get(f"/reports/{report.pk}/", headers={"HX-Request": "true"})
    assert finished.status_code == 286  # htmx stops polling
    assert b"hx-trigger" not in finished.content
    assert f"/reports/{report.pk}/report.pdf".encode() in finished.content


def test_it_stops_polling_a_failed_report_and_offers_to_generate_it_again(
    client_for, period, carol
):
    report = Report.objects.create(
        scope="organisation", period=period, status="failed", error="RuntimeError: boom"
    )
    response = client_for(carol).get(f"/reports/{report.pk}/", headers={"HX-Request": "true"})
    assert response.status_code == 286
    assert b"RuntimeError: boom" in response.content
    assert b"Generate it again" in response.content


def test_it_links_reports_from_the_navigation(client_for, bob):
    assert b'href="/reports/"' in client_for(bob).get("/").content


def test_it_writes_a_report_for_a_period_with_nothing_submitted(period, project, settings):
    settings.REPORT_CHART_BROWSER_PATH = ""
    report = generate(Report.objects.create(scope="organisation", period=period))
    _, text = pdf_text(report)
    assert report.status == "done"
    assert "No assessment was submitted in 2026-Q4." in text
