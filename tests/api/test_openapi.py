"""The OpenAPI document and its page: valid OpenAPI, open to everyone (they hold no data),
read-only but for the events a pipeline posts, and JSON wherever the API answers, also at
addresses it does not have."""

import pytest
from django.test import Client
from openapi_spec_validator import validate

from api.schemas import ActionStatus, AssessmentStatus, ProjectStage, ReviewStatus
from assessments.models import Assessment
from improvement.models import Action
from teams.models import Project
from tests.api.conftest import API, personal_token

pytestmark = pytest.mark.django_db


def test_it_serves_a_valid_openapi_document_without_a_token(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document["info"]["title"] == "MLOps Maturity Portal API"
    assert document["info"]["version"] == "1"
    assert document["components"]["securitySchemes"]["BearerToken"] == {
        "type": "http",
        "scheme": "bearer",
    }


def test_every_operation_reads_needs_a_token_and_says_what_it_answers(client):
    document = client.get(f"{API}/openapi.json").json()
    operations = [
        (path, method, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]
    assert operations
    writes = [(path, method) for path, method, _ in operations if method != "get"]
    assert writes == [(f"{API}/projects/{{slug}}/events", "post")]
    for path, method, operation in operations:
        assert operation["security"] == [{"BearerToken": []}], path
        answers = {"200", "401", "404", "422", "429"}
        if method == "post":
            answers |= {"201", "400", "403", "409", "413"}
        assert answers <= set(operation["responses"]), path
        assert operation["operationId"].isidentifier(), path
    ids = [operation["operationId"] for _, _, operation in operations]
    assert len(ids) == len(set(ids))


def test_every_list_is_paginated_by_cursor(client):
    document = client.get(f"{API}/openapi.json").json()
    lists = [path for path in document["paths"] if "{" not in path and path.endswith("s")]
    assert len(lists) == 8
    for path in lists:
        names = {param["name"] for param in document["paths"][path]["get"]["parameters"]}
        assert {"cursor", "page_size"} <= names, path
        answer = document["paths"][path]["get"]["responses"]["200"]["content"]
        schema = answer["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        assert set(document["components"]["schemas"][schema]["properties"]) == {"results", "next"}


@pytest.mark.parametrize(
    ("ours", "model"),
    [
        (ProjectStage, Project.Stage),
        (AssessmentStatus, Assessment.Status),
        (ReviewStatus, Assessment.Review),
        (ActionStatus, Action.Status),
    ],
)
def test_the_documented_vocabularies_are_the_models(ours, model):
    assert [member.value for member in ours] == list(model.values)


def test_the_docs_page_is_open_and_served_from_our_own_files(client):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "/static/api/docs.css" in page
    assert "http://" not in page and "https://" not in page  # no CDN
    assert "<style" not in page and " style=" not in page  # the CSP allows no inline style


@pytest.mark.parametrize("path", ["/openapi.json", "/docs"])
def test_the_document_and_its_page_answer_get_and_head_only(client, path):
    assert client.head(f"{API}{path}").status_code == 200
    assert client.head(f"{API}{path}").content == b""
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)(f"{API}{path}")
        assert response.status_code == 405, method
        assert response["Allow"] == "GET, HEAD"
        assert response.json()["detail"].startswith("Method not allowed")


def test_an_endpoint_answers_other_methods_405_in_json(client, alice):
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)(f"{API}/projects")
        assert response.status_code == 405, method
        assert response["Allow"] == "GET, HEAD"
        assert "Method not allowed" in response.json()["detail"]


def test_head_answers_as_get_without_a_body(client):
    response = client.head(f"{API}/projects")
    assert response.status_code == 401
    assert response.content == b""
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "path", ["/", "/nothing", "/projects/", "/projects/a/b", "/units/x/teams", "/v2/projects"]
)
def test_an_address_the_api_does_not_have_answers_404_in_json(client, path):
    for method in ("get", "post", "delete"):
        response = getattr(client, method)(f"{API}{path}")
        assert response.status_code == 404, (method, path)
        assert response["Content-Type"] == "application/json"
        assert "/api/v1/docs" in response.json()["detail"]


def test_posts_are_refused_by_the_api_not_by_the_csrf_check():
    """The API takes no cookies, so CSRF does not apply: a POST meets the API's own 405
    (or 404), in JSON, never the CSRF failure page."""
    client = Client(enforce_csrf_checks=True)
    for path, status in (("/openapi.json", 405), ("/docs", 405), ("/projects", 405), ("/x", 404)):
        response = client.post(f"{API}{path}")
        assert response.status_code == status, path
        assert response["Content-Type"] == "application/json"


def test_what_a_token_reads_is_never_cached(world, carol, api_get):
    response = api_get("/projects", personal_token(carol)[1])
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
