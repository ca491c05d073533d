"""`POST /api/v1/projects/<slug>/events`: a pipeline reports what happened.

Recorded once per id (201, then 200 with nothing changed, 409 when the id comes back with
different content), whatever the order events arrive in; bodies are size-limited (413),
every mistake gets a 4xx naming the field; only a service token with `events:write` for
the project or its team writes (403 without the scope, 404 for any other project)."""

import datetime
import json

import pytest
import time_machine
from django.db import IntegrityError
from django.test import override_settings
from django.utils import timezone

from accounts.api_tokens import api_token_create, api_token_revoke
from accounts.models import ApiToken
from evidence.models import Event, Fact, Outcome
from evidence.rules.events import EventInvalid
from evidence.rules.outcomes import QUARTER_FIGURES
from evidence.services import events as event_service
from tests.api.conftest import API, expire, personal_token, service_token
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC)
EVENTS_WRITE = ApiToken.Scope.EVENTS_WRITE


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def secret(erin, project) -> str:
    return service_token(erin, scopes=[EVENTS_WRITE], project=project)[1]


@pytest.fixture
def post(client):
    """post(slug, payload or raw bytes, secret) -> the response."""

    def send(slug: str, payload, secret: str | None, **headers):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
        return client.generic(
            "POST",
            f"{API}/projects/{slug}/events",
            body,
            content_type="application/json",
            **auth,
            **headers,
        )

    return send


def at(days: float, hours: float = 0) -> str:
    """An ISO time `days` (and `hours`) after 1 October 2026, in UTC."""
    moment = datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC)
    return (moment + datetime.timedelta(days=days, hours=hours)).isoformat()


def deployment(sender_id: str = "deploy-1", **fields) -> dict:
    return {"id": sender_id, "kind": "deployment", "model_version": "14", **fields}


def problems(response) -> list[tuple[list, str]]:
    assert response.status_code == 422, response.content
    return [(problem["loc"], problem["msg"]) for problem in response.json()["detail"]]


# --- Recording once -----------------------------------------------------------------------------


def test_it_records_a_deployment_and_a_repeat_changes_nothing(post, project, secret):
    payload = deployment(
        environment=" Prod ",
        occurred_at="2026-11-03T15:05:00+01:00",
        trained_at="2026-11-02T22:40:00Z",
        model_name="churn",
        run_id="a1b2",
        url="https://ci.example.com/runs/7",
    )
    first = post(project.slug, payload, secret)
    assert first.status_code == 201
    assert first.json() == {
        "recorded": True,
        "id": "deploy-1",
        "kind": "deployment",
        "project": project.slug,
        "occurred_at": "2026-11-03T14:05:00Z",
        "received_at": "2026-11-20T12:00:00Z",
    }
    event = Event.objects.get()
    assert (event.environment, event.model_version, event.state) == ("production", "14", "")
    assert event.detail == {
        "model_name": "churn",
        "trained_at": "2026-11-02T22:40:00+00:00",
        "run_id": "a1b2",
        "url": "https://ci.example.com/runs/7",
    }
    assert event.token.kind == "service" and not event.is_demo

    with time_machine.travel(NOW + datetime.timedelta(minutes=5), tick=False):
        again = post(project.slug, payload, secret)
    assert again.status_code == 200
    assert again.json() == first.json() | {"recorded": False}
    assert Event.objects.count() == 1


def test_a_repeat_without_a_time_is_the_same_event_received_later(post, project, secret):
    assert post(project.slug, deployment(), secret).status_code == 201
    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        again = post(project.slug, deployment(environment="production"), secret)
    assert again.status_code == 200
    assert again.json()["occurred_at"] == "2026-11-20T12:00:00Z"


def test_the_same_id_with_different_content_is_refused_naming_the_id(post, project, secret):
    post(project.slug, deployment(occurred_at=at(40)), secret)
    response = post(project.slug, deployment(model_version="15", occurred_at=at(41)), secret)
    assert response.status_code == 409
    assert response.json() == {
        "detail": "The id 'deploy-1' was already used for another event of this project (it "
        "differs in model_version, occurred_at). Send each event with an id of its own; send "
        "the same id again only to repeat the very same event."
    }
    assert Event.objects.get().model_version == "14"


def test_ids_are_per_project(post, erin, project, secret):
    other = ProjectFactory(team=project.team, slug="card-scoring-eu")
    other_secret = service_token(erin, scopes=[EVENTS_WRITE], project=other)[1]
    assert post(project.slug, deployment(), secret).status_code == 201
    assert post(other.slug, deployment(model_version="2"), other_secret).status_code == 201
    assert Event.objects.count() == 2


