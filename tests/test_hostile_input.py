"""Hostile input on every form and endpoint: never a 500, never partial data, always inert."""

from unittest import mock

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.models import Answer, AnswerChange
from reports.models import Report
from teams.models import Project

HTMX = {"HTTP_HX_REQUEST": "true"}
SCRIPT = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'
hostile_text = st.one_of(
    st.text(max_size=50),
    st.text(min_size=3000, max_size=12000),
    st.sampled_from(["\x00", "a\x00b", SCRIPT, "' OR 1=1 --", "=cmd|' /C calc'!A0", "🚀" * 300]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
hypothesis_settings = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@pytest.fixture
def lead_client(alice, team) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    return client


@hypothesis_settings
@given(
    name=hostile_text,
    stage=hostile_text,
    description=hostile_text,
    goal=hostile_text,
    extra=st.dictionaries(st.sampled_from(["team", "slug", "archived_at", "id"]), hostile_text),
)
def test_it_never_fails_or_stores_bad_projects(
    lead_client, team, name, stage, description, goal, extra
):
    before = Project.objects.count()
    data = {
        **extra,
        "name": name,
        "stage": stage,
        "description": description,
        "business_goal": goal,
    }
    response = lead_client.post(f"/teams/{team.slug}/projects/new/", data, **HTMX)
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert Project.objects.count() == before
    else:
        project = Project.objects.latest("pk")
        assert project.team == team and project.archived_at is None
        assert "\x00" not in project.name


@hypothesis_settings
@given(
    value=st.one_of(st.sampled_from(["yes", "no", "partly", "na"]), hostile_text),
    version=st.one_of(
        st.integers(min_value=-5, max_value=2**40).map(str),
        hostile_text,
        # Digits int() refuses although str.isdigit() accepts them: "²", "①", "৩".
        st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=4),
    ),
    note=hostile_text,
    evidence=st.one_of(
        hostile_text,
        st.sampled_from(["javascript:alert(1)", "data:text/html,x", "https://ok.example"]),
    ),
    reason=hostile_text,
)
def test_it_never_fails_or_half_writes_an_answer(
    lead_client, assessment, value, version, note, evidence, reason
):
    answer = assessment.answers.select_related("practice").first()
    before = (answer.value, answer.note, answer.version, AnswerChange.objects.count())
    response = lead_client.post(
        f"/assessments/{assessment.pk}/answers/{answer.practice.key}/",
        {
            "value": value,
            "version": version,
            "note": note,
            "evidence_url": evidence,
            "na_reason": reason,
        },
        **HTMX,
    )
    assert response.status_code in (200, 409, 422)
    answer.refresh_from_db()
    if response.status_code != 200:
        assert (answer.value, answer.note, answer.version, AnswerChange.objects.count()) == before
    else:
        assert answer.value in {"yes", "no", "partly", "na"}
        assert answer.evidence_url == "" or answer.evidence_url.startswith(("http://", "https://"))


@pytest.mark.parametrize(
    "path",
    [
        "/teams/{other}/",
        "/teams/{other}/projects/new/",
        "/projects/{other_project}/edit/",
        "/projects/{other_project}/archive/",
        "/assessments/{other_assessment}/",
        "/assessments/{other_assessment}/submit/",
        "/assessments/{other_assessment}/answers/data-schema/",
    ],
)
def test_it_404s_other_teams_objects_reached_by_tampered_ids(
    lead_client, other_team, other_project, other_assessment, path
):
    url = path.format(
        other=other_team.slug,
        other_project=other_project.slug,
        other_assessment=other_assessment.pk,
    )
    assert lead_client.get(url).status_code in (404, 405)
    assert lead_client.post(url, {"value": "yes", "version": 0, "name": "x"}).status_code in (
        404,
        405,
    )
    assert not Answer.objects.filter(assessment=other_assessment).exclude(value="").exists()


def test_it_keeps_script_payloads_inert_in_pages_and_fragments(
    lead_client, team, project, assessment
):
    project.name = project.description = SCRIPT
    project.save()
    answer = assessment.answers.select_related("practice").first()
    fragment = lead_client.post(
        f"/assessments/{assessment.pk}/answers/{answer.practice.key}/",
        {"value": "yes", "version": 0, "note": SCRIPT},
        **HTMX,
    ).text
    pages = [
        lead_client.get(f"/teams/{team.slug}/").text,
        lead_client.get(f"/projects/{project.slug}/").text,
        lead_client.get(f"/assessments/{assessment.pk}/").text,
        fragment,
    ]
    for text in pages:
        assert '<script>alert("x")' not in text
        assert "<img src=x" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in pages[2]


@pytest.fixture
def manager_client(carol) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(carol)
    return client


@hypothesis_settings
@given(
    params=st.dictionaries(
        st.sampled_from(["quarter", "team", "stage", "page", "format"]),
        hostile_text | st.sampled_from(["2026-Q4", "fraud-detection", "production"]),
    )
)
def test_it_never_fails_on_hostile_dashboard_filters(manager_client, period, team, params):
    for path in ("/org/", "/org/export.csv", f"/teams/{team.slug}/export.csv"):
        response = manager_client.get(path, params)
        assert response.status_code == 200, path


@hypothesis_settings
@given(period_id=hostile_text, team_id=hostile_text)
def test_it_never_fails_or_queues_a_bad_report_request(
    manager_client, period, period_id, team_id, no_report_generation
):
    before = Report.objects.count()
    response = manager_client.post("/reports/generate/", {"period": period_id, "team": team_id})
    assert response.status_code in (302, 422)
    if response.status_code == 422:
        assert Report.objects.count() == before


@hypothesis_settings
@given(value=hostile_text, extra=hostile_text)
def test_it_never_fails_on_hostile_notification_settings(lead_client, value, extra):
    response = lead_client.post(
        "/account/notifications/", {"reminders_enabled": value, "user": extra}
    )
    assert response.status_code == 302


@pytest.fixture
def no_report_generation():
    with mock.patch("reports.tasks.report_generate.delay_on_commit"):
        yield


@pytest.mark.parametrize("version", ["²", "①", "1²", "৩"])
def test_it_refuses_unicode_digits_as_a_version_with_a_4xx(lead_client, assessment, version):
    answer = assessment.answers.select_related("practice").first()
    response = lead_client.post(
        f"/assessments/{assessment.pk}/answers/{answer.practice.key}/",
        {"value": "yes", "version": version},
        **HTMX,
    )
    # int() reads "৩" (a decimal digit) as 3: then it is merely a stale version.
    assert response.status_code in (409, 422)
    answer.refresh_from_db()
    assert answer.value == ""


def test_it_answers_a_stale_version_of_an_unanswered_answer_with_409(lead_client, assessment):
    answer = assessment.answers.select_related("practice").first()
    assert answer.answered_at is None
    response = lead_client.post(
        f"/assessments/{assessment.pk}/answers/{answer.practice.key}/",
        {"value": "yes", "version": "3"},
        **HTMX,
    )
    assert response.status_code == 409
    assert "Not saved" in response.text


@pytest.mark.parametrize("path", ["/", "/org/", "/healthz", "/reports/"])
def test_it_refuses_more_query_parameters_than_allowed_with_400(lead_client, settings, path):
    query = "&".join(f"p{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = lead_client.get(f"{path}?{query}")
    assert response.status_code == 400


def test_it_refuses_a_post_without_the_trailing_slash_instead_of_losing_it(lead_client, assessment):
    response = lead_client.post(f"/assessments/{assessment.pk}/submit", {"x": "1"})
    assert response.status_code == 404
    assert "trailing slash" in response.text
    assert lead_client.get(f"/assessments/{assessment.pk}").status_code == 301  # GET may redirect
