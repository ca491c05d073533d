"""Hypothesis throws payloads at the events endpoint: valid events of every kind are
recorded once (201, then 200 for the same body), and anything else (wrong types, unknown
fields, odd characters, broken JSON, raw bytes) gets a 4xx whose JSON `detail` says what is
wrong, never a 500."""

import datetime
import itertools
import json

import pytest
import time_machine
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import ApiToken
from evidence.models import Event
from evidence.rules import events as rules
from tests.api.conftest import API, service_token

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ERRORS = {400, 409, 413, 422}
serial = itertools.count()

printable = st.text(min_size=1, max_size=30).filter(lambda text: text.strip() == text != "")
printable = printable.filter(str.isprintable)
moments = st.builds(
    lambda seconds, offset: (NOW - datetime.timedelta(seconds=seconds)).astimezone(
        datetime.timezone(datetime.timedelta(minutes=offset))
    ),
    st.integers(min_value=-9 * 60, max_value=399 * 86_400),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
)
steps = st.lists(
    st.fixed_dictionaries(
        {"name": st.sampled_from(rules.STEP_NAMES), "result": st.sampled_from(rules.STEP_RESULTS)}
    ),
    min_size=1,
    max_size=rules.STEPS_MAX,
)
optional = {
    "occurred_at": moments.map(datetime.datetime.isoformat),
    "url": st.sampled_from(["https://ci.example.com/runs/1", "http://jenkins:8080/job/7/"]),
}
KINDS = {
    "deployment": (
        {"model_version": printable},
        {
            "environment": st.sampled_from(["production", "Prod", "staging", "eu-west"]),
            "model_name": printable,
            "run_id": printable,
        },
    ),
    "rollback": ({}, {"environment": printable, "model_version": printable}),
    "incident": (
        {"state": st.sampled_from(rules.INCIDENT_STATES), "incident_id": printable},
        {},
    ),
    "pipeline_run": ({"steps": steps}, {"environment": st.sampled_from(["production", "ci"])}),
}
valid_events = st.one_of(
    [
        st.fixed_dictionaries(
            {"kind": st.just(kind), "id": printable, **required}, optional=optional | extra
        )
        for kind, (required, extra) in KINDS.items()
    ]
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["", "\x00", "\ud800", "2026-13-45T99:00:00Z", "prod", "💥", "a" * 300]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
# Valid events with one field changed or added: the near misses a pipeline sends.
near_misses = st.builds(
    lambda event, name, value: event | {name: value},
    valid_events,
    st.sampled_from([*rules.ALL_FIELDS, "enviroment", "steps", "id", "kind"]),
    json_values,
)


@pytest.fixture
def post(client, erin, project):
    secret = service_token(erin, scopes=[ApiToken.Scope.EVENTS_WRITE], project=project)[1]

    def send(body: bytes):
        return client.generic(
            "POST",
            f"{API}/projects/{project.slug}/events",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )

    return send


def assert_refused_in_json(response) -> None:
    assert response.status_code in ERRORS, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    detail = response.json()["detail"]
    if isinstance(detail, str):
        assert detail
    else:
        assert detail and all({"loc", "msg", "type"} <= set(problem) for problem in detail)
        assert all(problem["loc"][0] == "body" and problem["msg"] for problem in detail)


@override_settings(API_RATE_LIMIT_PER_MINUTE=10**9)
@FUZZ
@given(event=valid_events)
def test_a_valid_event_is_recorded_once(post, event):
    event = event | {"id": f"{event['id']}-{next(serial)}"}
    body = json.dumps(event).encode()
    with time_machine.travel(NOW, tick=False):
        first = post(body)
        assert first.status_code == 201, first.content
        assert first.json()["recorded"] is True
        again = post(body)
    assert again.status_code == 200, again.content
    assert again.json() == first.json() | {"recorded": False}
    assert Event.objects.filter(sender_id=event["id"]).count() == 1


@override_settings(API_RATE_LIMIT_PER_MINUTE=10**9)
@FUZZ
@given(payload=st.one_of(json_values, near_misses))
def test_any_other_json_gets_a_4xx_naming_what_is_wrong(post, payload):
    with time_machine.travel(NOW, tick=False):
        response = post(json.dumps(payload).encode())
    if response.status_code in (200, 201):  # a near miss can still be a valid event
        assert isinstance(payload, dict) and response.json()["id"] == payload["id"]
        return
    assert_refused_in_json(response)


@override_settings(API_RATE_LIMIT_PER_MINUTE=10**9, EVENTS_MAX_BODY_BYTES=512)
@FUZZ
@given(body=st.one_of(st.binary(max_size=600), st.text(max_size=600).map(str.encode)))
def test_any_bytes_get_a_4xx_in_json(post, body):
    with time_machine.travel(NOW, tick=False):
        response = post(body)
    assert_refused_in_json(response)
