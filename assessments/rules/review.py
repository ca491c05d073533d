"""Whether a submission waits for a reviewer, and the signals that a self-assessment may be
inflated. Pure Python: the submit service feeds it what it read, and stores what it says.

Each signal explains itself in a sentence a reviewer can check against the answers.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from assessments.rules.levels import ANSWER_POINTS, TOP_LEVEL, YES
from assessments.rules.scoring_types import DimensionScore

# The organisation's review policy: which submissions wait for a reviewer.
EVERY: Final = "every"
CLAIMS_LEVEL_ONE: Final = "level_one"
RISES: Final = "rises"
NEVER: Final = "never"
POLICIES: Final[Mapping[str, str]] = {
    EVERY: "Every submission",
    CLAIMS_LEVEL_ONE: "Only claims of level 1 or more in any dimension",
    RISES: "Only rises of a whole level in a dimension since last quarter",
    NEVER: "Never",
}

# Signal kinds, in the order reviewers read them.
BIG_RISE: Final = "big_rise"
EVIDENCE_MISMATCH: Final = "evidence_mismatch"
UNEVIDENCED_TOP: Final = "unevidenced_top"
MANY_NOT_APPLICABLE: Final = "many_na"
LAST_DAY_RISES: Final = "last_day"
SIGNAL_NAMES: Final[Mapping[str, str]] = {
    BIG_RISE: "Rose more than one level in a quarter",
    EVIDENCE_MISMATCH: "Answers the tools disagree with",
    UNEVIDENCED_TOP: "Level-2 practices claimed without evidence",
    MANY_NOT_APPLICABLE: "Many practices not applicable",
    LAST_DAY_RISES: "Answers raised just before the due date",
}
# A dimension with more than this share of its practices not applicable is a signal.
NOT_APPLICABLE_SHARE: Final = 1 / 3
# This many answers raised in the last day before the due date is a signal.
LAST_DAY_RISES_MIN: Final = 5


@dataclass(frozen=True)
class DimensionClaim:
    """One dimension of a submission as the review rules see it."""

    key: str
    name: str
    level: int | None
    practice_count: int
    not_applicable_count: int


def claims_of(dimensions: Iterable[DimensionScore]) -> list[DimensionClaim]:
    """A score's dimensions as the review rules see them."""
    return [
        DimensionClaim(
            key=d.key,
            name=d.name,
            level=d.level,
            practice_count=d.practice_count,
            not_applicable_count=d.not_applicable_count,
        )
        for d in dimensions
    ]


@dataclass(frozen=True)
class EvidenceMismatch:
    """An answer of "fully in place" where a tool's fact suggests less (evidence app)."""

    practice: str  # a short name, "Data versioned snapshots"
    source: str  # "MLflow"
    fact: str  # "3 of 15 runs in the last 30 days logged a dataset input"
    suggested: str  # "Partly", "Not in place"
    is_demo: bool = False  # recorded by the demo, not collected


@dataclass(frozen=True)
class Signal:
    kind: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "text": self.text}


def needs_review(
    *,
    policy: str,
    claims: Sequence[DimensionClaim],
    previous_levels: Mapping[str, int | None],
    exemptions_requested: int = 0,
    was_returned: bool = False,
) -> bool:
    """Whether the submission waits for a reviewer under `policy`.

    Whatever the policy, a request to exempt a practice ("not applicable") waits for a
    reviewer's decision (an exemption nobody approved would be a free pass), and so does a
    submission a reviewer returned: they asked for the changes and see them.
    """
    if exemptions_requested or was_returned:
        return True
    if policy == EVERY:
        return True
    if policy == CLAIMS_LEVEL_ONE:
        return any(claim.level is not None and claim.level >= 1 for claim in claims)
    if policy == RISES:
        return bool(level_rises(claims, previous_levels))
    return False


def level_rises(
    claims: Sequence[DimensionClaim], previous_levels: Mapping[str, int | None]
) -> dict[str, int]:
    """Dimension key -> how many whole levels it rose since the previous submission."""
    rises = {}
    for claim in claims:
        before = previous_levels.get(claim.key)
        if claim.level is not None and before is not None and claim.level > before:
            rises[claim.key] = claim.level - before
    return rises


