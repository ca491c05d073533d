"""Assessment history for the demo organisation: quarters of answers that improve unevenly.

Some teams climb, some stall, one regresses. The current quarter has a mix of submitted
assessments, drafts in progress and drafts nobody has touched. Rows are written in bulk
(`demo.bulk`: COPY in PostgreSQL) so that `make bench` can seed 10,000 projects x 20
quarters in minutes; scores go through the same pure scoring and the same row builders as
a real submission.
"""

import datetime
import random
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from assessments.models import (
    Answer,
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
from assessments.services.frameworks import framework_load
from core.cache import dashboards_changed
from demo.bulk import indexes_built_after, update_rows
from demo.drafts import open_with_drafts
from demo.history_rows import V1_LLM_NOT_APPLICABLE, Submitted, write_submitted
from teams.models import Membership, Project, Team

FRAMEWORKS = Path(settings.BASE_DIR) / "assessments" / "frameworks"
# The demo's history spans the change of framework: the last past quarter and the current
# one use v2, earlier quarters v1.
V2_QUARTERS = 2
LLM_KINDS = ("llm_api", "rag", "agent")
# From this many assessments on, the history's indexes are built once at its end.
MANY = 10_000
HISTORY_TABLES = (Answer, DimensionScore, PracticeGap)
TRAJECTORIES = ("climbing", "climbing", "stalled", "climbing", "regressing", "stalled")


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
    rebuild_indexes: bool | None = None,
) -> HistoryResult:
    """Create `quarters` past quarters of submitted assessments plus the current quarter;
    the last `v2_quarters` of them use framework v2, the ones before v1. `rebuild_indexes`:
    whether to build the answers' and scores' indexes once at the end of the past quarters
    (by default, from MANY assessments on)."""
    v1 = framework_load(path=FRAMEWORKS / "mlops-v1.yaml").framework
    v2 = framework_load(path=FRAMEWORKS / "mlops-v2.yaml").framework if v2_quarters else v1
    today = today or timezone.localdate()
    keys = _quarter_keys(today, quarters)
    created = 0
    if rebuild_indexes is None:
        rebuild_indexes = len(keys) * Project.objects.filter(team__in=teams).count() >= MANY
    # The past quarters in one transaction, with the indexes of the biggest tables built
    # once at its end (demo.bulk); the current quarter reads them to open its drafts.
    try:
        with (
            transaction.atomic(),
            indexes_built_after(*HISTORY_TABLES) if rebuild_indexes else nullcontext(),
        ):
            for index, key in enumerate(keys[:-1]):
                framework = v2 if index >= len(keys) - v2_quarters else v1
                period = _period(key, framework, is_current=False)
                created += _seed_period(period, teams, index, len(keys), seed)
        current = _period(keys[-1], v2 if v2_quarters else v1, is_current=True)
        created += _seed_period(current, teams, len(keys) - 1, len(keys), seed)
    finally:
        _DRAWS.clear()
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
    questions = tuple((p.key, p.dimension.key, p.level) for p in practices)
    asked_for: dict[Profile | None, set[str]] = {}
    submitted: list[Submitted] = []
    drafts = {}
    today = timezone.localdate()  # no submission after it
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
        if profile not in asked_for:
            asked_for[profile] = _asked(period.framework, scoring_practices, profile)
        asked = asked_for[profile]
        values = _answers(project, questions, period.framework_id, index, total, trajectory, seed)
        values = {key: value for key, value in values.items() if key in asked}
        if period.framework.scoring_rule == 1 and profile and profile.kind in LLM_KINDS:
            values |= {p.key: "na" for p in practices if p.dimension.key in V1_LLM_NOT_APPLICABLE}
        score = scoring.score_assessment(
            dimensions=dimensions,
            practices=scoring_practices,
            answers=values,
            rule=period.framework.scoring_rule,
            profile=profile,
        )
        lead = leads.get(project.team_id)
        submitted.append(
            Submitted(
                project=project,
                answers=values,
                score=score,
                submitted_at=_submitted_at(period, rng, today),
                lead_id=lead.pk if lead else None,
                profile=profile.as_dict() if profile and period.framework.scoring_rule >= 2 else {},
            )
        )
    llm_projects = {pk for pk, profile in profiles.items() if profile.kind in LLM_KINDS}
    write_submitted(period, submitted, practices, llm_projects)
    if is_current:
        _open_with_drafts(period, drafts, leads, seed)
    return len(submitted) + len(drafts)


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
    open_with_drafts(period=period)
    in_progress = [pk for pk, state in drafts.items() if state == "draft"]
    now = timezone.now()
    changed = []
    for pk, assessment_id, practice_id, value, version, team_id in Answer.objects.filter(
        assessment__period=period, assessment__project_id__in=in_progress
    ).values_list(
        "pk", "assessment_id", "practice_id", "value", "version", "assessment__project__team_id"
    ):
        rng = random.Random(f"{seed}-{assessment_id}-{practice_id}")
        if rng.random() < 0.5:
            continue
        if value in ("no", "partly") and rng.random() < 0.4:
            value = "partly" if value == "no" else "yes"
        lead = leads.get(team_id)
        changed.append((pk, value or "partly", False, version + 1, lead.pk if lead else None, now))
    update_rows(
        Answer,
        ("id", "value", "carried_over", "version", "answered_by_id", "answered_at"),
        changed,
    )


