"""Delivery outcomes, after DORA, from a project's events: pure Python, no Django.

A project's outcomes in a calendar quarter ("2026-Q4"):

- deployments: production deployments in the quarter;
- failed deployments: those a production rollback, or an incident opened (in any
  environment), followed within 7 days while they were the latest production deployment: a
  failure is blamed on the deployment live at the time, and a deployment fails at most once.
  The change failure rate is failed / deployments, so always between 0 and 1;
- lead time: the median hours from the end of the training run to the production deployment,
  over the quarter's production deployments that say when their model was trained;
- time to restore: the median hours of the failures that started in the quarter: an incident
  from its opening to its resolution (unresolved ones are not counted), a rollback from the
  deployment it is blamed on (the latest production deployment before it);
- retraining cadence: the median days between consecutive pipeline runs whose training step
  passed, each interval in the quarter of its later run; without any, the MLflow retraining
  fact stands in.

Only `occurred_at` orders events, with the sender's id breaking ties, so the order in which
events arrive never matters. The quarter of a moment is the quarter of its date in its own
time zone: callers pass times in the organisation's time zone.
"""

import datetime
import itertools
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

PRODUCTION = "production"
FAILURE_WINDOW = datetime.timedelta(days=7)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)

SOURCE_EVENTS = "events"
SOURCE_MLFLOW = "mlflow"


@dataclass(frozen=True)
class EventFact:
    """What the metrics read of one event (evidence.models.Event)."""

    kind: str  # pipeline_run, deployment, rollback, incident
    occurred_at: datetime.datetime
    sender_id: str
    environment: str = ""
    model_version: str = ""
    state: str = ""  # incidents: opened or resolved
    reference: str = ""  # incidents: the incident's id
    trained_at: datetime.datetime | None = None  # deployments: when the training run ended
    training_passed: bool = False  # pipeline runs: a training step ran and passed

    @property
    def order(self) -> tuple[datetime.datetime, str]:
        return self.occurred_at, self.sender_id

    @property
    def is_production_deployment(self) -> bool:
        return self.kind == "deployment" and self.environment == PRODUCTION

    @property
    def is_failure(self) -> bool:
        """A production rollback, or an incident opened anywhere."""
        if self.kind == "rollback":
            return self.environment == PRODUCTION
        return self.kind == "incident" and self.state == "opened"


@dataclass(frozen=True)
class QuarterFigures:
    quarter: str
    deployments: int
    failed_deployments: int
    change_failure_rate: float | None  # None without deployments
    lead_time_hours: float | None
    lead_time_count: int
    restore_hours: float | None
    restore_count: int
    retraining_days: float | None
    retraining_count: int
    retraining_source: str  # "events", "mlflow" or ""


# The stored figures of a quarter: the Outcome model's columns of the same names.
QUARTER_FIGURES = tuple(field.name for field in fields(QuarterFigures))


def quarter_of(moment: datetime.date) -> str:
    """ "2026-Q4" for any day or time from 1 October to 31 December 2026."""
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def _parts(quarter: str) -> tuple[int, int]:
    year, number = quarter.split("-Q")
    return int(year), int(number)


def quarter_first_day(quarter: str) -> datetime.date:
    year, number = _parts(quarter)
    return datetime.date(year, 3 * number - 2, 1)


def quarter_after(quarter: str) -> str:
    year, number = _parts(quarter)
    return f"{year}-Q{number + 1}" if number < 4 else f"{year + 1}-Q1"


def quarter_before(quarter: str) -> str:
    year, number = _parts(quarter)
    return f"{year}-Q{number - 1}" if number > 1 else f"{year - 1}-Q4"


def last_quarters(today: datetime.date, count: int) -> list[str]:
    """The `count` quarters up to and including today's, oldest first."""
    quarters = [quarter_of(today)]
    while len(quarters) < count:
        quarters.insert(0, quarter_before(quarters[0]))
    return quarters


