"""Roll-ups of the stored scores, so that dashboards read a handful of rows whatever the size
of the organisation.

They hold nothing new: each is a sum over the Assessment, DimensionScore and PracticeGap rows
of one quarter, kept by the services that write those rows, in the same transaction
(`assessments.services.rollups`), and rebuilt from them by `rollups_rebuild`. Counts of
results awaiting review are kept apart (`pending_*`), so the organisation's choice whether to
count them (assessments.review_scope) stays a choice made when reading.
"""

from django.db import models

from assessments.models.frameworks import Period
from teams.models import Team


class TeamQuarter(models.Model):
    """One team's assessments in one quarter, counted.

    `due` and `returned` count the drafts of archived projects too: the dashboards take those
    away when reading, as archiving a project changes no stored score."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    due = models.PositiveIntegerField(default=0)
    assessed = models.PositiveIntegerField(default=0)
    # Submitted results not awaiting review, by overall level; then those awaiting review.
    level_0 = models.PositiveIntegerField(default=0)
    level_1 = models.PositiveIntegerField(default=0)
    level_2 = models.PositiveIntegerField(default=0)
    pending_level_0 = models.PositiveIntegerField(default=0)
    pending_level_1 = models.PositiveIntegerField(default=0)
    pending_level_2 = models.PositiveIntegerField(default=0)
    reviewed = models.PositiveIntegerField(default=0)
    awaiting_review = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)  # drafts returned for changes
    # The overall scores of its submitted results, sorted: the quartiles of a unit, or of
    # any set of teams, come from its teams' scores (a team has a handful of projects).
    scores = models.JSONField(default=list)
    pending_scores = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "team"], name="team_quarter_unique")
        ]

    def __str__(self) -> str:
        return f"team {self.team_id} in period {self.period_id}: {self.assessed}/{self.due}"


class TeamQuarterDimension(models.Model):
    """One team's dimension scores in one quarter: the sum and number of the levels (a mean
    per team, or per unit once summed), the projects with it not assessed (all practices not
    applicable) and those that marked most of its practices not applicable."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    dimension_key = models.SlugField(max_length=60)
    dimension_name = models.CharField(max_length=120)
    dimension_order = models.PositiveSmallIntegerField(default=0)
    levelled = models.PositiveIntegerField(default=0)
    level_sum = models.PositiveIntegerField(default=0)
    not_assessed = models.PositiveIntegerField(default=0)
    mostly_na = models.PositiveIntegerField(default=0)
    pending_levelled = models.PositiveIntegerField(default=0)
    pending_level_sum = models.PositiveIntegerField(default=0)
    pending_not_assessed = models.PositiveIntegerField(default=0)
    pending_mostly_na = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "team", "dimension_key"], name="team_quarter_dimension_unique"
            )
        ]

    def __str__(self) -> str:
        return f"team {self.team_id} in period {self.period_id}: {self.dimension_key}"


class TeamQuarterGap(models.Model):
    """How many of one team's projects a practice held back in one quarter."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    practice_key = models.SlugField(max_length=80)
    projects = models.PositiveIntegerField(default=0)
    pending_projects = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "team", "practice_key"], name="team_quarter_gap_unique"
            )
        ]

    def __str__(self) -> str:
        return f"team {self.team_id} in period {self.period_id}: {self.practice_key}"


class OrganisationQuarter(models.Model):
    """The organisation's assessments in one quarter, counted: its teams' TeamQuarter rows
    summed, so that the quarters before the one a dashboard shows read one row each."""

    period = models.OneToOneField(Period, on_delete=models.CASCADE, related_name="+")
    due = models.PositiveIntegerField(default=0)
    assessed = models.PositiveIntegerField(default=0)
    level_0 = models.PositiveIntegerField(default=0)
    level_1 = models.PositiveIntegerField(default=0)
    level_2 = models.PositiveIntegerField(default=0)
    pending_level_0 = models.PositiveIntegerField(default=0)
    pending_level_1 = models.PositiveIntegerField(default=0)
    pending_level_2 = models.PositiveIntegerField(default=0)
    reviewed = models.PositiveIntegerField(default=0)
    awaiting_review = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"period {self.period_id}: {self.assessed}/{self.due}"


class OrganisationQuarterGap(models.Model):
    """How many of the organisation's projects a practice held back in one quarter: its
    teams' TeamQuarterGap rows summed."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    practice_key = models.SlugField(max_length=80)
    projects = models.PositiveIntegerField(default=0)
    pending_projects = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "practice_key"], name="organisation_quarter_gap_unique"
            )
        ]

    def __str__(self) -> str:
        return f"period {self.period_id}: {self.practice_key}"


class QuarterQuartiles(models.Model):
    """The quartiles of one quarter's overall scores across the organisation
    (`dimension_key` blank), or of one dimension's positions (level plus progress); with
    and without the results awaiting review (`awaiting_counted`)."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    dimension_key = models.SlugField(max_length=60, blank=True)
    awaiting_counted = models.BooleanField()
    low = models.FloatField()
    median = models.FloatField()
    high = models.FloatField()
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "dimension_key", "awaiting_counted"],
                name="quarter_quartiles_unique",
            )
        ]

    def __str__(self) -> str:
        what = self.dimension_key or "overall score"
        return f"{what} in period {self.period_id}: median {self.median:.2f} of {self.count}"