def test_two_copies_at_once_record_one_event(project, monkeypatch):
    """The copy that loses the race to insert reads the winner's event back."""
    event_service.event_record(project=project, token_id=None, payload=deployment())
    real = event_service._stored
    looked: list[str] = []

    def late(project, sender_id):  # the first look came before the winner committed
        looked.append(sender_id)
        return None if len(looked) == 1 else real(project, sender_id)

    monkeypatch.setattr(event_service, "_stored", late)
    recorded = event_service.event_record(project=project, token_id=None, payload=deployment())
    assert not recorded.created and len(looked) == 2
    assert Event.objects.count() == 1
    looked.clear()
    with pytest.raises(event_service.EventConflict):
        event_service.event_record(
            project=project, token_id=None, payload=deployment(model_version="15")
        )


def test_a_failed_insert_that_is_not_a_repeat_is_raised(project, monkeypatch):
    monkeypatch.setattr(event_service, "_stored", lambda *args: None)

    def clash(**fields):
        raise IntegrityError("another constraint")

    monkeypatch.setattr(Event.objects, "create", clash)
    with pytest.raises(IntegrityError):
        event_service.event_record(project=project, token_id=None, payload=deployment())


# --- Outcomes and facts follow ------------------------------------------------------------------


def test_a_rollback_after_a_deployment_makes_it_a_failure_and_a_repeat_changes_nothing(
    post, project, secret
):
    post(project.slug, deployment("d1", occurred_at=at(40), trained_at=at(39)), secret)
    outcome = Outcome.objects.get(project=project, quarter="2026-Q4")
    assert (outcome.deployments, outcome.failed_deployments) == (1, 0)
    assert (outcome.change_failure_rate, outcome.lead_time_hours) == (0.0, 24.0)

    rollback = {"id": "r1", "kind": "rollback", "occurred_at": at(41), "model_version": "13"}
    assert post(project.slug, rollback, secret).status_code == 201
    outcome.refresh_from_db()
    assert (outcome.failed_deployments, outcome.change_failure_rate) == (1, 1.0)
    assert (outcome.restore_hours, outcome.restore_count) == (24.0, 1)
    computed = outcome.computed_at

    assert post(project.slug, rollback, secret).status_code == 200
    outcome.refresh_from_db()
    assert (outcome.change_failure_rate, outcome.computed_at) == (1.0, computed)


def incident(sender_id: str, state: str, moment: str) -> dict:
    fields = {"state": state, "incident_id": "INC-1", "occurred_at": moment}
    return {"id": sender_id, "kind": "incident", **fields}


def training_run(sender_id: str, moment: str, result: str = "passed") -> dict:
    steps = [{"name": "training", "result": result}]
    return {"id": sender_id, "kind": "pipeline_run", "occurred_at": moment, "steps": steps}


HISTORY = [
    deployment("d1", occurred_at=at(10), trained_at=at(9)),  # lead time 24 h
    incident("i1", "opened", at(11)),  # d1 failed ...
    incident("i2", "resolved", at(11, 3)),  # ... and was restored in 3 h
    deployment("d2", occurred_at=at(20), trained_at=at(19, 12)),  # lead time 12 h
    deployment("d3", occurred_at=at(30), environment="staging"),  # not counted
    {"id": "r1", "kind": "rollback", "occurred_at": at(22)},  # d2 failed, restored in 48 h
    deployment("d4", occurred_at=at(50)),  # nothing follows within 7 days
    training_run("p1", at(5)),
    training_run("p2", at(19)),
    training_run("p3", at(29), result="failed"),
    training_run("p4", at(33)),
]


def _outcome(project) -> dict:
    return Outcome.objects.filter(project=project).values(*QUARTER_FIGURES)[0]


@pytest.mark.parametrize("order", ["as_sent", "reversed", "shuffled"])
def test_the_outcomes_are_the_same_whatever_order_events_arrive_in(post, project, secret, order):
    history = {
        "as_sent": HISTORY,
        "reversed": HISTORY[::-1],
        "shuffled": HISTORY[3::2] + HISTORY[::2] + HISTORY[1:3:2],
    }[order]
    assert len(history) == len(HISTORY)
    for payload in history:
        assert post(project.slug, payload, secret).status_code == 201, payload
    # By hand: d1, d2, d4 in production; d1 failed (incident a day later, restored in 3 h),
    # d2 failed (rollback 2 days later: 48 h); lead times 24 h and 12 h; training intervals
    # p1 -> p2 14 days, p2 -> p4 14 days (p3's training failed).
    assert _outcome(project) == {
        "quarter": "2026-Q4",
        "deployments": 3,
        "failed_deployments": 2,
        "change_failure_rate": 2 / 3,
        "lead_time_hours": 18.0,
        "lead_time_count": 2,
        "restore_hours": 25.5,
        "restore_count": 2,
        "retraining_days": 14.0,
        "retraining_count": 2,
        "retraining_source": "events",
    }


