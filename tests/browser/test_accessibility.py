"""axe-core over every page of the access matrix, for every persona, charts drawn.

Each persona gets one logged-in browser context and opens every page it can open (and the
403 and 404 pages it meets); axe runs the WCAG 2.0/2.1/2.2 A and AA rules on each. The test
fails listing every violation with its rule, impact, target, page and persona, and the
session ends with a line such as "axe 4.12.1: 0 violations on 77 pages x personas".
`test_it_checks_every_page_of_the_access_matrix` fails when a URL is added to the matrix
without a page here (or a reason it serves none).

axe-core comes bundled in the `axe-playwright-python` package (requirements-dev.txt), so
nothing is downloaded at test time; AXE_CORE_JS=path/to/axe.min.js runs another build.
"""

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Invitation
from accounts.services import invitation_create
from accounts.tokens import token_new
from assessments.models import Assessment
from assessments.selectors import period_current
from improvement.models import Action, Initiative
from reports.models import Report
from teams.models import Team
from tests.test_access_matrix import MATRIX

pytestmark = pytest.mark.browser

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PASSWORD = "demo"
OUTSIDER = "outsider"


def _axe_script() -> str:
    override = os.environ.get("AXE_CORE_JS")
    if override:
        return Path(override).read_text(encoding="utf-8")
    from axe_playwright_python.base import AXE_FILE_PATH

    return AXE_FILE_PATH.read_text(encoding="utf-8")


# axe's context: the whole document, or only the charts (once their data tables are shown).
CHARTS = "charts"
AXE_RUN = """([context, tags]) => axe.run(
  context === "charts" ? {include: [["[data-chart]"]]} : document, {
  runOnly: {type: "tag", values: tags},
  resultTypes: ["violations"],
}).then(results => ({
  version: axe.version,
  violations: results.violations.map(v => ({
    id: v.id,
    impact: v.impact,
    nodes: v.nodes.map(node => ({
      target: node.target.join(" "),
      why: [...node.any, ...node.all, ...node.none].map(check => check.message).join("; "),
    })),
  })),
}))"""


def axe_violations(page) -> list[str]:
    """axe (WCAG 2.2 AA) on the page as it stands: one line per failing node, so a test
    asserts `== []` and a failure reads as what to fix."""
    page.evaluate(_axe_script())
    result = page.evaluate(AXE_RUN, ["document", TAGS])
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']}: {node['why']}"
        for violation in result["violations"]
        for node in violation["nodes"]
    ]


# Every chart is drawn (charts.js marks its plot) before axe looks at the page.
CHARTS_DRAWN = """() => [...document.querySelectorAll("[data-chart]")]
  .every(block => block.querySelector(".chart-plot[data-drawn]"))"""

OPEN_DATA_TABLES = """() => {
  const toggles = [...document.querySelectorAll("[data-chart] details")];
  toggles.forEach(details => { details.open = true; });
  return toggles.length;
}"""


@dataclass(frozen=True)
class Violation:
    persona: str
    page: str
    rule: str
    impact: str
    target: str
    why: str

    def __str__(self) -> str:
        return (
            f"{self.rule} ({self.impact}) on {self.page} as {self.persona}: {self.target}"
            f"\n    {self.why}"
        )


@dataclass
class AxeReport:
    """What the run saw, printed at the end of the session."""

    pages: int = 0
    version: str = ""
    violations: list[Violation] = field(default_factory=list)

    def summary(self) -> str:
        by_rule = Counter(violation.rule for violation in self.violations)
        rules = ", ".join(f"{rule}: {count}" for rule, count in by_rule.most_common())
        return (
            f"axe {self.version}: {len(self.violations)} violations on {self.pages} "
            f"pages x personas" + (f" ({rules})" if rules else "")
        )

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.pages:
            terminalreporter.write_line(self.summary())


@pytest.fixture
def axe_report(request) -> AxeReport:
    report = AxeReport()
    request.config.pluginmanager.register(report, f"axe-report-{id(report)}")
    return report


