from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HTMX_STOP_POLLING

from core.access import is_management
from core.http import PortalRequest
from reports import selectors, services
from reports.emails import report_filename
from reports.forms import ReportRequestForm
from reports.models import Report


@require_safe
@login_required
def report_list(request: PortalRequest) -> HttpResponse:
    form = ReportRequestForm() if is_management(request.user) else None
    return _render_list(request, form)


def _render_list(
    request: PortalRequest, form: ReportRequestForm | None, status: int = 200
) -> HttpResponse:
    context = {"groups": selectors.report_list_for_user(user=request.user), "form": form}
    return render(request, "reports/report_list.html", context, status=status)


@require_POST
@login_required
def report_generate(request: PortalRequest) -> HttpResponse:
    if not is_management(request.user):
        raise PermissionDenied("Only management can generate reports.")
    form = ReportRequestForm(request.POST)
    if not form.is_valid():
        return _render_list(request, form, status=422)
    try:
        report = services.report_request(
            period=form.cleaned_data["period"], team=form.cleaned_data["team"], user=request.user
        )
    except services.ReportRateLimited as limited:
        form.add_error(None, str(limited))
        response = _render_list(request, form, status=429)
        response["Retry-After"] = "3600"
        return response
    return redirect(report)


@require_safe
@login_required
def report_detail(request: PortalRequest, pk: int) -> HttpResponse:
    report = selectors.report_get_for_user(user=request.user, pk=pk)
    context = {"report": report}
    if not request.htmx:
        return render(request, "reports/report_detail.html", context)
    # 286 tells htmx to stop polling: the report is done or failed.
    status = HTMX_STOP_POLLING if report.is_finished else 200
    return render(request, "reports/report_detail.html#progress", context, status=status)


@require_safe
@login_required
def report_pdf(request: PortalRequest, pk: int) -> FileResponse:
    report = selectors.report_get_for_user(user=request.user, pk=pk)
    return _file_response(report, report.pdf_file, "pdf", as_attachment=False)


@require_safe
@login_required
def report_html(request: PortalRequest, pk: int) -> FileResponse:
    report = selectors.report_get_for_user(user=request.user, pk=pk)
    # A download, not a page: the file carries its own styles, which our CSP would block.
    return _file_response(report, report.html_file, "html", as_attachment=True)


def _file_response(
    report: Report, file: FieldFile, ext: str, *, as_attachment: bool
) -> FileResponse:
    if report.status != Report.Status.DONE or not file:
        raise Http404("This report has no file yet.")
    return FileResponse(
        file.open("rb"),
        as_attachment=as_attachment,
        filename=report_filename(report=report, ext=ext),
    )
