"""Assessment history for the demo organisation: quarters of answers that improve unevenly.

Some teams climb, some stall, one regresses. The current quarter has a mix of submitted
assessments, drafts in progress and drafts nobody has touched. Rows are written in bulk
so that `make bench` can seed 1,000 projects x 12 quarters in reasonable time; scores go
through the same pure scoring and the same row builders as a real submission.
"""

import datetime
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from assessments.models import (
    Answer,
    Assessment,
    DimensionScore,
    Framework,
    Period,
    Practice,
    PracticeGap,
    ProjectProfile,
)
from assessments.rules import scoring
from assessments.rules.profiles import Profile
from assessments.scoring_inputs import scoring_framework
from assessments.services import periods
from assessments.services.answering import (
    assessment_score_fields,
    score_rows,
)
from assessments.services.frameworks import framework_load
from core.cache import dashboards_changed
from teams.models import Membership, Project, Team

FRAMEWORKS = Path(settings.BASE_DIR) / "assessments" / "frameworks"
# The demo's history spans the change of framework: the last past quarter and the current
# one use v2, earlier quarters v1.
V2_QUARTERS = 2
LLM_KINDS = ("llm_api", "rag", "agent")
# Under v1 an LLM application could only mark the training-centred dimensions N/A.
V1_LLM_NOT_APPLICABLE = ("data", "experimentation", "training")
LLM_NA_REASON = "A hosted LLM: the project trains no model of its own."
TRAJECTORIES = ("climbing", "climbing", "stalled", "climbing", "regressing", "stalled")
NA_REASONS = [
    "Batch model: there is no online endpoint to canary.",
    "No personal data is used by this model.",
    "Labels arrive months later; handled by the quarterly review instead.",
]
BATCH_SIZE = 5000


@dataclass(frozen=True)
class HistoryResult:
    periods: int
    assessments_created: int


def seed_history(
    *,
    teams: Sequence[Team],
    quarters: int = 6,
    seed: int = 42,
    today: datetime.date | None = None,
    v2_quarters: int = V2_QUARTERS,
) -> HistoryResult:
    """Create `quarters` past quarters of submitted assessments plus the current quarter;
    the last `v2_quarters` of them use framework v2, the ones before v1."""
    v1 = framework_load(path=FRAMEWORKS / "mlops-v1.yaml").framework
    v2 = framework_load(path=FRAMEWORKS / "mlops-v2.yaml").framework if v2_quarters else v1
    today = today or timezone.localdate()
    keys = _quarter_keys(today, quarters)
    created = 0
    for index, key in enumerate(keys):
        framework = v2 if index >= len(keys) - v2_quarters else v1
        period = _period(key, framework, is_current=index == len(keys) - 1)
        created += _seed_period(period, teams, index, len(keys), seed)
    dashboards_changed()
    return HistoryResult(periods=len(keys), assessments_created=created)


def _quarter_keys(today: datetime.date, past_quarters: int) -> list[str]:
    keys = [periods.period_key_for(today)]
    year, quarter = today.year, (today.month - 1) // 3 + 1
    for _ in range(past_quarters):
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
        keys.insert(0, f"{year}-Q{quarter}")
    return keys


def _period(key: str, framework: Framework, *, is_current: bool) -> Period:
    period = periods.period_create(key=key, framework=framework)
    today = timezone.localdate()
    if is_current and period.due_on < today:
        # Late in a quarter the default dates have passed; keep the demo's quarter open
        # so the demo lead has a draft to fill in. (The review demo then brings the due
        # date to tomorrow, when its queue was seeded: a date not passed is left alone.)
        Period.objects.filter(pk=period.pk).update(
            due_on=today + datetime.timedelta(days=10),
            closes_on=today + datetime.timedelta(days=24),
        )
    if not is_current and period.closed_at is None:
        # Past demo quarters count as opened and closed: no emails or reports for them.
        Period.objects.filter(pk=period.pk).update(
            opened_at=timezone.now(), closed_at=timezone.now()
        )
    return period