@pytest.fixture
def demo(seed_organisation) -> dict[str, str]:
    """The demo organisation, an outsider, a finished and a running report: the paths."""
    seed_organisation(teams=6, projects_per_team=3, quarters=6)
    User.objects.create_user(OUTSIDER, password=PASSWORD, first_name="Olga")
    team = Team.objects.get(memberships__user__username="lead")
    current = period_current()
    assert current is not None
    draft = Assessment.objects.filter(
        period=current, project__team=team, status=Assessment.Status.DRAFT
    ).first()
    submitted = (
        Assessment.objects.filter(project__team=team, status=Assessment.Status.SUBMITTED)
        .order_by("-period__opens_on")
        .first()
    )
    assert draft is not None and submitted is not None
    project = submitted.project
    done = Report.objects.create(scope="team", team=team, period=current, status="done")
    running = Report.objects.create(
        scope="team", team=team, period=current, status="running", progress=40
    )
    organisation = Report.objects.create(scope="organisation", period=current, status="queued")
    member = User.objects.get(username="member")
    uid = urlsafe_base64_encode(force_bytes(member.pk))
    admin = User.objects.get(username="admin")
    invited = invitation_create(
        email="new.lead@example.com", name="Nia New", invited_by=admin, team=team, role="lead"
    ).invitation
    # The raw token only ever lives in the e-mail: give the invitation one this test knows.
    token, digest = token_new()
    Invitation.objects.filter(pk=invited.pk).update(token_hash=digest)
    unit = team.unit
    action = Action.objects.filter(team=team).order_by("pk").first()
    pending = Assessment.objects.filter(review_status=Assessment.Review.PENDING).first()
    assert pending is not None, "the demo's review queue is empty"
    initiative = Initiative.objects.order_by("pk").first()
    assert action is not None and initiative is not None
    return {
        "plan": f"{team.get_absolute_url()}plan/",
        "action_new": f"{team.get_absolute_url()}plan/new/",
        "action_edit": f"/actions/{action.pk}/edit/",
        "initiative": initiative.get_absolute_url(),
        "initiative_edit": f"{initiative.get_absolute_url()}edit/",
        "team_target": f"{team.get_absolute_url()}target/",
        "project_target": f"{project.get_absolute_url()}target/",
        "admin_unit_rename": f"/manage/units/{unit.slug}/rename/",
        "admin_unit_move": f"/manage/units/{unit.slug}/move/",
        "admin_team_rename": f"/manage/teams/{team.slug}/rename/",
        "admin_team_move": f"/manage/teams/{team.slug}/move/",
        "admin_person": f"/manage/people/{member.pk}/",
        "invitation_accept": f"/invitations/{token}/",
        "team": team.get_absolute_url(),
        "project": project.get_absolute_url(),
        "project_new": f"{team.get_absolute_url()}projects/new/",
        "project_edit": f"{project.get_absolute_url()}edit/",
        "draft": draft.get_absolute_url(),
        "profile_step": f"{draft.get_absolute_url()}?profile=edit",
        "result": submitted.get_absolute_url(),
        "report_done": done.get_absolute_url(),
        "report_running": running.get_absolute_url(),
        "report_organisation": organisation.get_absolute_url(),
        "reset_confirm": f"/accounts/reset/{uid}/{default_token_generator.make_token(member)}/",
        "review": f"/reviews/{pending.pk}/",
        "project_evidence": f"{project.get_absolute_url()}evidence/",
    }


