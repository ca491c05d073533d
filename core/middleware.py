from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotFound
from django.shortcuts import resolve_url
from django.urls import is_valid_path
from django.utils.cache import add_never_cache_headers


class NoStoreForAuthenticatedMiddleware:
    """Pages of a logged-in user must not be kept by browsers or shared caches."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "user", None) and request.user.is_authenticated:
            add_never_cache_headers(response)
        return response


class RequestShapeMiddleware:
    """Requests no page can serve get a clear 4xx, never a redirect that loses data or a 500.

    - More query parameters than DATA_UPLOAD_MAX_NUMBER_FIELDS: 400, whatever the page
      (Django checks the limit only when a view reads them).
    - A POST (or another unsafe method) to an address without its trailing slash: 404. The
      slash redirect would turn it into a GET and drop what was posted.
    """

    SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        query = request.META.get("QUERY_STRING", "")
        if limit is not None and query and query.count("&") + query.count(";") >= limit:
            return HttpResponseBadRequest(
                f"Too many query parameters (at most {limit}).", content_type="text/plain"
            )
        path = request.path_info
        if (
            request.method not in self.SAFE_METHODS
            and not path.endswith("/")
            and not is_valid_path(path)
            and is_valid_path(f"{path}/")
        ):
            return HttpResponseNotFound(
                f"No such address. Did you mean {path}/ (with the trailing slash)?",
                content_type="text/plain",
            )
        return self.get_response(request)


class HtmxSessionExpiredMiddleware:
    """An htmx request whose session has ended gets 401, never the log-in page.

    login_required answers a redirect to the log-in page, which htmx would follow and swap
    into the question it was saving, losing the form and its version. A 401 is an error to
    htmx: nothing is swapped, the typed text stays in the page, and static/js/app.js tells
    the person to log in again and saves it once they have.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.headers.get("HX-Request") == "true"
            and response.status_code in (301, 302)
            and response.get("Location", "").startswith(resolve_url(settings.LOGIN_URL))
        ):
            expired = HttpResponse(
                "Not saved: your session has ended. Log in again (in another tab, or with "
                "the link below); your answer stays on this page and is saved once you have.",
                status=401,
                content_type="text/plain; charset=utf-8",
            )
            expired["WWW-Authenticate"] = 'Session realm="MLOps Portal"'
            expired["X-Login-URL"] = response["Location"]
            return expired
        return response
