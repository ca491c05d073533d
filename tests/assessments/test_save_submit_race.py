"""An autosave racing a submission is either stored before it or refused after it: the
stored scores always equal a scoring of the stored answers. Run on SQLite (the embedded
default) and on PostgreSQL, whichever DATABASE_URL the suite uses."""

import threading

import pytest
from django.db import close_old_connections

from assessments.models import Answer, Assessment, DimensionScore
from assessments.services.answering import (
    AnswerConflict,
    AssessmentLocked,
    answer_save,
    assessment_score,
    assessment_submit,
)
from assessments.services.frameworks import framework_load
from assessments.services.periods import period_open
from tests.assessments.fixtures import FRAMEWORK_PATH, answer_all, make_period
from tests.factories import ProjectFactory, TeamFactory, UserFactory

SAVERS = 3
ROUNDS = 3


def _race(assessment: Assessment, lead) -> dict[str, int]:
    """One submission and SAVERS threads saving answers at the same moment."""
    outcomes: dict[str, int] = {"saved": 0, "refused": 0}
    lock = threading.Lock()
    start = threading.Barrier(SAVERS + 1)
    keys = list(assessment.answers.order_by("practice__order").values_list("pk", flat=True))

    def submit() -> None:
        try:
            start.wait()
            fresh = Assessment.objects.select_related("project", "period__framework").get(
                pk=assessment.pk
            )
            assessment_submit(assessment=fresh, user=lead)
        finally:
            close_old_connections()

    def save(index: int) -> None:
        try:
            start.wait()
            for pk in keys[index::SAVERS][:5]:
                fresh = Assessment.objects.select_related("project", "period").get(pk=assessment.pk)
                answer = Answer.objects.get(pk=pk)
                try:
                    answer_save(
                        assessment=fresh,
                        answer=answer,
                        expected_version=answer.version,
                        user=lead,
                        value="partly",
                    )
                    outcome = "saved"
                except (AssessmentLocked, AnswerConflict):
                    outcome = "refused"
                with lock:
                    outcomes[outcome] += 1
        finally:
            close_old_connections()

    threads = [threading.Thread(target=submit)] + [
        threading.Thread(target=save, args=(index,)) for index in range(SAVERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(ROUNDS))
def test_it_stores_scores_that_match_the_stored_answers_under_concurrent_saves(round_):
    framework = framework_load(path=FRAMEWORK_PATH).framework
    period = make_period(framework, "2026-Q4", opened_days_ago=3)
    team = TeamFactory()
    project = ProjectFactory(team=team)
    lead = UserFactory()
    team.memberships.create(user=lead, role="lead")
    period_open(period=period)
    assessment = Assessment.objects.get(project=project)
    answer_all(assessment, "yes")

    outcomes = _race(assessment, lead)

    assessment = Assessment.objects.select_related("period__framework").get(pk=assessment.pk)
    assert assessment.status == "submitted"
    assert outcomes["saved"] + outcomes["refused"] > 0
    stored = {
        row.dimension_key: row.score for row in DimensionScore.objects.filter(assessment=assessment)
    }
    recomputed = {
        dimension.key: dimension.score
        for dimension in assessment_score(assessment=assessment).dimensions
    }
    assert stored == recomputed
