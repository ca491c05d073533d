from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments.selectors import assessments as assessment_selectors
from assessments.selectors import dashboard as dashboard_selectors
from mlops_portal.http import PortalRequest
from teams import selectors, services
from teams.forms import ProjectForm
from teams.models import Team
from teams.permissions import can_manage_team


def _require_team_manager(request: PortalRequest, team: Team) -> None:
    if not can_manage_team(request.user, team):
        raise PermissionDenied("Only the team's leads can change its projects.")


@require_GET
@login_required
def home(request: PortalRequest) -> HttpResponse:
    teams = selectors.team_list_for_user(user=request.user)
    return render(
        request,
        "teams/home.html",
        {
            "teams": teams,
            "open_assessments": assessment_selectors.open_assessments_for_user(user=request.user),
        },
    )


def _team_context(request: PortalRequest, team: Team, **extra) -> dict:
    return {
        "team": team,
        "can_manage": can_manage_team(request.user, team),
        "projects": selectors.team_projects(team=team),
        "archived_projects": selectors.team_projects(team=team, archived=True),
        **extra,
    }


@require_GET
@login_required
def team_detail(request: PortalRequest, slug: str) -> HttpResponse:
    team = selectors.team_get_for_user(user=request.user, slug=slug)
    context = _team_context(
        request,
        team,
        members=selectors.team_members(team=team),
        **dashboard_selectors.team_page_data(team=team),
    )
    return render(request, "teams/team_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def project_create(request: PortalRequest, slug: str) -> HttpResponse:
    team = selectors.team_get_for_user(user=request.user, slug=slug)
    _require_team_manager(request, team)
    form = ProjectForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        project = services.project_register(team=team, **form.cleaned_data)
        context = _team_context(request, team, created=project)
        if request.htmx:
            return render(request, "teams/team_detail.html#projects", context)
        return redirect(team)
    status = 422 if request.method == "POST" else 200
    context = _team_context(request, team, form=form)
    template = "teams/team_detail.html#projects" if request.htmx else "teams/project_form.html"
    return render(request, template, context, status=status)


@require_GET
@login_required
def project_detail(request: PortalRequest, slug: str) -> HttpResponse:
    project = selectors.project_get_for_user(user=request.user, slug=slug)
    context = {
        "project": project,
        "can_manage": can_manage_team(request.user, project.team),
        **dashboard_selectors.project_page_data(project=project),
    }
    return render(request, "teams/project_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def project_edit(request: PortalRequest, slug: str) -> HttpResponse:
    project = selectors.project_get_for_user(user=request.user, slug=slug)
    _require_team_manager(request, project.team)
    form = ProjectForm(request.POST or None, instance=project, team=project.team)
    if request.method == "POST" and form.is_valid():
        project = services.project_update(project=project, **form.cleaned_data)
        context = {"project": project, "can_manage": True, "saved": True}
        if request.htmx:
            return render(request, "teams/project_detail.html#summary", context)
        return redirect(project)
    if request.method == "POST":
        project.refresh_from_db()
    status = 422 if request.method == "POST" else 200
    context = {"project": project, "can_manage": True, "form": form}
    template = "teams/project_detail.html#summary" if request.htmx else "teams/project_form.html"
    return render(request, template, context, status=status)


def _set_archived(request: PortalRequest, slug: str, *, archived: bool) -> HttpResponse:
    project = selectors.project_get_for_user(user=request.user, slug=slug)
    _require_team_manager(request, project.team)
    if archived:
        project = services.project_archive(project=project)
    else:
        project = services.project_restore(project=project)
    if request.htmx:
        context = _team_context(request, project.team, changed=project)
        return render(request, "teams/team_detail.html#projects", context)
    return redirect(project.team if archived else project)


@require_POST
@login_required
def project_archive(request: PortalRequest, slug: str) -> HttpResponse:
    return _set_archived(request, slug, archived=True)


@require_POST
@login_required
def project_restore(request: PortalRequest, slug: str) -> HttpResponse:
    return _set_archived(request, slug, archived=False)
