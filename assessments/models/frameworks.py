"""Frameworks as loaded from their YAML files, and the periods that ask them."""

import datetime

from django.db import models
from django.utils import timezone

from assessments.querysets import PeriodQuerySet
from assessments.rules import levels


class Framework(models.Model):
    """One immutable version of the maturity framework, loaded from a YAML file."""

    key = models.SlugField(max_length=60)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    levels = models.JSONField(default=dict)
    anti_patterns = models.JSONField(default=dict)
    content_hash = models.CharField(max_length=64)
    # 1: how version 1 was scored; 2: per-level judgement with defining practices.
    scoring_rule = models.PositiveSmallIntegerField(default=1)
    # How an earlier version's answers carry into this one (see framework_spec.MappingSpec).
    maps_from = models.JSONField(null=True, blank=True)
    source_path = models.CharField(max_length=300, blank=True)
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="framework_unique_version")
        ]
        ordering = ["key", "-version"]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class Dimension(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="dimensions")
    key = models.SlugField(max_length=60)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField()
    applies_to = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["framework", "key"], name="dimension_unique_key")
        ]
        ordering = ["framework", "order"]

    def __str__(self) -> str:
        return self.name


class Practice(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="practices")
    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="practices")
    key = models.SlugField(max_length=80)
    level = models.PositiveSmallIntegerField()
    question = models.TextField()
    help = models.TextField()
    why = models.TextField()
    next_step = models.TextField()
    effort = models.CharField(max_length=1, choices=list(levels.EFFORT_NAMES.items()))
    prerequisites = models.JSONField(default=list)
    sources = models.JSONField(default=list)
    anti_pattern = models.CharField(max_length=60, blank=True)
    order = models.PositiveSmallIntegerField()
    defining = models.BooleanField(default=False)
    # {profile field: [values]}: asked only of projects whose profile matches.
    applies_to = models.JSONField(default=dict, blank=True)
    # [{"when": {...}, "question": ..., "help": ..., "next_step": ..., "why": ...}]
    variants = models.JSONField(default=list, blank=True)
    # {"fact": "mlflow.dataset_inputs_share_30d", "at_least": 0.8}: how the tools check it
    # (evidence.rules.suggestions); empty when none does. Reloading the file updates it.
    evidence = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["framework", "key"], name="practice_unique_key")
        ]
        ordering = ["framework", "order"]

    def __str__(self) -> str:
        return self.key


class Period(models.Model):
    """An assessment round, usually a quarter ("2026-Q4")."""

    class State(models.TextChoices):
        UPCOMING = "upcoming", "Upcoming"
        OPEN = "open", "Open"
        OVERDUE = "overdue", "Past due"
        CLOSED = "closed", "Closed"

    key = models.CharField(max_length=20, unique=True)
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="periods")
    opens_on = models.DateField()
    due_on = models.DateField()
    closes_on = models.DateField()
    reopened_until = models.DateField(
        null=True, blank=True, help_text="Set to reopen a closed period until this date."
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens_on__lte=models.F("due_on"))
                & models.Q(due_on__lte=models.F("closes_on")),
                name="period_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.key

    # Python twins of PeriodQuerySet's methods: the same rule for one period in hand.
    def accepts_answers_on(self, day: datetime.date) -> bool:
        return self.opens_on <= day and (
            day <= self.closes_on
            or (self.reopened_until is not None and day <= self.reopened_until)
        )

    def is_in_progress_on(self, day: datetime.date) -> bool:
        return self.opened_at is not None and self.closed_at is None and self.opens_on <= day

    def is_due_to_open_on(self, day: datetime.date) -> bool:
        return self.opened_at is None and self.opens_on <= day <= self.closes_on

    def is_due_to_close_on(self, day: datetime.date) -> bool:
        reopened = self.reopened_until is not None and self.reopened_until >= day
        return (
            self.opened_at is not None
            and self.closed_at is None
            and self.closes_on < day
            and not reopened
        )

    def state_on(self, day: datetime.date) -> str:
        if day < self.opens_on:
            return self.State.UPCOMING
        if not self.accepts_answers_on(day):
            return self.State.CLOSED
        if day > self.due_on and day > (self.reopened_until or self.due_on):
            return self.State.OVERDUE
        return self.State.OPEN

    @property
    def state(self) -> str:
        return self.state_on(timezone.localdate())

    @property
    def accepts_answers(self) -> bool:
        return self.accepts_answers_on(timezone.localdate())
