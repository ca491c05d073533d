"""The demo's improvement programme: targets, a plan for every team and one initiative with
weeks of burn-up history. Run after the assessment history, whose results the plans and the
burn-up are made from.

Re-runnable like the rest of seed_demo: rules and overrides are only set where missing,
a team that has demo actions gets no more, the initiative is created once. Deterministic
for a seed and a day; rows are written in bulk, so `make bench` stays fast.
"""

import datetime
import random
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from assessments.models import Answer, AnswerChange, Assessment, Period
from core.cache import dashboards_changed
from demo.plans import seed_plans
from improvement import burnup
from improvement.models import Initiative, TargetOverride, TargetRule
from improvement.services.initiatives import initiative_create, initiative_week_record
from improvement.services.targets import target_override_set, target_rule_set
from teams.models import Membership, Project, Team

INITIATIVE_TITLE = "Monitor business KPIs in production"
INITIATIVE_SLUG = "monitor-business-kpis-in-production"
INITIATIVE_PRACTICE = "business-kpi-tracking"
INITIATIVE_WHY = (
    "Our production models are up and fast, but for most of them nobody can say whether they "
    "still move the number they were built for. Fraud losses, search conversion and churn are "
    "reviewed every month by the business; the models behind them should be reviewed against "
    "the same numbers, next to their technical metrics, so a model that stops paying off is "
    "noticed in weeks rather than at the yearly budget review."
)
INITIATIVE_WEEKS = 8  # started this many weeks ago
INITIATIVE_TARGET_DAYS = 122  # about four months from today
# The share of the production drafts not tracking their KPI yet that start to during the
# initiative's weeks so far (those tracking it now all started during it).
INITIATIVE_TAKE_UP = 0.5


@dataclass(frozen=True)
class ImprovementResult:
    targets_created: int
    actions_created: int
    initiative_weeks: int


def seed_improvement(
    *, teams: Sequence[Team], seed: int = 42, today: datetime.date | None = None
) -> ImprovementResult:
    today = today or timezone.localdate()
    accounts = User.objects.filter(username__in=["admin", "manager"])
    people = {user.username: user for user in accounts}
    targets = _targets(teams, people.get("admin"), today)
    actions = seed_plans(teams=teams, seed=seed, today=today)
    weeks = _initiative(teams, people.get("manager"), seed, today)
    dashboards_changed()
    return ImprovementResult(
        targets_created=targets, actions_created=actions, initiative_weeks=weeks
    )


# --- Targets ----------------------------------------------------------------------------------