PUBLIC = [
    "login",
    "password_reset",
    "password_reset_done",
    "reset_bad",
    "reset_complete",
    "api_docs",
    "sso_logged_out",
]
ANY_USER = [
    "home",
    "reports",
    "notifications",
    "password_change",
    "password_change_done",
    "initiatives",
    "api_tokens",
]
TEAM_READ = [
    "project_evidence",
    "team",
    "project",
    "draft",
    "result",
    "report_done",
    "report_running",
    "plan",
    "initiative",
    "team_target",
    "project_target",
]
MANAGEMENT = [
    "dashboard",
    "report_organisation",
    "initiative_new",
    "initiative_edit",
    "exemptions",
]
TEAM_CHANGE = ["project_new", "project_edit", "profile_step", "action_new", "action_edit"]
ORG_ADMIN = [
    "admin_overview",
    "admin_units",
    "admin_unit_create",
    "admin_unit_rename",
    "admin_unit_move",
    "admin_team_create",
    "admin_team_rename",
    "admin_team_move",
    "admin_people",
    "admin_person",
    "admin_audit",
    "admin_import",
    "invitations",
    "admin_targets",
    "admin_target_rule",
    "admin_reviews",
    "admin_api_tokens",
    "admin_sso",
]
# Who opens what, as tests/test_access_matrix.py allows it; "as 403" and "as 404" are the
# error pages a persona meets on a page it may not open. Each persona ends by logging out,
# on the logged-out page. Persona: (its demo user, its pages).
PERSONAS = {
    "anonymous": (None, [*PUBLIC, "reset_confirm", "invitation_accept", "not_found"]),
    "member": (
        "member",
        [*ANY_USER, *TEAM_READ, "dashboard as 403", "project_edit as 403", "admin_units as 403"],
    ),
    "lead": ("lead", [*ANY_USER, *TEAM_READ, *TEAM_CHANGE, "dashboard as 403", "not_found"]),
    "management": ("manager", [*ANY_USER, *TEAM_READ, *MANAGEMENT, "project_new as 403"]),
    "org admin": ("admin", [*ANY_USER, *TEAM_READ, *MANAGEMENT, *TEAM_CHANGE, *ORG_ADMIN]),
    "outsider": (OUTSIDER, [*ANY_USER, "team as 404", "report_organisation as 404"]),
    "reviewer": ("reviewer", [*ANY_USER, "review_queue", "review", "dashboard as 403"]),
}
STATUS = {"not_found": 404}
FIXED_PATHS = {
    "login": "/accounts/login/",
    "password_reset": "/accounts/password_reset/",
    "password_reset_done": "/accounts/password_reset/done/",
    "reset_bad": "/accounts/reset/MQ/bad-token/",
    "reset_complete": "/accounts/reset/done/",
    "not_found": "/no-such-page/",
    "home": "/",
    "reports": "/reports/",
    "notifications": "/account/notifications/",
    "password_change": "/accounts/password_change/",
    "password_change_done": "/accounts/password_change/done/",
    "dashboard": "/org/",
    "admin_overview": "/manage/",
    "admin_units": "/manage/units/",
    "admin_unit_create": "/manage/units/new/",
    "admin_team_create": "/manage/teams/new/",
    "admin_people": "/manage/people/",
    "admin_audit": "/manage/audit/",
    "admin_import": "/manage/import/",
    "invitations": "/manage/invitations/",
    "initiatives": "/initiatives/",
    "initiative_new": "/initiatives/new/",
    "admin_targets": "/manage/targets/",
    "admin_target_rule": "/manage/targets/rule/?stage=production&dimension=",
    "review_queue": "/reviews/",
    "exemptions": "/exemptions/",
    "admin_reviews": "/manage/reviews/",
    "api_tokens": "/account/tokens/",
    "admin_api_tokens": "/manage/tokens/",
    "admin_sso": "/manage/sso/",
    "api_docs": "/api/v1/docs",
    "sso_logged_out": "/oidc/logged-out/",
}
# The URL of the access matrix each page is, and the URLs that serve no page of their own:
# files, and actions that redirect or answer with a fragment of a page checked here.
URL_NAMES = {
    "login": "login",
    "logged_out": "logout",
    "password_reset": "password_reset",
    "password_reset_done": "password_reset_done",
    "reset_bad": "password_reset_confirm",
    "reset_confirm": "password_reset_confirm",
    "reset_complete": "password_reset_complete",
    "password_change": "password_change",
    "password_change_done": "password_change_done",
    "home": "portal:home",
    "team": "portal:team_detail",
    "project": "portal:project_detail",
    "project_new": "portal:project_create",
    "project_edit": "portal:project_edit",
    "draft": "assessments:assessment_detail",
    "profile_step": "assessments:assessment_detail",
    "admin_overview": "administration:overview",
    "admin_units": "administration:units",
    "admin_unit_create": "administration:unit_create",
    "admin_unit_rename": "administration:unit_rename",
    "admin_unit_move": "administration:unit_move",
    "admin_team_create": "administration:team_create",
    "admin_team_rename": "administration:team_rename",
    "admin_team_move": "administration:team_move",
    "admin_people": "administration:people",
    "admin_person": "administration:person",
    "admin_audit": "administration:audit",
    "admin_import": "administration:import",
    "invitations": "accounts:invitation_list",
    "invitation_accept": "accounts:invitation_accept",
    "result": "assessments:assessment_detail",
    "dashboard": "insights:org_dashboard",
    "reports": "reports:report_list",
    "report_done": "reports:report_detail",
    "report_running": "reports:report_detail",
    "report_organisation": "reports:report_detail",
    "notifications": "notifications:notification_settings",
    "plan": "portal:team_plan",
    "action_new": "portal:action_create",
    "action_edit": "portal:action_edit",
    "initiatives": "portal:initiative_list",
    "initiative": "portal:initiative_detail",
    "initiative_new": "portal:initiative_create",
    "initiative_edit": "portal:initiative_edit",
    "team_target": "portal:team_target",
    "project_target": "portal:project_target",
    "admin_targets": "administration:targets",
    "admin_target_rule": "administration:target_rule",
    "review_queue": "reviews:queue",
    "review": "reviews:review",
    "exemptions": "insights:exemptions",
    "admin_reviews": "administration:reviews",
    "api_tokens": "accounts:token_list",
    "admin_api_tokens": "accounts:service_token_list",
    "admin_sso": "accounts:sso_settings",
    "api_docs": "api:openapi-view",
    "sso_logged_out": "sso:logged_out",
    "project_evidence": "portal:project_evidence",
}
NOT_PAGES = {
    "healthz",
    "favicon",
    "insights:org_export",
    "insights:team_export",
    "reports:report_pdf",
    "reports:report_html",
    "portal:project_archive",
    "portal:project_restore",
    "assessments:answer_save",
    "assessments:assessment_submit",
    "assessments:profile_save",
    "reports:report_generate",
    "administration:unit_archive",
    "administration:unit_restore",
    "administration:team_archive",
    "administration:person_roles",
    "administration:person_team",
    "administration:person_units",
    "administration:person_deactivate",
    "administration:person_reactivate",
    "administration:audit_csv",
    "administration:import_template",
    "accounts:invitation_resend",
    "accounts:invitation_revoke",
    "portal:team_plan_csv",
    "portal:actions_csv",
    "portal:action_from_step",
    "portal:action_detail",
    "portal:action_status",
    "portal:initiative_remind",
    "portal:initiative_csv",
    "administration:target_rule_clear",
    "reviews:decide",
    "insights:exemptions_export",
    "administration:person_review_units",
    "accounts:token_revoke",
    "portal:evidence_collect",
    "portal:evidence_collection",
    "sso:authenticate",
    "sso:callback",
    "accounts:api_token_revoke",
    "accounts:sso_mapping_remove",
    "api:openapi-json",
    "api:api-root",
    "api:no_endpoint",
    *(
        f"api:{name}"
        for name in [
            "unit_list",
            "unit_detail",
            "team_list",
            "team_detail",
            "project_list",
            "project_detail",
            "period_list",
            "period_detail",
            "assessment_list",
            "assessment_detail",
            "organisation_figures",
            "target_list",
            "action_list",
            "action_detail",
            "initiative_list",
            "initiative_detail",
            "me",
            "event_create",
        ]
    ),
}


def test_it_checks_every_page_of_the_access_matrix():
    checked = {name.partition(" as ")[0] for _, names in PERSONAS.values() for name in names}
    assert checked | {"logged_out"} == {*URL_NAMES, "not_found"}
    assert set(URL_NAMES.values()) | NOT_PAGES == set(MATRIX)


def _check(page, persona: str, name: str, axe_script: str, report: AxeReport) -> None:
    """axe on the page as served, then again with every chart's data table shown."""
    page.wait_for_function(CHARTS_DRAWN)
    page.evaluate(axe_script)
    report.pages += 1
    _run_axe(page, persona, name, report, "document")
    if page.evaluate(OPEN_DATA_TABLES):
        _run_axe(page, persona, f"{name} (chart data shown)", report, CHARTS)


def _run_axe(page, persona: str, name: str, report: AxeReport, context: str) -> None:
    result = page.evaluate(AXE_RUN, [context, TAGS])
    report.version = result["version"]
    report.violations.extend(
        Violation(persona, name, violation["id"], violation["impact"], node["target"], node["why"])
        for violation in result["violations"]
        for node in violation["nodes"]
    )


def _open(page, path: str, expected: int) -> None:
    response = page.goto(path)
    assert response is not None
    assert response.status == expected, f"{path}: {response.status}, expected {expected}"


def _log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_every_page_passes_axe_for_every_persona(browser, live_server, demo, axe_report):
    axe_script = _axe_script()
    paths = {**FIXED_PATHS, **demo}
    for persona, (username, names) in PERSONAS.items():
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1360, "height": 900}
        )
        page = context.new_page()
        if username:
            _log_in(page, username)
        for entry in names:
            name, _, error = entry.partition(" as ")
            if name == "reset_confirm":
                page.goto(paths[name])  # redirects to the set-password form
                page.wait_for_url("**/set-password/")
            else:
                _open(page, paths[name], int(error) if error else STATUS.get(name, 200))
            _check(page, persona, entry, axe_script, axe_report)
        if username:
            page.get_by_role("button", name="Log out").click()
            page.wait_for_url("**/accounts/logout/")
            _check(page, persona, "logged_out", axe_script, axe_report)
        context.close()
    if axe_report.violations:
        pytest.fail("\n".join([axe_report.summary(), *map(str, axe_report.violations)]))
