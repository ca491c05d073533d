"""The CI and deployment events a pipeline sends: their vocabulary, limits and how a payload
becomes the fields stored. Pure Python, no Django.

`event_normalise(payload, now=…, retention_days=…)` checks one decoded JSON body and answers
a `NormalisedEvent`, or raises `EventInvalid` listing every problem with the field it is
about (`loc`: ("body", "steps", 2, "name")), as the API's other 422s do. Unknown fields are
refused, so a typo such as `enviroment` is told rather than silently dropped.
"""

import datetime
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

PIPELINE_RUN: Final = "pipeline_run"
DEPLOYMENT: Final = "deployment"
ROLLBACK: Final = "rollback"
INCIDENT: Final = "incident"
KINDS: Final = (PIPELINE_RUN, DEPLOYMENT, ROLLBACK, INCIDENT)

PRODUCTION: Final = "production"
ENVIRONMENT_ALIASES: Final = {"prod": PRODUCTION}
STEP_NAMES: Final = ("data_validation", "tests", "evaluation_gate", "training", "deploy")
STEP_RESULTS: Final = ("passed", "failed", "skipped")
RAN: Final = ("passed", "failed")  # a skipped step did not run
INCIDENT_STATES: Final = ("opened", "resolved")

ID_MAX: Final = 200
ENVIRONMENT_MAX: Final = 60
MODEL_VERSION_MAX: Final = 100
TEXT_MAX: Final = 200  # model_name, run_id, incident_id
URL_MAX: Final = 500
STEPS_MAX: Final = 20
FUTURE_TOLERANCE: Final = datetime.timedelta(minutes=10)

COMMON_FIELDS: Final = ("id", "kind", "occurred_at", "url")
KIND_FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    PIPELINE_RUN: ("steps", "environment"),
    DEPLOYMENT: ("model_version", "environment", "model_name", "trained_at", "run_id"),
    ROLLBACK: ("environment", "model_version"),
    INCIDENT: ("state", "incident_id"),
}
ALL_FIELDS: Final = tuple(
    dict.fromkeys([*COMMON_FIELDS, *(name for names in KIND_FIELDS.values() for name in names)])
)


@dataclass(frozen=True)
class Problem:
    loc: tuple[str | int, ...]
    msg: str
    type: str

    def as_dict(self) -> dict:
        return {"loc": list(self.loc), "msg": self.msg, "type": self.type}


class EventInvalid(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, p.loc))}: {p.msg}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class NormalisedEvent:
    """An event as stored (evidence.models.Event), without its project and token."""

    sender_id: str
    kind: str
    occurred_at: datetime.datetime
    occurred_at_given: bool  # False: the sender left it out and it is the time received
    environment: str = ""
    model_version: str = ""
    state: str = ""
    reference: str = ""
    detail: dict = field(default_factory=dict)

    def content(self) -> dict:
        """What a repeat of the same id must match; the time only if the sender gave it."""
        stored = {
            "kind": self.kind,
            "environment": self.environment,
            "model_version": self.model_version,
            "state": self.state,
            "incident_id": self.reference,
            **self.detail,
        }
        return stored | ({"occurred_at": self.occurred_at} if self.occurred_at_given else {})


def event_normalise(
    payload: object, *, now: datetime.datetime, retention_days: int
) -> NormalisedEvent:
    """The event `payload` describes, or `EventInvalid` with every problem found."""
    if not isinstance(payload, Mapping):
        raise EventInvalid([Problem(("body",), "The body must be a JSON object.", "dict_type")])
    reader = _Reader(payload)
    sender_id = reader.text("id", required=True, max_length=ID_MAX)
    kind = reader.choice("kind", KINDS, required=True)
    occurred_at = reader.moment("occurred_at")
    if occurred_at is not None:
        if occurred_at > now + FUTURE_TOLERANCE:
            reader.problem("occurred_at", "must not be more than 10 minutes in the future")
        elif occurred_at < now - datetime.timedelta(days=retention_days):
            reader.problem(
                "occurred_at", f"must not be older than {retention_days} days (the retention)"
            )
    allowed = (*COMMON_FIELDS, *KIND_FIELDS.get(kind or "", ALL_FIELDS))
    reader.refuse_unknown(allowed, kind)
    url = reader.url("url")
    fields = _KIND_READERS[kind](reader, occurred_at or now) if kind else {}
    if reader.problems:
        raise EventInvalid(reader.problems)
    assert sender_id is not None and kind is not None
    detail = fields.pop("detail", {}) | ({"url": url} if url else {})
    return NormalisedEvent(
        sender_id=sender_id,
        kind=kind,
        occurred_at=occurred_at or now,
        occurred_at_given=occurred_at is not None,
        detail=detail,
        **fields,
    )


