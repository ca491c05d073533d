"""The demo manager generates this quarter's organisation report and downloads it."""

from pathlib import Path

import pytest
from django.conf import settings

from mlops_portal.celery import app
from reports.models import Report

pytestmark = pytest.mark.browser

SCREENSHOT = Path(settings.BASE_DIR) / "var" / "screenshots" / "report-done.png"


@pytest.fixture
def organisation(seed_organisation):
    seed_organisation(teams=2, projects_per_team=2, quarters=2)


@pytest.fixture
def tasks_in_process():
    """The report task runs inside the live server's request, as in the no-services demo."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


def test_it_generates_and_downloads_a_report(
    page, login, console_errors, organisation, tasks_in_process
):
    login(page, "manager")
    page.get_by_role("link", name="Reports").click()
    page.get_by_role("button", name="Generate report").click()

    page.wait_for_url("**/reports/*/")
    page.get_by_text("Finished").wait_for(timeout=60_000)
    assert page.locator("#progress .badge").inner_text() == "Done"
    page.screenshot(path=SCREENSHOT)

    report = Report.objects.get()
    pdf = page.request.get(f"/reports/{report.pk}/report.pdf")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    html = page.request.get(f"/reports/{report.pk}/report.html")
    assert "By dimension" in html.text()
    assert console_errors == []
