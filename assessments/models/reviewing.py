"""The organisation's review policy, and exemptions: practices a reviewer agreed do not
apply to a project, for a number of quarters."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from assessments.models.assessments import Assessment
from assessments.models.frameworks import Period
from assessments.rules import review as review_rules
from teams.models import Project


class ReviewPolicy(models.Model):
    """The organisation's one review policy (the row with pk 1): which submissions wait for
    a reviewer, whether those waiting count in the figures, and how long exemptions last."""

    rule = models.CharField(
        "which submissions wait for review",
        max_length=10,
        choices=list(review_rules.POLICIES.items()),
        default=review_rules.NEVER,
    )
    count_awaiting_review = models.BooleanField(
        "count submissions awaiting review in the figures", default=True
    )
    exemption_quarters = models.PositiveSmallIntegerField(
        "quarters an approved exemption lasts", default=4
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(exemption_quarters__gte=1, exemption_quarters__lte=12),
                name="review_policy_exemption_quarters_range",
            )
        ]

    def __str__(self) -> str:
        return self.get_rule_display()

    @classmethod
    def current(cls) -> "ReviewPolicy":
        """The stored policy, or the default one (review never) before anyone set it."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class Exemption(models.Model):
    """A request to treat one practice as not applicable to a project, with its justification.

    A lead requests it by answering "not applicable"; a reviewer approves or declines it. An
    approved exemption covers the periods that open before `expires_on`, after which the
    practice is asked again. Rows are never deleted: together they are the practice's history
    of exemptions for the project.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", "Awaiting a decision"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="exemptions")
    practice_key = models.SlugField(max_length=80)
    # The assessment it was requested in; its period is the one it was approved for.
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="exemptions")
    justification = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=1000, blank=True)
    # Approved: the first period opening on or after this day asks the practice again.
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "practice_key"],
                condition=models.Q(status="requested"),
                name="exemption_one_open_request",
            )
        ]
        indexes = [models.Index(fields=["project", "practice_key", "status"])]
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.project} {self.practice_key}: {self.get_status_display()}"

    def covers(self, period: Period) -> bool:
        """Whether this (approved) exemption still holds in `period`."""
        return (
            self.status == self.Status.APPROVED
            and self.expires_on is not None
            and period.opens_on < self.expires_on
        )