def environment_normalise(value: str) -> str:
    """ "Prod" -> "production"; otherwise lower case, as given."""
    lowered = value.strip().lower()
    return ENVIRONMENT_ALIASES.get(lowered, lowered)


def training_passed(steps: object) -> bool:
    """Whether a pipeline run's stored steps include a training step that passed."""
    return isinstance(steps, list) and any(
        isinstance(step, Mapping)
        and step.get("name") == "training"
        and step.get("result") == "passed"
        for step in steps
    )


# --- Each kind's fields -----------------------------------------------------------------------


def _deployment(reader: "_Reader", occurred_at: datetime.datetime) -> dict:
    version = reader.text("model_version", required=True, max_length=MODEL_VERSION_MAX)
    trained_at = reader.moment("trained_at")
    if trained_at is not None and trained_at > occurred_at:
        reader.problem("trained_at", "must not be after occurred_at (the deployment)")
    detail = {
        "model_name": reader.text("model_name", max_length=TEXT_MAX),
        "trained_at": trained_at.isoformat() if trained_at else None,
        "run_id": reader.text("run_id", max_length=TEXT_MAX),
    }
    return {
        "model_version": version or "",
        "environment": reader.environment(default=PRODUCTION),
        "detail": {key: value for key, value in detail.items() if value},
    }


def _rollback(reader: "_Reader", occurred_at: datetime.datetime) -> dict:
    return {
        "environment": reader.environment(default=PRODUCTION),
        "model_version": reader.text("model_version", max_length=MODEL_VERSION_MAX) or "",
    }


def _incident(reader: "_Reader", occurred_at: datetime.datetime) -> dict:
    return {
        "state": reader.choice("state", INCIDENT_STATES, required=True) or "",
        "reference": reader.text("incident_id", required=True, max_length=TEXT_MAX) or "",
    }


def _pipeline_run(reader: "_Reader", occurred_at: datetime.datetime) -> dict:
    steps = reader.steps("steps")
    deploys = any(step["name"] == "deploy" and step["result"] in RAN for step in steps)
    failed = any(step["result"] == "failed" for step in steps)
    return {
        "state": "failed" if failed else "passed",
        "environment": reader.environment(default=PRODUCTION if deploys else ""),
        "detail": {"steps": steps} if steps else {},
    }


_KIND_READERS = {
    DEPLOYMENT: _deployment,
    ROLLBACK: _rollback,
    INCIDENT: _incident,
    PIPELINE_RUN: _pipeline_run,
}


# --- Reading fields, collecting problems ---------------------------------------------------------


