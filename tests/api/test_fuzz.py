"""Hypothesis throws arbitrary query parameters and path segments at every endpoint of the
OpenAPI document, with tokens of several readers and none: the API answers 200, 401, 404
or 422, always in JSON, never a 500 (a NUL byte, a huge number, a foreign cursor or a
slash in a slug included)."""

from urllib.parse import quote

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.urls import api
from tests.api.conftest import API, personal_token

pytestmark = pytest.mark.django_db

DOCUMENT = api.get_openapi_schema()
PATHS = sorted(path for path, methods in DOCUMENT["paths"].items() if "get" in methods)
# The one address that writes: tests/api/test_events_fuzz.py throws bodies at it.
WRITES = [f"{API}/projects/{{slug}}/events"]
ANSWERS = {200, 401, 404, 422}

TRICKY = [
    "",
    "0",
    "-1",
    "1.5",
    "9" * 40,
    str(2**63),
    "_none",
    "2026-Q1",
    "production",
    "submitted",
    "in_progress",
    "null",
    "[]",
    "\x00",
    "a\x00b",
    "%00",
    "..",
    "../..",
    "é",
    "💥",
    "a" * 500,
    "<script>",
    "' OR 1=1 --",
    "WyJ6eiIsMV0:1u:abc",
]
values = st.one_of(
    st.sampled_from(TRICKY),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


def _query_names(path: str) -> list[str]:
    parameters = DOCUMENT["paths"][path]["get"].get("parameters", [])
    return [p["name"] for p in parameters if p["in"] == "query"]


def _path_names(path: str) -> list[str]:
    parameters = DOCUMENT["paths"][path]["get"].get("parameters", [])
    return [p["name"] for p in parameters if p["in"] == "path"]


@pytest.fixture
def secrets(world, carol, alice, uma) -> list[str | None]:
    return [
        personal_token(carol)[1],
        personal_token(alice)[1],
        personal_token(uma)[1],
        None,
        "mlp_pat_" + "Z" * 43,
    ]


@pytest.mark.parametrize("path", PATHS)
@override_settings(API_RATE_LIMIT_PER_MINUTE=10**9)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_parameters_get_200_401_404_or_422_in_json(path, secrets, client, data):
    names = _query_names(path)
    params = data.draw(
        st.dictionaries(
            st.one_of(st.sampled_from(names), st.text(max_size=10))
            if names
            else st.text(max_size=10),
            st.one_of(values, st.lists(values, min_size=1, max_size=3)),
            max_size=4,
        ),
        label="params",
    )
    address = path
    for name in _path_names(path):
        segment = data.draw(values, label=name)
        address = address.replace(f"{{{name}}}", quote(segment, safe=""))
    secret = data.draw(st.sampled_from(secrets), label="token")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    response = client.get(address, params, **headers)
    assert response.status_code in ANSWERS, (address, params, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    response.json()


def test_it_fuzzes_every_endpoint():
    assert sorted(PATHS + WRITES) == sorted(DOCUMENT["paths"])
    assert len(PATHS) == 17
