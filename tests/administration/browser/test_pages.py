"""The administration pages in Debian's Chromium: in-place edits through htmx, refused
input kept in the form, no console errors or CSP violations. Screenshots go to
var/screenshots/administration-*.png."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from core.models import AuditEntry
from teams.models import Unit
from teams.units import unit_move

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def _unexpected(errors: list[str]) -> list[str]:
    """Console errors but the browser's note of each refused form's 422, which is expected."""
    return [error for error in errors if "status of 422" not in error]


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"administration-{name}.png", full_page=True)


@pytest.fixture
def organisation(seed_organisation) -> None:
    seed_organisation(teams=4, projects_per_team=1, quarters=1)


def test_it_edits_the_tree_in_place(page, login, console_errors, organisation):
    login(page, "admin")
    page.goto("/manage/units/")
    risk = Unit.objects.get(name="Risk")
    node = page.locator(f"#unit-{risk.pk}")
    node.locator(".tree-line").first.get_by_role("link", name="Rename").click()
    field = page.locator("#units-tree input[name=name]")
    field.wait_for()
    assert page.url.endswith("/manage/units/")  # in place: the page did not change
    field.fill("CUSTOMER  care")  # looks like its sibling "Customer Care"
    page.locator("#units-tree form.inline-edit button[type=submit]").click()
    page.locator("#id_name_error").wait_for()
    _shot(page, "units-refused")
    assert page.locator("#units-tree input[name=name]").input_value() == "CUSTOMER  care"

    page.locator("#units-tree input[name=name]").fill("Risk management")
    page.locator("#units-tree form.inline-edit button[type=submit]").click()
    page.get_by_text("Renamed “Risk” to “Risk management”.").wait_for()
    _shot(page, "units")

    # A stale form: Digital Commerce's move form offers Risk management, which another
    # admin then moves below Digital Commerce; submitting it is refused, not a circle.
    commerce = Unit.objects.get(name="Digital Commerce")
    page.locator(f"#unit-{commerce.pk} > .tree-line").get_by_role("link", name="Move").click()
    page.locator("#id_parent").select_option(label="Risk and Customer / Risk management")
    division = Unit.objects.get(name="Risk and Customer")
    unit_move(unit=division, parent=commerce, actor=None)
    page.locator("#units-tree form.inline-edit button[type=submit]").click()
    page.get_by_text("A unit cannot move into itself or a unit below it.").wait_for()
    _shot(page, "units-move-refused")
    assert Unit.objects.get(pk=commerce.pk).parent is None
    assert _unexpected(console_errors) == []


def test_it_sets_roles_and_deactivates(page, login, console_errors, organisation):
    login(page, "admin")
    page.goto("/manage/people/")
    page.locator("#id_q").fill("lead")
    page.wait_for_url(lambda url: "q=lead" in url)
    _shot(page, "people")
    lead = User.objects.get(username="lead")
    page.goto(f"/manage/people/{lead.pk}/")
    page.locator("#roles-card").get_by_label("Reviewer").check()
    page.locator("#roles-card").get_by_role("button", name="Save roles").click()
    page.locator("#roles-card").get_by_text("Saved the organisation roles.").wait_for()
    page.locator("#access-card").get_by_role("button", name="Deactivate").click()
    page.locator("#access-card").get_by_text("logged out everywhere").wait_for()
    _shot(page, "person")
    lead.refresh_from_db()
    assert not lead.is_active
    assert lead.groups.filter(name="Reviewers").exists()
    assert AuditEntry.objects.filter(action="user.deactivate", target_id=lead.pk).exists()

    page.goto("/manage/audit/?target_type=user")
    _shot(page, "audit")
    page.goto("/manage/")
    _shot(page, "overview")
    assert _unexpected(console_errors) == []
