"""The MLflow client against a loopback HTTP server: each fault becomes one MlflowError with
its kind and a sentence, pages are followed, and the token is only ever in its header."""

import time

import pytest

from evidence.collectors.mlflow.client import MlflowClient, MlflowError, display_url
from tests.evidence.scripted_http import closed_url, paged, scripted_server

TOKEN = "mlflow-token-s3cr3t-9f8e7d"


@pytest.fixture
def scripted():
    with scripted_server() as server:
        yield server


def raised(call) -> MlflowError:
    with pytest.raises(MlflowError) as caught:
        call()
    error = caught.value
    assert TOKEN not in str(error) and error.__cause__ is None
    return error


def test_it_sends_the_token_as_a_bearer_header(scripted):
    scripted.on("GET", "experiments/get-by-name", {"experiment": {"experiment_id": "1"}})
    answer = MlflowClient(scripted.url, token=TOKEN).get(
        "experiments/get-by-name", {"experiment_name": "fraud"}
    )
    assert answer == {"experiment": {"experiment_id": "1"}}
    [request] = scripted.received
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.query == {"experiment_name": ["fraud"]}


def test_it_sends_no_authorization_without_a_token(scripted):
    scripted.on("POST", "runs/search", {})
    MlflowClient(scripted.url + "/").post("runs/search", {"experiment_ids": ["1"]})
    [request] = scripted.received
    assert "Authorization" not in request.headers
    assert request.body == {"experiment_ids": ["1"]}


def test_it_follows_page_tokens_to_the_last_page(scripted):
    runs = [{"info": {"run_id": f"r{n}"}} for n in range(7)]
    scripted.on("POST", "runs/search", paged(runs, "runs", 3))
    client = MlflowClient(scripted.url, token=TOKEN)
    pages = list(client.pages("POST", "runs/search", {"filter": "x"}, items="runs", what="runs"))
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [run for page in pages for run in page] == runs
    tokens = [request.body.get("page_token") for request in scripted.received]
    assert tokens == [None, "3", "6"]
    assert {request.body["max_results"] for request in scripted.received} == {1000}


def test_it_pages_a_get_listing_through_its_query(scripted):
    versions = [{"name": "fraud", "version": str(n)} for n in range(5)]
    scripted.on("GET", "model-versions/search", paged(versions, "model_versions", 2))
    client = MlflowClient(scripted.url)
    pages = client.pages(
        "GET", "model-versions/search", {}, items="model_versions", what="versions"
    )
    assert sum(len(page) for page in pages) == 5
    assert [r.query.get("page_token") for r in scripted.received] == [None, ["2"], ["4"]]


def test_it_gives_up_on_too_many_pages_instead_of_looping(scripted):
    scripted.on("POST", "runs/search", {"runs": [{}], "next_page_token": "again"})
    client = MlflowClient(scripted.url)
    listing = client.pages(
        "POST", "runs/search", {}, items="runs", what="runs", page_size=2, max_pages=4
    )
    error = raised(lambda: list(listing))
    assert error.kind == "too_large"
    assert str(error) == (
        f"MLflow at {scripted.url} has more than 8 runs to read for runs/search: name fewer "
        "experiments or models in the connection."
    )
    assert len(scripted.received) == 4


def test_it_reports_a_server_that_is_down(settings):
    url = closed_url()
    error = raised(lambda: MlflowClient(url, token=TOKEN).get("experiments/get-by-name", {}))
    assert error.kind == "unreachable"
    assert str(error) == (
        f"Could not connect to MLflow at {url}: check the tracking URL and that the server "
        "is running."
    )


def test_it_times_out_on_a_slow_server(scripted, settings):
    settings.EVIDENCE_HTTP_TIMEOUT = 0.2
    scripted.on("GET", "experiments/get-by-name", {}, delay=1.5)
    started = time.monotonic()
    error = raised(
        lambda: MlflowClient(scripted.url, token=TOKEN).get("experiments/get-by-name", {})
    )
    assert time.monotonic() - started < 1.2
    assert error.kind == "timeout"
    assert str(error) == (
        f"MLflow at {scripted.url} did not answer within 0.2 s: it may be down or overloaded; "
        "the next collection will try again."
    )


