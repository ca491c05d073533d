"""Invitations: how people join the portal. An org admin invites an e-mail address; the
link in the e-mail lets its holder set a password once, before it expires."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from teams.models import Membership, Team


class Invitation(models.Model):
    """One invitation of one address. The link's token is stored only as its SHA-256 hash:
    a resend replaces the hash (the old link stops working), and accepting or revoking
    keeps it, so an old link can still say why it no longer works.

    An invitation is open until it is accepted or revoked, and pending while it is open and
    not expired. At most one invitation per address is open (case-insensitive): inviting
    the address again refreshes that one."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        EXPIRED = "expired", "Expired"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"

    email = models.EmailField()  # stored stripped and lower-cased (services.normalise_email)
    name = models.CharField(max_length=150)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The initial role: a team and "lead" or "member" (both empty for none).
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations"
    )
    role = models.CharField(max_length=10, choices=Membership.Role.choices, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    sent_count = models.PositiveSmallIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accepted_invitations",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
                violation_error_message="This address already has an open invitation.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None

    def state(self, now: datetime.datetime | None = None) -> "Invitation.State":
        if self.accepted_at is not None:
            return self.State.ACCEPTED
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return self.State.EXPIRED
        return self.State.PENDING

    @property
    def role_label(self) -> str:
        """ "Team lead of Fraud Detection", or "" without an initial role."""
        if self.team is None or not self.role:
            return ""
        return f"{Membership.Role(self.role).label} of {self.team.name}"

    @property
    def role_phrase(self) -> str:
        """ "a team lead of Fraud Detection", for sentences; "" without an initial role."""
        if self.team is None or not self.role:
            return ""
        return f"a {Membership.Role(self.role).label.lower()} of {self.team.name}"