class _Reader:
    def __init__(self, payload: Mapping) -> None:
        self.payload = payload
        self.problems: list[Problem] = []

    def problem(self, *loc_and_msg: str | int, type: str = "value_error") -> None:
        *loc, msg = loc_and_msg
        self.problems.append(Problem(("body", *loc), str(msg), type))

    def refuse_unknown(self, allowed: tuple[str, ...], kind: str | None) -> None:
        for name in self.payload:
            if name in allowed:
                continue
            label = name if isinstance(name, str) else repr(name)
            if kind and name in ALL_FIELDS:
                fields = ", ".join(f for f in allowed if f not in ("id", "kind"))
                msg = f"'{label}' is not a field of {kind} events, which take: {fields}"
            else:
                msg = f"Unknown field '{label}'"
                close = difflib.get_close_matches(str(name), allowed, n=1)
                msg += f": did you mean '{close[0]}'?" if close else "."
            self.problem(label, msg, type="extra_forbidden")

    def text(self, name: str, *, required: bool = False, max_length: int) -> str | None:
        value = self.payload.get(name)
        if value is None:
            if required:
                self.problem(name, "This field is required.", type="missing")
            return None
        if not isinstance(value, str):
            self.problem(name, "must be text (a JSON string)", type="string_type")
            return None
        value = value.strip() if name != "id" else value
        if not value:
            self.problem(name, "must not be empty", type="string_too_short")
        elif len(value) > max_length:
            self.problem(name, f"must be at most {max_length} characters", type="string_too_long")
        elif not value.isprintable():
            self.problem(
                name,
                "must hold printable characters only (no control characters)",
                type="string_pattern_mismatch",
            )
        else:
            return value
        return None

    def choice(self, name: str, choices: tuple[str, ...], *, required: bool) -> str | None:
        value = self.payload.get(name)
        if value is None:
            if required:
                self.problem(
                    name, f"This field is required: one of {', '.join(choices)}.", type="missing"
                )
            return None
        if value not in choices:
            self.problem(name, f"must be one of {', '.join(choices)}", type="enum")
            return None
        return str(value)

    def moment(self, name: str) -> datetime.datetime | None:
        value = self.payload.get(name)
        if value is None:
            return None
        example = "such as 2026-11-03T14:05:00Z"
        if not isinstance(value, str):
            self.problem(
                name, f"must be an ISO 8601 time in a JSON string, {example}", type="datetime_type"
            )
            return None
        try:
            moment = datetime.datetime.fromisoformat(value.strip())
        except ValueError:
            self.problem(name, f"must be an ISO 8601 time, {example}", type="datetime_parsing")
            return None
        if moment.tzinfo is None or moment.utcoffset() is None:
            self.problem(
                name,
                f"must say its time zone, {example} or +01:00 at the end",
                type="timezone_aware",
            )
            return None
        try:
            return moment.astimezone(datetime.UTC)
        except OverflowError:
            self.problem(name, "is out of range", type="datetime_parsing")
            return None

    def environment(self, *, default: str) -> str:
        value = self.text("environment", max_length=ENVIRONMENT_MAX)
        return environment_normalise(value) if value else default

    def url(self, name: str) -> str | None:
        value = self.text(name, max_length=URL_MAX)
        if value is None:
            return None
        try:
            parts = urlsplit(value)
        except ValueError:
            parts = None
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or not parts.netloc
            or " " in value
        ):
            self.problem(
                name,
                "must be an http or https address, such as https://ci.example.com/run/42",
                type="url_parsing",
            )
            return None
        return value

    def steps(self, name: str) -> list[dict[str, str]]:
        value = self.payload.get(name)
        if value is None:
            self.problem(
                name, "This field is required: the steps the run ran, in order.", type="missing"
            )
            return []
        if not isinstance(value, list):
            self.problem(name, "must be a list of steps", type="list_type")
            return []
        if not 1 <= len(value) <= STEPS_MAX:
            self.problem(
                name,
                f"must hold between 1 and {STEPS_MAX} steps",
                type="too_long" if value else "too_short",
            )
            return []
        steps = [self._step(name, index, step) for index, step in enumerate(value)]
        return [step for step in steps if step is not None]

    def _step(self, name: str, index: int, step: object) -> dict[str, str] | None:
        if not isinstance(step, Mapping):
            self.problem(
                name, index, 'must be an object: {"name": …, "result": …}', type="dict_type"
            )
            return None
        found = len(self.problems)
        for key in step:
            if key not in ("name", "result"):
                label = key if isinstance(key, str) else repr(key)
                self.problem(
                    name,
                    index,
                    label,
                    f"Unknown field '{label}': a step has a name and a result.",
                    type="extra_forbidden",
                )
        for key, choices in (("name", STEP_NAMES), ("result", STEP_RESULTS)):
            if step.get(key) is None:
                self.problem(
                    name,
                    index,
                    key,
                    f"This field is required: one of {', '.join(choices)}.",
                    type="missing",
                )
            elif step.get(key) not in choices:
                self.problem(name, index, key, f"must be one of {', '.join(choices)}", type="enum")
        if len(self.problems) > found:
            return None
        return {"name": str(step["name"]), "result": str(step["result"])}