@transaction.atomic
def _seed_period(period: Period, teams: Sequence[Team], index: int, total: int, seed: int) -> int:
    is_current = index == total - 1
    projects = list(
        Project.objects.filter(team__in=teams, archived_at__isnull=True)
        .exclude(assessments__period=period)
        .select_related("team")
        .order_by("team__name", "name")
    )
    if not projects:
        return 0
    practices = list(
        Practice.objects.filter(framework=period.framework).select_related("dimension")
    )
    leads = _leads_by_team(teams)
    profiles = {
        row.project_id: row.as_profile()
        for row in ProjectProfile.objects.filter(project__in=projects)
    }
    team_position = {team.pk: position for position, team in enumerate(teams)}
    assessments, answers, scores, drafts = [], [], [], {}
    for project in projects:
        rng = random.Random(f"{seed}-{project.slug}-{period.key}")
        position = team_position[project.team_id]
        state = _current_state(project, position, rng) if is_current else "submitted"
        if state != "submitted":
            drafts[project.pk] = state
            continue
        trajectory = TRAJECTORIES[position % len(TRAJECTORIES)]
        profile = profiles.get(project.pk)
        dimensions, scoring_practices = scoring_framework(period.framework, profile)
        asked = _asked(period.framework, scoring_practices, profile)
        values = _answers(project, practices, index, total, trajectory, seed)
        values = {key: value for key, value in values.items() if key in asked}
        if period.framework.scoring_rule == 1 and profile and profile.kind in LLM_KINDS:
            values |= {p.key: "na" for p in practices if p.dimension.key in V1_LLM_NOT_APPLICABLE}
        assessment = _assessment(project, period, leads.get(project.team_id), rng)
        if period.framework.scoring_rule >= 2 and profile:
            assessment.profile = profile.as_dict()
        assessments.append(assessment)
        answers.append(values)
        scores.append(
            scoring.score_assessment(
                dimensions=dimensions,
                practices=scoring_practices,
                answers=values,
                rule=period.framework.scoring_rule,
                profile=profile,
            )
        )
    Assessment.objects.bulk_create(assessments, batch_size=BATCH_SIZE)
    llm_projects = {pk for pk, profile in profiles.items() if profile.kind in LLM_KINDS}
    _write_answers(assessments, answers, practices, leads, llm_projects)
    _write_scores(assessments, scores)
    if is_current:
        _open_with_drafts(period, drafts, leads, seed)
    return len(assessments) + len(drafts)


def _asked(
    framework: Framework,
    practices: Sequence[scoring.Practice],
    profile: Profile | None,
) -> set[str]:
    if framework.scoring_rule < 2:
        return {practice.key for practice in practices}
    return {practice.key for practice in scoring.asked_practices(practices, profile)}


def _open_with_drafts(
    period: Period, drafts: dict[int, str], leads: dict[int, User], seed: int
) -> None:
    """Open the current quarter as the portal would (drafts carry last quarter's answers),
    then let the "in progress" drafts confirm or change part of them."""
    periods.period_open(period=period)
    in_progress = [pk for pk, state in drafts.items() if state == "draft"]
    changed = []
    for answer in Answer.objects.filter(
        assessment__period=period, assessment__project_id__in=in_progress
    ).select_related("assessment__project"):
        rng = random.Random(f"{seed}-{answer.assessment_id}-{answer.practice_id}")
        if rng.random() < 0.5:
            continue
        if answer.value in ("no", "partly") and rng.random() < 0.4:
            answer.value = "partly" if answer.value == "no" else "yes"
        answer.value = answer.value or "partly"
        answer.carried_over = False
        answer.version += 1
        answer.answered_by = leads.get(answer.assessment.project.team_id)
        answer.answered_at = timezone.now()
        changed.append(answer)
    Answer.objects.bulk_update(
        changed,
        ["value", "carried_over", "version", "answered_by", "answered_at"],
        batch_size=BATCH_SIZE,
    )


def _current_state(project: Project, team_position: int, rng: random.Random) -> str:
    if team_position == 0:
        # The demo lead's team: one project to fill in, one untouched, the rest submitted.
        return {0: "draft", 1: "untouched"}.get(_project_position(project), "submitted")
    return rng.choices(["submitted", "draft", "untouched"], weights=[5, 3, 2])[0]


def _project_position(project: Project) -> int:
    return sorted(p.pk for p in project.team.projects.all()).index(project.pk)


