"""Exemptions: "not applicable" is a request a reviewer decides, and an approved one expires.

Answering "not applicable" requests an exemption for the project and practice (or updates
the open request's justification); answering anything else withdraws the open request. A
practice whose exemption was declined in this assessment must be answered. An approved
exemption covers the periods that open before its `expires_on`; after that the practice is
asked again. Rows are never deleted: they are the history of the practice's exemptions.
"""

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db.models import Q
from django.utils import timezone

from assessments.models import Answer, Assessment, Exemption, Period, ReviewPolicy
from core.audit import audit_record
from core.cache import dashboards_changed

REQUESTED = Exemption.Status.REQUESTED
APPROVED = Exemption.Status.APPROVED
DECLINED = Exemption.Status.DECLINED


class ExemptionDeclined(Exception):
    """The reviewer declined this practice's exemption: it needs a real answer."""

    def __init__(self, exemption: Exemption) -> None:
        note = f" They wrote: “{exemption.decision_note}”" if exemption.decision_note else ""
        super().__init__(
            "A reviewer declined the exemption for this practice, so it must be answered: "
            f"is it in place, partly, or not?{note}"
        )
        self.exemption = exemption


def quarters_after(day: datetime.date, quarters: int) -> datetime.date:
    """The first day of the month `quarters` times three months after `day`'s month."""
    months = day.year * 12 + day.month - 1 + 3 * quarters
    return datetime.date(months // 12, months % 12 + 1, 1)


def exemption_sync(*, assessment: Assessment, answer: Answer, old_value: str, user: User) -> None:
    """Keep the project's exemption request in step with a saved answer (called by
    answer_save, in its transaction, when the old or the new value is "not applicable")."""
    key = answer.practice.key
    project_id = assessment.project_id
    is_na = answer.value == Answer.Value.NA
    if not is_na:
        withdrawn = old_value == Answer.Value.NA and Exemption.objects.filter(
            project_id=project_id, practice_key=key, status=REQUESTED
        ).update(status=Exemption.Status.WITHDRAWN, decided_by=user, decided_at=timezone.now())
        if withdrawn:
            dashboards_changed()  # the dashboards count the requests awaiting a decision
        return
    declined = declined_in(assessment=assessment, practice_keys=[key]).get(key)
    if declined is not None:
        raise ExemptionDeclined(declined)
    if covering(project_id=project_id, period=assessment.period, practice_keys=[key]):
        return
    updated = Exemption.objects.filter(
        project_id=project_id, practice_key=key, status=REQUESTED
    ).update(justification=answer.na_reason, assessment=assessment, requested_by=user)
    if not updated:
        Exemption.objects.create(
            project_id=project_id,
            practice_key=key,
            assessment=assessment,
            justification=answer.na_reason,
            requested_by=user,
        )
    dashboards_changed()


def exemptions_request_missing(
    *, assessment: Assessment, answers: Iterable[Answer], user: User
) -> int:
    """At submission: make sure every "not applicable" answer is covered by an approved
    exemption or has a request open (a carried answer may have neither). Raises
    ExemptionDeclined for an answer whose exemption was declined in this assessment.
    Returns how many requests now wait for a decision."""
    na = {a.practice.key: a for a in answers if a.value == Answer.Value.NA}
    if not na:
        return 0
    declined = declined_in(assessment=assessment, practice_keys=list(na))
    if declined:
        raise ExemptionDeclined(next(iter(declined.values())))
    covered = covering(project_id=assessment.project_id, period=assessment.period, practice_keys=na)
    open_requests = set(
        Exemption.objects.filter(
            project_id=assessment.project_id, practice_key__in=list(na), status=REQUESTED
        ).values_list("practice_key", flat=True)
    )
    Exemption.objects.bulk_create(
        Exemption(
            project_id=assessment.project_id,
            practice_key=key,
            assessment=assessment,
            justification=answer.na_reason or "No reason was given.",
            requested_by=user,
        )
        for key, answer in na.items()
        if key not in covered and key not in open_requests
    )
    dashboards_changed()
    Exemption.objects.filter(
        project_id=assessment.project_id, practice_key__in=list(na), status=REQUESTED
    ).update(assessment=assessment)
    return len(set(na) - covered)


def covering(*, project_id: int, period: Period, practice_keys: Iterable[str]) -> set[str]:
    """The practice keys that an approved exemption still covers in `period`."""
    return set(
        Exemption.objects.filter(
            project_id=project_id,
            practice_key__in=list(practice_keys),
            status=APPROVED,
            expires_on__gt=period.opens_on,
        ).values_list("practice_key", flat=True)
    )


def declined_in(*, assessment: Assessment, practice_keys: list[str]) -> dict[str, Exemption]:
    """Practices whose exemption a reviewer declined in this assessment, and not requested
    again and approved since."""
    rows = Exemption.objects.filter(
        assessment=assessment, practice_key__in=practice_keys, status__in=[DECLINED, APPROVED]
    ).order_by("decided_at", "pk")
    latest: dict[str, Exemption] = {}
    for row in rows:
        latest[row.practice_key] = row
    return {key: row for key, row in latest.items() if row.status == DECLINED}


def exemption_decide(
    *, exemption: Exemption, approve: bool, note: str, reviewer: User
) -> Exemption:
    """Approve or decline one open request; an approval lasts the policy's quarters from the
    start of the period it was requested in. Called by the review services, in their
    transaction, after they checked the reviewer may decide."""
    policy = ReviewPolicy.current()
    period = exemption.assessment.period
    fields = {
        "status": APPROVED if approve else DECLINED,
        "decided_by": reviewer,
        "decided_at": timezone.now(),
        "decision_note": note.strip()[:1000],
        "expires_on": quarters_after(period.opens_on, policy.exemption_quarters)
        if approve
        else None,
    }
    claimed = Exemption.objects.filter(pk=exemption.pk, status=REQUESTED).update(**fields)
    if not claimed:
        exemption.refresh_from_db()
        return exemption
    audit_record(
        actor=reviewer,
        action="exemption.approve" if approve else "exemption.decline",
        target=exemption,
        before={"status": REQUESTED},
        after={
            "status": fields["status"],
            "note": fields["decision_note"],
            "expires_on": str(fields["expires_on"] or ""),
        },
    )
    for name, value in fields.items():
        setattr(exemption, name, value)
    dashboards_changed()
    return exemption


def lapsed_keys(*, project_ids: Iterable[int], period: Period) -> set[tuple[int, str]]:
    """(project, practice) pairs whose latest decided exemption no longer lets "not
    applicable" carry into `period`: approved but expired by then, or declined."""
    rows = (
        Exemption.objects.filter(project_id__in=list(project_ids))
        .filter(Q(status=APPROVED) | Q(status=DECLINED))
        .order_by("decided_at", "pk")
        .values_list("project_id", "practice_key", "status", "expires_on")
    )
    latest = {(project, key): (status, expires) for project, key, status, expires in rows}
    return {
        pair
        for pair, (status, expires) in latest.items()
        if status == DECLINED or expires is None or expires <= period.opens_on
    }
