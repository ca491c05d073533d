"""Who may do what. Plain predicates; selectors use them to authorise once per request."""

from django.contrib.auth.models import AnonymousUser, User

from teams.models import MANAGEMENT_GROUP, Membership, Team


def is_management(user: User | AnonymousUser) -> bool:
    """Management and org admins read everything in the organisation."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    cached = getattr(user, "_is_management", None)
    if cached is None:
        cached = user.groups.filter(name=MANAGEMENT_GROUP).exists()
        user._is_management = cached
    return cached


def role_in_team(user: User, team: Team) -> str | None:
    membership = Membership.objects.filter(user=user, team=team).only("role").first()
    return membership.role if membership else None


def can_manage_team(user: User, team: Team) -> bool:
    """Team leads manage their team's projects and assessments; org admins manage all."""
    if user.is_superuser or user.is_staff:
        return True
    return role_in_team(user, team) == Membership.Role.LEAD
