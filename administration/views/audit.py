"""The audit log at /manage/audit/, newest first, and the same entries as CSV.

The filters are a GET form, so the address holds them: a filtered view can be bookmarked,
shared, paged through and downloaded as it is shown.
"""

from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from administration.exports import csv_lines
from administration.forms import AuditFilterForm
from administration.selectors import audit_changes, audit_entries
from administration.views import org_admin_required
from core.http import PortalRequest

PAGE = "administration/audit.html"
PER_PAGE = 50


@require_safe
@org_admin_required
def audit(request: PortalRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    form.is_valid()
    entries = audit_entries(filters=form.filters())
    page = Paginator(entries.select_related("actor"), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": [(entry, audit_changes(entry)) for entry in page],
        "filtered": any(request.GET.get(name) for name in form.fields),
    }
    return render(request, PAGE, context)


@require_safe
@org_admin_required
def audit_csv(request: PortalRequest) -> HttpResponseBase:
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        problems = "; ".join(
            f"{name}: {' '.join(map(str, errors))}" for name, errors in form.errors.items()
        )
        return HttpResponse(
            f"Fix the filters first: {problems}",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    response = StreamingHttpResponse(
        csv_lines(audit_entries(filters=form.filters())), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response