def test_a_rollback_early_in_a_quarter_refreshes_the_quarter_of_its_deployment(
    post, project, secret
):
    post(project.slug, deployment("d1", occurred_at="2026-09-29T10:00:00Z"), secret)
    assert Outcome.objects.get(quarter="2026-Q3").failed_deployments == 0
    post(project.slug, {"id": "r1", "kind": "rollback", "occurred_at": at(1)}, secret)
    assert Outcome.objects.get(quarter="2026-Q3").failed_deployments == 1
    assert Outcome.objects.get(quarter="2026-Q4").deployments == 0


def test_a_pipeline_run_records_its_state_and_refreshes_the_ci_facts(post, project, secret):
    steps = [
        {"name": "data_validation", "result": "passed"},
        {"name": "tests", "result": "failed"},
        {"name": "deploy", "result": "skipped"},
    ]
    payload = {"id": "run-1", "kind": "pipeline_run", "steps": steps}
    assert post(project.slug, payload, secret).status_code == 201
    event = Event.objects.get()
    assert (event.state, event.environment, event.detail) == ("failed", "", {"steps": steps})
    facts = dict(Fact.objects.values_list("key", "value"))
    assert facts == {"ci.pipeline_runs_30d": 1, "ci.tests_share_30d": 1.0}


def test_a_failing_refresh_leaves_the_event_recorded(post, project, secret, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(event_service, "outcomes_refresh", broken)
    assert post(project.slug, deployment(), secret).status_code == 201
    assert Event.objects.count() == 1
    assert "Refreshing after event" in caplog.text


# --- What is refused, and why -------------------------------------------------------------------


def test_a_body_over_the_limit_is_refused_before_it_is_read(post, project, secret):
    body = json.dumps(deployment(run_id="x" * 20_400)).encode()
    body += b" " * (20_480 - len(body))
    response = post(project.slug, body, secret)
    assert response.status_code == 413
    assert response.json() == {
        "detail": "The body is 20,480 bytes; events may be at most 16,384 bytes."
    }
    claimed = post(project.slug, json.dumps(deployment()).encode(), secret, CONTENT_LENGTH="99999")
    assert claimed.status_code == 413
    assert not Event.objects.exists()


@override_settings(EVENTS_MAX_BODY_BYTES=200)
def test_the_limit_is_a_setting_and_a_body_at_it_is_read(post, project, secret):
    body = json.dumps(deployment()).encode()
    assert post(project.slug, body + b" " * (200 - len(body)), secret).status_code == 201
    response = post(project.slug, body + b" " * (201 - len(body)), secret)
    assert response.json() == {"detail": "The body is 201 bytes; events may be at most 200 bytes."}


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"", "The body is empty: send the event as a JSON object."),
        (
            b"id=1&kind=deployment",
            "The body is not valid JSON (Expecting value at line 1, column 1)",
        ),
        (b'{"id": "a", "id": "b"}', "The body is not valid JSON (the field 'id' appears twice)"),
        (b'{"id": NaN}', "The body is not valid JSON (NaN is not a JSON number)"),
        (b"\xff\xfe{}", "The body is not UTF-8 text"),
        (b"[" * 100_00, "The body is not valid JSON"),
    ],
)
def test_a_body_that_is_not_json_gets_400_saying_so(post, project, secret, body, says):
    response = post(project.slug, body, secret)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(says)


def test_a_body_that_is_not_an_object_gets_422(post, project, secret):
    response = post(project.slug, [deployment()], secret)
    assert problems(response) == [(["body"], "The body must be a JSON object.")]


