"""MLflow's REST API over plain HTTP (`requests`; the portal never imports `mlflow`).

Every fault becomes one exception, `MlflowError`, with a kind (the `Collection.error_kind`
vocabulary) and a sentence for the project page that says what happened and what to check.
The token goes only into the Authorization header: it is in no sentence, no log line and
no exception, and the errors of `requests` (whose messages can quote a header) are replaced
by our own sentence, not chained.
"""

import re
from collections.abc import Iterator, Mapping
from http import HTTPStatus
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings
from requests.auth import AuthBase

API_PREFIX: Final = "/api/2.0/mlflow/"
PAGE_SIZE: Final = 1000  # items asked for per page: runs/search allows up to 50,000
MAX_PAGES: Final = 50  # pages read per listing before the collection gives up: too_large
TOKEN_CHARACTERS: Final = re.compile(r"[\x21-\x7e]+")  # what a bearer token may hold


class MlflowError(Exception):
    """A fault talking to MLflow. `kind` is one of: timeout, unreachable, unauthorised,
    forbidden, not_found, rejected, server_error, malformed, too_large (and, from the
    collection, token, not_connected, interrupted, internal)."""

    def __init__(self, kind: str, sentence: str, *, error_code: str = "") -> None:
        super().__init__(sentence)
        self.kind = kind
        self.sentence = sentence
        self.error_code = error_code  # MLflow's own code, e.g. RESOURCE_DOES_NOT_EXIST


class _BearerAuth(AuthBase):
    """The token as `Authorization: Bearer …`; given as `auth`, so no .netrc replaces it,
    and requests drops it on a redirect to another host."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "_BearerAuth(<hidden>)"


def display_url(url: str) -> str:
    """The tracking URL as sentences show it: without a user or password in it."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host  # IPv6
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", "")) or url


