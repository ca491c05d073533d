"""Targets as the pages, dashboards and reports read them: which target applies to each
project and how the project stands, for any set of projects in a fixed number of queries.

The rules (which target applies, met, on track, behind) are improvement.target_rules';
this module reads what they need, in four queries whatever the number of projects, and a
fifth when any rule or override names a dimension:

1. the projects: stage, team, the team's unit;
2. the organisation's rules;
3. the overrides of those projects and of their teams, with who set them;
4. each project's latest submitted assessment and the earliest of its last four on the
   same framework version, with their overall positions (the lowest of the dimensions'
   level plus progress);
5. the dimension scores of each project's latest and earliest of those, for the
   dimensions that have targets.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone

from assessments.rules.levels import level_position
from improvement import target_rules as rules
from improvement.selectors import target_rows
from teams.models import Project

OVERALL = ""
STAGE_LABELS = dict(Project.Stage.choices)


@dataclass(frozen=True)
class TargetStanding:
    """One target of a project (overall, or one dimension's) and how the project stands."""

    dimension_key: str  # "" for the overall level
    dimension_name: str
    target: rules.Target
    judgement: rules.Judgement

    @property
    def status(self) -> str:
        return self.judgement.status

    @property
    def is_overall(self) -> bool:
        return not self.dimension_key


@dataclass(frozen=True)
class ProjectTarget:
    """A project's targets and where it stands: what the pages and the dashboards show."""

    project_id: int
    name: str
    slug: str
    stage: str
    stage_label: str
    team_id: int
    team_name: str
    team_slug: str
    unit_path: str
    overall: TargetStanding | None
    dimensions: tuple[TargetStanding, ...] = ()
    level: int | None = None  # the latest submitted assessment's overall level
    score: float | None = None  # and overall score, as stored
    quarter: str = ""

    # Addresses are made when shown: a dashboard judges every project but links only the
    # few it lists, and reversing a URL for each of 10,000 projects is not free.
    @property
    def url(self) -> str:
        return reverse("portal:project_detail", kwargs={"slug": self.slug})

    @property
    def team_url(self) -> str:
        return reverse("portal:team_detail", kwargs={"slug": self.team_slug})

    @property
    def standings(self) -> tuple[TargetStanding, ...]:
        return (self.overall, *self.dimensions) if self.overall else self.dimensions

    @cached_property
    def status(self) -> str:
        """The worst of its judged targets (target_rules, rule 5)."""
        return rules.overall_status(
            has_target=bool(self.standings), statuses=(s.status for s in self.standings)
        )

    @cached_property
    def deciding(self) -> TargetStanding | None:
        """The target that sets the project's status: the worst, the overall on a tie."""
        judged = [s for s in self.standings if s.status in rules.RANK]
        if not judged:
            return self.standings[0] if self.standings else None
        return min(judged, key=lambda s: (rules.RANK[s.status], not s.is_overall))

    @property
    def overdue(self) -> bool:
        deciding = self.deciding
        return self.status == rules.BEHIND and deciding is not None and deciding.judgement.overdue

    @property
    def label(self) -> str:
        return "overdue" if self.overdue else rules.STATUS_LABELS[self.status]

    @property
    def has_target(self) -> bool:
        return bool(self.standings)


@dataclass(frozen=True)
class TargetCounts:
    met: int = 0
    on_track: int = 0
    behind: int = 0  # overdue included
    overdue: int = 0
    no_assessment: int = 0
    no_target: int = 0

    @property
    def with_target(self) -> int:
        return self.met + self.on_track + self.behind + self.no_assessment

    @property
    def total(self) -> int:
        return self.with_target + self.no_target


@dataclass(frozen=True)
class TargetSummary:
    counts: TargetCounts
    behind: list[ProjectTarget] = field(default_factory=list)  # overdue first, then the gap


# --- The reads --------------------------------------------------------------------------------


def project_targets(
    *, projects: QuerySet[Project] | Iterable[int], today: datetime.date | None = None
) -> dict[int, ProjectTarget]:
    """Each project's targets and standing, by project pk, in the projects' team and name
    order (four queries, five with dimension targets; see the module docstring)."""
    today = today or timezone.localdate()
    inputs = read_target_inputs(projects)
    return {row["pk"]: inputs.judge(row, today) for row in inputs.rows}


@dataclass(frozen=True)
class TargetInputs:
    """What the projects' targets are judged on, read once: judged for any day with no
    further query (the stored phases judge each project on several days)."""

    rows: Sequence[Mapping]
    organisation: Mapping[target_rows.RuleKey, tuple[rules.Target, str]]
    overrides: Mapping[target_rows.OverrideKey, tuple[rules.Target, str]]
    readings: Mapping[int, target_rows.Readings]
    scores: Mapping[tuple[int, str], Mapping]
    names: Mapping[str, str]
    keys: Mapping[str, set[str]]

    def judge(self, row: Mapping, today: datetime.date) -> ProjectTarget:
        return _project_target(
            row,
            organisation=self.organisation,
            overrides=self.overrides,
            keys=self.keys,
            readings=self.readings.get(row["pk"]),
            dimension_readings=self.scores,
            names=self.names,
            today=today,
        )


def read_target_inputs(projects: QuerySet[Project] | Iterable[int]) -> TargetInputs:
    chosen: Any = projects.values("pk") if isinstance(projects, QuerySet) else list(projects)
    rows = list(
        Project.objects.filter(pk__in=chosen)
        .order_by("team__name", "name")
        .values("pk", "name", "slug", "stage", "team_id", "team__name", "team__slug")
        .annotate(unit_path=F("team__unit__path"))
    )
    if not rows:
        return TargetInputs([], {}, {}, {}, {}, {}, {})
    # The later reads take the projects as the same subquery (or list): a list of 10,000
    # pks costs more to send than the subquery costs to run.
    organisation = target_rows.read_rules()
    overrides = target_rows.read_overrides(
        project_ids=chosen,
        team_ids=Project.objects.filter(pk__in=chosen).values("team_id"),
    )
    readings = target_rows.read_readings(chosen)
    dimension_keys = {key for _, key in (*organisation.keys(), *overrides.keys()) if key}
    scores = target_rows.read_dimension_scores(readings, dimension_keys) if dimension_keys else {}
    return TargetInputs(
        rows=rows,
        organisation=organisation,
        overrides=overrides,
        readings=readings,
        scores=scores,
        names=target_rows.dimension_names(organisation, overrides),
        keys=_named_dimensions(organisation, overrides),
    )


def target_summary(
    *, projects: QuerySet[Project] | Iterable[int], today: datetime.date | None = None
) -> TargetSummary:
    """The counts and the projects behind (same queries as project_targets)."""
    return summarise(project_targets(projects=projects, today=today).values())


def target_counts(
    *, projects: QuerySet[Project] | Iterable[int], today: datetime.date | None = None
) -> TargetCounts:
    """How many projects met their target, are on track, behind, not assessed, without one."""
    return target_summary(projects=projects, today=today).counts


def behind_projects(
    *, projects: QuerySet[Project] | Iterable[int], today: datetime.date | None = None
) -> list[ProjectTarget]:
    """The projects behind their target: overdue first, then the widest gap, then by name."""
    return target_summary(projects=projects, today=today).behind


def summarise(targets: Iterable[ProjectTarget]) -> TargetSummary:
    """Counts and the behind list of targets already read (no query)."""
    targets = list(targets)
    statuses = [target.status for target in targets]
    behind = sorted(
        (target for target in targets if target.status == rules.BEHIND), key=_behind_order
    )
    counts = TargetCounts(
        met=statuses.count(rules.MET),
        on_track=statuses.count(rules.ON_TRACK),
        behind=len(behind),
        overdue=sum(target.overdue for target in behind),
        no_assessment=statuses.count(rules.NO_ASSESSMENT),
        no_target=statuses.count(rules.NO_TARGET),
    )
    return TargetSummary(counts=counts, behind=behind)


def _behind_order(target: ProjectTarget) -> tuple[bool, float, str]:
    deciding = target.deciding
    gap = (deciding.judgement.gap_points or 0.0) if deciding else 0.0
    return (not target.overdue, -gap, target.name.lower())


# --- Putting a project together ---------------------------------------------------------------


def _project_target(
    row: Mapping,
    *,
    organisation: Mapping[target_rows.RuleKey, tuple[rules.Target, str]],
    overrides: Mapping[target_rows.OverrideKey, tuple[rules.Target, str]],
    keys: Mapping[str, set[str]],
    readings: target_rows.Readings | None,
    dimension_readings: Mapping[tuple[int, str], Mapping],
    names: Mapping[str, str],
    today: datetime.date,
) -> ProjectTarget:
    """`keys`: the dimensions named, by stage (rules) and by owner (overrides)."""
    project_owner, team_owner = f"project:{row['pk']}", f"team:{row['team_id']}"

    def target(key: str) -> rules.Target | None:
        def found(entry: tuple[rules.Target, str] | None) -> rules.Target | None:
            return entry[0] if entry else None

        return rules.applicable(
            project=found(overrides.get((project_owner, key))),
            team=found(overrides.get((team_owner, key))),
            organisation=found(organisation.get((row["stage"], key))),
        )

    named = (
        keys.get(row["stage"], set()) | keys.get(project_owner, set()) | keys.get(team_owner, set())
    )
    overall = target(OVERALL)
    dimensions = []
    for key in sorted(named, key=lambda key: names.get(key, key).lower()):
        applied = target(key)
        if applied is not None:
            dimensions.append(
                _dimension_standing(key, applied, readings, dimension_readings, names, today)
            )
    return ProjectTarget(
        project_id=row["pk"],
        name=row["name"],
        slug=row["slug"],
        stage=row["stage"],
        stage_label=STAGE_LABELS[row["stage"]],
        team_id=row["team_id"],
        team_name=row["team__name"],
        team_slug=row["team__slug"],
        unit_path=row["unit_path"] or "",
        overall=_overall_standing(overall, readings, today) if overall else None,
        dimensions=tuple(dimensions),
        level=readings.level if readings else None,
        score=readings.score if readings else None,
        quarter=readings.latest.quarter if readings else "",
    )


def _named_dimensions(
    organisation: Mapping[target_rows.RuleKey, tuple[rules.Target, str]],
    overrides: Mapping[target_rows.OverrideKey, tuple[rules.Target, str]],
) -> dict[str, set[str]]:
    """The dimension keys with a target, by the stage of the rules and the owner of the
    overrides ("project:<pk>", "team:<pk>"): looked up once per project, not searched."""
    keys: dict[str, set[str]] = defaultdict(set)
    for owner, key in (*organisation, *overrides):
        if key:
            keys[owner].add(key)
    return keys


def _overall_standing(
    target: rules.Target, readings: target_rows.Readings | None, today: datetime.date
) -> TargetStanding:
    judgement = rules.judge(
        target=target,
        latest=readings.latest if readings else None,
        earliest=readings.earliest if readings else None,
        today=today,
    )
    return TargetStanding(OVERALL, "Overall", target, judgement)


def _dimension_standing(
    key: str,
    target: rules.Target,
    readings: target_rows.Readings | None,
    scores: Mapping[tuple[int, str], Mapping],
    names: Mapping[str, str],
    today: datetime.date,
) -> TargetStanding:
    latest = earliest = None
    missing = "No submitted assessment yet."
    if readings is not None:
        now = scores.get((readings.latest_pk, key))
        before = scores.get((readings.earliest_pk, key)) if readings.earliest_pk else None
        latest = _dimension_reading(readings.latest, now)
        earliest = _dimension_reading(readings.earliest, before) if readings.earliest else None
        quarter = readings.latest.quarter
        missing = (
            f"Not assessed in {quarter}: every practice of it was marked not applicable."
            if now is not None
            else f"{quarter}'s framework version has no such dimension."
        )
    judgement = rules.judge(
        target=target, latest=latest, earliest=earliest, today=today, missing=missing
    )
    return TargetStanding(key, names.get(key, key), target, judgement)


def _dimension_reading(overall: rules.Reading, row: Mapping | None) -> rules.Reading | None:
    if row is None or row["level"] is None:
        return None
    position = level_position(row["level"], row["progress"])
    assert position is not None
    return rules.Reading(overall.quarter, overall.opens_on, row["level"], position)