def _current_state(project: Project, team_position: int, rng: random.Random) -> str:
    if team_position == 0:
        # The demo lead's team: one project to fill in, one untouched, the rest submitted.
        return {0: "draft", 1: "untouched"}.get(_project_position(project), "submitted")
    return rng.choices(["submitted", "draft", "untouched"], weights=[5, 3, 2])[0]


def _project_position(project: Project) -> int:
    return sorted(p.pk for p in project.team.projects.all()).index(project.pk)


def _submitted_at(period: Period, rng: random.Random, today: datetime.date) -> datetime.datetime:
    submitted_on = period.opens_on + datetime.timedelta(days=rng.randint(3, 30))
    return datetime.datetime.combine(
        min(submitted_on, today), datetime.time(10, 30), tzinfo=datetime.UTC
    )


def _answers(
    project: Project,
    questions: tuple[tuple[str, str, int], ...],
    framework_id: int,
    quarter_index: int,
    quarters: int,
    trajectory: str,
    seed: int,
) -> dict[str, str]:
    """Answers from a latent maturity per dimension that moves along the team's trajectory.
    `questions`: each practice's key, dimension key and level."""
    drawn = (seed, project.slug, framework_id)
    if drawn not in _DRAWS:
        _DRAWS[drawn] = _project_draws(seed, project.slug, questions)
    start, pace, offsets, not_applicable = _DRAWS[drawn]
    maturity = {
        key: _maturity(start[key], pace[key], quarter_index, quarters, trajectory) for key in start
    }
    noise = random.Random(f"{seed}-{project.slug}-{quarter_index}")
    values = {}
    for (practice, dimension, level), offset, draw in zip(
        questions, offsets, not_applicable, strict=True
    ):
        margin = maturity[dimension] - level + noise.uniform(-0.25, 0.25)
        margin += offset
        if draw < 0.02:
            values[practice] = "na"
        elif margin > 0.55:
            values[practice] = "yes"
        elif margin > 0.05:
            values[practice] = "partly"
        else:
            values[practice] = "no"
    return values


Draws = tuple[dict[str, float], dict[str, float], list[float], list[float]]
# The draws of each (seed, project, framework) while a history is seeded.
_DRAWS: dict[tuple[int, str, int], Draws] = {}


def _project_draws(seed: int, slug: str, questions: tuple[tuple[str, str, int], ...]) -> Draws:
    """The project's own draws, the same every quarter: where each dimension starts, its
    pace, and per practice an offset and the draw that makes it "not applicable"."""
    base = random.Random(f"{seed}-{slug}")
    start = {dimension: base.uniform(0.7, 1.6) for _, dimension, _ in questions}
    pace = {key: base.uniform(0.08, 0.26) for key in start}
    offsets, not_applicable = [], []
    for _ in questions:
        offsets.append(base.uniform(-0.15, 0.15))
        not_applicable.append(base.random())
    return start, pace, offsets, not_applicable


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
