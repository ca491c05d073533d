"""An org admin runs the organisation in the portal, never in /admin/: a department and a
team in it, an invitation that works once, a CSV import whose dry run refuses three bad
rows by number, a team moved, and a person deactivated whose history stays."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail

from assessments.models import Answer
from teams.models import Team, Unit

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def _bad_import(tmp_path: Path) -> Path:
    """50 rows after the header; rows 13, 23 and 33 are wrong."""
    rows = [f"team,Imported team {n},Digital Commerce / Discovery,,,," for n in range(50)]
    rows[11] = "team,Lost team,Nowhere,,,,"
    rows[21] = "person,Ann Example,,Imported team 1,not-an-address,lead,"
    rows[31] = "project,Model,,Imported team 2,,,someday"
    path = tmp_path / "organisation.csv"
    path.write_text("kind,name,unit,team,email,role,stage\n" + "\n".join(rows) + "\n")
    return path


def test_an_org_admin_runs_the_organisation_in_the_portal(
    page, login, console_errors, seed_organisation, browser, live_server, tmp_path
):
    seed_organisation(teams=6, projects_per_team=1, quarters=1)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    login(page, "admin")

    # A department under a division, then a team in it.
    page.goto("/manage/units/")
    page.get_by_role("link", name="Add unit in Risk and Customer").click()
    page.get_by_label("Name").fill("Model Risk")
    page.get_by_role("button", name=re.compile("^(Create|Add)")).click()
    page.get_by_role("link", name="Add team in Model Risk").click()
    page.get_by_label("Name").fill("Validation")
    page.get_by_role("button", name=re.compile("^(Create|Add)")).click()
    page.wait_for_selector("text=Validation")
    validation = Team.objects.get(name="Validation")
    assert validation.unit.name == "Model Risk"
    assert validation.unit.parent.name == "Risk and Customer"
    page.screenshot(path=SCREENSHOTS / "admin-journey-units.png", full_page=True)

    # Invite a lead for it: the link in the e-mail works once.
    page.goto("/manage/invitations/")
    page.get_by_label("E-mail address").fill("vera.validation@example.com")
    page.get_by_label("Name").fill("Vera Validation")
    page.get_by_label("Team (optional)").select_option(label="Validation")
    page.get_by_label("Role in the team").select_option("lead")
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_selector("text=vera.validation@example.com")
    link = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[-1].body).group(0)
    path = "/" + link.split("/", 3)[3]
    invited = browser.new_context(base_url=live_server.url).new_page()
    invited.goto(path)
    invited.get_by_label("Choose a password").fill("a long Passphrase 42")
    invited.get_by_label("The same password again").fill("a long Passphrase 42")
    invited.get_by_role("button", name="Set password and log in").click()
    invited.wait_for_url(lambda url: "/invitations/" not in url)
    vera = User.objects.get(email="vera.validation@example.com")
    assert vera.memberships.get().team == validation
    again = browser.new_context(base_url=live_server.url).new_page()
    response = again.goto(path)
    assert response.status >= 400
    assert again.locator("form").count() == 0 or "password" not in again.content().lower()

    # A 50-row import: the dry run names the 3 bad rows and changes nothing.
    before = Team.objects.count()
    page.goto("/manage/import/")
    page.set_input_files("#import-file", str(_bad_import(tmp_path)))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_selector("text=Nothing was imported: 3 problems")
    rows = page.locator("table tbody tr td.num").all_inner_texts()
    assert rows == ["13", "23", "33"]
    assert Team.objects.count() == before
    page.screenshot(path=SCREENSHOTS / "admin-journey-import.png", full_page=True)

    # Move a team to another unit.
    page.goto("/manage/units/")
    page.get_by_role("link", name="Move Validation").click()
    discovery = page.locator("select option", has_text="Discovery").first.get_attribute("value")
    page.get_by_label("Move to").select_option(discovery)
    page.get_by_role("button", name=re.compile("^Move")).click()
    page.wait_for_function("() => !document.querySelector('select')")
    assert Team.objects.get(pk=validation.pk).unit.name == "Discovery"

    # Deactivate the member: they cannot log in, and their answers stay theirs.
    member = User.objects.get(username="member")
    answered = Answer.objects.filter(answered_by=member).count()
    page.goto(f"/manage/people/{member.pk}/")
    page.get_by_role("button", name=re.compile("^Deactivate")).click()
    page.wait_for_selector("text=cannot log in")
    assert not User.objects.get(pk=member.pk).is_active
    outsider = browser.new_context(base_url=live_server.url).new_page()
    outsider.goto("/accounts/login/")
    outsider.fill("input[name=username]", "member")
    outsider.fill("input[name=password]", "demo")
    outsider.click('button[type="submit"]')
    assert "/accounts/login/" in outsider.url
    assert Answer.objects.filter(answered_by=member).count() == answered
    assert Unit.objects.filter(name="Model Risk").exists()
    assert console_errors == []
