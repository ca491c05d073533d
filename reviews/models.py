from django.conf import settings
from django.db import models
from django.utils import timezone

from assessments.models import Assessment


class Review(models.Model):
    """One reviewer's decision on one submission: accepted, or returned with comments."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        RETURNED = "returned", "Returned for changes"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices)
    summary = models.TextField("comment for the team", max_length=2000, blank=True)
    decided_at = models.DateTimeField(default=timezone.now)
    # The submission's level and signals as the reviewer saw them.
    overall_level = models.PositiveSmallIntegerField(null=True, blank=True)
    signals = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.assessment}: {self.get_decision_display()}"


class ReviewComment(models.Model):
    """A reviewer's question about one practice's answer, shown beside that question."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="comments")
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="review_comments"
    )
    practice_key = models.SlugField(max_length=80)
    text = models.TextField(max_length=2000)
    # The answer the comment was about, so the page can say whether it changed since.
    answer_value = models.CharField(max_length=6, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["assessment", "practice_key"])]

    def __str__(self) -> str:
        return f"{self.practice_key}: {self.text[:40]}"
