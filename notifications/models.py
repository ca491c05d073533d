from django.conf import settings
from django.db import models

from assessments.models import Period


class SentEmail(models.Model):
    """An email claimed under a unique key before it is sent, so no job sends it twice."""

    class Status(models.TextChoices):
        CLAIMED = "claimed", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=30)
    recipient = models.EmailField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    period = models.ForeignKey(
        Period, null=True, blank=True, on_delete=models.CASCADE, related_name="emails"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.CLAIMED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.key


class NotificationPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    reminders_enabled = models.BooleanField(default=True)
    # Improvement actions: reminders to their owner (opt-out) and a weekly digest of the
    # plans of the teams one leads (opt-in).
    action_reminders_enabled = models.BooleanField(default=True)
    action_digest_enabled = models.BooleanField(default=False)
    # Reviews: telling the lead a reviewer accepted their submission, and reviewers' digests
    # (submissions waiting, daily; exemptions waiting, weekly). A returned assessment's
    # e-mail is always sent: the team has to answer the comments.
    review_accepted_enabled = models.BooleanField(default=True)
    review_digest_enabled = models.BooleanField(default=True)
    exemption_digest_enabled = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.user}: reminders {'on' if self.reminders_enabled else 'off'}"
