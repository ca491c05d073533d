"""A team's or a project's own target, at /teams/<slug>/target/ and /projects/<slug>/target/.

Anyone who can see the team reads which target applies and where it comes from. Org
admins and the managers of a unit that holds the team set an override (with a reason) or
clear it, which returns the team or project to the target it inherits; everyone else sees
no form and gets 403 on POST. A team never sets its own target: a lead cannot lower their
own bar. 404 for what a person may not see at all.

GET shows the page; POST sets an override (the form) or clears one (`clear` names its
dimension, "" for the overall level). An htmx request gets the page's `#target-content`
fragment back; without JavaScript a successful POST redirects to the page with a message.
Refused input comes back with status 422, the message beside its field.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core.http import PortalRequest
from improvement.forms.targets import TargetOverrideForm
from improvement.selectors.target_pages import TargetSources, may_set_overrides, target_sources
from improvement.selectors.targets import project_targets, summarise
from improvement.services import targets as services
from improvement.target_rules import day_text
from teams.models import Project, Team
from teams.selectors import project_get_for_user, team_get_for_user, team_projects

PAGE = "portal/target.html"
REFUSED = (
    "Only org admins and the managers of the team's unit set its targets: "
    "a team does not set its own."
)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def team_target(request: PortalRequest, slug: str) -> HttpResponse:
    team = team_get_for_user(user=request.user, slug=slug)
    return _target_page(request, team=team)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def project_target(request: PortalRequest, slug: str) -> HttpResponse:
    project = project_get_for_user(user=request.user, slug=slug)
    return _target_page(request, team=project.team, project=project)


def _target_page(
    request: PortalRequest, *, team: Team, project: Project | None = None
) -> HttpResponse:
    if not may_set_overrides(user=request.user, team=team):
        if request.method == "POST":
            raise PermissionDenied(REFUSED)
        return _render(request, team, project, may_set=False)
    if request.method == "POST" and "clear" in request.POST:
        return _clear(request, team=team, project=project)
    sources = target_sources(team=team, project=project)
    form = _form(sources, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            override = services.target_override_set(
                **_owner(team, project), **form.cleaned_data, actor=request.user
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            what = sources.names.get(override.dimension_key, override.dimension_key).lower()
            notice = f"Set {_name(team, project)}'s own {what} target: level {override.level} by "
            return _done(request, team, project, notice + f"{day_text(override.due_on)}.")
    status = 422 if request.method == "POST" else 200
    return _render(request, team, project, form=form, sources=sources, status=status)


def _clear(request: PortalRequest, *, team: Team, project: Project | None) -> HttpResponse:
    key = request.POST.get("clear", "")
    cleared = services.target_override_clear(
        **_owner(team, project), dimension_key=key, actor=request.user
    )
    what = target_sources(team=team, project=project).names.get(key, key).lower()
    if not cleared:
        return _done(request, team, project, f"There was no {what} target of its own to clear.")
    inherits = "its team's or the organisation's" if project else "the organisation's"
    notice = f"Cleared {_name(team, project)}'s own {what} target: it follows {inherits} again."
    return _done(request, team, project, notice)


def _owner(team: Team, project: Project | None) -> dict[str, Any]:
    return {"project": project} if project else {"team": team}


def _name(team: Team, project: Project | None) -> str:
    return project.name if project else team.name


def _form(sources: TargetSources, data: QueryDict | None = None) -> TargetOverrideForm:
    dimensions = [(key, name) for key, name in sources.names.items() if key]
    return TargetOverrideForm(data, dimensions=dimensions)


def _add_errors(form: TargetOverrideForm, error: ValidationError) -> None:
    """A service's error beside the field it names, or above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _done(request: PortalRequest, team: Team, project: Project | None, notice: str) -> HttpResponse:
    if request.htmx:
        sources = target_sources(team=team, project=project)
        return _render(request, team, project, form=_form(sources), sources=sources, notice=notice)
    messages.success(request, notice)
    if project is not None:
        return redirect("portal:project_target", project.slug)
    return redirect("portal:team_target", team.slug)


def _render(
    request: PortalRequest,
    team: Team,
    project: Project | None,
    *,
    may_set: bool = True,
    form: TargetOverrideForm | None = None,
    sources: TargetSources | None = None,
    status: int = 200,
    notice: str = "",
) -> HttpResponse:
    projects = [project.pk] if project else team_projects(team=team)
    targets = project_targets(projects=projects, today=timezone.localdate())
    context = {
        "team": team,
        "project": project,
        "may_set": may_set,
        "form": form,
        "sources": sources or target_sources(team=team, project=project),
        "target": targets.get(project.pk) if project else None,
        "targets": list(targets.values()),
        "summary": summarise(targets.values()).counts,
        "notice": notice,
    }
    template = f"{PAGE}#target-content" if request.htmx else PAGE
    return render(request, template, context, status=status)
