"""Bulk import at /manage/import/: upload a CSV, see every problem by row (a dry run that
changes nothing), then confirm to import it all at once (teams.imports).

The checked file waits in the cache under a random key for an hour, tied to the admin who
uploaded it, so confirming imports exactly the file that was checked, checked again.
"""

import secrets

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from administration.views import org_admin_required
from core.http import PortalRequest
from teams.imports import IMPORT_TEMPLATE, MAX_BYTES, ImportCheck, import_apply, import_check

PAGE = "administration/import.html"
NAMES = {
    "unit": ("unit", "units"),
    "team": ("team", "teams"),
    "person": ("person", "people"),
    "project": ("project", "projects"),
}
KEPT_FOR = 3600


def _cache_key(request: PortalRequest, key: str) -> str:
    return f"import:{request.user.pk}:{key}"


@require_http_methods(["GET", "HEAD", "POST"])
@org_admin_required
def import_page(request: PortalRequest) -> HttpResponseBase:
    if request.method != "POST":
        return render(request, PAGE, {"max_mb": MAX_BYTES // 1_000_000})
    if "confirm" in request.POST:
        return _confirm(request)
    upload = request.FILES.get("file")
    if upload is None:
        return render(request, PAGE, {"error": "Choose a CSV file to check."}, status=422)
    data = upload.read(MAX_BYTES + 1)
    check = import_check(data=data)
    context: dict[str, object] = {"check": check, "filename": upload.name}
    if check.ok:
        key = secrets.token_urlsafe(16)
        cache.set(_cache_key(request, key), data, KEPT_FOR)
        context["key"] = key
    # The dry run did its job either way: finding problems is its answer, not a refusal.
    return render(request, PAGE, context)


def _confirm(request: PortalRequest) -> HttpResponseBase:
    key = request.POST.get("key", "")
    data = cache.get(_cache_key(request, key)) if key.isascii() and len(key) < 64 else None
    if data is None:
        messages.error(request, "That check has expired: upload the file again.")
        return redirect("administration:import")
    result = import_apply(data=data, actor=request.user)
    if isinstance(result, ImportCheck):  # the portal changed since the dry run
        return render(request, PAGE, {"check": result, "changed": True}, status=422)
    cache.delete(_cache_key(request, key))
    created = ", ".join(
        f"{count} {NAMES[kind][count != 1]}" for kind, count in result.created.items()
    )
    messages.success(
        request, f"Imported: {created} created; rows already in the portal changed nothing."
    )
    return redirect("administration:import")


@require_safe
@org_admin_required
def import_template(request: PortalRequest) -> HttpResponse:
    response = HttpResponse(IMPORT_TEMPLATE, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="portal-import-template.csv"'
    return response
