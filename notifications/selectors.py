"""Reads for emails: who leads which unsubmitted assessments, who gets escalations, which
improvement actions to remind their owners of and what goes in the leads' weekly digest,
who reviews and what waits for them."""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from assessments.models import Assessment, Exemption, Period
from core.access import REVIEWERS_GROUP, management_users_q, reviewable_teams_q
from improvement.models import Action
from notifications.models import NotificationPreference, SentEmail
from teams.models import Membership, Team, UnitReviewer


def periods_in_progress(*, today: datetime.date) -> QuerySet[Period]:
    """Periods that have opened and not closed yet: the ones emails can be about."""
    return Period.objects.in_progress(today).order_by("opens_on")


def drafts(*, period: Period) -> QuerySet[Assessment]:
    """The period's assessments not submitted yet, for active projects, by team and project."""
    return (
        Assessment.objects.filter(
            period=period,
            status=Assessment.Status.DRAFT,
            project__archived_at__isnull=True,
        )
        .select_related("project", "project__team", "period")
        .order_by("project__team__name", "project__name")
    )


def drafts_by_lead(*, period: Period) -> dict[User, list[Assessment]]:
    """Each active team lead with an email address -> the drafts of every team they lead."""
    assessments = list(drafts(period=period))
    team_ids = {assessment.project.team_id for assessment in assessments}
    leads_by_team: dict[int, list[User]] = defaultdict(list)
    for membership in _lead_memberships(team_ids):
        leads_by_team[membership.team_id].append(membership.user)
    result: dict[User, list[Assessment]] = defaultdict(list)
    for assessment in assessments:
        for lead in leads_by_team[assessment.project.team_id]:
            result[lead].append(assessment)
    return dict(result)


def drafts_for_lead(*, period: Period, user: User) -> list[Assessment]:
    team_ids = Membership.objects.filter(user=user, role=Membership.Role.LEAD).values("team_id")
    return list(drafts(period=period).filter(project__team_id__in=team_ids))


def _lead_memberships(team_ids: Iterable[int]) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(
            team_id__in=list(team_ids), role=Membership.Role.LEAD, user__is_active=True
        )
        .exclude(user__email="")
        .select_related("user")
        .order_by("user__username")
    )


def team_leads_with_email(*, team: Team) -> list[User]:
    return [membership.user for membership in _lead_memberships([team.pk])]


def organisation_recipients() -> QuerySet[User]:
    """Org admins and management: escalations and the organisation report go to them."""
    return (
        User.objects.filter(management_users_q()).exclude(email="").distinct().order_by("username")
    )


def reminders_enabled(*, user: User) -> bool:
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference is None or preference.reminders_enabled


def users_without_reminders(*, users: Iterable[User]) -> set[int]:
    return set(
        NotificationPreference.objects.filter(
            user__in=list(users), reminders_enabled=False
        ).values_list("user_id", flat=True)
    )


def email_keys_settled(*, keys: Iterable[str]) -> set[str]:
    """Keys that need no more sending: sent, being sent, or failed for good."""
    return set(
        SentEmail.objects.filter(key__in=list(keys))
        .filter(~Q(status=SentEmail.Status.FAILED) | Q(attempts__gte=settings.EMAIL_MAX_ATTEMPTS))
        .values_list("key", flat=True)
    )


# --- Improvement actions ----------------------------------------------------------------------


def actions_open() -> QuerySet[Action]:
    """Planned and in-progress actions of active teams, about active projects or none."""
    return (
        Action.objects.filter(status__in=Action.OPEN_STATUSES, team__archived_at__isnull=True)
        .filter(Q(project__isnull=True) | Q(project__archived_at__isnull=True))
        .select_related("team", "project", "owner")
    )


def actions_to_remind(*, due_until: datetime.date) -> QuerySet[Action]:
    """Open actions due by `due_until` whose owner is active, has an email address and has
    not switched action reminders off."""
    return (
        actions_open()
        .filter(due_on__lte=due_until, owner__is_active=True)
        .exclude(owner__email="")
        .exclude(owner__notification_preference__action_reminders_enabled=False)
        .order_by("due_on", "pk")
    )


def action_reminders_enabled(*, user: User) -> bool:
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference is None or preference.action_reminders_enabled


def action_digest_enabled(*, user: User) -> bool:
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference is not None and preference.action_digest_enabled


def digest_recipients() -> list[User]:
    """Active leads with an email address who asked for the weekly digest and lead at least
    one team with open actions."""
    open_actions = actions_open().filter(team_id=OuterRef("team_id"))
    memberships = (
        Membership.objects.filter(
            role=Membership.Role.LEAD,
            user__is_active=True,
            user__notification_preference__action_digest_enabled=True,
        )
        .exclude(user__email="")
        .filter(Exists(open_actions))
        .select_related("user")
        .order_by("user__username")
    )
    return list({membership.user_id: membership.user for membership in memberships}.values())


def actions_open_for_lead(*, user: User) -> list[Action]:
    """The open actions of every team `user` leads, by team, then due date (none last)."""
    team_ids = Membership.objects.filter(user=user, role=Membership.Role.LEAD).values("team_id")
    return list(
        actions_open()
        .filter(team_id__in=team_ids)
        .order_by("team__name", F("due_on").asc(nulls_last=True), "pk")
    )


def notification_preference_for(*, user: User) -> NotificationPreference:
    """The user's saved choices, or the defaults (unsaved) when they never chose."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(
        user=user
    )


def leads_a_team(*, user: User) -> bool:
    return Membership.objects.filter(user=user, role=Membership.Role.LEAD).exists()


# --- Reviews ----------------------------------------------------------------------------------


def preference_enabled(*, user: User, name: str) -> bool:
    """A switch of the user's preferences, or its default when they never chose."""
    return bool(getattr(notification_preference_for(user=user), name))


def reviewers_with_email(*, without: str = "") -> list[User]:
    """Active reviewers (of the whole organisation or of an active unit) with an e-mail
    address; `without` names a preference: those who switched it off are left out."""
    unit_reviewers = UnitReviewer.objects.filter(unit__archived_at__isnull=True).values("user_id")
    reviewers = (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name=REVIEWERS_GROUP) | Q(pk__in=unit_reviewers))
        .exclude(email="")
    )
    if without:
        reviewers = reviewers.exclude(**{f"notification_preference__{without}": False})
    return list(reviewers.distinct().order_by("username"))


def exemptions_waiting_for(*, user: User) -> list[Exemption]:
    """Exemption requests waiting for a decision in submissions this reviewer may review, the
    oldest request first."""
    return list(
        Exemption.objects.filter(
            reviewable_teams_q(user, team="project__team__"),
            status=Exemption.Status.REQUESTED,
            assessment__status=Assessment.Status.SUBMITTED,
            assessment__review_status=Assessment.Review.PENDING,
        )
        .select_related("project__team", "assessment__period__framework", "requested_by")
        .order_by("requested_at", "pk")
    )


def last_sent_at(*, user: User, kind: str) -> datetime.datetime | None:
    """When the last e-mail of `kind` to `user` was claimed (sent, or being sent)."""
    return (
        SentEmail.objects.filter(user=user, kind=kind)
        .exclude(status=SentEmail.Status.FAILED)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
