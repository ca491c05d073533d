"""The demo's CI and deployment events: the last four quarters of pipeline runs, deployments,
rollbacks and incidents for most demo projects, so the delivery outcomes and the `ci.*`
facts have something worth reading.

Each quarter follows the level and score the project's assessment of that quarter stored
(the nearest assessed quarter when it has none): a more mature project deploys to
production more often, gets a new model there sooner after training, fails less often and
restores faster, with noise per project and quarter so the levels overlap. Its pipeline
runs carry the steps its team's answers claim (tests in CI, data validation before
training, an evaluation gate before deploy), mostly. Exploration projects deploy only to
staging; projects built on a hosted LLM train nothing. A few projects send no events.

They are stored as the endpoint stores them, with the outcomes and ci facts that follow,
by `demo.event_rows`. Events are written only for projects with no demo events yet, so
running seed_demo again adds nothing. Deterministic for a seed and a day.
"""

import datetime
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from assessments.models import Answer, Assessment, ProjectProfile
from demo.event_rows import events_normalised, events_store
from evidence.models import Event
from evidence.rules.outcomes import last_quarters, quarter_bounds
from teams.models import Project, Team

QUARTERS = 4  # this quarter and the three before: all within EVIDENCE_RETENTION_DAYS
LLM_KINDS = ("llm_api", "rag", "agent")
NO_EVENTS = 0.1  # the share of the other projects whose pipelines send nothing yet
# The practice whose answer says how often a pipeline step runs.
STEP_PRACTICES = {
    "tests": "unit-tests-ci",
    "data_validation": "data-validation-gate",
    "evaluation_gate": "release-gate-automated",
}
STEP_SHARE = {"yes": 0.97, "partly": 0.55, "no": 0.05, "": 0.3}
STEP_FAILS = {"tests": 0.07, "data_validation": 0.05, "evaluation_gate": 0.1, "training": 0.03}
# A project without an assessment yet: a guess at its maturity from its stage.
MATURITY_FOR_STAGE = {"production": 0.45, "pilot": 0.35, "exploration": 0.25}
# From this many projects on (some 100,000 events), the events' indexes are built once
# after they are written.
MANY = 500


@dataclass(frozen=True)
class EventsResult:
    projects_with_events: int
    events_created: int


@dataclass
class _History:
    """One project's events as payloads, in the order they happened."""

    slug: str
    floor: datetime.datetime  # the oldest moment the endpoint accepts (the retention)
    now: datetime.datetime
    payloads: list[dict] = field(default_factory=list)
    version: int = 0

    def add(self, kind: str, at: datetime.datetime, **fields: object) -> None:
        """Add an event, unless it is too old to keep or has not happened yet (an incident
        still open, say)."""
        if self.floor <= at <= self.now:
            self.payloads.append({"kind": kind, "occurred_at": at, **fields})

    def next_version(self) -> str:
        self.version += 1
        return f"1.{self.version}"


def seed_events(
    *, teams: Sequence[Team], seed: int = 42, now: datetime.datetime | None = None
) -> EventsResult:
    now = now or timezone.now()
    projects = list(
        Project.objects.filter(team__in=teams, archived_at__isnull=True).order_by("team_id", "pk")
    )
    done = set(Event.objects.filter(is_demo=True).values_list("project_id", flat=True).distinct())
    todo = [project for project in projects if project.pk not in done]
    if not todo:
        return EventsResult(0, 0)
    first_team = projects[0].team_id
    kinds = dict(ProjectProfile.objects.filter(project__in=todo).values_list("project_id", "kind"))
    maturity = _maturity_by_quarter(todo, now)
    answers = _step_answers(todo)
    made = _made_up(todo, kinds, maturity, answers, first_team=first_team, seed=seed, now=now)
    with_events, created = events_store(
        made,
        project_ids=[project.pk for project in todo],
        now=now,
        rebuild_indexes=len(todo) >= MANY,
    )
    return EventsResult(with_events, created)


def _made_up(
    todo: list[Project],
    kinds: dict[int, str],
    maturity: dict[int, dict[str, float]],
    answers: dict[int, dict[str, str]],
    *,
    first_team: int,
    seed: int,
    now: datetime.datetime,
) -> Iterator[tuple[int, list[tuple]]]:
    """Each project's events, as EVENT_FIELDS, but for the few projects that send none."""
    for project in todo:
        rng = random.Random(f"{seed}:events:{project.slug}")
        llm = kinds.get(project.pk) in LLM_KINDS
        quiet = rng.random() < NO_EVENTS or (llm and project.stage == Project.Stage.EXPLORATION)
        if quiet and project.team_id != first_team:
            continue
        history = _history(
            project, maturity[project.pk], answers.get(project.pk, {}), llm, rng, now
        )
        yield project.pk, events_normalised(project.slug, history.payloads, now)