def _assessment(
    project: Project, period: Period, lead: User | None, rng: random.Random
) -> Assessment:
    submitted_on = period.opens_on + datetime.timedelta(days=rng.randint(3, 30))
    return Assessment(
        project=project,
        period=period,
        status=Assessment.Status.SUBMITTED,
        submitted_by=lead,
        review_status=Assessment.Review.SELF_ASSESSED,
        submitted_at=datetime.datetime.combine(
            min(submitted_on, timezone.localdate()), datetime.time(10, 30), tzinfo=datetime.UTC
        ),
        version=2,
    )


def _answers(
    project: Project,
    practices: Sequence[Practice],
    quarter_index: int,
    quarters: int,
    trajectory: str,
    seed: int,
) -> dict[str, str]:
    """Answers from a latent maturity per dimension that moves along the team's trajectory."""
    base = random.Random(f"{seed}-{project.slug}")
    start = {p.dimension.key: base.uniform(0.7, 1.6) for p in practices}
    pace = {key: base.uniform(0.08, 0.26) for key in start}
    noise = random.Random(f"{seed}-{project.slug}-{quarter_index}")
    values = {}
    for practice in practices:
        maturity = _maturity(
            start[practice.dimension.key],
            pace[practice.dimension.key],
            quarter_index,
            quarters,
            trajectory,
        )
        margin = maturity - practice.level + noise.uniform(-0.25, 0.25) + base.uniform(-0.15, 0.15)
        if base.random() < 0.02:
            values[practice.key] = "na"
        elif margin > 0.55:
            values[practice.key] = "yes"
        elif margin > 0.05:
            values[practice.key] = "partly"
        else:
            values[practice.key] = "no"
    return values


def _maturity(start: float, pace: float, quarter: int, quarters: int, trajectory: str) -> float:
    if trajectory == "climbing":
        return start + pace * quarter * 1.4
    if trajectory == "regressing":
        peak = quarters // 2
        return start + pace * min(quarter, peak) - pace * 1.6 * max(0, quarter - peak)
    return start + pace * min(quarter, 2) * 0.6


def _leads_by_team(teams: Sequence[Team]) -> dict[int, User]:
    memberships = Membership.objects.filter(team__in=teams, role=Membership.Role.LEAD)
    return {m.team_id: m.user for m in memberships.select_related("user").order_by("pk")}


def _write_answers(
    assessments: Sequence[Assessment],
    answers: Sequence[dict[str, str]],
    practices: Sequence[Practice],
    leads: dict[int, User],
    llm_projects: set[int],
) -> None:
    rows = []
    for assessment, values in zip(assessments, answers, strict=True):
        lead = leads.get(assessment.project.team_id)
        llm = assessment.project_id in llm_projects
        for practice in practices:
            value = values.get(practice.key, "")
            rows.append(
                Answer(
                    assessment=assessment,
                    practice=practice,
                    value=value,
                    na_reason=_na_reason(practice, llm) if value == "na" else "",
                    version=1 if value else 0,
                    answered_by=lead if value else None,
                    answered_at=assessment.submitted_at if value else None,
                )
            )
    Answer.objects.bulk_create(rows, batch_size=BATCH_SIZE)


def _na_reason(practice: Practice, llm: bool) -> str:
    if llm and practice.dimension.key in V1_LLM_NOT_APPLICABLE:
        return LLM_NA_REASON
    return NA_REASONS[practice.order % len(NA_REASONS)]


def _write_scores(
    assessments: Sequence[Assessment], scores: Sequence[scoring.AssessmentScore | None]
) -> None:
    dimension_rows, gap_rows = [], []
    for assessment, score in zip(assessments, scores, strict=True):
        if score is None:
            continue
        rows, gaps = score_rows(assessment=assessment, score=score)
        dimension_rows += rows
        gap_rows += gaps
        for field, value in assessment_score_fields(score=score).items():
            setattr(assessment, field, value)
    DimensionScore.objects.bulk_create(dimension_rows, batch_size=BATCH_SIZE)
    PracticeGap.objects.bulk_create(gap_rows, batch_size=BATCH_SIZE)
    submitted = [a for a, score in zip(assessments, scores, strict=True) if score is not None]
    Assessment.objects.bulk_update(
        submitted,
        ["overall_level", "overall_score", "weakest_dimension_key", "anti_patterns"],
        batch_size=BATCH_SIZE,
    )
