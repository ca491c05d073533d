import sys

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@require_safe
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "error", "database": str(error)[:200]}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages without a <link rel=icon>, such as the admin."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """An expired or missing CSRF token: say so plainly and offer a reload, for htmx too."""
    template = (
        "csrf_failure.html#message" if request.headers.get("HX-Request") else "csrf_failure.html"
    )
    return render(request, template, {"reason": reason}, status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    """A lost database connection is a clear, retryable 503; anything else a plain 500.

    Nothing half-written survives either way: every write runs in a transaction that the
    failure rolls back, and CONN_HEALTH_CHECKS opens a fresh connection for the next
    request, so the service recovers by itself once the database is back.
    """
    error = sys.exc_info()[1]
    # Rendered without the request: context processors would query the database again.
    if isinstance(error, (OperationalError, InterfaceError)):
        html = loader.render_to_string(
            "503.html", {"is_htmx": request.headers.get("HX-Request") == "true"}
        )
        return HttpResponse(html, status=503, headers={"Retry-After": "5"})
    return HttpResponse(loader.render_to_string("500.html"), status=500)
