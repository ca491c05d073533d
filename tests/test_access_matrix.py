"""Every URL of the portal against every persona, for GET and for POST.

The table below is the access policy. A new URL pattern without a row fails
`test_it_has_a_row_for_every_url`, so nobody can add a view and forget to decide who may
use it. The Django admin (namespace "admin") is left to Django: every admin page requires
a staff login, and only org admins are staff.

Outcomes: a status code, or LOGIN for a redirect to the log-in page.
"""

import datetime
from unittest import mock

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.api_tokens import api_token_create
from accounts.models import ApiToken, SsoGroupMapping
from assessments.models import ReviewPolicy
from assessments.rules import review as review_rules
from assessments.services.answering import assessment_submit
from evidence.models import Collection, MlflowConnection
from reports.models import Report
from teams.units import team_move, unit_create
from tests.assessments.fixtures import answer_all
from tests.improvement.factories import ActionFactory, InitiativeFactory

LOGIN = "login"
PERSONAS = ("anonymous", "member", "lead", "other_lead", "management", "admin", "reviewer")
HTMX = {"HTTP_HX_REQUEST": "true"}

# A reviewer (of the whole organisation, in no team) reads and changes no team's pages: it
# answers as the lead of another team does.
#                                 anonymous member lead  other  mgmt  admin  reviewer
OPEN_TO_ALL = (200,) * 7
NOT_ALLOWED = (405,) * 7
NOT_FOUND = (404,) * 7
TOKEN_ONLY = (401,) * 7
ANY_USER = (LOGIN, 200, 200, 200, 200, 200, 200)
TEAM_READ = (LOGIN, 200, 200, 404, 200, 200, 404)
TEAM_CHANGE_FORM = (LOGIN, 403, 200, 404, 403, 200, 404)
TEAM_CHANGE = (LOGIN, 403, 302, 404, 403, 302, 404)
MANAGEMENT_READ = (LOGIN, 403, 403, 403, 200, 200, 403)
MANAGEMENT_CHANGE = (LOGIN, 403, 403, 403, 302, 302, 403)
ORGANISATION_REPORT = (LOGIN, 404, 404, 404, 200, 200, 404)
ORG_ADMIN_PAGE = (LOGIN, 403, 403, 403, 403, 200, 403)
ORG_ADMIN_ACTION = (LOGIN, 403, 403, 403, 403, 302, 403)
ORG_ADMIN_FORM_REFUSED = (LOGIN, 403, 403, 403, 403, 422, 403)
# The reviewer's pages: reviewers only. The submission under review is other_team's, so
# the lead of other_team (its own) could not review it even as a reviewer.
REVIEWER_PAGE = (LOGIN, 403, 403, 403, 403, 403, 200)
REVIEWER_ACTION = (LOGIN, 403, 403, 403, 403, 403, 302)