def inflation_signals(
    *,
    claims: Sequence[DimensionClaim],
    previous_levels: Mapping[str, int | None],
    previous_overall: int | None,
    overall_level: int | None,
    top_level_unevidenced: Sequence[str],
    last_day_rises: int,
    due_on_text: str,
    evidence_mismatches: Sequence[EvidenceMismatch] = (),
) -> list[Signal]:
    """The signals a reviewer should look at, each with the sentence that explains it.

    `top_level_unevidenced`: the dimension's name of each level-2 practice answered "fully
    in place" with neither an evidence link nor a note. `last_day_rises`: answers raised (towards
    "fully in place") in the last day before the due date. `evidence_mismatches`: answers of
    "fully in place" that the tools' facts contradict.
    """
    signals = []
    names = {claim.key: claim.name for claim in claims}
    big = {
        names[key]: rise for key, rise in level_rises(claims, previous_levels).items() if rise > 1
    }
    overall_rise = (
        overall_level - previous_overall
        if overall_level is not None and previous_overall is not None
        else 0
    )
    if big or overall_rise > 1:
        signals.append(Signal(BIG_RISE, _big_rise_text(big, overall_rise, previous_overall)))
    if evidence_mismatches:
        signals.append(Signal(EVIDENCE_MISMATCH, _mismatch_text(evidence_mismatches)))
    if top_level_unevidenced:
        count = len(top_level_unevidenced)
        per_dimension = Counter(top_level_unevidenced)
        where = [f"{name} ({n})" if count > 1 else name for name, n in per_dimension.items()]
        signals.append(
            Signal(
                UNEVIDENCED_TOP,
                f"{count} level-{TOP_LEVEL} practice{_s(count)} answered “fully in place” with "
                f"no evidence link and no note, in {_joined(where, limit=3, more='dimensions')}.",
            )
        )
    for claim in claims:
        if claim.practice_count and (
            claim.not_applicable_count / claim.practice_count > NOT_APPLICABLE_SHARE
        ):
            signals.append(
                Signal(
                    MANY_NOT_APPLICABLE,
                    f"{claim.name}: {claim.not_applicable_count} of its "
                    f"{claim.practice_count} practices are “not applicable”, more than a third.",
                )
            )
    if last_day_rises >= LAST_DAY_RISES_MIN:
        signals.append(
            Signal(
                LAST_DAY_RISES,
                f"{last_day_rises} answers were raised in the last day before the due date "
                f"({due_on_text}).",
            )
        )
    return signals


def _big_rise_text(dimensions: Mapping[str, int], overall_rise: int, previous: int | None) -> str:
    parts = []
    if overall_rise > 1 and previous is not None:
        parts.append(f"the overall level rose from {previous} to {previous + overall_rise}")
    rises = set(dimensions.values())
    by = f"{rises.pop()} levels" if len(rises) == 1 else "more than one level"
    if len(dimensions) == 1:
        parts.append(f"{next(iter(dimensions))} rose {by}")
    elif dimensions:
        listed = _joined(list(dimensions), limit=3)
        parts.append(f"{len(dimensions)} dimensions rose {by} ({listed})")
    return _sentence(f"{' and '.join(parts)} in one quarter; most teams climb one level at a time")


def _mismatch_text(mismatches: Sequence[EvidenceMismatch]) -> str:
    """ "The evidence from MLflow disagrees with 2 answers of “fully in place”: Data versioned
    snapshots (3 of 15 runs … logged a dataset input; it suggests “Partly”) and …"."""
    count = len(mismatches)
    sources = list(dict.fromkeys(m.source for m in mismatches))
    # "The evidence from …" reads for a singular tool ("MLflow") and a plural one ("CI events").
    who = f"The evidence from {sources[0]} disagrees" if len(sources) == 1 else "The tools disagree"
    parts = [
        f"{m.practice} ({'demo data: ' if m.is_demo else ''}{m.fact}; it suggests “{m.suggested}”)"
        for m in mismatches
    ]
    return (
        f"{who} with {count} answer{_s(count)} of “fully in place”: "
        f"{_joined(parts, limit=4, more='practices')}."
    )


def is_rise(old: str, new: str) -> bool:
    """Whether an answer changed towards "fully in place" (not applicable is no rise)."""
    return old in ANSWER_POINTS and new in ANSWER_POINTS and ANSWER_POINTS[new] > ANSWER_POINTS[old]


def is_unevidenced_top_claim(*, level: int, value: str, evidence_url: str, note: str) -> bool:
    return level == TOP_LEVEL and value == YES and not evidence_url.strip() and not note.strip()


def signal_kinds(signals: Iterable[Mapping[str, str]]) -> list[str]:
    return [signal["kind"] for signal in signals]


def _joined(parts: Sequence[str], *, limit: int | None = None, more: str = "") -> str:
    shown = list(parts[:limit]) if limit else list(parts)
    hidden = len(parts) - len(shown)
    if hidden:
        shown.append(f"{hidden} more {more}".rstrip())
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:] + "."


def _s(count: int) -> str:
    return "" if count == 1 else "s"