# --- What the portal knows of each project ---------------------------------------------------


def _maturity_by_quarter(
    projects: list[Project], now: datetime.datetime
) -> dict[int, dict[str, float]]:
    """project id -> quarter -> its maturity, 0 to 1: mostly its overall level, a little its
    score within the level, from its submitted assessment of the quarter or the nearest."""
    quarters = last_quarters(timezone.localtime(now).date(), QUARTERS)
    assessed: dict[int, dict[str, float]] = {project.pk: {} for project in projects}
    rows = Assessment.objects.filter(
        project__in=projects,
        status=Assessment.Status.SUBMITTED,
        overall_level__isnull=False,
    ).values_list("project_id", "period__key", "overall_level", "overall_score")
    for project_id, key, level, score in rows:
        assert level is not None  # filtered above
        within = min(max((score if score is not None else level) - level, 0.0), 1.0)
        assessed[project_id][key] = min(0.2 + 0.4 * level + 0.25 * within, 1.0)
    found = {}
    for project in projects:
        known = assessed[project.pk]
        default = MATURITY_FOR_STAGE.get(project.stage, 0.3)
        found[project.pk] = {
            quarter: known[quarter] if quarter in known else _nearest(known, quarter, default)
            for quarter in quarters
        }
    return found


def _nearest(known: dict[str, float], quarter: str, default: float) -> float:
    earlier = [key for key in known if key < quarter]
    later = [key for key in known if key > quarter]
    if earlier:
        return known[max(earlier)]
    return known[min(later)] if later else default


def _step_answers(projects: list[Project]) -> dict[int, dict[str, str]]:
    """project id -> pipeline step -> the latest answer to the practice about it."""
    rows = (
        Answer.objects.filter(
            assessment__project__in=projects, practice__key__in=STEP_PRACTICES.values()
        )
        .exclude(value="")
        .order_by("assessment__period__opens_on", "pk")
        .values_list("assessment__project_id", "practice__key", "value")
    )
    steps = {practice: step for step, practice in STEP_PRACTICES.items()}
    found: dict[int, dict[str, str]] = {}
    for project_id, key, value in rows:
        found.setdefault(project_id, {})[steps[key]] = value  # later quarters win
    return found


# --- A project's history ---------------------------------------------------------------------


def _history(
    project: Project,
    maturity: dict[str, float],
    answers: dict[str, str],
    llm: bool,
    rng: random.Random,
    now: datetime.datetime,
) -> _History:
    tz = timezone.get_current_timezone()
    retention = now - datetime.timedelta(days=settings.EVIDENCE_RETENTION_DAYS - 5)
    oldest = max(quarter_bounds(min(maturity), tz)[0], retention)
    history = _History(slug=project.slug, floor=oldest, now=now)
    shares = {step: STEP_SHARE.get(answers.get(step, ""), 0.3) for step in STEP_PRACTICES}
    flair = rng.uniform(-0.08, 0.08)  # some teams do better than their level says
    for quarter, level in maturity.items():
        start, after = quarter_bounds(quarter, tz)
        start, end = max(start, oldest), min(after, now - datetime.timedelta(hours=1))
        if end <= start:
            continue
        m = min(max(level + flair + rng.uniform(-0.06, 0.06), 0.0), 1.0)
        share = (end - start) / (after - start)
        _quarter(history, project, m, share, shares, llm, rng, start, end)
    return history


def _between(rng: random.Random, start: datetime.datetime, end: datetime.datetime):
    """A moment in working hours (mostly) between start and end."""
    at = start + (end - start) * rng.random()
    if rng.random() < 0.85 and at.hour not in range(8, 18):
        at = at.replace(hour=rng.randint(8, 17))
    return min(max(at, start), end)


def _towards(low: float, high: float, m: float) -> float:
    """From `low` at maturity 0 to `high` at 1, evenly on a log scale (for durations)."""
    return math.exp(math.log(low) * (1 - m) + math.log(high) * m)