# name: (path, GET outcomes, POST outcomes, POST data)
MATRIX = {
    "healthz": ("/healthz", OPEN_TO_ALL, NOT_ALLOWED, {}),
    "favicon": ("/favicon.ico", (301,) * 7, NOT_ALLOWED, {}),
    "login": ("/accounts/login/", OPEN_TO_ALL, OPEN_TO_ALL, {}),
    "logout": ("/accounts/logout/", NOT_ALLOWED, OPEN_TO_ALL, {}),
    "password_change": ("/accounts/password_change/", ANY_USER, ANY_USER, {}),
    "password_change_done": (
        "/accounts/password_change/done/",
        ANY_USER,
        (LOGIN, 405, 405, 405, 405, 405, 405),
        {},
    ),
    "password_reset": ("/accounts/password_reset/", OPEN_TO_ALL, OPEN_TO_ALL, {}),
    "password_reset_done": ("/accounts/password_reset/done/", OPEN_TO_ALL, NOT_ALLOWED, {}),
    "password_reset_confirm": ("/accounts/reset/MQ/bad-token/", OPEN_TO_ALL, OPEN_TO_ALL, {}),
    "password_reset_complete": ("/accounts/reset/done/", OPEN_TO_ALL, NOT_ALLOWED, {}),
    "portal:home": ("/", ANY_USER, NOT_ALLOWED, {}),
    "portal:team_detail": ("/teams/{team}/", TEAM_READ, NOT_ALLOWED, {}),
    "portal:project_create": (
        "/teams/{team}/projects/new/",
        TEAM_CHANGE_FORM,
        TEAM_CHANGE,
        {"name": "New model", "stage": "pilot"},
    ),
    "portal:project_detail": ("/projects/{project}/", TEAM_READ, NOT_ALLOWED, {}),
    "portal:project_edit": (
        "/projects/{project}/edit/",
        TEAM_CHANGE_FORM,
        TEAM_CHANGE,
        {"name": "Renamed", "stage": "production"},
    ),
    "portal:project_archive": ("/projects/{project}/archive/", NOT_ALLOWED, TEAM_CHANGE, {}),
    "portal:project_restore": ("/projects/{project}/restore/", NOT_ALLOWED, TEAM_CHANGE, {}),
    "assessments:assessment_detail": ("/assessments/{assessment}/", TEAM_READ, NOT_ALLOWED, {}),
    "assessments:answer_save": (
        "/assessments/{assessment}/answers/{practice}/",
        NOT_ALLOWED,
        (LOGIN, 200, 200, 404, 403, 200, 404),
        {"value": "yes", "version": 0},
    ),
    "assessments:assessment_submit": (
        "/assessments/{assessment}/submit/",
        NOT_ALLOWED,
        TEAM_CHANGE,
        {},
    ),
    "assessments:profile_save": (
        "/assessments/{assessment}/profile/",
        NOT_ALLOWED,
        (LOGIN, 302, 302, 404, 403, 302, 404),
        {"kind": "rag", "serving": "online", "label_delay": "never", "risk_tier": "limited"},
    ),
    "insights:org_dashboard": ("/org/", MANAGEMENT_READ, NOT_ALLOWED, {}),
    "insights:org_export": ("/org/export.csv", MANAGEMENT_READ, NOT_ALLOWED, {}),
    "insights:team_export": ("/teams/{team}/export.csv", TEAM_READ, NOT_ALLOWED, {}),
    "reports:report_list": ("/reports/", ANY_USER, NOT_ALLOWED, {}),
    "reports:report_generate": (
        "/reports/generate/",
        NOT_ALLOWED,
        MANAGEMENT_CHANGE,
        {"period": "{period}", "team": ""},
    ),
    "reports:report_detail": ("/reports/{team_report}/", TEAM_READ, NOT_ALLOWED, {}),
    "reports:report_pdf": ("/reports/{team_report}/report.pdf", TEAM_READ, NOT_ALLOWED, {}),
    "reports:report_html": ("/reports/{team_report}/report.html", TEAM_READ, NOT_ALLOWED, {}),
    "administration:overview": ("/manage/", ORG_ADMIN_PAGE, NOT_ALLOWED, {}),
    "administration:units": ("/manage/units/", ORG_ADMIN_PAGE, NOT_ALLOWED, {}),
    "administration:unit_create": (
        "/manage/units/new/",
        ORG_ADMIN_PAGE,
        ORG_ADMIN_ACTION,
        {"name": "Matrix department", "parent": "{unit_pk}"},
    ),
    "administration:unit_rename": (
        "/manage/units/{unit}/rename/",
        ORG_ADMIN_PAGE,
        ORG_ADMIN_ACTION,
        {"name": "Renamed unit"},
    ),
    "administration:unit_move": (
        "/manage/units/{unit}/move/",
        ORG_ADMIN_PAGE,
        ORG_ADMIN_ACTION,
        {"parent": "none"},
    ),
    "administration:unit_archive": (
        "/manage/units/{empty_unit}/archive/",
        NOT_ALLOWED,
        ORG_ADMIN_ACTION,
        {},
    ),
    "administration:unit_restore": (
        "/manage/units/{empty_unit}/restore/",
        NOT_ALLOWED,
        ORG_ADMIN_ACTION,
        {},
    ),
    "administration:team_create": (
        "/manage/teams/new/",
        ORG_ADMIN_PAGE,
        ORG_ADMIN_ACTION,
        {"name": "Matrix team", "unit": "{unit_pk}"},
    ),
    "administration:team_rename": (
        "/manage/teams/{team}/rename/",
        ORG_ADMIN_PAGE,
        ORG_ADMIN_ACTION,
        {"name": "Renamed team"},
    ),
    "administration:team_move": (
        "/manage/teams/{team}/move/",
        ORG_ADMIN_PAGE,
        ORG_ADMIN_ACTION,
        {"unit": "none"},
    ),
    "administration:team_archive": (
        "/manage/teams/{team}/archive/",
        NOT_ALLOWED,
        ORG_ADMIN_ACTION,
        {},
    ),
    "administration:people": ("/manage/people/", ORG_ADMIN_PAGE, NOT_ALLOWED, {}),
    "administration:person": ("/manage/people/{person}/", ORG_ADMIN_PAGE, NOT_ALLOWED, {}),
    "administration:person_roles": (
        "/manage/people/{person}/roles/",
        NOT_ALLOWED,
        ORG_ADMIN_ACTION,
        {"roles": "management"},
    ),
    "administration:person_team": (
        "/manage/people/{person}/teams/",
        NOT_ALLOWED,
        ORG_ADMIN_ACTION,
        {"team": "{team_pk}", "role": "member"},
    ),
    "administration:person_units": (
        "/manage/people/{person}/units/",
        NOT_ALLOWED,
        ORG_ADMIN_ACTION,
        {"units": "{unit_pk}"},
    ),
    "administration:person_deactivate": (
        "/manage/people/{person}/deactivate/",
        NOT_ALLOWED,
        ORG_ADMIN_ACTION,
        {},
    ),
    "administration:person_reactivate": (
        "/manage/people/{person}/reactivate/",
        NOT_ALLOWED,
        ORG_ADMIN_ACTION,
        {},
    ),
    "administration:import": ("/manage/import/", ORG_ADMIN_PAGE, ORG_ADMIN_FORM_REFUSED, {}),
    "administration:import_template": (
        "/manage/import/template.csv",
        ORG_ADMIN_PAGE,
        NOT_ALLOWED,
        {},
    ),
    "administration:audit": ("/manage/audit/", ORG_ADMIN_PAGE, NOT_ALLOWED, {}),
    "administration:audit_csv": ("/manage/audit.csv", ORG_ADMIN_PAGE, NOT_ALLOWED, {}),
    "accounts:invitation_list": (
        "/manage/invitations/",
        ORG_ADMIN_PAGE,
        ORG_ADMIN_FORM_REFUSED,
        {},
    ),
    "accounts:invitation_resend": (
        "/manage/invitations/999999/resend/",
        NOT_ALLOWED,
        (LOGIN, 403, 403, 403, 403, 404, 403),
        {},
    ),
    "accounts:invitation_revoke": (
        "/manage/invitations/999999/revoke/",
        NOT_ALLOWED,
        (LOGIN, 403, 403, 403, 403, 404, 403),
        {},
    ),
    "accounts:invitation_accept": ("/invitations/not-a-token/", (404,) * 7, (404,) * 7, {}),
    "administration:targets": ("/manage/targets/", ORG_ADMIN_PAGE, NOT_ALLOWED, {}),
    "administration:target_rule": (
        "/manage/targets/rule/?stage=production&dimension=",
        ORG_ADMIN_PAGE,
        ORG_ADMIN_ACTION,
        {
            "cell-stage": "production",
            "cell-dimension_key": "",
            "cell-level": "1",
            "cell-due_on": "2031-06-30",
        },
    ),
    "administration:target_rule_clear": (
        "/manage/targets/rule/clear/",
        NOT_ALLOWED,
        ORG_ADMIN_ACTION,
        {"stage": "production", "dimension_key": ""},
    ),
    "portal:team_target": (
        "/teams/{team}/target/",
        TEAM_READ,
        (LOGIN, 403, 403, 404, 403, 302, 404),
        {"dimension_key": "", "level": "2", "due_on": "2031-06-30", "reason": "Matrix row."},
    ),
    "portal:project_target": (
        "/projects/{project}/target/",
        TEAM_READ,
        (LOGIN, 403, 403, 404, 403, 302, 404),
        {"dimension_key": "", "level": "2", "due_on": "2031-06-30", "reason": "Matrix row."},
    ),
    "portal:team_plan": ("/teams/{team}/plan/", TEAM_READ, NOT_ALLOWED, {}),
    "portal:team_plan_csv": ("/teams/{team}/plan.csv", TEAM_READ, NOT_ALLOWED, {}),
    "portal:action_create": (
        "/teams/{team}/plan/new/",
        TEAM_CHANGE_FORM,
        TEAM_CHANGE,
        {"title": "Matrix action", "owner": "{lead_pk}", "due_on": "2031-03-31"},
    ),
    "portal:action_from_step": (
        "/assessments/{assessment}/plan/",
        NOT_ALLOWED,
        TEAM_CHANGE,
        {"practice_key": "{practice}", "owner": "{lead_pk}", "due_on": "2031-03-31"},
    ),
    # An action's own address leads to it on its team's plan.
    "portal:action_detail": (
        "/actions/{action}/",
        (LOGIN, 302, 302, 404, 302, 302, 404),
        NOT_ALLOWED,
        {},
    ),
    "portal:action_edit": (
        "/actions/{action}/edit/",
        TEAM_CHANGE_FORM,
        TEAM_CHANGE,
        {
            "title": "Matrix action, edited",
            "owner": "{lead_pk}",
            "due_on": "2031-03-31",
            "version": "1",
        },
    ),
    "portal:action_status": (
        "/actions/{action}/status/",
        NOT_ALLOWED,
        TEAM_CHANGE,
        {"status": "in_progress", "version": "1"},
    ),
    "portal:actions_csv": ("/actions.csv", ANY_USER, NOT_ALLOWED, {}),
    "portal:initiative_list": ("/initiatives/", ANY_USER, NOT_ALLOWED, {}),
    "portal:initiative_create": (
        "/initiatives/new/",
        MANAGEMENT_READ,
        MANAGEMENT_CHANGE,
        {
            "title": "Matrix initiative",
            "why": "Because.",
            "practice_keys": "{practice}",
            "starts_on": "2026-10-01",
            "target_on": "2031-03-31",
        },
    ),
    "portal:initiative_detail": ("/initiatives/{initiative}/", TEAM_READ, NOT_ALLOWED, {}),
    "portal:initiative_edit": (
        "/initiatives/{initiative}/edit/",
        (LOGIN, 403, 403, 404, 200, 200, 404),
        (LOGIN, 403, 403, 404, 302, 302, 404),
        {
            "title": "Matrix initiative renamed",
            "why": "Because.",
            "practice_keys": "{practice}",
            "starts_on": "2026-10-01",
            "target_on": "2031-03-31",
        },
    ),
    "portal:initiative_remind": (
        "/initiatives/{initiative}/remind/",
        NOT_ALLOWED,
        (LOGIN, 403, 403, 404, 302, 302, 404),
        {},
    ),
    "portal:initiative_csv": (
        "/initiatives/{initiative}/progress.csv",
        TEAM_READ,
        NOT_ALLOWED,
        {},
    ),
    "reviews:queue": ("/reviews/", REVIEWER_PAGE, NOT_ALLOWED, {}),
    "reviews:review": ("/reviews/{pending}/", REVIEWER_PAGE, NOT_ALLOWED, {}),
    "reviews:decide": (
        "/reviews/{pending}/decide/",
        NOT_ALLOWED,
        REVIEWER_ACTION,
        {"decision": "accept", "summary": "Matrix row."},
    ),
    "insights:exemptions": ("/exemptions/", MANAGEMENT_READ, NOT_ALLOWED, {}),
    "insights:exemptions_export": ("/exemptions.csv", MANAGEMENT_READ, NOT_ALLOWED, {}),
    "administration:reviews": (
        "/manage/reviews/",
        ORG_ADMIN_PAGE,
        ORG_ADMIN_ACTION,
        {"rule": "rises", "count_awaiting_review": "on", "exemption_quarters": "4"},
    ),
    "administration:person_review_units": (
        "/manage/people/{person}/review-units/",
        NOT_ALLOWED,
        ORG_ADMIN_ACTION,
        {"units": "{unit_pk}"},
    ),
    "portal:project_evidence": (
        "/projects/{project}/evidence/",
        TEAM_READ,
        TEAM_CHANGE,
        {
            "tracking_url": "http://127.0.0.1:5050",
            "experiment_names": "matrix",
            "production_alias": "production",
        },
    ),
    "portal:evidence_collect": (
        "/projects/{project}/evidence/collect/",
        NOT_ALLOWED,
        TEAM_CHANGE,
        {},
    ),
    "portal:evidence_collection": (
        "/projects/{project}/evidence/collections/{collection}/",
        TEAM_READ,
        NOT_ALLOWED,
        {},
    ),
    "accounts:token_list": (
        "/account/tokens/",
        ANY_USER,
        (LOGIN, 201, 201, 201, 201, 201, 201),
        {"name": "Matrix token", "expires_on": "{in_a_month}"},
    ),
    "accounts:token_revoke": (
        "/account/tokens/{personal_token}/revoke/",
        NOT_ALLOWED,
        (LOGIN, 404, 302, 404, 404, 404, 404),  # the owner only (alice); admins use /manage/
        {},
    ),
    "accounts:service_token_list": (
        "/manage/tokens/",
        ORG_ADMIN_PAGE,
        (LOGIN, 403, 403, 403, 403, 201, 403),
        {"name": "Matrix BI", "expires_on": "{in_a_month}", "scopes": "read"},
    ),
    "accounts:api_token_revoke": (
        "/manage/tokens/{service_token}/revoke/",
        NOT_ALLOWED,
        ORG_ADMIN_ACTION,
        {},
    ),
    "accounts:sso_settings": (
        "/manage/sso/",
        ORG_ADMIN_PAGE,
        ORG_ADMIN_ACTION,
        {"group": "matrix-managers", "grant": "management"},
    ),
    "accounts:sso_mapping_remove": (
        "/manage/sso/mappings/{mapping}/remove/",
        NOT_ALLOWED,
        ORG_ADMIN_ACTION,
        {},
    ),
    # Single sign-on is off in tests unless a test configures it: its log-in and callback
    # answer 404 then (tests/accounts/sso/ and tests/integration/oidc/ cover them on).
    "sso:authenticate": ("/oidc/authenticate/", NOT_FOUND, NOT_ALLOWED, {}),
    "sso:callback": ("/oidc/callback/", NOT_FOUND, NOT_ALLOWED, {}),
    "sso:logged_out": ("/oidc/logged-out/", OPEN_TO_ALL, NOT_ALLOWED, {}),
    # The API: its schema and docs are open; its data answers tokens only, so a session
    # (every persona here) gets 401 (tests/api/ checks each endpoint against tokens).
    "api:openapi-json": ("/api/v1/openapi.json", OPEN_TO_ALL, NOT_ALLOWED, {}),
    "api:openapi-view": ("/api/v1/docs", OPEN_TO_ALL, NOT_ALLOWED, {}),
    "api:api-root": ("/api/v1/", NOT_FOUND, NOT_FOUND, {}),
    "api:no_endpoint": ("/api/v1/no-such-endpoint", NOT_FOUND, NOT_FOUND, {}),
    # Pipelines post events with a service token; a session is no token (tests/api/test_events.py).
    "api:event_create": ("/api/v1/projects/{project}/events", NOT_ALLOWED, TOKEN_ONLY, {}),
    **{
        f"api:{name}": (f"/api/v1/{path}", TOKEN_ONLY, NOT_ALLOWED, {})
        for name, path in [
            ("unit_list", "units"),
            ("unit_detail", "units/{unit}"),
            ("team_list", "teams"),
            ("team_detail", "teams/{team}"),
            ("project_list", "projects"),
            ("project_detail", "projects/{project}"),
            ("period_list", "periods"),
            ("period_detail", "periods/{period_key}"),
            ("assessment_list", "assessments"),
            ("assessment_detail", "assessments/{assessment}"),
            ("organisation_figures", "figures/organisation"),
            ("target_list", "targets"),
            ("action_list", "actions"),
            ("action_detail", "actions/{action}"),
            ("initiative_list", "initiatives"),
            ("initiative_detail", "initiatives/{initiative}"),
            ("me", "me"),
        ]
    },
    "notifications:notification_settings": (
        "/account/notifications/",
        ANY_USER,
        (LOGIN, 302, 302, 302, 302, 302, 302),
        {},
    ),
}


