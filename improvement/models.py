"""Raising maturity: targets to reach, the actions that get a project there, and
initiatives that move many projects at once.

Practices are referred to by key (and dimensions by key), not by foreign key: a plan
outlives the framework version it was made under, and the keys are what carry across.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment
from teams.models import Project, Team, Unit

LEVEL_CHOICES = [(0, "Level 0: manual"), (1, "Level 1: continuous training"), (2, "Level 2: CI/CD")]


class TargetRule(models.Model):
    """The organisation's policy: projects at `stage` reach `level` by `due_on`.

    With a `dimension_key` the rule is about that one dimension's level; without, about the
    overall level. One rule per stage and dimension.
    """

    stage = models.CharField(max_length=12, choices=Project.Stage.choices)
    dimension_key = models.SlugField(max_length=60, blank=True)
    level = models.PositiveSmallIntegerField(choices=LEVEL_CHOICES)
    due_on = models.DateField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["stage", "dimension_key"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "dimension_key"], name="target_rule_unique"),
            models.CheckConstraint(condition=Q(level__lte=2), name="target_rule_level_0_to_2"),
        ]

    def __str__(self) -> str:
        about = self.dimension_key or "overall"
        return f"{self.get_stage_display()} projects, {about}: level {self.level} by {self.due_on}"


class TargetOverride(models.Model):
    """A team's or a project's own target, set instead of the policy's, with a reason.

    Exactly one of `team` and `project` is set. A project's override beats its team's,
    which beats the organisation's rule for the project's stage.
    """

    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="target_overrides"
    )
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="target_overrides"
    )
    dimension_key = models.SlugField(max_length=60, blank=True)
    level = models.PositiveSmallIntegerField(choices=LEVEL_CHOICES)
    due_on = models.DateField()
    reason = models.CharField(max_length=500)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team_id", "project_id", "dimension_key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(team__isnull=True, project__isnull=False)
                | Q(team__isnull=False, project__isnull=True),
                name="target_override_team_xor_project",
            ),
            models.CheckConstraint(condition=Q(level__lte=2), name="target_override_level_0_to_2"),
            models.UniqueConstraint(
                fields=["team", "dimension_key"],
                condition=Q(team__isnull=False),
                name="target_override_unique_team",
            ),
            models.UniqueConstraint(
                fields=["project", "dimension_key"],
                condition=Q(project__isnull=False),
                name="target_override_unique_project",
            ),
        ]

    def __str__(self) -> str:
        owner = self.project or self.team
        about = self.dimension_key or "overall"
        return f"{owner}, {about}: level {self.level} by {self.due_on}"


class TargetPhase(models.Model):
    """How a project stands against its targets over a span of days, stored so that the
    dashboards count standings in SQL instead of judging every project on every read.

    A standing changes with the day only at known dates (when a pace stops reaching the
    target in time, and the day after a due date), so the days from `starts_on` to before
    `ends_on` (either open) share one status. Rows exist for projects with a target; they
    are replaced by `improvement.services.target_phases` whenever results, targets, review
    policies or the project change. `gap_points` and `overdue` are the deciding target's.
    """

    class Status(models.TextChoices):
        MET = "met"
        ON_TRACK = "on_track"
        BEHIND = "behind"
        NO_ASSESSMENT = "no_assessment"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="target_phases")
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    overdue = models.BooleanField(default=False)
    gap_points = models.FloatField(default=0.0)

    class Meta:
        indexes = [models.Index(fields=["status", "project"])]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.status} from {self.starts_on} to {self.ends_on}"


class Action(models.Model):
    """One improvement a team commits to: usually a practice to put in place."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    OPEN_STATUSES = (Status.PLANNED, Status.IN_PROGRESS)

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="actions")
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="actions"
    )
    title = models.CharField(max_length=200)
    practice_key = models.SlugField(max_length=80, blank=True)
    dimension_key = models.SlugField(max_length=60, blank=True)
    practice_level = models.PositiveSmallIntegerField(null=True, blank=True)
    effort = models.CharField(max_length=1, blank=True)
    next_step = models.TextField(blank=True, max_length=2000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_actions",
    )
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    dropped_reason = models.CharField(max_length=500, blank=True)
    ticket_url = models.URLField("ticket link", max_length=500, blank=True)
    notes = models.TextField(blank=True, max_length=4000)
    source_assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    done_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every change: an edit made from a stale page is refused, not applied over
    # someone else's (as answers are).
    version = models.PositiveIntegerField(default=1)
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["team", "status"]),
            models.Index(fields=["project", "practice_key", "status"]),
            models.Index(fields=["owner", "status", "due_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="dropped") | ~Q(dropped_reason=""),
                name="action_dropped_needs_reason",
            ),
            # The service refuses a second open action for a practice with a message; this
            # keeps two concurrent requests from both getting through.
            models.UniqueConstraint(
                fields=["project", "practice_key"],
                condition=Q(status__in=["planned", "in_progress"]) & ~Q(practice_key=""),
                name="action_one_open_per_practice",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("portal:team_plan", kwargs={"slug": self.team.slug}) + f"#action-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def is_overdue(self, today: datetime.date) -> bool:
        return self.is_open and self.due_on is not None and self.due_on < today


class ActionChange(models.Model):
    """One field of an action changed: its history, oldest first."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(max_length=20)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "pk"]
        indexes = [models.Index(fields=["action", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.action_id}.{self.field}: {self.old_value!r} -> {self.new_value!r}"


class Initiative(models.Model):
    """A campaign to put a set of practices in place across many projects by a date."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    why = models.TextField("why it matters", max_length=4000)
    practice_keys = models.JSONField(default=list)
    # The scope: projects of these stages (all stages when empty) in these units' subtrees
    # or these teams (the whole organisation when both are empty).
    stages = models.JSONField(default=list, blank=True)
    units = models.ManyToManyField(Unit, blank=True, related_name="initiatives")
    teams = models.ManyToManyField(Team, blank=True, related_name="initiatives")
    starts_on = models.DateField()
    target_on = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["target_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_on__gt=models.F("starts_on")),
                name="initiative_target_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("portal:initiative_detail", kwargs={"slug": self.slug})


class InitiativeWeek(models.Model):
    """Where an initiative stood in one week: a point of its burn-up, recorded by the tick."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="weeks")
    week_start = models.DateField()  # the Monday
    projects_in_scope = models.PositiveIntegerField()
    projects_complete = models.PositiveIntegerField()
    practices_in_place = models.PositiveIntegerField()
    practices_total = models.PositiveIntegerField()
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["initiative", "week_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "week_start"], name="initiative_week_unique"
            ),
        ]

    def __str__(self) -> str:
        done = f"{self.projects_complete}/{self.projects_in_scope}"
        return f"{self.initiative} {self.week_start}: {done}"