def test_an_unknown_field_is_named_with_what_was_probably_meant(post, project, secret):
    response = post(project.slug, deployment(enviroment="staging", colour="red"), secret)
    assert problems(response) == [
        (["body", "enviroment"], "Unknown field 'enviroment': did you mean 'environment'?"),
        (["body", "colour"], "Unknown field 'colour'."),
    ]
    incident = {"id": "i", "kind": "incident", "state": "opened", "incident_id": "I-1"}
    response = post(project.slug, incident | {"model_version": "3"}, secret)
    assert problems(response) == [
        (
            ["body", "model_version"],
            "'model_version' is not a field of incident events, which take: occurred_at, url, "
            "state, incident_id",
        )
    ]
    assert response.json()["detail"][0]["type"] == "extra_forbidden"


@pytest.mark.parametrize(
    ("payload", "loc", "msg"),
    [
        ({"kind": "deployment", "model_version": "1"}, ["body", "id"], "This field is required."),
        (
            {"id": "x"},
            ["body", "kind"],
            "This field is required: one of pipeline_run, deployment, rollback, incident.",
        ),
        (
            {"id": "x", "kind": "release"},
            ["body", "kind"],
            "must be one of pipeline_run, deployment, rollback, incident",
        ),
        ({"id": "x", "kind": "deployment"}, ["body", "model_version"], "This field is required."),
        (
            {"id": "x", "kind": "incident", "incident_id": "I-1"},
            ["body", "state"],
            "This field is required: one of opened, resolved.",
        ),
        (
            {"id": "x", "kind": "incident", "state": "closed", "incident_id": "I-1"},
            ["body", "state"],
            "must be one of opened, resolved",
        ),
        (
            {"id": "x", "kind": "incident", "state": "opened"},
            ["body", "incident_id"],
            "This field is required.",
        ),
        (
            {"id": "x", "kind": "pipeline_run"},
            ["body", "steps"],
            "This field is required: the steps the run ran, in order.",
        ),
        (
            {"id": "x", "kind": "pipeline_run", "steps": []},
            ["body", "steps"],
            "must hold between 1 and 20 steps",
        ),
        (
            {"id": "x", "kind": "pipeline_run", "steps": [{"name": "tests", "result": "ok"}]},
            ["body", "steps", 0, "result"],
            "must be one of passed, failed, skipped",
        ),
        (
            {"id": "x", "kind": "pipeline_run", "steps": [{"name": "lint", "result": "passed"}]},
            ["body", "steps", 0, "name"],
            "must be one of data_validation, tests, evaluation_gate, training, deploy",
        ),
        (
            {
                "id": "x",
                "kind": "pipeline_run",
                "steps": [{"name": "tests", "result": "passed", "took": 3}],
            },
            ["body", "steps", 0, "took"],
            "Unknown field 'took': a step has a name and a result.",
        ),
        (
            {"id": "x", "kind": "pipeline_run", "steps": ["tests"]},
            ["body", "steps", 0],
            'must be an object: {"name": …, "result": …}',
        ),
        ({"id": "", "kind": "rollback"}, ["body", "id"], "must not be empty"),
        ({"id": "x" * 201, "kind": "rollback"}, ["body", "id"], "must be at most 200 characters"),
        (
            {"id": "a\nb", "kind": "rollback"},
            ["body", "id"],
            "must hold printable characters only (no control characters)",
        ),
        ({"id": 42, "kind": "rollback"}, ["body", "id"], "must be text (a JSON string)"),
        (
            {"id": "x", "kind": "rollback", "url": "ftp://ci/run"},
            ["body", "url"],
            "must be an http or https address, such as https://ci.example.com/run/42",
        ),
        (
            {"id": "x", "kind": "rollback", "occurred_at": "yesterday"},
            ["body", "occurred_at"],
            "must be an ISO 8601 time, such as 2026-11-03T14:05:00Z",
        ),
        (
            {"id": "x", "kind": "rollback", "occurred_at": "2026-11-03T14:05:00"},
            ["body", "occurred_at"],
            "must say its time zone, such as 2026-11-03T14:05:00Z or +01:00 at the end",
        ),
        (
            {"id": "x", "kind": "rollback", "occurred_at": "2026-11-20T12:11:00Z"},
            ["body", "occurred_at"],
            "must not be more than 10 minutes in the future",
        ),
        (
            {"id": "x", "kind": "rollback", "occurred_at": "2025-10-15T12:00:00Z"},
            ["body", "occurred_at"],
            "must not be older than 400 days (the retention)",
        ),
        (
            deployment(occurred_at=at(3), trained_at=at(4)),
            ["body", "trained_at"],
            "must not be after occurred_at (the deployment)",
        ),
        (
            deployment(trained_at="0001-01-01T00:00:00+01:00"),
            ["body", "trained_at"],
            "is out of range",
        ),
    ],
)
def test_each_mistake_gets_422_naming_its_field(post, project, secret, payload, loc, msg):
    assert problems(post(project.slug, payload, secret)) == [(loc, msg)]
    assert not Event.objects.exists()


