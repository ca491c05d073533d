"""The composite pages: home, team and project. They gather what teams, assessments and
insights each know; no other app needs to import all three."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments import selectors as assessment_selectors
from assessments.forms import ProjectProfileForm
from assessments.services.profiles import project_profile_save
from core.access import can_manage_team
from core.http import PortalRequest
from improvement.selectors.actions import plan_summary
from improvement.selectors.targets import project_targets, summarise
from insights import outcome_cards, page_figures
from insights.selectors.outcomes import project_outcomes
from insights.selectors.project import project_insights
from insights.selectors.team import team_insights, team_outcomes_and_trend
from portal.evidence_views import evidence_card
from teams import selectors, services
from teams.forms import ProjectForm
from teams.models import Project, Team


def _require_team_manager(request: PortalRequest, team: Team) -> None:
    if not can_manage_team(request.user, team.pk):
        raise PermissionDenied("Only the team's leads can change its projects.")


@require_safe
@login_required
def home(request: PortalRequest) -> HttpResponse:
    teams = selectors.team_list_for_user(user=request.user)
    return render(
        request,
        "portal/home.html",
        {
            "teams": teams,
            "open_assessments": assessment_selectors.open_assessments_for_user(user=request.user),
        },
    )


def _team_projects(team: Team) -> tuple[list[Project], list[Project]]:
    """The team's active and its archived projects, each by name (one query)."""
    active: list[Project] = []
    archived: list[Project] = []
    for project in team.projects.order_by("name"):
        (active if project.archived_at is None else archived).append(project)
    return active, archived


def _team_context(request: PortalRequest, team: Team, **extra: object) -> dict:
    insights = team_insights(team=team)
    projects, archived = _team_projects(team)
    targets = project_targets(projects=[project.pk for project in projects])
    return {
        "team": team,
        "can_manage": can_manage_team(request.user, team.pk),
        "projects": projects,
        "targets": targets,
        "target_summary": summarise(targets.values()).counts,
        "archived_projects": archived,
        "insights": insights,
        "period": insights.period,
        "assessments_by_project": insights.assessments_by_project,
        **extra,
    }


@require_safe
@login_required
def team_detail(request: PortalRequest, slug: str) -> HttpResponse:
    team = selectors.team_get_for_user(user=request.user, slug=slug)
    context = _team_context(request, team, members=selectors.team_members(team=team))
    context["charts"] = page_figures.team_figures(context["insights"], team=team)
    context["plan"] = plan_summary(team_ids=[team.pk])[team.pk]
    context["outcomes"] = outcome_cards.team_card(*team_outcomes_and_trend(context["projects"]))
    return render(request, "portal/team_detail.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def project_create(request: PortalRequest, slug: str) -> HttpResponse:
    team = selectors.team_get_for_user(user=request.user, slug=slug)
    _require_team_manager(request, team)
    form = ProjectForm(request.POST or None, team=team)
    profile_form = ProjectProfileForm(request.POST or None, prefix="profile", optional=True)
    if request.method == "POST" and form.is_valid() and profile_form.is_valid():
        try:
            project = services.project_register(team=team, **form.cleaned_data)
        except ValidationError as error:  # a look-alike registered since the form's check
            form.add_error(None, error)
        else:
            _save_profile(request, project, profile_form)
            context = _team_context(request, team, created=project)
            if request.htmx:
                return render(request, "portal/team_detail.html#projects", context)
            return redirect(team)
    status = 422 if request.method == "POST" else 200
    context = _team_context(request, team, form=form, profile_form=profile_form)
    template = "portal/team_detail.html#projects" if request.htmx else "portal/project_form.html"
    return render(request, template, context, status=status)


@require_safe
@login_required
def project_detail(request: PortalRequest, slug: str) -> HttpResponse:
    project = selectors.project_get_for_user(user=request.user, slug=slug)
    insights = project_insights(project=project)
    context = {
        "project": project,
        "can_manage": can_manage_team(request.user, project.team_id),
        "insights": insights,
        "assessments": insights.assessments,
        "latest_quarter": insights.latest_quarter,
        "charts": page_figures.project_figures(insights),
        "profile": assessment_selectors.project_profile(project_id=project.pk),
        "target": project_targets(projects=[project.pk])[project.pk],
        "evidence": evidence_card(project=project),
        "outcomes": outcome_cards.project_card(project_outcomes(project)),
    }
    return render(request, "portal/project_detail.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def project_edit(request: PortalRequest, slug: str) -> HttpResponse:
    project = selectors.project_get_for_user(user=request.user, slug=slug)
    _require_team_manager(request, project.team)
    form = ProjectForm(request.POST or None, instance=project, team=project.team)
    recorded = getattr(project, "profile", None)
    profile_form = ProjectProfileForm(
        request.POST or None, prefix="profile", optional=True, instance=recorded
    )
    if request.method == "POST" and form.is_valid() and profile_form.is_valid():
        try:
            project = services.project_update(project=project, **form.cleaned_data)
        except ValidationError as error:  # a look-alike saved since the form's check
            form.add_error(None, error)
        else:
            _save_profile(request, project, profile_form)
            context = {
                "project": project,
                "can_manage": True,
                "saved": True,
                "profile": assessment_selectors.project_profile(project_id=project.pk),
            }
            if request.htmx:
                return render(request, "portal/project_detail.html#summary", context)
            return redirect(project)
    if request.method == "POST":
        project.refresh_from_db()
    status = 422 if request.method == "POST" else 200
    context = {"project": project, "can_manage": True, "form": form, "profile_form": profile_form}
    template = "portal/project_detail.html#summary" if request.htmx else "portal/project_form.html"
    return render(request, template, context, status=status)


def _save_profile(
    request: PortalRequest, project: Project, profile_form: ProjectProfileForm
) -> None:
    profile = profile_form.profile()
    if profile is not None:
        project_profile_save(project=project, user=request.user, profile=profile)


def _set_archived(request: PortalRequest, slug: str, *, archived: bool) -> HttpResponse:
    project = selectors.project_get_for_user(user=request.user, slug=slug)
    _require_team_manager(request, project.team)
    if archived:
        project = services.project_archive(project=project)
    else:
        project = services.project_restore(project=project)
    if request.htmx:
        context = _team_context(request, project.team, changed=project)
        return render(request, "portal/team_detail.html#projects", context)
    return redirect(project.team if archived else project)


@require_POST
@login_required
def project_archive(request: PortalRequest, slug: str) -> HttpResponse:
    return _set_archived(request, slug, archived=True)


@require_POST
@login_required
def project_restore(request: PortalRequest, slug: str) -> HttpResponse:
    return _set_archived(request, slug, archived=False)
