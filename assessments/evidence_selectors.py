"""What the tools show for the practices a page asks: each evidenced practice with its
fact's latest reading and the answer the tools suggest (`evidence.rules.suggestions`).

The tools only suggest: nothing here reads or changes an answer. One query, the project's
latest facts, and none when no practice on the page has an evidence rule.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from assessments.models import Practice
from evidence.rules.sources import source_name
from evidence.rules.suggestions import MIN_SAMPLE, Suggestion, is_mismatch, suggest
from evidence.selectors import FactReading, latest_facts


@dataclass(frozen=True)
class PracticeEvidence:
    key: str  # the practice's
    order: int
    question: str
    rule: Mapping[str, object]
    reading: FactReading | None  # None: not collected yet
    suggestion: Suggestion

    @property
    def name(self) -> str:
        """A short name for lists: "data-versioned-snapshots" -> "Data versioned snapshots"."""
        return practice_name(self.key)

    @property
    def source(self) -> str:
        return source_name(self.reading.source) if self.reading else ""

    @property
    def undecided(self) -> str:
        """Why the tools suggest nothing, when they do not."""
        if self.reading is None:
            return "not collected yet"
        total = self.reading.detail.get("total")
        if not isinstance(total, int):
            return self.suggestion.reason
        if total == 0:
            return "there is nothing to judge by yet"
        return (
            f"{total} {'is' if total == 1 else 'are'} too few to judge by "
            f"(it takes at least {MIN_SAMPLE})"
        )

    def contradicts(self, answer: str) -> bool:
        return is_mismatch(answer, self.suggestion)


def practice_name(key: str) -> str:
    return key.replace("-", " ").capitalize()


def practice_evidence(
    *, project_id: int, practices: Iterable[Practice]
) -> dict[str, PracticeEvidence]:
    """Practice key -> what the tools show, for each of `practices` with an evidence rule."""
    evidenced = [practice for practice in practices if practice.evidence]
    if not evidenced:
        return {}
    facts = latest_facts([project_id]).get(project_id, {})
    found = {}
    for practice in evidenced:
        reading = facts.get(str(practice.evidence.get("fact")))
        found[practice.key] = PracticeEvidence(
            key=practice.key,
            order=practice.order,
            question=practice.question,
            rule=practice.evidence,
            reading=reading,
            suggestion=suggest(
                practice.evidence,
                reading.value if reading else None,
                reading.detail if reading else {},
            ),
        )
    return found


@dataclass(frozen=True)
class CheckedAnswer:
    """One row of the result page's "Checked against the tools"."""

    evidence: PracticeEvidence
    answer: str

    @property
    def mismatch(self) -> bool:
        return self.evidence.contradicts(self.answer)


def checked_answers(
    *, evidence: Mapping[str, PracticeEvidence], answers: Mapping[str, str]
) -> list[CheckedAnswer]:
    """The answered practices whose facts were collected, answers the tools contradict
    first, then in the framework's order."""
    rows = [
        CheckedAnswer(evidence=entry, answer=answers[key])
        for key, entry in evidence.items()
        if entry.reading is not None and answers.get(key)
    ]
    return sorted(rows, key=lambda row: (not row.mismatch, row.evidence.order))
