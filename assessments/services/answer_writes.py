"""Writing one answer's edit and its change log: both or neither, only while the assessment
is a draft, and only over the version the editor loaded.

On PostgreSQL that is one statement (data-modifying WITH queries), atomic without a
transaction of its own, so an autosave writes in one round trip. Its share lock on the
assessment's row waits for a submission, which locks that row for update before it reads
the answers: an edit lands before the submission reads them, or finds the assessment
submitted and writes nothing. Other databases (SQLite, one writer at a time) take the same
steps in a transaction.
"""

import datetime
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import F

from assessments.models import Answer, AnswerChange, Assessment


class Written(enum.Enum):
    SAVED = "saved"
    CONFLICT = "conflict"  # the answer is no longer at the version the editor loaded
    LOCKED = "locked"  # the assessment is no longer a draft


# A change is (field, old value, new value).
type Change = tuple[str, str, str]

_SAVE = """
WITH draft AS MATERIALIZED (
    SELECT id FROM assessments_assessment
    WHERE id = %(assessment)s AND status = %(draft)s
    FOR SHARE
), saved AS (
    UPDATE assessments_answer
    SET value = %(value)s, na_reason = %(na_reason)s, note = %(note)s,
        evidence_url = %(evidence_url)s, carried_over = false,
        confirmed_unchanged = %(confirmed)s, version = version + 1,
        answered_by_id = %(user)s, answered_at = %(at)s
    WHERE id = %(answer)s AND version = %(version)s AND assessment_id IN (SELECT id FROM draft)
    RETURNING id
){logged}
SELECT EXISTS (SELECT FROM draft), EXISTS (SELECT FROM saved)
"""
_LOGGED = """, logged AS (
    INSERT INTO assessments_answerchange
        (answer_id, field, old_value, new_value, changed_by_id, changed_at)
    SELECT saved.id, change.field, change.old_value, change.new_value, %(user)s, %(at)s
    FROM saved CROSS JOIN (VALUES {rows}) AS change (field, old_value, new_value)
)"""


@dataclass(frozen=True)
class AnswerEdit:
    answer: Answer
    expected_version: int
    values: Mapping[str, str]  # value, na_reason, note and evidence_url as stored
    confirmed: bool  # saved as it was carried over from last quarter
    changes: Sequence[Change]
    user: User
    at: datetime.datetime


def answer_write(edit: AnswerEdit) -> Written:
    """Store the edit's values on the answer and log its changes, if the answer is still at
    the expected version and its assessment a draft."""
    if connection.vendor == "postgresql":
        return _write_in_one_statement(edit)
    return _write_in_a_transaction(edit)


def _write_in_one_statement(edit: AnswerEdit) -> Written:
    params: dict[str, str | int | bool | datetime.datetime] = {
        **edit.values,
        "assessment": edit.answer.assessment_id,
        "draft": Assessment.Status.DRAFT,
        "answer": edit.answer.pk,
        "version": edit.expected_version,
        "confirmed": edit.confirmed,
        "user": edit.user.pk,
        "at": edit.at,
    }
    rows = []
    for index, (field, old_value, new_value) in enumerate(edit.changes):
        rows.append(f"(%(field_{index})s, %(old_{index})s, %(new_{index})s)")
        params.update(
            {f"field_{index}": field, f"old_{index}": old_value, f"new_{index}": new_value}
        )
    logged = _LOGGED.format(rows=", ".join(rows)) if rows else ""
    with connection.cursor() as cursor:
        cursor.execute(_SAVE.format(logged=logged), params)
        draft, saved = cursor.fetchone()
    if saved:
        return Written.SAVED
    return Written.CONFLICT if draft else Written.LOCKED


def _write_in_a_transaction(edit: AnswerEdit) -> Written:
    with transaction.atomic():
        draft = (
            Assessment.objects.select_for_update()
            .filter(pk=edit.answer.assessment_id, status=Assessment.Status.DRAFT)
            .order_by()
            .values_list("pk", flat=True)
        )
        if not draft:
            return Written.LOCKED
        updated = Answer.objects.filter(pk=edit.answer.pk, version=edit.expected_version).update(
            **edit.values,
            carried_over=False,
            confirmed_unchanged=edit.confirmed,
            version=F("version") + 1,
            answered_by=edit.user,
            answered_at=edit.at,
        )
        if not updated:
            return Written.CONFLICT
        AnswerChange.objects.bulk_create(
            AnswerChange(
                answer=edit.answer,
                field=field,
                old_value=old_value,
                new_value=new_value,
                changed_by=edit.user,
                changed_at=edit.at,
            )
            for field, old_value, new_value in edit.changes
        )
    return Written.SAVED
