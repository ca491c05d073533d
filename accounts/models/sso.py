"""Single sign-on's records. An identity ties a portal user to one subject at the OpenID
Connect provider and remembers which organisation-wide roles and managed units the last
log-in granted (so the next log-in can take away what the provider no longer grants, and
leave alone what an admin set by hand). Team memberships granted by the provider are marked
on the membership itself (`Membership.source`).

Group mappings say what an IdP group means in the portal. Log-in attempts keep what the
portal received, for the settings page that diagnoses a mapping; the latest few are kept."""

from django.conf import settings
from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from teams.models import Team, Unit


class SsoIdentity(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identity"
    )
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    # What the last log-in granted: {"roles": ["management", ...], "managed_units": [unit ids]}.
    granted = models.JSONField(default=dict)
    groups = models.JSONField(default=list)  # the groups claim of the last log-in
    first_login_at = models.DateTimeField(default=timezone.now)
    last_login_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"], name="sso_identity_unique_subject"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.issuer} ({self.subject})"


class SsoGroupMapping(models.Model):
    """One IdP group and what it grants: an organisation-wide role, the management of a
    unit, or a role in a team."""

    class Grant(models.TextChoices):
        MANAGEMENT = "management", "Management"
        REVIEWER = "reviewer", "Reviewer"
        ORG_ADMIN = "org_admin", "Org admin"
        UNIT_MANAGER = "unit_manager", "Unit manager"
        TEAM_LEAD = "team_lead", "Team lead"
        TEAM_MEMBER = "team_member", "Team member"

    group = models.CharField(max_length=200)
    grant = models.CharField(max_length=20, choices=Grant.choices)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="sso_mappings"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="sso_mappings"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["group", "grant", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        grant__in=["management", "reviewer", "org_admin"],
                        unit__isnull=True,
                        team__isnull=True,
                    )
                    | models.Q(grant="unit_manager", unit__isnull=False, team__isnull=True)
                    | models.Q(
                        grant__in=["team_lead", "team_member"],
                        unit__isnull=True,
                        team__isnull=False,
                    )
                ),
                name="sso_mapping_grant_has_its_target",
            ),
            models.UniqueConstraint(
                "group",
                "grant",
                Coalesce("unit", Value(0)),
                Coalesce("team", Value(0)),
                name="sso_mapping_unique",
                violation_error_message="This group already grants that.",
            ),
        ]

    def __str__(self) -> str:
        target = self.team or self.unit
        return f"{self.group} → {self.get_grant_display()}" + (f" of {target}" if target else "")


class SsoLoginAttempt(models.Model):
    """What one log-in through the provider brought, whether it succeeded or not. Claims
    are kept as received, minus nothing secret (ID tokens and access tokens are never
    stored)."""

    class Outcome(models.TextChoices):
        SIGNED_IN = "signed_in", "Signed in"
        CREATED = "created", "Signed in, account created"
        REFUSED = "refused", "Refused"

    KEEP = 20

    created_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    message = models.CharField(max_length=500, blank=True)
    claims = models.JSONField(default=dict)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} at {self.created_at:%Y-%m-%d %H:%M}"
