from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse

from assessments.models import Period
from teams.models import Team, Unit


class Report(models.Model):
    class Scope(models.TextChoices):
        ORGANISATION = "organisation", "Organisation"
        UNIT = "unit", "Unit"
        TEAM = "team", "Team"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    scope = models.CharField(max_length=12, choices=Scope.choices)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="reports")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    html_file = models.FileField(upload_to="reports/", blank=True)
    pdf_file = models.FileField(upload_to="reports/", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    automatic = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope="organisation", team__isnull=True, unit__isnull=True)
                | models.Q(scope="team", team__isnull=False, unit__isnull=True)
                | models.Q(scope="unit", unit__isnull=False, team__isnull=True),
                name="report_scope_matches_target",
            ),
            # Closing a period creates its automatic reports once, however often it runs.
            models.UniqueConstraint(
                fields=["period"],
                condition=models.Q(automatic=True, scope="organisation"),
                name="report_unique_automatic_organisation",
            ),
            models.UniqueConstraint(
                fields=["period", "team"],
                condition=models.Q(automatic=True, scope="team"),
                name="report_unique_automatic_team",
            ),
            models.UniqueConstraint(
                fields=["period", "unit"],
                condition=models.Q(automatic=True, scope="unit"),
                name="report_unique_automatic_unit",
            ),
            # One report asked for per period and scope while it is queued or running.
            models.UniqueConstraint(
                "period",
                Coalesce("team", models.Value(0)),
                Coalesce("unit", models.Value(0)),
                condition=models.Q(automatic=False, status__in=["queued", "running"]),
                name="report_unique_requested_in_progress_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target_name} report {self.period}"

    def get_absolute_url(self) -> str:
        return reverse("reports:report_detail", kwargs={"pk": self.pk})

    @property
    def target_name(self) -> str:
        if self.team_id:
            return self.team.name  # type: ignore[union-attr]
        if self.unit_id:
            return self.unit.name  # type: ignore[union-attr]
        return "Organisation"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