class MlflowClient:
    def __init__(self, tracking_url: str, *, token: str = "", timeout: float | None = None):
        self.base = tracking_url.rstrip("/")
        self.where = f"MLflow at {display_url(tracking_url)}"
        if token and not TOKEN_CHARACTERS.fullmatch(token):
            raise self._token_error()
        self.timeout = settings.EVIDENCE_HTTP_TIMEOUT if timeout is None else timeout
        self.session = requests.Session()
        self.session.auth = _BearerAuth(token) if token else None
        self.session.headers["Accept"] = "application/json"

    def close(self) -> None:
        self.session.close()

    def get(self, endpoint: str, params: Mapping[str, object]) -> dict[str, Any]:
        return self._call("GET", endpoint, params=params)

    def post(self, endpoint: str, body: Mapping[str, object]) -> dict[str, Any]:
        return self._call("POST", endpoint, json=body)

    def pages(
        self,
        method: str,
        endpoint: str,
        query: Mapping[str, object],
        *,
        items: str,
        what: str,
        page_size: int | None = None,
        max_pages: int | None = None,
    ) -> Iterator[list[Any]]:
        """Each page's list of `items`, following `next_page_token`; too_large after
        `max_pages` pages that still promise another."""
        page_size = page_size or PAGE_SIZE
        max_pages = max_pages or MAX_PAGES
        token = ""
        for _ in range(max_pages):
            page = {**query, "max_results": page_size, **({"page_token": token} if token else {})}
            answer = self.get(endpoint, page) if method == "GET" else self.post(endpoint, page)
            found = answer.get(items, [])  # MLflow leaves an empty list out
            if not isinstance(found, list):
                raise self.shape_error(endpoint, f"'{items}' is not a list")
            yield found
            token = answer.get("next_page_token") or ""
            if not isinstance(token, str):
                raise self.shape_error(endpoint, "'next_page_token' is not text")
            if not token:
                return
        raise MlflowError(
            "too_large",
            f"{self.where} has more than {max_pages * page_size:,} {what} to read for "
            f"{endpoint}: name fewer experiments or models in the connection.",
        )

    # --- One request --------------------------------------------------------------------------

    def _call(self, method: str, endpoint: str, **kwargs: Any) -> dict[str, Any]:
        url = f"{self.base}{API_PREFIX}{endpoint}"
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout:
            error = self._timeout()
        except requests.exceptions.SSLError:
            error = MlflowError(
                "unreachable",
                f"{self.where} did not present a TLS certificate this portal trusts: "
                "check the tracking URL, or the server's certificate.",
            )
        except requests.ConnectionError:
            error = MlflowError(
                "unreachable",
                f"Could not connect to {self.where}: check the tracking URL and that the "
                "server is running.",
            )
        # Last, anything else requests or http.client refused to send (whose message may
        # quote a header's value): our sentence only.
        except (requests.RequestException, ValueError):
            error = MlflowError(
                "unreachable", f"Could not send a request to {self.where}: check the tracking URL."
            )
        else:
            return self._answer(response, endpoint)
        raise error  # outside the except blocks: requests' error is not chained to ours

    def _token_error(self) -> MlflowError:
        return MlflowError(
            "token",
            f"The connection's token cannot be sent to {self.where} (it has spaces, line "
            "breaks or other characters a header cannot carry): enter it again.",
        )

    def _timeout(self) -> MlflowError:
        return MlflowError(
            "timeout",
            f"{self.where} did not answer within {self.timeout:g} s: it may be down or "
            "overloaded; the next collection will try again.",
        )

    def _answer(self, response: requests.Response, endpoint: str) -> dict[str, Any]:
        if response.status_code != 200:
            raise self._status(response, endpoint)
        try:
            answer = response.json()
        except (ValueError, requests.exceptions.ContentDecodingError):
            raise MlflowError(
                "malformed",
                f"{self.where} answered {endpoint} with something other than JSON: check "
                "that the tracking URL is the MLflow server's own address.",
            ) from None
        except requests.Timeout:
            raise self._timeout() from None
        if not isinstance(answer, dict):
            raise self.shape_error(endpoint, "not a JSON object")
        return answer

    def _status(self, response: requests.Response, endpoint: str) -> MlflowError:
        code = response.status_code
        status = f"{code} {_reason(code)}"
        error_code, message = _mlflow_error(response)
        if code == 401:
            return MlflowError(
                "unauthorised", f"{self.where} answered {status}: check the connection's token."
            )
        if code == 403:
            return MlflowError(
                "forbidden",
                f"{self.where} answered {status} to {endpoint}: the connection's token may "
                "not read these experiments or models.",
            )
        if code == 404:
            return MlflowError(
                "not_found",
                f"{self.where} answered {status} to {endpoint}: check that the tracking URL "
                "is the server's address, without /api/….",
                error_code=error_code,
            )
        if code >= 500:
            return MlflowError(
                "server_error",
                f"{self.where} answered {status} to {endpoint}: the server failed; the next "
                "collection will try again.",
            )
        said = f" ({message[:200]})" if message else ""
        return MlflowError(
            "rejected",
            f"{self.where} refused {endpoint} with {status}{said}.",
            error_code=error_code,
        )

    def shape_error(self, endpoint: str, problem: str) -> MlflowError:
        return MlflowError(
            "malformed",
            f"{self.where} answered {endpoint} in a shape MLflow does not send ({problem}): "
            "check that the tracking URL is an MLflow server.",
        )


def _reason(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Error"


def _mlflow_error(response: requests.Response) -> tuple[str, str]:
    """MLflow's error_code and message, from a JSON error answer; ("", "") otherwise."""
    try:
        answer = response.json()
    except ValueError:
        return "", ""
    if not isinstance(answer, dict):
        return "", ""
    code, message = answer.get("error_code", ""), answer.get("message", "")
    return (code if isinstance(code, str) else ""), (message if isinstance(message, str) else "")
