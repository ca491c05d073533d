"""The reads of the report's roll-up by unit (reports.rollup): grouped queries over the
stored scores, one row per team (and dimension) or per unit (and practice), never one per
assessment.

A project's target in a dimension is the higher of its target for that dimension (where a
rule or an override names the dimension) and its overall target: its overall level is its
weakest dimension's, so it reaches an overall target only with every dimension there.
Each target is the project's override, else its team's, else the organisation's rule for
its stage (improvement.target_rules, rule 1), as set today.
"""

from collections import Counter, defaultdict

from django.db.models import (
    Case,
    Count,
    F,
    FilteredRelation,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import Func
from django.db.models.functions import Coalesce, Greatest

from assessments.models import Assessment, DimensionScore, Practice, PracticeGap
from assessments.review_scope import ReviewScope
from assessments.rules import scoring
from assessments.rules.levels import LEVELS
from improvement.models import TargetRule
from insights.selectors.common import SUBMITTED, dimension_columns
from insights.shapes import PeriodChoice
from reports.rollup_shapes import CountSums, DimensionSums

type Rules = list[tuple[str, str, int]]  # (stage, dimension key or "", level)
type TeamKey = tuple[int, int]  # (period pk, team pk)


def target_rules() -> Rules:
    """The organisation's target rules: a handful of rows (one query)."""
    return list(TargetRule.objects.values_list("stage", "dimension_key", "level"))


def _with_targets[Q_: QuerySet](rows: Q_, rules: Rules, *, team: str, per_dimension: bool) -> Q_:
    """`rows` (dimension scores, or assessments) with the alias `target`: the level the
    project must reach (overall, or in the row's dimension; see the module docstring).

    The overrides are joined (at most one per project, or team, and dimension: unique
    constraints), the rules are a CASE over the project's stage: no subquery per row."""
    relations: dict[str, FilteredRelation] = {}

    def override(name: str, owner: str, dimension: object) -> F:
        path = f"{owner}__target_overrides"
        relations[name] = FilteredRelation(
            path, condition=Q(**{f"{path}__dimension_key": dimension})
        )
        return F(f"{name}__level")

    def by_stage(dimension: bool) -> Case:
        whens = [
            When(
                project__stage=stage,
                **({"dimension_key": key} if dimension else {}),
                then=Value(level),
            )
            for stage, key, level in rules
            if bool(key) == dimension
        ]
        return Case(*whens, default=Value(None), output_field=IntegerField())

    number = IntegerField()
    overall = Coalesce(
        override("project_overall", "project", ""),
        override("team_overall", team, ""),
        by_stage(False),
        output_field=number,
    )
    target: Func = overall
    if per_dimension:
        dimension = Coalesce(
            override("project_dimension", "project", F("dimension_key")),
            override("team_dimension", team, F("dimension_key")),
            by_stage(True),
            output_field=number,
        )
        target = Greatest(
            Coalesce(dimension, overall, output_field=number),
            Coalesce(overall, dimension, output_field=number),
            output_field=number,
        )
    return rows.alias(**relations).alias(target=target)


def team_counts(
    quarters: list[int], rules: Rules, rule: ReviewScope, path: str
) -> dict[TeamKey, CountSums]:
    """(period pk, team pk) -> the team's assessments in that quarter."""
    scope = Q(project__team__unit__path__startswith=path) if path else Q()
    submitted = Q(status=SUBMITTED)
    levelled = submitted & rule.assessments_q()
    assessments = Assessment.objects.counted().filter(scope, period_id__in=quarters)
    rows = (
        _with_targets(assessments, rules, team="project__team", per_dimension=False)
        .values("period_id", "project__team_id")
        .annotate(
            due=Count("pk"),
            assessed=Count("pk", filter=submitted),
            counted=Count("pk", filter=levelled),
            **{
                f"level_{level}": Count("pk", filter=levelled & Q(overall_level=level))
                for level in LEVELS
            },
            with_target=Count("pk", filter=levelled & Q(target__isnull=False)),
            below_target=Count("pk", filter=levelled & Q(overall_level__lt=F("target"))),
        )
        .order_by()
    )
    return {
        (row["period_id"], row["project__team_id"]): CountSums(
            due=row["due"],
            assessed=row["assessed"],
            counted=row["counted"],
            by_level=[row[f"level_{level}"] for level in LEVELS],
            with_target=row["with_target"],
            below_target=row["below_target"],
        )
        for row in rows
    }


def dimension_sums(
    quarters: list[int], rules: Rules, rule: ReviewScope, path: str, *, current: int
) -> tuple[list[tuple[str, str]], dict[TeamKey, dict[str, DimensionSums]]]:
    """The `current` quarter's dimensions (key, name) in framework order, and each team's
    sums per quarter and dimension key."""
    scope = Q(team__unit__path__startswith=path) if path else Q()
    scores = rule.scores(DimensionScore.objects.filter(scope, period_id__in=quarters))
    assessed = Q(level__isnull=False)
    rows = (
        _with_targets(scores, rules, team="team", per_dimension=True)
        .values("period_id", "team_id", "dimension_key", "dimension_name", "dimension_order")
        .annotate(
            level_sum=Coalesce(Sum("level"), 0),
            levels=Count("level"),
            targeted=Count("pk", filter=assessed & Q(target__isnull=False)),
            target_sum=Coalesce(Sum("target", filter=assessed), 0),
            targeted_level_sum=Coalesce(Sum("level", filter=Q(target__isnull=False)), 0),
            below=Count("pk", filter=Q(level__lt=F("target"))),
        )
        .order_by()
    )
    sums: dict[TeamKey, dict[str, DimensionSums]] = defaultdict(dict)
    columns = {}
    for row in rows:
        if row["period_id"] == current:
            columns[row["dimension_key"]] = row
        sums[row["period_id"], row["team_id"]][row["dimension_key"]] = DimensionSums(
            level_sum=row["level_sum"],
            levels=row["levels"],
            targeted=row["targeted"],
            target_sum=row["target_sum"],
            targeted_level_sum=row["targeted_level_sum"],
            below=row["below"],
        )
    return dimension_columns(columns.values()), sums


def unit_gaps(period: PeriodChoice, rule: ReviewScope, path: str) -> dict[int | None, Counter]:
    """Unit pk (None: no unit) -> practice key -> projects it holds back in the quarter."""
    scope = Q(team__unit__path__startswith=path) if path else Q()
    rows = (
        rule.scores(PracticeGap.objects.filter(scope, period_id=period.pk))
        .values("team__unit_id", "practice_key")
        .annotate(projects=Count("pk"))
        .order_by()
    )
    gaps: dict[int | None, Counter] = defaultdict(Counter)
    for row in rows:
        gaps[row["team__unit_id"]][row["practice_key"]] = row["projects"]
    return gaps


def framework_practices(period: PeriodChoice) -> list[scoring.Practice]:
    rows = (
        Practice.objects.filter(framework_id=period.framework_id)
        .order_by("dimension__order", "order")
        .values_list("key", "dimension__key", "level", "question", "next_step")
    )
    return [
        scoring.Practice(key=key, dimension_key=dimension, level=level, question=q, next_step=step)
        for key, dimension, level, q, step in rows
    ]
