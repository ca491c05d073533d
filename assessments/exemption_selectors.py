"""Reads of exemptions for the team's pages: what the questionnaire says beside each
practice, and the exemptions a submission holds or asks for. One query each, whatever the
number of practices.

The rules they mirror are `services/exemptions.py`'s: a practice whose exemption was
declined in this assessment must be answered; an approved exemption covers the periods that
open before its `expires_on`; after that the practice is asked again.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from assessments.models import Answer, Assessment, Exemption, Practice
from assessments.services.periods import period_key_for

NA = Answer.Value.NA
REQUESTED = Exemption.Status.REQUESTED
APPROVED = Exemption.Status.APPROVED
DECLINED = Exemption.Status.DECLINED

# What the questionnaire shows for a practice's exemption.
AWAITING = "awaiting"  # requested, no decision yet
HELD = "approved"  # approved and still covering this period
REFUSED = "declined"  # declined in this assessment: the practice must be answered
LAPSED = "lapsed"  # approved once, ran out before this period: asked again


@dataclass(frozen=True)
class PracticeExemption:
    state: str
    exemption: Exemption

    @property
    def asked_again_in(self) -> str:
        """The quarter in which an approved exemption has run out and the practice is
        asked again."""
        expires_on = self.exemption.expires_on
        return period_key_for(expires_on) if expires_on else ""

    @property
    def approved_in(self) -> str:
        """The quarter whose assessment asked for it (and in which it was approved)."""
        return self.exemption.assessment.period.key


def _project_exemptions(assessment: Assessment) -> list[Exemption]:
    return list(
        Exemption.objects.filter(project_id=assessment.project_id)
        .select_related("assessment__period", "decided_by", "requested_by")
        .order_by("requested_at", "pk")
    )


def _state_of(
    assessment: Assessment, rows: Iterable[Exemption], value: str
) -> PracticeExemption | None:
    """One practice's exemption as the questionnaire shows it, from its rows and the draft's
    answer; None when there is nothing to say."""
    rows = list(rows)
    open_request = next((row for row in rows if row.status == REQUESTED), None)
    decided = sorted(
        (row for row in rows if row.status in (APPROVED, DECLINED)),
        key=lambda row: (row.decided_at is not None, row.decided_at, row.pk),
    )
    latest_decided = decided[-1] if decided else None
    decided_here = next(
        (row for row in reversed(decided) if row.assessment_id == assessment.pk), None
    )
    if decided_here is not None and decided_here.status == DECLINED:
        return PracticeExemption(REFUSED, decided_here)
    if open_request is not None:
        return PracticeExemption(AWAITING, open_request)
    if latest_decided is None or latest_decided.status != APPROVED:
        return None
    if latest_decided.covers(assessment.period):
        return PracticeExemption(HELD, latest_decided) if value == NA else None
    return PracticeExemption(LAPSED, latest_decided) if not value else None


def practice_exemptions(
    *, assessment: Assessment, values: Mapping[str, str]
) -> dict[str, PracticeExemption]:
    """Practice key -> its exemption state, for the practices in `values` (key -> this
    draft's answer). One query."""
    by_key: dict[str, list[Exemption]] = {}
    for row in _project_exemptions(assessment):
        if row.practice_key in values:
            by_key.setdefault(row.practice_key, []).append(row)
    states = {key: _state_of(assessment, rows, values[key]) for key, rows in by_key.items()}
    return {key: state for key, state in states.items() if state is not None}


def practice_exemption(*, assessment: Assessment, answer: Answer) -> PracticeExemption | None:
    """One practice's exemption state after its answer was saved (one query)."""
    key = answer.practice.key
    rows = (
        Exemption.objects.filter(project_id=assessment.project_id, practice_key=key)
        .select_related("assessment__period", "decided_by", "requested_by")
        .order_by("requested_at", "pk")
    )
    return _state_of(assessment, rows, answer.value)


@dataclass(frozen=True)
class SubmittedExemption:
    """A "not applicable" answer of a submission and the exemption behind it."""

    practice: Practice
    reason: str
    state: PracticeExemption | None  # None: no request on record (an older submission)


def submission_exemptions(
    *, assessment: Assessment, answers: Iterable[Answer]
) -> list[SubmittedExemption]:
    """The submission's "not applicable" answers, each with its exemption: awaiting a
    decision, or approved until a quarter. No query when nothing was marked not applicable,
    one otherwise."""
    na = [answer for answer in answers if answer.value == NA]
    if not na:
        return []
    states = practice_exemptions(
        assessment=assessment, values={answer.practice.key: NA for answer in na}
    )
    return [
        SubmittedExemption(
            practice=answer.practice,
            reason=answer.na_reason,
            state=states.get(answer.practice.key),
        )
        for answer in sorted(na, key=lambda answer: answer.practice.order)
    ]


def declined_practices(*, assessment: Assessment) -> list[Practice]:
    """The practices still answered "not applicable" although a reviewer declined their
    exemption in this assessment: what a refused submission names (two queries)."""
    na = {
        answer.practice.key: answer.practice
        for answer in assessment.answers.filter(value=NA).select_related("practice")
    }
    states = practice_exemptions(assessment=assessment, values=dict.fromkeys(na, NA))
    return sorted(
        (na[key] for key, state in states.items() if state.state == REFUSED),
        key=lambda practice: practice.order,
    )
