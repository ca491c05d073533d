"""Assessments, their answers and history, and the scores stored at submission."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from assessments.models.frameworks import Period, Practice
from assessments.querysets import AssessmentQuerySet
from assessments.rules import levels, profiles
from assessments.rules.scoring import ApplicabilityMixin
from teams.models import Project, Team


class Assessment(models.Model):
    SUBMITTED_READ_ONLY = "This assessment is submitted; its answers are read-only."

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    class Review(models.TextChoices):
        """Whether a reviewer looked at the result: set at submission (self-assessed, or
        awaiting review under the organisation's policy), then by the reviewer's decision."""

        NONE = "", "Not submitted yet"
        SELF_ASSESSED = "self_assessed", "Self-assessed"
        PENDING = "pending", "Awaiting review"
        RETURNED = "returned", "Returned for changes"
        REVIEWED = "reviewed", "Reviewed"

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="assessments")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    overall_level = models.PositiveSmallIntegerField(null=True, blank=True)
    # Rule 1: the mean of the dimension scores; rule 2: the lowest dimension score.
    overall_score = models.FloatField(null=True, blank=True)
    weakest_dimension_key = models.CharField(max_length=60, blank=True)
    anti_patterns = models.JSONField(default=list, blank=True)
    # At submission: answers carried from last quarter and confirmed without a change.
    confirmed_unchanged = models.PositiveSmallIntegerField(null=True, blank=True)
    # The project profile the assessment was scored with (rules.profiles), set at submission.
    profile = models.JSONField(default=dict, blank=True)
    review_status = models.CharField(
        max_length=14, choices=Review.choices, default=Review.NONE, blank=True
    )
    # Inflation signals found at submission: [{"kind": ..., "text": ...}] (rules.review).
    signals = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "period"], name="assessment_unique_project_period"
            )
        ]
        indexes = [
            models.Index(fields=["period", "status"]),
            models.Index(fields=["review_status", "submitted_at"]),
        ]
        ordering = ["-period__opens_on", "project__name"]

    def __str__(self) -> str:
        return f"{self.project} {self.period}"

    def get_absolute_url(self) -> str:
        return reverse("assessments:assessment_detail", kwargs={"pk": self.pk})

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED

    @property
    def is_reviewed(self) -> bool:
        return self.review_status == self.Review.REVIEWED

    @property
    def awaits_review(self) -> bool:
        return self.review_status == self.Review.PENDING

    @property
    def read_only_reason(self) -> str | None:
        """Why nobody can change the answers now, or None while they can."""
        if self.is_submitted:
            return self.SUBMITTED_READ_ONLY
        if not self.period.accepts_answers:
            return (
                f"Period {self.period.key} is closed, so its answers are read-only. "
                "An org admin can reopen the period."
            )
        if self.project.is_archived:
            return (
                f"{self.project.name} is archived, so this draft is read-only and counts in "
                "no completion figure. A team lead can restore the project to answer it."
            )
        return None


class Answer(models.Model):
    class Value(models.TextChoices):
        NO = levels.NO, levels.ANSWER_LABELS[levels.NO]
        PARTLY = levels.PARTLY, levels.ANSWER_LABELS[levels.PARTLY]
        YES = levels.YES, levels.ANSWER_LABELS[levels.YES]
        NA = levels.NOT_APPLICABLE, levels.ANSWER_LABELS[levels.NOT_APPLICABLE]

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    value = models.CharField(max_length=6, choices=Value.choices, blank=True)
    na_reason = models.CharField("reason it does not apply", max_length=500, blank=True)
    note = models.TextField(max_length=2000, blank=True)
    evidence_url = models.URLField(max_length=500, blank=True)
    # Carried over from the last submission and not looked at since.
    carried_over = models.BooleanField(default=False)
    # Carried over, then confirmed by someone without a change.
    confirmed_unchanged = models.BooleanField(default=False)
    # Carried through a framework mapping: the earlier version's practice key(s) it came from.
    carried_from = models.CharField(max_length=300, blank=True)
    # How: renamed, split or merged ("" for the same key); see rules.carrying.
    carried_via = models.CharField(max_length=10, blank=True)
    version = models.PositiveIntegerField(default=0)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "practice"], name="answer_unique_practice"
            )
        ]

    def __str__(self) -> str:
        return f"{self.practice_id}: {self.value or 'unanswered'}"


class AnswerChange(models.Model):
    """One saved edit of an answer: who changed which field, when, from what to what."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(max_length=20)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value!r} -> {self.new_value!r}"


class DimensionScore(ApplicabilityMixin, models.Model):
    """The stored score of one dimension of a submitted assessment; dashboards read these."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="dimension_scores"
    )
    # Denormalised so dashboard aggregates need no joins through assessments.
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    dimension_key = models.SlugField(max_length=60)
    dimension_name = models.CharField(max_length=120)
    dimension_order = models.PositiveSmallIntegerField(default=0)
    # All three None: not assessed, every practice of the dimension is "not applicable".
    level = models.PositiveSmallIntegerField(null=True)
    progress = models.PositiveSmallIntegerField(null=True)
    score = models.FloatField(null=True)
    practice_count = models.PositiveSmallIntegerField(default=0)
    not_applicable_count = models.PositiveSmallIntegerField(default=0)
    # Rule 2: levels with too few applicable practices to be claimed.
    unassessed_levels = models.JSONField(default=list, blank=True)
    # Denormalised from the assessment, so figures can leave out what awaits review.
    awaiting_review = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "dimension_key"], name="dimension_score_unique"
            )
        ]
        indexes = [
            models.Index(fields=["period", "team", "dimension_key"]),
            models.Index(fields=["project", "period"]),
        ]

    def __str__(self) -> str:
        if self.level is None:
            return f"{self.dimension_key}: not assessed"
        return f"{self.dimension_key}: level {self.level}"


class PracticeGap(models.Model):
    """A practice that holds a submitted assessment back from its next level."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="gaps")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    practice_key = models.SlugField(max_length=80)
    dimension_key = models.SlugField(max_length=60)
    awaiting_review = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "practice_key"], name="gap_unique")
        ]
        indexes = [models.Index(fields=["period", "practice_key"])]

    def __str__(self) -> str:
        return self.practice_key


class ProjectProfile(models.Model):
    """What kind of ML system a project builds and how it runs: decides which practices a
    framework asks it (rules.profiles)."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="profile")
    kind = models.CharField(max_length=20, choices=list(profiles.KINDS.items()))
    serving = models.CharField(max_length=10, choices=list(profiles.SERVINGS.items()))
    label_delay = models.CharField(
        "time until the true outcome is known",
        max_length=10,
        choices=list(profiles.LABEL_DELAYS.items()),
    )
    risk_tier = models.CharField(max_length=10, choices=list(profiles.RISK_TIERS.items()))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.project}: {self.as_profile().describe()}"

    def as_profile(self) -> profiles.Profile:
        return profiles.Profile(
            kind=self.kind,
            serving=self.serving,
            label_delay=self.label_delay,
            risk_tier=self.risk_tier,
        )
