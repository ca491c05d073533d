"""Opening the demo's current quarter: a draft for every active project, each carrying its
last submitted answers, as `periods.period_open` makes them.

`period_open` reads every carried answer as an ORM row with its framework and writes the
drafts' answers with `bulk_create`: at 10,000 projects that takes minutes. When every draft
carries from the same framework version and no exemption has lapsed (always so for the
demo's history), the same rows are made in the database with one INSERT ... SELECT
instead; otherwise, and outside PostgreSQL, `period_open` itself opens the quarter.
tests/demo/test_drafts.py checks the rows against `period_open`'s.
"""

from django.db import connection
from django.utils import timezone

from assessments.models import Assessment, Period
from assessments.services import periods
from assessments.services.exemptions import lapsed_keys
from core.cache import dashboards_changed
from demo.bulk import insert_rows, is_postgresql, references_checked_by_the_seeder, reserve_ids
from teams.models import Project

# Each active project's last submitted assessment before the quarter, and its framework.
LATEST = """
    SELECT DISTINCT ON (a.project_id) a.project_id, a.id, earlier.framework_id
    FROM assessments_assessment a
    JOIN assessments_period earlier ON earlier.id = a.period_id
    WHERE a.status = 'submitted' AND earlier.opens_on < %s AND a.project_id = ANY(%s)
    ORDER BY a.project_id, earlier.opens_on DESC
"""
# One answer per practice for each new draft: the last submitted answer's value and what
# goes with it, marked carried over; an empty answer where there is none.
CARRY = """
    INSERT INTO assessments_answer (
        assessment_id, practice_id, value, na_reason, note, evidence_url, carried_over,
        confirmed_unchanged, carried_from, carried_via, version, answered_by_id, answered_at
    )
    SELECT draft.id, practice.id,
        COALESCE(earlier.value, ''),
        CASE WHEN earlier.value = 'na' THEN earlier.na_reason ELSE '' END,
        CASE WHEN earlier.value <> '' THEN LEFT(earlier.note, 2000) ELSE '' END,
        CASE WHEN earlier.value <> '' THEN earlier.evidence_url ELSE '' END,
        COALESCE(earlier.value, '') <> '', false, '', '', 0, NULL, NULL
    FROM assessments_assessment draft
    JOIN assessments_practice practice ON practice.framework_id = %s
    LEFT JOIN unnest(%s::bigint[], %s::bigint[]) AS latest(project_id, assessment_id)
        ON latest.project_id = draft.project_id
    LEFT JOIN assessments_answer earlier
        ON earlier.assessment_id = latest.assessment_id AND earlier.practice_id = practice.id
    WHERE draft.id = ANY(%s)
"""


def open_with_drafts(*, period: Period) -> list[int]:
    """Open `period` as period_open does; returns the ids of the drafts it made."""
    have_draft = Assessment.objects.filter(period=period).values("project_id")
    projects = list(
        Project.objects.filter(archived_at__isnull=True)
        .exclude(pk__in=have_draft)
        .values_list("pk", flat=True)
    )
    latest = _latest_submitted(period, projects) if is_postgresql() else None
    if latest is None or lapsed_keys(project_ids=projects, period=period):
        result = periods.period_open(period=period)
        return [assessment.pk for assessment in result.created]
    Period.objects.filter(pk=period.pk, opened_at__isnull=True).update(opened_at=timezone.now())
    ids = reserve_ids(Assessment, len(projects))
    # The drafts point at the projects just read and the answers at the drafts and practices
    # joined: no row to check against another (950,000 answers at 10,000 projects).
    with references_checked_by_the_seeder():
        insert_rows(
            Assessment,
            ("id", "project_id", "period_id"),
            ((pk, project, period.pk) for pk, project in zip(ids, projects, strict=True)),
        )
        with connection.cursor() as cursor:
            cursor.execute(CARRY, [period.framework_id, list(latest), list(latest.values()), ids])
    dashboards_changed()
    return ids


def _latest_submitted(period: Period, projects: list[int]) -> dict[int, int] | None:
    """project id -> its last submitted assessment's id; None when one of them was made
    with another framework version (carrying then goes through the version's mapping)."""
    with connection.cursor() as cursor:
        cursor.execute(LATEST, [period.opens_on, projects])
        rows = cursor.fetchall()
    if any(framework != period.framework_id for _, _, framework in rows):
        return None
    return {project: assessment for project, assessment, _ in rows}
