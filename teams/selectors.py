"""Reads for the teams app. Every *_for_user selector authorises: outsiders get a 404."""

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from teams.models import Membership, Project, Team
from teams.permissions import is_management


def team_list_for_user(*, user: User) -> QuerySet[Team]:
    teams = Team.objects.annotate(
        active_project_count=Count("projects", filter=Q(projects__archived_at__isnull=True)),
        member_count=Count("memberships", distinct=True),
    ).order_by("name")
    if is_management(user):
        return teams
    return teams.filter(memberships__user=user)


def team_get_for_user(*, user: User, slug: str) -> Team:
    team = Team.objects.filter(slug=slug).first()
    if team is None or not (is_management(user) or _is_member(user, team)):
        raise Http404("No such team.")
    return team


def team_members(*, team: Team) -> QuerySet[Membership]:
    return team.memberships.select_related("user").order_by("role", "user__username")


def team_projects(*, team: Team, archived: bool = False) -> QuerySet[Project]:
    return team.projects.filter(archived_at__isnull=not archived).order_by("name")


def project_get_for_user(*, user: User, slug: str) -> Project:
    project = Project.objects.select_related("team").filter(slug=slug).first()
    if project is None or not (is_management(user) or _is_member(user, project.team)):
        raise Http404("No such project.")
    return project


def _is_member(user: User, team: Team) -> bool:
    return Membership.objects.filter(user=user, team=team).exists()
