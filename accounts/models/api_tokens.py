"""API tokens. A personal token reads as its owner, with exactly their rights; a service
token belongs to the organisation (no person), is created by org admins, and holds scopes:
`read` (the whole organisation, as management reads it) and `events:write` for one project
or one team (the CI events of the evidence issue).

The secret is shown once, at creation, and stored only as its SHA-256 hash: it carries 256
random bits, so a fast hash is as safe as a slow one and can be looked up by index. The
first characters after the kind's prefix are kept in clear (`display_prefix`) so a list can
say which token is which."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from teams.models import Project, Team

MAX_LIFETIME_DAYS = 366  # "at most one year": a token made on 29 February may end on 28 February


class ApiToken(models.Model):
    class Kind(models.TextChoices):
        PERSONAL = "personal", "Personal"
        SERVICE = "service", "Service"

    class Scope(models.TextChoices):
        READ = "read", "Read"
        EVENTS_WRITE = "events:write", "Write CI events"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=80)
    # Personal tokens: the person they read as. Service tokens: nobody (null).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    scopes = models.JSONField(default=list)  # a list of Scope values
    # `events:write` is for one project or one team (all its projects), never both.
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    display_prefix = models.CharField(max_length=24)  # "mlp_pat_Ab3d": which token, not the secret
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="personal", user__isnull=False)
                    | models.Q(kind="service", user__isnull=True)
                ),
                name="api_token_personal_has_owner_service_has_none",
            ),
            models.CheckConstraint(
                condition=models.Q(project__isnull=True) | models.Q(team__isnull=True),
                name="api_token_one_project_or_team",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} token {self.name!r} ({self.display_prefix}…)"

    def is_expired(self, now: datetime.datetime | None = None) -> bool:
        return self.expires_at <= (now or timezone.now())

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_usable(self, now: datetime.datetime | None = None) -> bool:
        return not self.is_revoked and not self.is_expired(now)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes
