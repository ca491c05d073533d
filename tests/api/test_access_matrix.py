"""Every endpoint of the API against every persona and every kind of token.

A personal token reads as its owner, with the rights the pages give them: objects outside
them answer 404 (never 403). A service token with `read` reads as management; one that
may only write CI events answers 403 (but may ask `/me` what it is); an expired or revoked
token, or none at all, answers 401. `test_it_has_a_row_for_every_endpoint` fails when the
OpenAPI document gains an endpoint without a row here.
"""

import pytest

from api.urls import api
from tests.api.conftest import API

#                 member lead other_lead management admin reviewer outsider unit_manager
PERSONAS = (
    "member",
    "lead",
    "other_lead",
    "management",
    "admin",
    "reviewer",
    "outsider",
    "unit_manager",
)
ALL = (200,) * 8
# team's objects: its members and lead, management and admins, and uma, who manages the
# unit above team's; other_team's lead, a reviewer in no team and charlie get 404.
TEAM = (200, 200, 404, 200, 200, 404, 404, 200)
# other_team's initiative: its lead, management, admins and every unit manager read it.
OTHER_TEAM_INITIATIVE = (404, 404, 200, 200, 200, 404, 404, 200)
# The organisation dashboard's figures: management, admins and unit managers.
FIGURES = (404, 404, 404, 200, 200, 404, 404, 200)

# OpenAPI path: (address with {names} of the world's objects, outcomes per persona)
ENDPOINTS = {
    "/units": ("/units", ALL),
    "/units/{slug}": ("/units/{unit}", TEAM),
    "/teams": ("/teams", ALL),
    "/teams/{slug}": ("/teams/{team}", TEAM),
    "/projects": ("/projects", ALL),
    "/projects/{slug}": ("/projects/{project}", TEAM),
    "/periods": ("/periods", ALL),
    "/periods/{key}": ("/periods/{period}", ALL),
    "/assessments": ("/assessments", ALL),
    "/assessments/{id}": ("/assessments/{assessment}", TEAM),
    "/figures/organisation": ("/figures/organisation", FIGURES),
    "/targets": ("/targets", ALL),
    "/actions": ("/actions", ALL),
    "/actions/{id}": ("/actions/{action}", TEAM),
    "/initiatives": ("/initiatives", ALL),
    "/initiatives/{slug}": ("/initiatives/{initiative}", OTHER_TEAM_INITIATIVE),
    "/me": ("/me", ALL),
}


# The one endpoint that writes, with its own tests of every kind of token.
WRITES = {"/projects/{slug}/events": "tests/api/test_events.py"}


def test_it_has_a_row_for_every_endpoint():
    documented = {path.removeprefix(API) for path in api.get_openapi_schema()["paths"]}
    assert documented == set(ENDPOINTS) | set(WRITES)


@pytest.fixture
def objects(world, team, project) -> dict[str, str]:
    return {
        "unit": world.units.fraud.slug,
        "team": team.slug,
        "project": project.slug,
        "period": world.periods[-1].key,
        "assessment": str(world.assessment.pk),
        "action": str(world.action.pk),
        "initiative": world.other_initiative.slug,
    }


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_persona_and_token_kind_gets_what_the_pages_give(
    endpoint, objects, api_personas, tokens, service_read, service_events, api_get
):
    template, expected = ENDPOINTS[endpoint]
    path = template.format(**objects)
    management = expected[PERSONAS.index("management")]
    outcomes: dict[str, int] = {}
    wanted: dict[str, int] = {}
    for persona, status in zip(PERSONAS, expected, strict=True):
        secrets = tokens(api_personas[persona])
        for kind, outcome in (("personal", status), ("expired", 401), ("revoked", 401)):
            outcomes[f"{persona} {kind}"] = api_get(path, secrets[kind]).status_code
            wanted[f"{persona} {kind}"] = outcome
    for kind, secret, outcome in (
        ("service read", service_read, management),
        ("service events:write", service_events, 200 if endpoint == "/me" else 403),
        ("no token", None, 401),
    ):
        outcomes[kind] = api_get(path, secret).status_code
        wanted[kind] = outcome
    assert outcomes == wanted


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_answer_is_json_with_a_detail_on_errors(endpoint, objects, lead_and_other, api_get):
    template, _ = ENDPOINTS[endpoint]
    path = template.format(**objects)
    for secret in (*lead_and_other, None, "mlp_pat_" + "x" * 43):
        response = api_get(path, secret)
        assert response["Content-Type"].startswith("application/json"), path
        body = response.json()
        if response.status_code != 200:
            assert isinstance(body["detail"], str) and body["detail"], (path, body)


@pytest.fixture
def lead_and_other(alice, dave, tokens) -> tuple[str | None, ...]:
    return tokens(alice)["personal"], tokens(dave)["personal"]
