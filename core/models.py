"""The audit log: every administrative action, who took it, when, and what changed."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    """One administrative action. `before` and `after` hold the fields it changed (both
    empty for an action that changes no field, such as a resent invitation)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The actor's name when the entry was written: it stays readable if the user goes.
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=60)  # "unit.create", "team.move", "user.deactivate"
    target_type = models.CharField(max_length=40)  # "unit", "team", "user", "invitation"
    target_id = models.PositiveBigIntegerField(null=True)
    target_label = models.CharField(max_length=300, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label}: {self.action} {self.target_label}"