def _url_names(patterns, namespace: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            if inner != "admin":
                yield from _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_it_has_a_row_for_every_url():
    assert sorted(_url_names(get_resolver().url_patterns)) == sorted(MATRIX)


@pytest.fixture
def objects(
    team, project, assessment, period, alice, bob, erin, other_assessment, dave
) -> dict[str, object]:
    unit = unit_create(name="Matrix division", parent=None, actor=erin)
    empty_unit = unit_create(name="Matrix empty unit", parent=None, actor=erin)
    team_move(team=team, unit=unit, actor=erin)
    report = Report.objects.create(scope="team", team=team, period=period, status="done")
    report.pdf_file.save("matrix.pdf", ContentFile(b"%PDF-1.4 matrix"), save=False)
    report.html_file.save("matrix.html", ContentFile(b"<h1>matrix</h1>"), save=True)
    first = assessment.answers.select_related("practice").first()
    return {
        "team": team.slug,
        "project": project.slug,
        "assessment": assessment.pk,
        "practice": first.practice.key,
        "period": period.pk,
        "team_report": report.pk,
        "unit": unit.slug,
        "unit_pk": unit.pk,
        "empty_unit": empty_unit.slug,
        "team_pk": team.pk,
        "person": bob.pk,
        "initiative": _initiative(team, first.practice.key).slug,
        "action": ActionFactory(project=project, owner=alice).pk,
        "lead_pk": alice.pk,
        "pending": _awaiting_review(other_assessment, dave).pk,
        "period_key": period.key,
        "in_a_month": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        "personal_token": _token(ApiToken.Kind.PERSONAL, alice).pk,
        "service_token": _token(ApiToken.Kind.SERVICE, erin).pk,
        "mapping": SsoGroupMapping.objects.create(group="matrix-readers", grant="management").pk,
        "collection": _evidence(project).pk,
    }


def _evidence(project) -> Collection:
    MlflowConnection.objects.create(project=project, tracking_url="http://127.0.0.1:5050")
    return Collection.objects.create(project=project, trigger="request", status="failed")


def _token(kind: str, user) -> ApiToken:
    token, _ = api_token_create(
        kind=kind,
        name=f"Matrix {kind}",
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
        actor=user,
        user=user if kind == ApiToken.Kind.PERSONAL else None,
        scopes=[ApiToken.Scope.READ],
    )
    return token


def _awaiting_review(assessment, lead):
    ReviewPolicy.objects.create(pk=1, rule=review_rules.EVERY)
    answer_all(assessment, "partly")
    assessment_submit(assessment=assessment, user=lead)
    return assessment


def _initiative(team, practice_key: str):
    initiative = InitiativeFactory(title="Matrix drive", practice_keys=[practice_key])
    initiative.teams.add(team)
    return initiative


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.fixture(autouse=True)
def no_report_generation():
    with mock.patch("reports.tasks.report_generate.delay_on_commit"):
        yield


def _outcome(response) -> int | str:
    if response.status_code == 302 and response["Location"].startswith("/accounts/login/"):
        return LOGIN
    # htmx requests are asked to log in with a 401 that names the log-in page.
    if response.status_code == 401 and response.get("X-Login-URL", "").startswith(
        "/accounts/login/"
    ):
        return LOGIN
    return response.status_code


@pytest.mark.parametrize("name", MATRIX)
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_answers_get_as_the_table_says_and_changes_nothing(
    name, persona, personas, client_for, objects
):
    path, expected, _, _ = MATRIX[name]
    client = client_for(personas[persona])
    before = _row_counts()
    response = client.get(path.format(**objects))
    assert _outcome(response) == expected[PERSONAS.index(persona)], f"GET {path} as {persona}"
    if name != "login":  # axes records a log-in page view for anonymous users
        assert _row_counts() == before, f"GET {path} as {persona} changed data"


@pytest.mark.parametrize("name", MATRIX)
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_answers_post_as_the_table_says(name, persona, personas, client_for, objects):
    path, _, expected, data = MATRIX[name]
    client = client_for(personas[persona])
    data = {key: str(value).format(**objects) for key, value in data.items()}
    extra = HTMX if name == "assessments:answer_save" else {}
    response = client.post(path.format(**objects), data, **extra)
    assert _outcome(response) == expected[PERSONAS.index(persona)], f"POST {path} as {persona}"


def test_it_hides_the_organisation_report_from_teams(personas, client_for, period, objects):
    report = Report.objects.create(scope="organisation", period=period, status="queued")
    for persona, expected in zip(PERSONAS, ORGANISATION_REPORT, strict=True):
        response = client_for(personas[persona]).get(f"/reports/{report.pk}/")
        assert _outcome(response) == expected, persona
