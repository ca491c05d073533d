"""Initiatives: many projects, a set of practices, a target date. The list, the form, the
detail page with its burn-up and the teams behind, the reminder button and the CSV.

Everyone reads the initiatives `initiatives_for_user` gives them (404 otherwise); only
management and org admins create, edit and remind (403 for the other readers).
"""

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.http import PortalRequest
from improvement.forms.initiatives import InitiativeForm
from improvement.models import Initiative
from improvement.selectors.initiatives import (
    CSV_HEADER,
    initiative_can_manage,
    initiative_csv_rows,
    initiative_get_for_user,
    initiative_progress,
    initiative_summaries,
    initiatives_for_user,
    scope_summary,
)
from improvement.services import initiatives as services
from insights.exports import neutralised
from insights.initiative_figures import initiative_burnup
from notifications.services.initiatives import ReminderOutcome, initiative_reminders_queue

FORM_TEMPLATE = "portal/initiative_form.html"
DETAIL_TEMPLATE = "portal/initiative_detail.html"

TEAMS_BEHIND_SHOWN = 25


def _require_manager(request: PortalRequest) -> None:
    if not initiative_can_manage(request.user):
        raise PermissionDenied("Only management and org admins change initiatives.")


@require_safe
@login_required
def initiative_list(request: PortalRequest) -> HttpResponse:
    initiatives = list(initiatives_for_user(user=request.user))
    context = {
        "summaries": initiative_summaries(initiatives=initiatives, today=timezone.localdate()),
        "can_manage": initiative_can_manage(request.user),
    }
    return render(request, "portal/initiative_list.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def initiative_create(request: PortalRequest) -> HttpResponse:
    _require_manager(request)
    form = InitiativeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            initiative = services.initiative_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Created “{initiative.title}”: its first week is recorded.")
            return redirect(initiative)
    status = 422 if request.method == "POST" else 200
    return render(request, FORM_TEMPLATE, {"form": form}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def initiative_edit(request: PortalRequest, slug: str) -> HttpResponse:
    initiative = initiative_get_for_user(user=request.user, slug=slug)
    _require_manager(request)
    form = InitiativeForm(request.POST or None, initiative=initiative)
    if request.method == "POST" and form.is_valid():
        try:
            initiative = services.initiative_update(
                initiative=initiative, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            initiative.refresh_from_db()  # nothing was saved: show the stored title
            _add_errors(form, error)
        else:
            messages.success(request, f"Saved “{initiative.title}”.")
            return redirect(initiative)
    status = 422 if request.method == "POST" else 200
    return render(request, FORM_TEMPLATE, {"form": form, "initiative": initiative}, status=status)


def _add_errors(form: InitiativeForm, error: ValidationError) -> None:
    for name, problems in error.message_dict.items():
        form.add_error(name if name in form.fields else None, problems)


def _detail_context(
    request: PortalRequest, initiative: Initiative, outcome: ReminderOutcome | None = None
) -> dict:
    progress = initiative_progress(initiative=initiative, today=timezone.localdate())
    behind = progress.teams_behind
    every_team = request.method == "GET" and request.GET.get("teams") == "all"
    return {
        "initiative": initiative,
        "progress": progress,
        "scope": scope_summary(progress.scope),
        # The furthest behind, with the rest a click away: at 2,000 teams the whole list is
        # 800 rows nobody reads, and most of the page's time.
        "teams_behind": behind if every_team else behind[:TEAMS_BEHIND_SHOWN],
        "teams_behind_total": len(behind),
        "chart": initiative_burnup(progress),
        "can_manage": initiative_can_manage(request.user),
        "outcome": outcome,
    }


@require_safe
@login_required
def initiative_detail(request: PortalRequest, slug: str) -> HttpResponse:
    initiative = initiative_get_for_user(user=request.user, slug=slug)
    return render(request, DETAIL_TEMPLATE, _detail_context(request, initiative))


@require_POST
@login_required
def initiative_remind(request: PortalRequest, slug: str) -> HttpResponse:
    initiative = initiative_get_for_user(user=request.user, slug=slug)
    _require_manager(request)
    outcome = initiative_reminders_queue(
        initiative=initiative, actor=request.user, today=timezone.localdate()
    )
    if request.htmx:
        context = _detail_context(request, initiative, outcome)
        return render(request, f"{DETAIL_TEMPLATE}#teams-behind", context)
    messages.info(request, reminder_message(outcome))
    return redirect(initiative)


def reminder_message(outcome: ReminderOutcome) -> str:
    """What the click did, in a sentence."""
    if not outcome.teams_behind:
        return "No team is behind pace today: nobody to remind."
    now = outcome.reminded_now
    before = outcome.reminded_before
    text = f"Reminded {now} lead{'s' if now != 1 else ''} now"
    text += f"; {before} had been reminded today already." if before else "."
    if outcome.leads_unreachable:
        count = outcome.leads_unreachable
        text += f" {count} lead{'s' if count != 1 else ''} without an active account or e-mail."
    return text


@require_safe
@login_required
def initiative_csv(request: PortalRequest, slug: str) -> HttpResponse:
    initiative = initiative_get_for_user(user=request.user, slug=slug)
    today = timezone.localdate()
    progress = initiative_progress(initiative=initiative, today=today)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # spreadsheets read accents right with a byte-order mark
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for row in initiative_csv_rows(progress=progress):
        writer.writerow([neutralised(cell) for cell in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"initiative-{initiative.slug}-progress-{today.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