@pytest.mark.parametrize(
    ("status", "kind", "sentence"),
    [
        (401, "unauthorised", "answered 401 Unauthorized: check the connection's token."),
        (
            403,
            "forbidden",
            "answered 403 Forbidden to runs/search: the connection's token may not read these "
            "experiments or models.",
        ),
        (
            404,
            "not_found",
            "answered 404 Not Found to runs/search: check that the tracking URL is the "
            "server's address, without /api/….",
        ),
        (
            500,
            "server_error",
            "answered 500 Internal Server Error to runs/search: the server failed; the next "
            "collection will try again.",
        ),
        (503, "server_error", "answered 503 Service Unavailable to runs/search: the server"),
    ],
)
def test_it_turns_each_error_status_into_a_kind_and_a_sentence(scripted, status, kind, sentence):
    scripted.on("POST", "runs/search", {"error_code": "X", "message": TOKEN}, status=status)
    error = raised(lambda: MlflowClient(scripted.url, token=TOKEN).post("runs/search", {}))
    assert error.kind == kind
    assert str(error).startswith(f"MLflow at {scripted.url} {sentence}")


def test_it_quotes_mlflows_message_when_it_refuses_a_request(scripted):
    scripted.on(
        "POST",
        "runs/search",
        {"error_code": "INVALID_PARAMETER_VALUE", "message": "Invalid filter 'x'"},
        status=400,
    )
    error = raised(lambda: MlflowClient(scripted.url).post("runs/search", {}))
    assert (error.kind, error.error_code) == ("rejected", "INVALID_PARAMETER_VALUE")
    assert str(error) == (
        f"MLflow at {scripted.url} refused runs/search with 400 Bad Request (Invalid filter 'x')."
    )


def test_it_keeps_mlflows_error_code_on_a_404(scripted):
    scripted.on(
        "GET", "experiments/get-by-name", {"error_code": "RESOURCE_DOES_NOT_EXIST"}, status=404
    )
    error = raised(lambda: MlflowClient(scripted.url).get("experiments/get-by-name", {}))
    assert (error.kind, error.error_code) == ("not_found", "RESOURCE_DOES_NOT_EXIST")


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"<html><body>Sign in</body></html>", "with something other than JSON"),
        (b'{"runs": [', "with something other than JSON"),
        (b"[1, 2]", "in a shape MLflow does not send (not a JSON object)"),
        (b'{"runs": {"a": 1}}', "in a shape MLflow does not send ('runs' is not a list)"),
        (b'{"runs": [], "next_page_token": 7}', "('next_page_token' is not text)"),
    ],
)
def test_it_reports_malformed_answers(scripted, raw, problem):
    scripted.on("POST", "runs/search", raw=raw)
    client = MlflowClient(scripted.url)
    error = raised(lambda: list(client.pages("POST", "runs/search", {}, items="runs", what="runs")))
    assert error.kind == "malformed"
    assert problem in str(error)


def test_it_never_shows_a_user_or_password_of_the_url(scripted):
    scripted.on("GET", "experiments/get-by-name", {}, status=401)
    port = scripted.url.rsplit(":", 1)[1]
    url = f"http://admin:hunter2@127.0.0.1:{port}/"
    error = raised(lambda: MlflowClient(url).get("experiments/get-by-name", {}))
    assert "hunter2" not in str(error) and "admin" not in str(error)
    assert str(error).startswith(f"MLflow at http://127.0.0.1:{port} answered 401")


@pytest.mark.parametrize("token", [f"{TOKEN}\nX-Evil: 1", f"{TOKEN}–é✓"])
def test_it_refuses_a_token_a_header_cannot_carry_without_quoting_it(scripted, token):
    scripted.on("GET", "experiments/get-by-name", {})
    error = raised(
        lambda: MlflowClient(scripted.url, token=token).get("experiments/get-by-name", {})
    )
    assert error.kind == "token"
    assert "enter it again" in str(error)
    assert scripted.received == []


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:pw@mlflow.example.com/tracking/", "https://mlflow.example.com/tracking"),
        ("http://[::1]:5000", "http://[::1]:5000"),
        ("http://mlflow:5000/", "http://mlflow:5000"),
    ],
)
def test_it_shows_the_tracking_url_without_credentials(url, shown):
    assert display_url(url) == shown
