from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from core.access import LEAD, MANAGEMENT_GROUP, MEMBER

__all__ = [
    "MANAGEMENT_GROUP",
    "Membership",
    "Project",
    "Team",
    "Unit",
    "UnitManager",
    "UnitReviewer",
]


class Unit(models.Model):
    """A part of the organisation (division, department, ...): a tree of any depth.

    `path` holds the ids from the top down ("/3/7/"), so a unit's whole subtree is one
    `path__startswith` filter at any depth; the unit services keep it right on a move.
    """

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    archived_at = models.DateTimeField(null=True, blank=True)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="UnitManager", related_name="managed_units"
    )

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint("parent", Lower("name"), name="unit_unique_name_per_parent_ci"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class UnitManager(models.Model):
    """A unit manager reads the unit's whole subtree, as management reads the organisation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unit_roles"
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="manager_roles")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="unit_manager_unique")]

    def __str__(self) -> str:
        return f"{self.user} manages {self.unit}"


class UnitReviewer(models.Model):
    """A reviewer of the assessments of the unit's whole subtree. (A member of the auth group
    "Reviewers" reviews the whole organisation.)"""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_roles"
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="reviewer_roles")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "unit"], name="unit_reviewer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} reviews {self.unit}"


class Team(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True)
    description = models.TextField(blank=True, max_length=2000)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="teams"
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="teams"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("portal:team_detail", kwargs={"slug": self.slug})


class Membership(models.Model):
    class Role(models.TextChoices):
        LEAD = LEAD, "Team lead"
        MEMBER = MEMBER, "Member"

    class Source(models.TextChoices):
        PORTAL = "portal", "Set in the portal"
        IDP = "idp", "From single sign-on"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    # Memberships granted by the identity provider's groups are kept by single sign-on at
    # every log-in and cannot be edited in the portal; those set by hand are left alone.
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PORTAL)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="membership_unique_user_team")
        ]
        ordering = ["team__name", "role", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.get_role_display()})"


class Project(models.Model):
    class Stage(models.TextChoices):
        EXPLORATION = "exploration", "Exploration"
        PILOT = "pilot", "Pilot"
        PRODUCTION = "production", "Production"
        RETIRED = "retired", "Retired"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="projects")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    description = models.TextField(blank=True, max_length=5000)
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.EXPLORATION)
    business_goal = models.CharField(max_length=300, blank=True)
    kpi = models.CharField("KPI", max_length=200, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("team", Lower("name"), name="project_unique_name_per_team_ci"),
        ]
        indexes = [models.Index(fields=["team", "archived_at"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("portal:project_detail", kwargs={"slug": self.slug})

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None