def _quarter(
    history: _History,
    project: Project,
    m: float,
    share: float,
    steps: dict[str, float],
    llm: bool,
    rng: random.Random,
    start: datetime.datetime,
    end: datetime.datetime,
) -> None:
    stage = project.stage
    rate = {"production": 1.0, "pilot": 0.55}.get(stage, 0.0)
    expected = (1.5 + 16 * m**1.6) * rate * share * rng.uniform(0.7, 1.3)
    deployments = sorted(_between(rng, start, end) for _ in range(_count(expected, rng)))
    pipelines = m >= 0.3 or rng.random() < 0.35  # below, many teams train by hand
    # Failures as the maturity's rate would have them, at random among the deployments:
    # a handful of deployments tossed one by one would hide any rate.
    failing = set(
        rng.sample(range(len(deployments)), _count(_failure_rate(m, rng) * len(deployments), rng))
    )
    for index, at in enumerate(deployments):
        following = deployments[index + 1] if index + 1 < len(deployments) else end
        _deployment(history, at, following, m, pipelines, steps, llm, rng, fails=index in failing)
    if stage == Project.Stage.EXPLORATION:  # tried on staging only
        for _ in range(_count(2 * share, rng)):
            at = _between(rng, start, end)
            history.add(
                "deployment", at, model_version=history.next_version(), environment="staging"
            )
    if pipelines and not llm:
        every = _towards(45, 4, m) * rng.uniform(0.8, 1.25)  # days between trainings
        at = start + datetime.timedelta(days=rng.uniform(0, every))
        while at < end:
            _run(history, at, steps, rng, training=True)
            at += datetime.timedelta(days=every * rng.uniform(0.7, 1.3))
    if pipelines:  # the CI runs of code changes, which train nothing
        for _ in range(_count((4 + 30 * m) * share, rng)):
            _run(history, _between(rng, start, end), steps, rng, training=False)


def _count(expected: float, rng: random.Random) -> int:
    whole = int(expected)
    return whole + (1 if rng.random() < expected - whole else 0)


def _deployment(
    history: _History,
    at: datetime.datetime,
    following: datetime.datetime,
    m: float,
    pipelines: bool,
    steps: dict[str, float],
    llm: bool,
    rng: random.Random,
    *,
    fails: bool,
) -> None:
    version = history.next_version()
    previous = f"1.{history.version - 1}" if history.version > 1 else ""
    fields: dict = {"model_version": version, "model_name": history.slug}
    if not llm and rng.random() < 0.45 + 0.55 * m:  # immature teams rarely record it
        lead = _towards(300, 5, m) * math.exp(rng.gauss(0, 0.45))  # hours
        trained_at = at - datetime.timedelta(hours=lead)
        fields["trained_at"] = trained_at
        if pipelines:
            _run(history, trained_at, steps, rng, training=True, passed=True)
    if m >= 0.45 and rng.random() < 0.8:  # tried on staging first
        staging = at - datetime.timedelta(hours=rng.uniform(2, 30))
        history.add("deployment", staging, model_version=version, environment="staging")
    if pipelines and rng.random() < m:  # the pipeline deploys it
        history.add(
            "pipeline_run",
            at - datetime.timedelta(minutes=4),
            steps=_steps(steps, rng, deploy=True),
        )
    history.add("deployment", at, **fields)
    if fails:
        _failure(history, at, following, m, previous, rng)


def _failure_rate(m: float, rng: random.Random) -> float:
    return max(0.4 - 0.34 * m + rng.uniform(-0.05, 0.05), 0.0)


def _failure(
    history: _History,
    deployed: datetime.datetime,
    following: datetime.datetime,
    m: float,
    previous: str,
    rng: random.Random,
) -> None:
    """A rollback or an incident soon after a deployment, before the next one, and its end."""
    restore = _towards(60, 1.2, m) * math.exp(rng.gauss(0, 0.5))  # hours
    room = min(following - deployed, datetime.timedelta(days=7))
    if previous and rng.random() < 0.3 + 0.5 * m:  # mature teams roll back
        at = deployed + min(datetime.timedelta(hours=restore), room * 0.9)
        history.add("rollback", at, model_version=previous)
        return
    opened = deployed + room * rng.uniform(0.05, 0.6)
    incident = f"INC-{history.slug[:12].upper()}-{len(history.payloads)}"
    history.add("incident", opened, state="opened", incident_id=incident)
    history.add(
        "incident",
        opened + datetime.timedelta(hours=restore),
        state="resolved",
        incident_id=incident,
    )


def _run(
    history: _History,
    at: datetime.datetime,
    steps: dict[str, float],
    rng: random.Random,
    *,
    training: bool,
    passed: bool = False,
) -> None:
    history.add("pipeline_run", at, steps=_steps(steps, rng, training=training, passed=passed))


def _steps(
    shares: dict[str, float],
    rng: random.Random,
    *,
    training: bool = False,
    deploy: bool = False,
    passed: bool = False,
) -> list[dict[str, str]]:
    """A run's steps in order, those the team's answers claim mostly there; after a failed
    step the rest are skipped. `passed`: the run produced the deployed model."""
    names = [
        *(["tests"] if rng.random() < shares["tests"] else []),
        *(["data_validation"] if training and rng.random() < shares["data_validation"] else []),
        *(["training"] if training else []),
        *(["evaluation_gate"] if rng.random() < shares["evaluation_gate"] else []),
        *(["deploy"] if deploy else []),
    ]
    steps, failed = [], False
    for name in names or ["tests"]:
        if failed:
            steps.append({"name": name, "result": "skipped"})
            continue
        failed = not passed and not deploy and rng.random() < STEP_FAILS.get(name, 0.05)
        steps.append({"name": name, "result": "failed" if failed else "passed"})
    return steps