def quarter_bounds(
    quarter: str, tz: datetime.tzinfo
) -> tuple[datetime.datetime, datetime.datetime]:
    """The quarter's first moment and the next quarter's first moment, in `tz`."""

    def midnight(day: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(), tzinfo=tz)

    return (
        midnight(quarter_first_day(quarter)),
        midnight(quarter_first_day(quarter_after(quarter))),
    )


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def quarter_outcome(
    events: Iterable[EventFact],
    quarter: str,
    *,
    mlflow_retraining: tuple[float, int] | None = None,
) -> QuarterFigures:
    """The quarter's outcomes from the project's events (every event that can matter: those
    from 7 days before the quarter to 7 days after it, the latest production deployment and
    the latest successful training before that, and the incidents' resolutions).
    `mlflow_retraining` is the MLflow retraining fact as known at the quarter's end: (median
    days, number of intervals)."""
    ordered = sorted(events, key=lambda event: event.order)
    deployments = [event for event in ordered if event.is_production_deployment]
    in_quarter = [event for event in deployments if quarter_of(event.occurred_at) == quarter]
    failed = _failed_deployments(ordered, deployments)
    failed_count = sum(1 for event in in_quarter if event.order in failed)
    lead_times = [
        (event.occurred_at - event.trained_at) / HOUR
        for event in in_quarter
        if event.trained_at is not None
    ]
    restores = _restore_hours(ordered, deployments, quarter)
    retraining = _retraining_days(ordered, quarter)
    if retraining:
        cadence, cadence_count, source = median(retraining), len(retraining), SOURCE_EVENTS
    elif mlflow_retraining is not None:
        cadence, cadence_count, source = mlflow_retraining[0], mlflow_retraining[1], SOURCE_MLFLOW
    else:
        cadence, cadence_count, source = None, 0, ""
    return QuarterFigures(
        quarter=quarter,
        deployments=len(in_quarter),
        failed_deployments=failed_count,
        change_failure_rate=failed_count / len(in_quarter) if in_quarter else None,
        lead_time_hours=median(lead_times),
        lead_time_count=len(lead_times),
        restore_hours=median(restores),
        restore_count=len(restores),
        retraining_days=cadence,
        retraining_count=cadence_count,
        retraining_source=source,
    )


def _live_deployment(
    deployments: Sequence[EventFact], moment: datetime.datetime
) -> EventFact | None:
    """The latest production deployment strictly before `moment` (`deployments` in order)."""
    live = None
    for deployment in deployments:
        if deployment.occurred_at >= moment:
            break
        live = deployment
    return live


def _failed_deployments(
    ordered: Sequence[EventFact], deployments: Sequence[EventFact]
) -> set[tuple[datetime.datetime, str]]:
    """The `order` of every deployment that a failure within 7 days is blamed on."""
    failed = set()
    for event in ordered:
        if not event.is_failure:
            continue
        live = _live_deployment(deployments, event.occurred_at)
        if live is not None and event.occurred_at <= live.occurred_at + FAILURE_WINDOW:
            failed.add(live.order)
    return failed


def _restore_hours(
    ordered: Sequence[EventFact], deployments: Sequence[EventFact], quarter: str
) -> list[float]:
    hours = []
    for event in ordered:
        if not event.is_failure or quarter_of(event.occurred_at) != quarter:
            continue
        if event.kind == "incident":
            resolved = _resolution(ordered, event)
            if resolved is not None:
                hours.append((resolved.occurred_at - event.occurred_at) / HOUR)
            continue
        live = _live_deployment(deployments, event.occurred_at)
        if live is not None:
            hours.append((event.occurred_at - live.occurred_at) / HOUR)
    return hours


def _resolution(ordered: Sequence[EventFact], opened: EventFact) -> EventFact | None:
    """The first resolution of the same incident at or after its opening."""
    for event in ordered:
        if (
            event.kind == "incident"
            and event.state == "resolved"
            and event.reference == opened.reference
            and event.occurred_at >= opened.occurred_at
        ):
            return event
    return None


def _retraining_days(ordered: Sequence[EventFact], quarter: str) -> list[float]:
    trainings = [
        event for event in ordered if event.kind == "pipeline_run" and event.training_passed
    ]
    return [
        (later.occurred_at - earlier.occurred_at) / DAY
        for earlier, later in itertools.pairwise(trainings)
        if quarter_of(later.occurred_at) == quarter
    ]
