"""A team's improvement plan: its page, its actions' edits and statuses (htmx in place,
plain POST and redirect without JavaScript), next steps turned into actions from a result
page, and the actions as CSV.

Anyone who can see the team reads its plan; leads and org admins change every action; a
member changes the status and notes of the actions they own. 404 for what a person may not
see, 403 for what they see but may not change.
"""

import csv
from collections.abc import Iterable, Iterator
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import retarget

from assessments.selectors import assessment_get_for_user
from core.http import PortalRequest
from improvement.forms.actions import (
    ActionForm,
    ActionNotesForm,
    ActionStatusForm,
    PlanFilterForm,
    StepToActionForm,
)
from improvement.models import Action
from improvement.selectors import action_exports, action_loop
from improvement.selectors import actions as selectors
from improvement.services import actions as services
from insights.exports import neutralised
from teams.models import Team
from teams.selectors import team_get_for_user

PLAN = "portal/plan.html"


# --- The plan page ----------------------------------------------------------------------------


@require_safe
@login_required
def team_plan(request: PortalRequest, slug: str) -> HttpResponse:
    team = team_get_for_user(user=request.user, slug=slug)
    template = f"{PLAN}#plan" if request.htmx else PLAN
    return render(request, template, _plan_context(request, team))


def _plan_context(request: PortalRequest, team: Team, **extra: object) -> dict:
    viewer = selectors.plan_viewer(user=request.user, team_id=team.pk)
    owners = selectors.plan_owners(team=team)
    projects = list(selectors.plan_projects(team=team))
    filters = PlanFilterForm(
        request.GET, team=team, owners=owners, projects=projects, auto_id="filter-%s"
    )
    project_id, owner_id = filters.chosen()
    chosen = {"project": project_id, "owner": owner_id}
    query = urlencode({name: value for name, value in chosen.items() if value is not None})
    return {
        "team": team,
        "viewer": viewer,
        "plan": selectors.team_plan(
            team=team, viewer=viewer, project_id=project_id, owner_id=owner_id
        ),
        "filters": filters,
        "filtered": bool(query),
        "filter_qs": f"?{query}" if query else "",
        **extra,
    }


def _plan_response(request: PortalRequest, team: Team, **extra: object) -> HttpResponse:
    """After a change: the plan re-rendered in place (htmx), where the change may have
    moved the action to another section."""
    response = render(request, f"{PLAN}#plan", _plan_context(request, team, **extra))
    return retarget(response, "#plan")


def _filter_qs(request: PortalRequest) -> str:
    """The plan's filters as the page was showing them, for the URLs its forms post to;
    the views check them again when they render the plan."""
    chosen = {name: request.GET[name] for name in ("project", "owner") if name in request.GET}
    kept = {name: value for name, value in chosen.items() if value.isascii() and value.isdigit()}
    return f"?{urlencode(kept)}" if kept else ""


def _back_to_plan(request: PortalRequest, action: Action) -> HttpResponse:
    url = action.get_absolute_url()
    return redirect(url.replace("#", f"{_filter_qs(request)}#"))


