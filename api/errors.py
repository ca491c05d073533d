"""Every answer of the API is JSON, errors included: `{"detail": "..."}`, or for invalid
parameters (422) `{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}` as
django-ninja words them.

Ninja handles what its operations raise (`handlers`); `json_view` covers what happens
around them (an address that matches no endpoint, a method an endpoint does not take) and
answers HEAD as GET, so the OpenAPI document and every endpoint behave like the portal's
pages for monitors and link checkers.
"""

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, Final

from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.urls import URLPattern, URLResolver
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError

from api.auth import REALM, RateLimited, ReadNotAllowed, Unauthenticated, challenge

logger = logging.getLogger("django.request")

NOT_FOUND: Final = "Not found."
NO_ENDPOINT: Final = "No such endpoint. The API's endpoints are listed at /api/v1/docs."
SAFE_METHODS: Final = ("GET", "HEAD")


class Detail(Schema):
    detail: str


class Problem(Schema):
    loc: list[str | int]
    msg: str
    type: str


class Invalid(Schema):
    detail: list[Problem]


# What every authenticated endpoint may answer besides its 200, for the OpenAPI document.
ERRORS: Final[dict[int, type[Schema]]] = {
    401: Detail,
    403: Detail,
    404: Detail,
    422: Invalid,
    429: Detail,
}


def detail(message: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


def add_handlers(api: NinjaAPI) -> None:
    handlers: dict[type[Exception], Callable[[HttpRequest, Any], HttpResponse]] = {
        Unauthenticated: _unauthenticated,
        ReadNotAllowed: _read_not_allowed,
        RateLimited: _rate_limited,
        # Outside the reader's scope reads as unknown: objects answer 404, never 403.
        Http404: lambda request, error: detail(NOT_FOUND, 404),
        PermissionDenied: lambda request, error: detail(NOT_FOUND, 404),
        AuthenticationError: _unauthenticated_by_ninja,
        HttpError: lambda request, error: detail(str(error), error.status_code),
        Exception: _unexpected,
    }
    for exception, handler in handlers.items():
        api.add_exception_handler(exception, handler)


def _unauthenticated(request: HttpRequest, error: Unauthenticated) -> HttpResponse:
    response = detail(str(error), 401)
    response["WWW-Authenticate"] = challenge(error)
    return response


def _read_not_allowed(request: HttpRequest, error: ReadNotAllowed) -> HttpResponse:
    response = detail(str(error), 403)
    response["WWW-Authenticate"] = (
        f'Bearer realm="{REALM}", error="insufficient_scope", scope="read"'
    )
    return response


def _unauthenticated_by_ninja(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return _unauthenticated(request, Unauthenticated(str(error)))


def _rate_limited(request: HttpRequest, error: RateLimited) -> HttpResponse:
    response = detail(str(error), 429)
    response["Retry-After"] = str(error.retry_after)
    return response


def _unexpected(request: HttpRequest, error: Exception) -> HttpResponse:
    """A fault of ours: logged as Django logs a 500 (so it is reported), answered in JSON."""
    logger.error(
        "Internal Server Error: %s",
        request.path,
        exc_info=(type(error), error, error.__traceback__),
        extra={"status_code": 500, "request": request},
    )
    return detail("Something went wrong on our side; it has been logged.", 500)


# --- Around the operations --------------------------------------------------------------------


def method_not_allowed(allowed: str) -> JsonResponse:
    response = detail(f"Method not allowed: this address answers {allowed}.", 405)
    response["Allow"] = allowed
    return response


def json_view(view: Callable[..., HttpResponseBase], *, read_only: bool = False) -> Callable:
    """`view` with HEAD answered as GET (the server drops the body), an Http404 or a
    plain 405 from ninja answered in JSON; `read_only` refuses every other method first."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if read_only and request.method not in SAFE_METHODS:
            return method_not_allowed(", ".join(SAFE_METHODS))
        method = request.method
        if method == "HEAD":
            request.method = "GET"
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return detail(NO_ENDPOINT, 404)
        finally:
            request.method = method
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response.get("Allow", "GET").split(", ")
            if "GET" in allowed:
                allowed.append("HEAD")
            return method_not_allowed(", ".join(allowed))
        if not read_only:
            # What a token reads is its reader's: no cache keeps it for anyone else.
            add_never_cache_headers(response)
        return response

    return csrf_exempt(wrapped)


def json_patterns(patterns: list[URLPattern | URLResolver], *, read_only: set[str]) -> list:
    """The API's URL patterns with each view wrapped by `json_view`; the patterns named in
    `read_only` (the OpenAPI document and its page, which ninja serves to any method)
    refuse methods other than GET and HEAD."""
    wrapped: list[URLPattern | URLResolver] = []
    for pattern in patterns:
        assert isinstance(pattern, URLPattern), pattern
        view = json_view(pattern.callback, read_only=pattern.name in read_only)
        wrapped.append(URLPattern(pattern.pattern, view, pattern.default_args, pattern.name))
    return wrapped


@csrf_exempt
def no_endpoint(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other address under /api/v1/: a JSON 404, whatever the method."""
    return detail(NO_ENDPOINT, 404)
