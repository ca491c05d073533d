"""Project profiles and the conditions that decide which practices a project is asked.

Pure Python. A profile records what kind of ML system a project builds and how it runs;
a framework's practices carry `applies_to` conditions (and wording variants) over it, so
an LLM application is never asked how it retrains its own model.

A condition is a mapping {field: allowed values}; it matches a profile when every listed
field's value is among its allowed values. An empty condition matches every profile. A
profile that has not been recorded matches only the empty condition, so a framework that
asks by profile needs the profile before its questions can be shown.
"""

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

type Condition = Mapping[str, tuple[str, ...]]

KIND: Final = "kind"
SERVING: Final = "serving"
LABEL_DELAY: Final = "label_delay"
RISK_TIER: Final = "risk_tier"

KINDS: Final[Mapping[str, str]] = {
    "supervised": "Classic supervised model (trained on labelled examples)",
    "unsupervised": "Classic unsupervised model (clustering, anomaly detection, embeddings)",
    "llm_api": "LLM application on an API-hosted model",
    "rag": "Retrieval-augmented generation (an LLM answering from your documents)",
    "fine_tuned": "Fine-tuned model (a foundation model trained further on your data)",
    "agent": "Agent (an LLM that plans and calls tools)",
}
CLASSIC_KINDS: Final = ("supervised", "unsupervised")
SERVINGS: Final[Mapping[str, str]] = {
    "batch": "Batch: predictions are computed on a schedule and stored",
    "online": "Online: each request is answered live",
}
LABEL_DELAYS: Final[Mapping[str, str]] = {
    "hours": "Within hours (the true outcome is known the same day)",
    "weeks": "Days to weeks",
    "months": "Months or longer",
    "never": "Never (no true outcome is ever recorded)",
}
RISK_TIERS: Final[Mapping[str, str]] = {
    "minimal": "Minimal",
    "limited": "Limited",
    "high": "High",
}
# The criteria people choose a risk tier by, shown beside the choice.
RISK_TIER_CRITERIA: Final[Mapping[str, str]] = {
    "minimal": (
        "Internal analytics or optimisation whose outputs a person reviews before anything "
        "happens, with no effect on individual people."
    ),
    "limited": (
        "People interact with it or see what it generates, or it steers material business "
        "decisions; a person can notice and correct a bad output."
    ),
    "high": (
        "It decides or strongly shapes access to jobs, credit, insurance, education, "
        "essential services, health or safety, or its use is listed as high-risk in "
        "Annex III of the EU AI Act."
    ),
}

PROFILE_FIELDS: Final[Mapping[str, Mapping[str, str]]] = {
    KIND: KINDS,
    SERVING: SERVINGS,
    LABEL_DELAY: LABEL_DELAYS,
    RISK_TIER: RISK_TIERS,
}
PROFILE_FIELD_NAMES: Final[Mapping[str, str]] = {
    KIND: "Kind of system",
    SERVING: "Serving",
    LABEL_DELAY: "How long until the true outcome is known",
    RISK_TIER: "Risk tier",
}


@dataclass(frozen=True)
class Profile:
    kind: str
    serving: str
    label_delay: str
    risk_tier: str

    def __post_init__(self) -> None:
        for name, allowed in PROFILE_FIELDS.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"profile {name} must be one of {', '.join(allowed)}")

    @classmethod
    def from_mapping(cls, data: Mapping[str, object] | None) -> "Profile | None":
        """The profile stored as a mapping, or None when it is missing or incomplete."""
        if not data or any(data.get(name) not in PROFILE_FIELDS[name] for name in PROFILE_FIELDS):
            return None
        return cls(**{name: str(data[name]) for name in PROFILE_FIELDS})

    def as_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in PROFILE_FIELDS}

    def describe(self) -> str:
        """One line for a page: 'RAG · online · labels never · high risk'."""
        kind = KINDS[self.kind].split(" (")[0]
        delay = LABEL_DELAYS[self.label_delay].split(" (")[0].lower()
        return f"{kind} · {self.serving} · outcome known: {delay} · {self.risk_tier} risk"


def matches(condition: Condition, profile: Profile | None) -> bool:
    if not condition:
        return True
    if profile is None:
        return False
    return all(getattr(profile, name) in allowed for name, allowed in condition.items())


def every_profile() -> Iterator[Profile]:
    """Every combination of profile values, for checking a framework covers them all."""
    for values in itertools.product(*(tuple(allowed) for allowed in PROFILE_FIELDS.values())):
        yield Profile(**dict(zip(PROFILE_FIELDS, values, strict=True)))


def combined(*conditions: Condition) -> dict[str, tuple[str, ...]]:
    """The condition that holds when all of `conditions` hold (fields intersected)."""
    result: dict[str, tuple[str, ...]] = {}
    for condition in conditions:
        for name, allowed in condition.items():
            if name in result:
                result[name] = tuple(value for value in result[name] if value in allowed)
            else:
                result[name] = tuple(allowed)
    return result


def variant_for(
    variants: Sequence[Mapping[str, object]], profile: Profile | None
) -> Mapping[str, object]:
    """The wording of the first variant whose `when` matches, or {} for the practice's own."""
    for variant in variants:
        when = variant.get("when")
        if isinstance(when, Mapping) and when and matches(when, profile):
            return {name: text for name, text in variant.items() if name != "when" and text}
    return {}