def quarter_end(day: datetime.date, quarters_ahead: int) -> datetime.date:
    """The last day of the quarter `quarters_ahead` after `day`'s (0: its own)."""
    index = day.year * 4 + (day.month - 1) // 3 + quarters_ahead + 1  # the quarter after
    first_of_next = datetime.date(index // 4, index % 4 * 3 + 1, 1)
    return first_of_next - datetime.timedelta(days=1)


@transaction.atomic
def _targets(teams: Sequence[Team], admin: User | None, today: datetime.date) -> int:
    """The organisation's policy by stage, and two overrides with their reasons; only what
    is missing is set, so an admin's later changes to the demo are kept."""
    policy = {
        Project.Stage.PRODUCTION: (1, quarter_end(today, 2)),
        Project.Stage.PILOT: (1, quarter_end(today, 4)),
        Project.Stage.EXPLORATION: (0, quarter_end(today, 1)),
    }
    existing = set(TargetRule.objects.filter(dimension_key="").values_list("stage", flat=True))
    created = 0
    for stage, (level, due_on) in policy.items():
        if stage not in existing:
            target_rule_set(stage=stage, level=level, due_on=due_on, actor=admin, today=today)
            created += 1
    if TargetOverride.objects.exists():
        return created
    production = (
        Project.objects.filter(team__in=teams[:1], stage=Project.Stage.PRODUCTION)
        .order_by("pk")
        .first()
    )
    if production is not None:
        target_override_set(
            project=production,
            level=2,
            due_on=quarter_end(today, 4),
            reason="Scores every card payment in real time; the card scheme's audit next year "
            "expects automated retraining and deployment, so this project is held to level 2.",
            actor=admin,
            today=today,
        )
        created += 1
    if len(teams) > 2:
        target_override_set(
            team=teams[2],
            level=1,
            due_on=quarter_end(today, 4),
            reason="The team moves every model to the new feature store until mid-year; the "
            "platform board gave it two more quarters to reach level 1.",
            actor=admin,
            today=today,
        )
        created += 1
    return created


# --- The initiative ---------------------------------------------------------------------------


def _initiative(
    teams: Sequence[Team], manager: User | None, seed: int, today: datetime.date
) -> int:
    """ "Monitor business KPIs in production", started INITIATIVE_WEEKS weeks ago, with a
    burn-up point for each week since, computed from the answers as they stood that week.

    1. The production drafts of the open quarter that answer the practice "yes" got there
       during the initiative: their answer goes back to "partly" (where they stood when it
       started), and half of those still at "no" or "partly" are to get there too.
    2. The initiative is created as of its start date, which records the first point.
    3. Week by week, from the oldest, a few more of those answers become "yes" (answered
       that week) and the week's point is recorded from the data, by the tick's service.
    The drafts end where the seeded history left them, or further.
    """
    if Initiative.objects.filter(slug=INITIATIVE_SLUG).exists():
        return 0
    period = (
        Period.objects.filter(opened_at__isnull=False, closed_at__isnull=True)
        .order_by("-opens_on")
        .first()
    )
    starts_on = burnup.week_start(today) - datetime.timedelta(weeks=INITIATIVE_WEEKS)
    with transaction.atomic():
        to_raise = _kpi_answers_to_raise(teams, period, seed)
        initiative = initiative_create(
            actor=manager,
            title=INITIATIVE_TITLE,
            why=INITIATIVE_WHY,
            practice_keys=[INITIATIVE_PRACTICE],
            stages=[Project.Stage.PRODUCTION],
            starts_on=starts_on,
            target_on=today + datetime.timedelta(days=INITIATIVE_TARGET_DAYS),
            today=starts_on,
        )
        Initiative.objects.filter(pk=initiative.pk).update(
            created_at=_at(starts_on - datetime.timedelta(days=3), hour=14)
        )
        raised = 0
        for week in range(1, INITIATIVE_WEEKS + 1):
            day = min(starts_on + datetime.timedelta(weeks=week, days=2), today)
            goal = round(len(to_raise) * week / INITIATIVE_WEEKS)
            _raise(to_raise[raised:goal], period, day)
            raised = goal
            initiative_week_record(initiative=initiative, today=day)
    return INITIATIVE_WEEKS + 1


def _kpi_answers_to_raise(teams: Sequence[Team], period: Period | None, seed: int) -> list[Answer]:
    """The KPI answers of the open quarter's production drafts to raise to "yes" during the
    initiative, in a seeded order; those at "yes" now are set back to "partly" first."""
    if period is None:
        return []
    answers = list(
        Answer.objects.filter(
            assessment__period=period,
            assessment__status=Assessment.Status.DRAFT,
            assessment__project__team__in=teams,
            assessment__project__stage=Project.Stage.PRODUCTION,
            assessment__project__archived_at__isnull=True,
            practice__key=INITIATIVE_PRACTICE,
        )
        .exclude(value=Answer.Value.NA)
        .select_related("assessment__project")
        .order_by("assessment__project__slug")
    )
    rng = random.Random(f"{seed}-initiative")
    reached = [answer for answer in answers if answer.value == Answer.Value.YES]
    behind = [answer for answer in answers if answer.value != Answer.Value.YES]
    to_raise = reached + [answer for answer in behind if rng.random() < INITIATIVE_TAKE_UP]
    for answer in reached:
        answer.value = Answer.Value.PARTLY
    Answer.objects.bulk_update(reached, ["value"])
    rng.shuffle(to_raise)
    return to_raise


def _raise(answers: list[Answer], period: Period | None, day: datetime.date) -> None:
    """Answer "yes" in bulk, as each team's lead on `day` (not before the quarter opened)."""
    if not answers or period is None:
        return
    team_ids = {answer.assessment.project.team_id for answer in answers}
    leads = dict(
        Membership.objects.filter(team_id__in=team_ids, role=Membership.Role.LEAD)
        .order_by("pk")
        .values_list("team_id", "user_id")
    )
    when = min(max(_at(day, hour=10), _at(period.opens_on, hour=9)), timezone.now())
    changes = []
    for answer in answers:
        lead_id = leads.get(answer.assessment.project.team_id)
        changes.append(
            AnswerChange(
                answer=answer,
                field="value",
                old_value=answer.value,
                new_value=Answer.Value.YES,
                changed_by_id=lead_id,
                changed_at=when,
            )
        )
        answer.value = Answer.Value.YES
        answer.carried_over = False
        answer.version += 1
        answer.answered_by_id = lead_id
        answer.answered_at = when
    Answer.objects.bulk_update(
        answers, ["value", "carried_over", "version", "answered_by", "answered_at"]
    )
    AnswerChange.objects.bulk_create(changes)


def _at(day: datetime.date, *, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)