def test_the_limits_of_time_are_inclusive(post, project, secret):
    for sender_id, moment in (("soon", "2026-11-20T12:10:00Z"), ("old", "2025-10-16T12:00:00Z")):
        payload = {"id": sender_id, "kind": "rollback", "occurred_at": moment}
        assert post(project.slug, payload, secret).status_code == 201


def test_every_kind_takes_its_minimal_payload(post, project, secret):
    for payload in (
        deployment(),
        {"id": "r", "kind": "rollback"},
        {"id": "i", "kind": "incident", "state": "opened", "incident_id": "INC-7"},
        {"id": "p", "kind": "pipeline_run", "steps": [{"name": "tests", "result": "passed"}]},
    ):
        assert post(project.slug, payload, secret).status_code == 201, payload
    stored = {e.sender_id: (e.environment, e.state, e.reference) for e in Event.objects.all()}
    assert stored == {
        "deploy-1": ("production", "", ""),
        "r": ("production", "", ""),
        "i": ("", "opened", "INC-7"),
        "p": ("", "passed", ""),
    }


def test_the_service_refuses_what_the_api_refuses(project):
    with pytest.raises(EventInvalid) as raised:
        event_service.event_record(project=project, token_id=None, payload={"kind": "deployment"})
    assert [problem.loc for problem in raised.value.problems] == [
        ("body", "id"),
        ("body", "model_version"),
    ]


# --- Who may write ------------------------------------------------------------------------------


def test_a_token_without_the_scope_gets_403_saying_which_scope(post, project, erin, alice):
    for secret in (
        service_token(erin, scopes=[ApiToken.Scope.READ])[1],
        personal_token(alice)[1],
    ):
        response = post(project.slug, deployment(), secret)
        assert response.status_code == 403
        assert response.json() == {
            "detail": "This token may not write events: it needs the events:write scope."
        }
        assert response["WWW-Authenticate"] == (
            'Bearer realm="MLOps Maturity Portal API", error="insufficient_scope", '
            'scope="events:write"'
        )
    assert not Event.objects.exists()


def test_another_project_or_an_unknown_one_reads_as_not_found(post, project, other_project, secret):
    for slug in (other_project.slug, "no-such-project"):
        response = post(slug, deployment(), secret)
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}
    assert not Event.objects.exists()


def test_a_team_token_writes_for_each_of_its_team_s_projects_only(
    post, erin, project, other_project
):
    sibling = ProjectFactory(team=project.team, slug="card-scoring-eu")
    _, secret = api_token_create(
        kind=ApiToken.Kind.SERVICE,
        name="team CI",
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
        actor=erin,
        scopes=[EVENTS_WRITE],
        team=project.team,
    )
    assert post(project.slug, deployment(), secret).status_code == 201
    assert post(sibling.slug, deployment(), secret).status_code == 201
    assert post(other_project.slug, deployment(), secret).status_code == 404


def test_a_revoked_or_expired_token_or_none_gets_401(post, erin, project):
    revoked, revoked_secret = service_token(erin, scopes=[EVENTS_WRITE], project=project)
    api_token_revoke(token=revoked, actor=erin)
    expired, expired_secret = service_token(erin, scopes=[EVENTS_WRITE], project=project)
    expire(expired)
    for secret, says in (
        (revoked_secret, "This token was revoked on "),
        (expired_secret, "This token expired on "),
        (None, "This endpoint needs an API token"),
    ):
        response = post(project.slug, deployment(), secret)
        assert response.status_code == 401
        assert response.json()["detail"].startswith(says)
    assert not Event.objects.exists()


@override_settings(API_RATE_LIMIT_PER_MINUTE=3)
def test_the_rate_limit_is_the_token_s_whatever_it_asks(post, client, project, secret):
    assert client.get(f"{API}/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    assert post(project.slug, deployment("a"), secret).status_code == 201
    assert post(project.slug, deployment("b"), secret).status_code == 201
    response = post(project.slug, deployment("c"), secret)
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert Event.objects.count() == 2


def test_the_address_takes_only_post(client, project, secret):
    response = client.get(
        f"{API}/projects/{project.slug}/events", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert response.status_code == 405
    assert response["Allow"] == "POST"  # no HEAD: it is not a GET
