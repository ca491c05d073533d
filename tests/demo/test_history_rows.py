"""The demo history written in bulk (COPY in PostgreSQL) holds what the portal itself would
store: scores recomputed from the stored answers by the portal's services, drafts carried
as period_open carries them, and no row pointing at nothing."""

import datetime

import pytest
from django.db import connection, transaction

from assessments.models import Answer, Assessment, DimensionScore, Period, PracticeGap
from assessments.services import periods
from assessments.services.answering import assessment_score, assessment_score_fields, score_rows
from demo import organisation as demo
from demo.bulk import dangling_references, insert_rows
from demo.drafts import open_with_drafts
from demo.history import HISTORY_TABLES, seed_history
from teams.models import Team

TODAY = datetime.date(2026, 11, 20)


def _indexes() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 1",
            [[model._meta.db_table for model in HISTORY_TABLES]],
        )
        return cursor.fetchall()


@pytest.fixture
def history(db):
    indexes = _indexes()
    organisation = demo.seed_organisation(teams=4, projects_per_team=3, seed=5)
    # The way a large organisation is seeded: indexes built after the past quarters.
    seed_history(teams=organisation.teams, quarters=2, seed=5, today=TODAY, rebuild_indexes=True)
    assert _indexes() == indexes
    return organisation


def _stored(rows, exclude=("id",)):
    return sorted(
        tuple((f.attname, getattr(row, f.attname)) for f in type(row)._meta.concrete_fields
              if f.attname not in exclude)
        for row in rows
    )  # fmt: skip


def test_every_stored_score_is_the_portals_own_score_of_the_stored_answers(history):
    submitted = Assessment.objects.filter(status=Assessment.Status.SUBMITTED).select_related(
        "period__framework", "project"
    )
    assert submitted.count() > 20
    # Three quarters: two under v1's rule and v2's, which asks by profile.
    assert set(submitted.values_list("period__framework__scoring_rule", flat=True)) == {1, 2}
    for assessment in submitted:
        score = assessment_score(assessment=assessment)
        dimensions, gaps = score_rows(assessment=assessment, score=score)
        assert _stored(DimensionScore.objects.filter(assessment=assessment)) == _stored(dimensions)
        assert _stored(PracticeGap.objects.filter(assessment=assessment)) == _stored(gaps)
        for field, value in assessment_score_fields(score=score).items():
            assert getattr(assessment, field) == value, (assessment, field)


def test_no_row_of_the_history_points_at_nothing(history):
    for model in (Assessment, Answer, DimensionScore, PracticeGap):
        assert dangling_references(model) == {}, model.__name__
    answers = Answer.objects.filter(assessment__status=Assessment.Status.SUBMITTED)
    assert answers.exclude(value="").filter(answered_by__isnull=True).count() == 0
    assert (
        answers.filter(value="na").exclude(na_reason="").count()
        == answers.filter(value="na").count()
    )


def _drafts_of(period: Period) -> dict:
    rows = Answer.objects.filter(assessment__period=period).values_list(
        "assessment__project_id", "practice__key", "value", "na_reason", "note",
        "evidence_url", "carried_over", "confirmed_unchanged", "carried_from", "carried_via",
        "version", "answered_by_id",
    )  # fmt: skip
    drafts = Assessment.objects.filter(period=period).values_list(
        "project_id", "status", "version", "review_status", "profile"
    )
    return {"answers": sorted(rows), "drafts": sorted(drafts)}


def test_the_drafts_carry_the_last_answers_as_period_open_does(history, monkeypatch):
    current = Period.objects.order_by("-opens_on").first()
    Answer.objects.filter(assessment__period=current, value="yes").update(
        note="Checked\tin the\nrunbook \\ wiki", evidence_url="https://example.com/a"
    )
    following = periods.period_create(
        key=periods.period_key_after(current.key), framework=current.framework
    )
    with monkeypatch.context() as patched, transaction.atomic():
        # In bulk, not through period_open (its own rows are the reference below).
        patched.setattr(periods, "period_open", None)
        open_with_drafts(period=following)
        made_in_bulk = _drafts_of(following)
        transaction.set_rollback(True)
    assert not Assessment.objects.filter(period=following).exists()
    periods.period_open(period=following)
    by_the_portal = _drafts_of(following)
    assert made_in_bulk == by_the_portal
    carried = [row for row in by_the_portal["answers"] if row[6]]
    assert carried and any(row[4].startswith("Checked\tin") for row in carried)


def test_copy_keeps_text_with_tabs_line_breaks_and_backslashes(db):
    team = Team.objects.create(name="T", slug="t")
    description = "Line one\nline\ttwo \\ three\r"
    written = insert_rows(Team, ("name", "slug", "description"), [("U", "u", description)])
    assert written == 1
    assert Team.objects.get(slug="u").description == description
    assert Team.objects.get(slug="u").unit is None and team.pk != Team.objects.get(slug="u").pk