# --- Adding and editing -----------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def action_create(request: PortalRequest, slug: str) -> HttpResponse:
    team = team_get_for_user(user=request.user, slug=slug)
    if not selectors.plan_viewer(user=request.user, team_id=team.pk).can_manage:
        raise PermissionDenied("Only the team's leads add actions to its plan.")
    owners = selectors.plan_owners(team=team)
    form = ActionForm(request.POST or None, team=team, owners=owners, auto_id="new-%s")
    if request.method == "POST" and form.is_valid():
        try:
            action = services.action_create(
                team=team, created_by=request.user, **_created_fields(form.cleaned_data)
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if request.htmx:
                return _plan_response(request, team, changed=action.pk)
            messages.success(request, f"Added “{action.title}” to the plan.")
            return _back_to_plan(request, action)
    status = 422 if request.method == "POST" else 200
    if request.htmx:
        context = {"team": team, "add_form": form, "filter_qs": _filter_qs(request)}
        response = render(request, f"{PLAN}#new-action", context, status=status)
        return retarget(response, "#new-action")
    return render(request, PLAN, _plan_context(request, team, add_form=form), status=status)


def _created_fields(data: dict) -> dict:
    practice = data.pop("practice")
    data.pop("version", None)
    if practice is not None:
        data.update(
            practice_key=practice.key,
            dimension_key=practice.dimension.key,
            practice_level=practice.level,
            effort=practice.effort,
            next_step=practice.next_step,
        )
        data["title"] = data["title"] or services.title_for_step(practice.next_step)
    return data


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def action_edit(request: PortalRequest, pk: int) -> HttpResponse:
    action = selectors.action_get_for_user(user=request.user, pk=pk)
    viewer = selectors.plan_viewer(user=request.user, team_id=action.team_id)
    if not viewer.can_update(action):
        raise PermissionDenied("Only the team's leads, and its owner, change this action.")
    form = _edit_form(request, action, can_manage=viewer.can_manage)
    context: dict[str, object] = {"editing": action.pk}
    if request.method == "POST" and form.is_valid():
        fields = {name: value for name, value in form.cleaned_data.items() if name != "version"}
        fields.pop("practice", None)
        try:
            action = services.action_update(
                action=action,
                fields=fields,
                version=form.cleaned_data["version"],
                user=request.user,
            )
        except services.ActionConflict as conflict:
            context["conflict"] = conflict.current
            form = _edit_form(
                request, action, can_manage=viewer.can_manage, version=conflict.current.version
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if request.htmx:
                return _plan_response(request, action.team, changed=action.pk)
            messages.success(request, f"Saved “{action.title}”.")
            return _back_to_plan(request, action)
    status = 200 if request.method != "POST" else 409 if "conflict" in context else 422
    context["edit_form"] = form
    if request.htmx:
        context.update(
            row=selectors.action_row(action=action, viewer=viewer),
            team=action.team,
            filter_qs=_filter_qs(request),
        )
        response = render(request, f"{PLAN}#action-edit", context, status=status)
        return retarget(response, f"#action-{action.pk}")
    return render(request, PLAN, _plan_context(request, action.team, **context), status=status)


def _edit_form(
    request: PortalRequest, action: Action, *, can_manage: bool, version: int | None = None
) -> ActionForm | ActionNotesForm:
    data = request.POST.copy() if request.method == "POST" else None
    if data is not None and version is not None:
        # Shown with the other person's change: saving again is a deliberate "mine over theirs".
        data["version"] = str(version)
    auto_id = f"edit-{action.pk}-%s"
    if not can_manage:
        initial = {"notes": action.notes, "version": action.version}
        return ActionNotesForm(data, initial=initial, auto_id=auto_id)
    initial = {
        "title": action.title,
        "project": action.project_id,
        "owner": action.owner_id,
        "due_on": action.due_on,
        "ticket_url": action.ticket_url,
        "notes": action.notes,
        "version": action.version,
    }
    owners = selectors.plan_owners(team=action.team)
    return ActionForm(
        data, initial=initial, team=action.team, owners=owners, action=action, auto_id=auto_id
    )


@require_safe
@login_required
def action_detail(request: PortalRequest, pk: int) -> HttpResponse:
    """One action as the plan shows it (htmx: cancelling an edit); the plan otherwise."""
    action = selectors.action_get_for_user(user=request.user, pk=pk)
    if not request.htmx:
        return redirect(action.get_absolute_url())
    viewer = selectors.plan_viewer(user=request.user, team_id=action.team_id)
    row = selectors.action_row(action=action, viewer=viewer)
    context = {"row": row, "team": action.team, "filter_qs": _filter_qs(request)}
    return render(request, f"{PLAN}#action-row", context)


# --- Status -----------------------------------------------------------------------------------


@require_POST
@login_required
def action_status(request: PortalRequest, pk: int) -> HttpResponse:
    action = selectors.action_get_for_user(user=request.user, pk=pk)
    viewer = selectors.plan_viewer(user=request.user, team_id=action.team_id)
    if not viewer.can_update(action):
        raise PermissionDenied("Only the team's leads, and its owner, change this action.")
    form = ActionStatusForm(request.POST)
    problem, status = "", 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            action = services.action_set_status(
                action=action,
                status=data["status"],
                dropped_reason=data["dropped_reason"],
                version=data["version"],
                user=request.user,
            )
        except services.ActionConflict as conflict:
            action, status = conflict.current, 409
            problem = (
                "Not changed: someone changed this action since you loaded the page. Here it "
                "is as it is now; change it again if you still mean to."
            )
        except ValidationError as error:
            problem = " ".join(error.messages)
        else:
            if request.htmx:
                return _plan_response(request, action.team, changed=action.pk)
            state = action.get_status_display().lower()
            messages.success(request, f"“{action.title}” is {state}.")
            return _back_to_plan(request, action)
    else:
        problem = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if request.htmx:
        row = selectors.action_row(action=action, viewer=viewer)
        context = {
            "row": row,
            "team": action.team,
            "status_problem": problem,
            "problem_pk": action.pk,
            "filter_qs": _filter_qs(request),
        }
        response = render(request, f"{PLAN}#action-row", context, status=status)
        return retarget(response, f"#action-{action.pk}")
    context = _plan_context(request, action.team, status_problem=problem, problem_pk=action.pk)
    return render(request, PLAN, context, status=status)


# --- From a result page -----------------------------------------------------------------------


@require_POST
@login_required
def action_from_step(request: PortalRequest, pk: int) -> HttpResponse:
    """One recommended next step into the plan, with an owner and a due date."""
    assessment = assessment_get_for_user(user=request.user, pk=pk)
    team = assessment.project.team
    if not selectors.plan_viewer(user=request.user, team_id=team.pk).can_manage:
        raise PermissionDenied("Only the team's leads add next steps to its plan.")
    owners = selectors.plan_owners(team=team)
    form = StepToActionForm(request.POST, team=team, owners=owners)
    key = request.POST.get("practice_key", "")
    action, problem = None, ""
    if form.is_valid():
        data = form.cleaned_data
        key = data["practice_key"]
        try:
            action = services.action_from_recommendation(
                assessment=assessment,
                practice_key=key,
                owner=data["owner"],
                due_on=data["due_on"],
                user=request.user,
            )
        except services.ActionAlreadyPlanned as duplicate:
            action, problem = duplicate.existing, duplicate.messages[0]
        except ValidationError as error:
            problem = " ".join(error.messages)
    else:
        problem = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if not request.htmx:
        if problem:
            messages.error(request, f"Not added to the plan: {problem}")
        else:
            messages.success(request, f"Added “{action.title}” to the plan.")  # type: ignore[union-attr]
        return redirect(f"{assessment.get_absolute_url()}#step-{key}")
    plan = action_loop.StepsPlan(
        can_create=True,
        in_plan={key: action} if action else {},
        owners=owners,
        default_owner_id=_posted_int(request, "owner"),
        default_due=form.cleaned_data.get("due_on")
        or selectors.end_of_next_quarter(timezone.localdate()),
    )
    context = {
        "assessment": assessment,
        "step": {"practice_key": key},
        "plan": plan,
        "problem": problem,
        "just_added": action is not None and not problem,
    }
    return render(request, "portal/_action_step.html", context, status=422 if problem else 200)


def _posted_int(request: PortalRequest, name: str) -> int | None:
    raw = request.POST.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


# --- CSV --------------------------------------------------------------------------------------


@require_safe
@login_required
def team_plan_csv(request: PortalRequest, slug: str) -> HttpResponseBase:
    team = team_get_for_user(user=request.user, slug=slug)
    return _csv_response(action_exports.team_actions(team=team), name=f"{team.slug}-plan")


@require_safe
@login_required
def actions_csv(request: PortalRequest) -> HttpResponseBase:
    """Every action the user may read: management all, unit managers their units', the
    others their teams'."""
    return _csv_response(action_exports.actions_visible_to(user=request.user), name="actions")


def _csv_response(actions: QuerySet[Action], *, name: str) -> StreamingHttpResponse:
    rows = action_exports.action_csv_rows(actions=actions)
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="improvement-{name}-{stamp}.csv"'
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterable[tuple]) -> Iterator[str]:
    """UTF-8 CSV with a byte-order mark; text a spreadsheet would run as a formula is made
    inert (insights.exports.neutralised, the portal's one rule for it)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(action_exports.ACTION_CSV_HEADER)
    for row in rows:
        yield writer.writerow([neutralised(cell) for cell in row])


def _add_errors(form: ActionForm | ActionNotesForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
