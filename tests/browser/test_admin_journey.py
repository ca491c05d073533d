"""An org admin creates next quarter's period in the admin and opens it."""

from pathlib import Path

import pytest
from django.conf import settings

from assessments.models import Assessment, Period
from teams.models import Project

pytestmark = pytest.mark.browser

SCREENSHOT = Path(settings.BASE_DIR) / "var" / "screenshots" / "admin-period-opened.png"


@pytest.fixture
def organisation(seed_organisation) -> None:
    seed_organisation(teams=2, projects_per_team=2, quarters=1)


def test_it_lets_an_admin_open_a_new_period(page, login, console_errors, organisation):
    login(page, "admin")
    page.goto("/admin/assessments/period/add/")
    page.fill("#id_key", "2031-Q1")
    page.select_option("#id_framework", index=1)
    page.fill("#id_opens_on", "2031-01-01")
    page.fill("#id_due_on", "2031-01-21")
    page.fill("#id_closes_on", "2031-02-04")
    page.click("input[name=_save]")
    assert "was added successfully" in page.locator(".messagelist").inner_text()

    page.locator("tr", has_text="2031-Q1").locator("input.action-select").check()
    page.select_option("select[name=action]", "open_selected")
    page.click("button[name=index]")
    active = Project.objects.filter(archived_at__isnull=True).count()
    assert f"2031-Q1: {active} new drafts." in page.locator(".messagelist").inner_text()
    page.screenshot(path=SCREENSHOT)

    period = Period.objects.get(key="2031-Q1")
    assert Assessment.objects.filter(period=period, status="draft").count() == active
    assert period.opened_at is not None
    assert console_errors == []
