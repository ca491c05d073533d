"""Evidence from tools: a project's connection to its MLflow tracking server, each
collection run, and the facts collected, kept with their time as history.

A collection writes all its facts in one transaction at its end, or none: a server that
stops answering half-way leaves the earlier facts as they were, and the collection records
the error. Facts and finished collections older than `EVIDENCE_RETENTION_DAYS` are deleted
by the daily housekeeping (`services.collections.collections_housekeep`).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from teams.models import Project


class MlflowConnection(models.Model):
    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="mlflow_connection"
    )
    tracking_url = models.URLField(max_length=300)
    experiment_names = models.JSONField(default=list)  # names, as MLflow spells them
    model_names = models.JSONField(default=list)  # registered model names
    production_alias = models.CharField(max_length=100, default="production")
    # The server's token, encrypted with EVIDENCE_ENCRYPTION_KEY (evidence.secrets); never
    # shown again, never logged. Empty: the server needs none.
    token_encrypted = models.BinaryField(blank=True, default=b"", editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"MLflow at {self.tracking_url} for {self.project}"

    @property
    def has_token(self) -> bool:
        return bool(self.token_encrypted)


class Collection(models.Model):
    """One collection run: queued, running (with its progress), then succeeded or failed."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Daily"
        REQUEST = "request", "Asked for"
        DEMO = "demo", "Demo data"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="collections")
    source = models.CharField(max_length=20, default="mlflow")
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    steps_done = models.PositiveSmallIntegerField(default=0)
    steps_total = models.PositiveSmallIntegerField(default=0)
    step_label = models.CharField(max_length=200, blank=True)
    # A failed collection's error: its kind (evidence.collectors.mlflow.client: timeout,
    # unreachable, unauthorised, forbidden, not_found, server_error, malformed, too_large,
    # rejected, token, not_connected, interrupted, internal) and a sentence for the page.
    error_kind = models.CharField(max_length=20, blank=True)
    error = models.CharField(max_length=500, blank=True)
    facts_recorded = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "-created_at"], name="collection_latest")]
        constraints = [
            # At most one collection in flight per project and source: asking again while
            # one runs answers with that one.
            models.UniqueConstraint(
                fields=["project", "source"],
                condition=models.Q(status__in=["queued", "running"]),
                name="collection_one_in_flight",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} collection for {self.project} ({self.status})"


class Fact(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="facts")
    key = models.CharField(max_length=80)  # evidence.rules.facts.FACTS
    value = models.FloatField()
    detail = models.JSONField(default=dict)  # {"count": 14, "total": 15}, …
    observed_at = models.DateTimeField()
    collection = models.ForeignKey(
        Collection, null=True, blank=True, on_delete=models.SET_NULL, related_name="facts"
    )
    is_demo = models.BooleanField(default=False)  # recorded by seed_demo, not collected

    class Meta:
        ordering = ["-observed_at", "-id"]
        indexes = [
            models.Index(fields=["project", "key", "-observed_at"], name="fact_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.key}={self.value:g} for {self.project} at {self.observed_at:%Y-%m-%d %H:%M}"


class Event(models.Model):
    """One CI or deployment event a project's pipeline sent (`POST /api/v1/projects/<slug>/
    events`). The sender chooses its id: sending the same event again records nothing new.
    Outcome metrics (`Outcome`) and the `ci.*` facts are computed from these."""

    class Kind(models.TextChoices):
        PIPELINE_RUN = "pipeline_run", "Pipeline run"
        DEPLOYMENT = "deployment", "Deployment"
        ROLLBACK = "rollback", "Rollback"
        INCIDENT = "incident", "Incident"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    sender_id = models.CharField(max_length=200)  # the payload's "id"
    kind = models.CharField(max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    # Deployments and rollbacks: where ("production", lower case); pipeline runs that deploy.
    environment = models.CharField(max_length=60, blank=True)
    model_version = models.CharField(max_length=100, blank=True)
    # Incidents: "opened" or "resolved"; pipeline runs: "passed" or "failed" (any step failed).
    state = models.CharField(max_length=10, blank=True)
    # Incidents: the incident's id, which pairs its opening with its resolution.
    reference = models.CharField(max_length=200, blank=True)
    # The rest of the normalised payload: steps, model_name, trained_at, run_id, url, …
    detail = models.JSONField(default=dict)
    token = models.ForeignKey(
        "accounts.ApiToken", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_demo = models.BooleanField(default=False)  # recorded by seed_demo, not sent

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "sender_id"], name="event_sent_once")
        ]
        indexes = [
            models.Index(fields=["project", "kind", "occurred_at"], name="event_history"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.kind} {self.sender_id} for {self.project} at {self.occurred_at:%Y-%m-%d %H:%M}"
        )


class Outcome(models.Model):
    """A project's delivery outcomes in one calendar quarter ("2026-Q4"), computed from its
    events (and the MLflow retraining fact) by `services.outcomes.outcomes_refresh` whenever
    an event of that quarter arrives; dashboards read these rows, never the events."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="outcomes")
    quarter = models.CharField(max_length=7)
    # Production deployments in the quarter, and how many of them a rollback or an incident
    # followed within 7 days.
    deployments = models.PositiveIntegerField(default=0)
    failed_deployments = models.PositiveIntegerField(default=0)
    change_failure_rate = models.FloatField(null=True, blank=True)  # None: no deployments
    # Medians, with how many values each is the median of.
    lead_time_hours = models.FloatField(null=True, blank=True)  # training run end -> production
    lead_time_count = models.PositiveIntegerField(default=0)
    restore_hours = models.FloatField(null=True, blank=True)  # failure -> service restored
    restore_count = models.PositiveIntegerField(default=0)
    retraining_days = models.FloatField(null=True, blank=True)  # between successful trainings
    retraining_count = models.PositiveIntegerField(default=0)
    retraining_source = models.CharField(max_length=10, blank=True)  # "events" or "mlflow"
    computed_at = models.DateTimeField(default=timezone.now)
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["project", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["project", "quarter"], name="outcome_one_per_quarter")
        ]
        indexes = [models.Index(fields=["quarter"], name="outcome_quarter")]

    def __str__(self) -> str:
        return f"outcomes of {self.project} in {self.quarter}"
