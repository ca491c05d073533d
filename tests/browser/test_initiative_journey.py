"""The manager journey: create an initiative for business KPIs over production projects, read
its burn-up and the teams behind, remind their leads, and find a second click sends none."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import Answer, Assessment
from improvement.models import Initiative, InitiativeWeek
from mlops_portal.celery import app
from teams.models import Membership, Project

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("eager_tasks")]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
KPI = "business-kpi-tracking"


@pytest.fixture
def organisation(seed_organisation) -> list[str]:
    """A seeded organisation where the first team's production projects track their
    business KPI and no other's do: the other teams are behind. Returns their leads."""
    seed_organisation(teams=3, projects_per_team=3, quarters=2)
    production = Project.objects.filter(stage=Project.Stage.PRODUCTION, archived_at=None)
    teams = sorted({project.team for project in production}, key=lambda team: team.name)
    assert len(teams) >= 2, "the demo needs production projects in two teams"
    latest = Assessment.objects.filter(project__in=production).order_by("-period__opens_on")
    period = latest.first().period
    for assessment in latest.filter(period=period):
        value = "yes" if assessment.project.team == teams[0] else "no"
        Answer.objects.filter(assessment=assessment, practice__key=KPI).update(value=value)
    return sorted(
        Membership.objects.filter(team__in=teams[1:], role=Membership.Role.LEAD)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
        .distinct()
    )


@pytest.fixture
def tasks_in_process():
    """Reminder tasks run inside the live server's request, as in the no-services demo."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


def test_a_manager_runs_an_initiative_and_reminds_the_leads_behind(
    page, login, console_errors, organisation, tasks_in_process
):
    leads_behind = organisation
    today = timezone.localdate()
    login(page, "manager")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Initiatives").click()
    page.get_by_role("link", name="New initiative").click()

    page.get_by_label("Title").fill("Monitoring on business KPIs")
    page.get_by_label("Why it matters").fill(
        "A model can be up and fast while no longer helping the business; only the KPI shows it."
    )
    page.get_by_label("Filter practices").fill("business KPI")
    page.locator(f"#practice-{KPI}").check()
    expect(page.get_by_text("1 practice ticked")).to_be_visible()
    page.get_by_label("Production", exact=True).check()
    page.get_by_label("Start date").fill((today - datetime.timedelta(days=28)).isoformat())
    page.get_by_label("Target date").fill((today + datetime.timedelta(days=120)).isoformat())
    page.screenshot(path=SCREENSHOTS / "initiative-form.png", full_page=True)
    page.get_by_role("button", name="Create initiative").click()

    page.wait_for_url("**/initiatives/monitoring-on-business-kpis/")
    initiative = Initiative.objects.get(slug="monitoring-on-business-kpis")
    assert initiative.practice_keys == [KPI] and initiative.stages == ["production"]
    assert InitiativeWeek.objects.filter(initiative=initiative).count() == 1
    page.locator(".chart-plot[data-drawn]").wait_for()
    assert "Projects with every practice in place" in page.locator(".chart-summary").inner_text()
    behind_rows = page.locator(".behind-table tbody tr")
    assert behind_rows.count() >= 1
    assert "Plan" in behind_rows.first.inner_text()
    page.screenshot(path=SCREENSHOTS / "initiative-detail.png", full_page=True)

    page.get_by_role("button", name="Remind the leads behind").click()
    outcome = page.get_by_test_id("remind-outcome")
    outcome.wait_for()
    assert f"Reminded {len(leads_behind)} lead" in outcome.inner_text()
    assert sorted(message.to[0] for message in mail.outbox) == leads_behind
    assert all(initiative.title in message.subject for message in mail.outbox)

    page.get_by_role("button", name="Remind the leads behind").click()
    page.get_by_text("had been reminded today already").wait_for()
    assert "Reminded 0 leads now" in page.get_by_test_id("remind-outcome").inner_text()
    assert len(mail.outbox) == len(leads_behind)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Initiatives").click()
    expect(page.get_by_role("link", name="Monitoring on business KPIs")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "initiative-list.png", full_page=True)
    assert console_errors == []
