"""The rows targets are judged on, read in a fixed number of queries (see
improvement.selectors.targets for the whole): the organisation's rules, the overrides, each
project's submitted assessments with their positions, and their dimension scores."""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Least, RowNumber

from assessments.models import Assessment, Dimension, DimensionScore
from assessments.review_scope import counted_assessments_q
from assessments.rules.levels import TOP_LEVEL
from improvement import target_rules as rules
from improvement.models import TargetOverride, TargetRule

# Pace runs over the project's last four submitted assessments on one framework version.
PACE_ASSESSMENTS = 4

# levels.level_position in SQL, for DimensionScore rows: level plus progress / 100.
POSITION = Case(
    When(level__gte=TOP_LEVEL, then=Cast(F("level"), FloatField())),
    default=Cast(F("level"), FloatField()) + Cast(F("progress"), FloatField()) / Value(100.0),
    output_field=FloatField(),
)

type RuleKey = tuple[str, str]  # (stage, dimension key)
type OverrideKey = tuple[str, str]  # ("project:<pk>" or "team:<pk>", dimension key)


def _dimension_name() -> Subquery:
    """The dimension's name in the newest framework version that has it."""
    dimensions = Dimension.objects.filter(key=OuterRef("dimension_key"))
    return Subquery(dimensions.order_by("-framework__version").values("name")[:1])


def read_rules() -> dict[RuleKey, tuple[rules.Target, str]]:
    rows = TargetRule.objects.values("stage", "dimension_key", "level", "due_on").annotate(
        name=_dimension_name()
    )
    return {
        (row["stage"], row["dimension_key"]): (
            rules.Target(level=row["level"], due_on=row["due_on"]),
            row["name"] or "",
        )
        for row in rows
    }


def read_overrides(
    *, project_ids: Any, team_ids: Any
) -> dict[OverrideKey, tuple[rules.Target, str]]:
    """The overrides of the projects and of the teams (each a list of pks or a query)."""
    rows = (
        TargetOverride.objects.filter(Q(project_id__in=project_ids) | Q(team_id__in=team_ids))
        .values(
            "team_id",
            "project_id",
            "dimension_key",
            "level",
            "due_on",
            "reason",
            "set_at",
            "set_by__first_name",
            "set_by__last_name",
            "set_by__username",
        )
        .annotate(name=_dimension_name())
    )
    found = {}
    for row in rows:
        owner = f"project:{row['project_id']}" if row["project_id"] else f"team:{row['team_id']}"
        who = f"{row['set_by__first_name']} {row['set_by__last_name']}".strip()
        target = rules.Target(
            level=row["level"],
            due_on=row["due_on"],
            source=rules.PROJECT if row["project_id"] else rules.TEAM,
            reason=row["reason"],
            set_by=who or row["set_by__username"] or "",
            set_at=row["set_at"],
        )
        found[(owner, row["dimension_key"])] = (target, row["name"] or "")
    return found


@dataclass(frozen=True)
class Readings:
    latest: rules.Reading
    latest_pk: int
    earliest: rules.Reading | None
    earliest_pk: int | None
    level: int
    score: float | None


def read_readings(projects: Any) -> dict[int, Readings]:
    """Each project's latest submitted assessment and the earliest of its last four on the
    same framework version (one query), among the results that count (a result awaiting
    review may not: assessments.review_scope). `projects` is a list of pks or a query of them.

    Windows keep, of the latest version's assessments, the newest and the fourth newest (or
    the oldest, with fewer); the position, an index look-up per assessment, is read by the
    outer query for those two of each project only, not for every submitted assessment."""
    per_version = [F("project_id"), F("period__framework_id")]
    newest_first = F("period__opens_on").desc()
    kept = (
        Assessment.objects.filter(
            counted_assessments_q(), project_id__in=projects, status=Assessment.Status.SUBMITTED
        )
        .exclude(overall_level__isnull=True)
        .order_by()
        .annotate(
            rank=Window(RowNumber(), partition_by=per_version, order_by=newest_first),
            on_version=Window(Count("pk"), partition_by=per_version),
            # The latest version's rows are those whose newest is the project's newest:
            # windows without an order of their own, on the rows as sorted for `rank`.
            version_newest=Window(Max("period__opens_on"), partition_by=per_version),
            project_newest=Window(Max("period__opens_on"), partition_by=[F("project_id")]),
        )
        .filter(
            Q(rank=1) | Q(rank=Least(F("on_version"), Value(PACE_ASSESSMENTS))),
            version_newest=F("project_newest"),
        )
    )
    lowest = DimensionScore.objects.filter(assessment_id=OuterRef("pk"), level__isnull=False)
    rows = (
        Assessment.objects.filter(pk__in=kept.values("pk"))
        .order_by()
        .annotate(
            position=Subquery(
                lowest.annotate(position=POSITION).order_by("position").values("position")[:1]
            )
        )
        .values(
            "pk",
            "project_id",
            "period__key",
            "period__opens_on",
            "period__framework_id",
            "overall_level",
            "overall_score",
            "position",
        )
    )
    by_project: dict[int, list[Mapping]] = defaultdict(list)
    for row in rows:
        by_project[row["project_id"]].append(row)
    return {pk: _pick(found) for pk, found in by_project.items()}


def _reading(row: Mapping) -> rules.Reading:
    level = row["overall_level"]
    # An assessment stored without dimension scores stands at its level's start.
    position = row["position"] if row["position"] is not None else float(level)
    return rules.Reading(row["period__key"], row["period__opens_on"], level, position)


def _pick(rows: list[Mapping]) -> Readings:
    latest = max(rows, key=lambda row: row["period__opens_on"])
    same = [row for row in rows if row["period__framework_id"] == latest["period__framework_id"]]
    earliest = min(same, key=lambda row: row["period__opens_on"])
    has_earlier = earliest["pk"] != latest["pk"]
    return Readings(
        latest=_reading(latest),
        latest_pk=latest["pk"],
        earliest=_reading(earliest) if has_earlier else None,
        earliest_pk=earliest["pk"] if has_earlier else None,
        level=latest["overall_level"],
        score=latest["overall_score"],
    )


def read_dimension_scores(
    readings: Mapping[int, Readings], keys: set[str]
) -> dict[tuple[int, str], Mapping]:
    """(assessment pk, dimension key) -> the stored dimension score (one query)."""
    pks = [pk for r in readings.values() for pk in (r.latest_pk, r.earliest_pk) if pk]
    rows = DimensionScore.objects.filter(assessment_id__in=pks, dimension_key__in=keys).values(
        "assessment_id", "dimension_key", "dimension_name", "level", "progress"
    )
    return {(row["assessment_id"], row["dimension_key"]): row for row in rows}


def dimension_names(
    organisation: Mapping[RuleKey, tuple[rules.Target, str]],
    overrides: Mapping[OverrideKey, tuple[rules.Target, str]],
) -> dict[str, str]:
    names = {key: name for (_, key), (_, name) in (*organisation.items(), *overrides.items())}
    return {key: name or key.replace("-", " ").capitalize() for key, name in names.items()}
