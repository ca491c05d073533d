"""Reads for teams and projects. Every *_for_user selector authorises: outsiders get a 404."""

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from core.access import visible_teams_q
from teams.models import Membership, Project, Team


def team_list_for_user(*, user: User) -> QuerySet[Team]:
    # Annotated before filtering, so the membership join of the filter leaves the counts be.
    return (
        Team.objects.annotate(
            active_project_count=Count(
                "projects", filter=Q(projects__archived_at__isnull=True), distinct=True
            ),
            member_count=Count("memberships", distinct=True),
        )
        .filter(visible_teams_q(user))
        .order_by("name")
    )


def team_get_for_user(*, user: User, slug: str) -> Team:
    team = Team.objects.filter(visible_teams_q(user), slug=slug).first()
    if team is None:
        raise Http404("No such team.")
    return team


def team_members(*, team: Team) -> QuerySet[Membership]:
    return team.memberships.select_related("user").order_by("role", "user__username")


def team_projects(*, team: Team, archived: bool = False) -> QuerySet[Project]:
    return team.projects.filter(archived_at__isnull=not archived).order_by("name")


def project_get_for_user(*, user: User, slug: str) -> Project:
    project = (
        Project.objects.select_related("team")
        .filter(visible_teams_q(user, team="team__"), slug=slug)
        .first()
    )
    if project is None:
        raise Http404("No such project.")
    return project
