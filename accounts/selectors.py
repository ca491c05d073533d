"""Reads for invitations: the admin list (with each e-mail's delivery), a link's
invitation, and whether that link can be used."""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.emails import invitation_email_key
from accounts.models import Invitation
from accounts.tokens import token_hash, token_well_formed
from notifications.models import SentEmail
from teams.models import Team

# What the accept page says instead of its form: a closed Invitation.State, or one of these.
UNKNOWN = "unknown"  # no invitation has this token (mistyped, or replaced by a resend)
ACCOUNT_ACTIVE = "account_active"  # the address has an active account by now
CLOSED_SHOWN = 50  # accepted and revoked invitations listed, newest first


class InvitationUnavailable(Exception):
    """A link that cannot be used; `reason` is UNKNOWN, ACCOUNT_ACTIVE or a closed state."""

    def __init__(self, reason: str, invitation: Invitation | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


@dataclass(frozen=True)
class InvitationRow:
    invitation: Invitation
    state: str
    delivery: str  # the latest e-mail's SentEmail status ("" before it was claimed)


def _rows() -> QuerySet[Invitation]:
    return Invitation.objects.select_related("invited_by", "team", "accepted_user")


def invitation_overview() -> dict[str, list[InvitationRow]]:
    """Invitations by state: every open one (pending, expired), the newest closed ones."""
    now = timezone.now()
    invitations = [
        *_rows().filter(accepted_at__isnull=True, revoked_at__isnull=True),
        *_rows().filter(accepted_at__isnull=False).order_by("-accepted_at")[:CLOSED_SHOWN],
        *_rows().filter(revoked_at__isnull=False).order_by("-revoked_at")[:CLOSED_SHOWN],
    ]
    keys = {invitation_email_key(invitation=i): i.pk for i in invitations if i.is_open}
    delivered = dict(SentEmail.objects.filter(key__in=keys).values_list("key", "status"))
    by_state: dict[str, list[InvitationRow]] = {state: [] for state in Invitation.State.values}
    for invitation in invitations:
        state = invitation.state(now)
        delivery = delivered.get(invitation_email_key(invitation=invitation), "")
        by_state[state].append(InvitationRow(invitation, state, delivery))
    return by_state


def invitation_get(*, pk: int) -> Invitation:
    return get_object_or_404(Invitation, pk=pk)


def invitation_teams() -> QuerySet[Team]:
    """The teams an invitation can give a role in."""
    return Team.objects.filter(archived_at__isnull=True).order_by("name")


def invitation_by_token(*, token: str) -> Invitation | None:
    if not token_well_formed(token):
        return None
    return (
        Invitation.objects.select_related("invited_by", "team")
        .filter(token_hash=token_hash(token))
        .first()
    )


def active_account_exists(email: str) -> bool:
    return User.objects.filter(email__iexact=email, is_active=True).exists()


def invitation_check(*, invitation: Invitation | None) -> Invitation:
    """The invitation if its link can be used now; InvitationUnavailable says why not."""
    if invitation is None:
        raise InvitationUnavailable(UNKNOWN)
    state = invitation.state()
    if state != Invitation.State.PENDING:
        raise InvitationUnavailable(state.value, invitation)
    if active_account_exists(invitation.email):
        # The account may have been set up through this very link since it was read: then
        # "already used" is the reason the person needs to hear.
        invitation.refresh_from_db()
        state = invitation.state()
        reason = ACCOUNT_ACTIVE if state == Invitation.State.PENDING else state.value
        raise InvitationUnavailable(reason, invitation)
    return invitation
