"""Autosave in a fixed, small number of queries, without losing what a save promises: the
answer is stored and shown after a reload, a stale version is refused with nothing lost,
"not applicable" still asks for an exemption, and a submitted assessment refuses it."""

import re

import pytest
from django.db import connection

from assessments.models import Answer, AnswerChange, Assessment, Exemption
from assessments.services.answering import AssessmentLocked, answer_save
from tests.assessments.evidence_data import DATA, open_v2_draft, share

# On PostgreSQL: the session, the user, the answer with its assessment and the viewer's role
# in the team, the write (the draft's lock, the version-guarded update and the change log in
# one statement) and the progress count. SQLite takes the write's steps in a transaction:
# savepoint, lock, update, change log, release.
AUTOSAVE_QUERIES = 5 if connection.vendor == "postgresql" else 9
# An evidenced practice also reads what the tools show beside it.
EVIDENCED_AUTOSAVE_QUERIES = AUTOSAVE_QUERIES + 1
HTMX = {"HTTP_HX_REQUEST": "true"}


def _answers(assessment: Assessment) -> list[Answer]:
    return list(assessment.answers.select_related("practice").order_by("practice__order"))


def _save(client, answer: Answer, **data):
    payload = {"value": "yes", "version": answer.version, **data}
    url = f"/assessments/{answer.assessment_id}/answers/{answer.practice.key}/"
    return client.post(url, payload, **HTMX)


def _checked(page: str, key: str) -> str:
    """The answer a reloaded questionnaire shows checked for practice `key`."""
    form = re.search(rf'<form[^>]* id="practice-{key}".*?</form>', page, re.S)
    assert form, f"no form for {key}"
    checked = re.search(r'name="value" value="(\w+)" checked', form.group(0))
    return checked.group(1) if checked else ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the target is PostgreSQL's")
def test_the_autosave_target_is_at_most_six_queries():
    assert EVIDENCED_AUTOSAVE_QUERIES <= 6


def test_it_saves_in_a_fixed_number_of_queries_and_the_answer_survives_a_reload(
    client_for, alice, assessment, django_assert_num_queries
):
    client = client_for(alice)
    first, *_, last = _answers(assessment)
    with django_assert_num_queries(AUTOSAVE_QUERIES):
        response = _save(client, first, value="partly", note="Half of the pipelines")
    assert response.status_code == 200
    assert "✓ Saved" in response.text
    assert "1 of 59 answered" in response.text  # the progress, swapped out of band
    assert 'name="csrfmiddlewaretoken"' in response.text  # the submit form it carries
    with django_assert_num_queries(AUTOSAVE_QUERIES):
        assert _save(client, last, value="no").status_code == 200

    page = client.get(f"/assessments/{assessment.pk}/").text
    assert _checked(page, first.practice.key) == "partly"
    assert _checked(page, last.practice.key) == "no"
    assert "Half of the pipelines" in page
    assert "2 of 59 answered" in page
    first.refresh_from_db()
    assert (first.value, first.version, first.answered_by) == ("partly", 1, alice)
    assert set(AnswerChange.objects.filter(answer=first).values_list("field", "new_value")) == {
        ("value", "partly"),
        ("note", "Half of the pipelines"),
    }


def test_it_saves_an_evidenced_answer_of_a_profiled_framework_in_one_more_query(
    client_for, alice, project, django_assert_num_queries
):
    draft = open_v2_draft(project)
    share(project, "mlflow.dataset_inputs_share_30d", 14, 15)
    client = client_for(alice)
    answer = Answer.objects.select_related("practice").get(assessment=draft, practice__key=DATA)
    assert _save(client, answer, value="no").status_code == 200  # the framework, read once
    answer = Answer.objects.select_related("practice").get(pk=answer.pk)
    with django_assert_num_queries(EVIDENCED_AUTOSAVE_QUERIES):
        response = _save(client, answer, value="yes")
    assert response.status_code == 200
    assert 'id="tools-data-versioned-snapshots"' in response.text
    assert "Suggested answer: <strong" in response.text


def test_a_stale_version_gets_a_409_and_loses_nothing_saved(
    client_for, alice, bob, assessment, django_assert_max_num_queries
):
    answer = _answers(assessment)[0]
    assert _save(client_for(bob), answer, value="no", note="Bob's note").status_code == 200
    client = client_for(alice)
    with django_assert_max_num_queries(AUTOSAVE_QUERIES):
        response = _save(client, answer, value="yes")  # loaded at version 0
    assert response.status_code == 409
    assert "Not saved: someone else changed this answer." in response.text
    assert "Bob saved" in response.text and "“Not in place”" in response.text
    assert 'name="version" value="0"' in response.text  # a later edit still conflicts
    answer.refresh_from_db()
    assert (answer.value, answer.note, answer.version) == ("no", "Bob's note", 1)
    assert AnswerChange.objects.filter(answer=answer, changed_by=alice).count() == 0


def test_saving_mine_over_theirs_after_a_conflict_stores_mine(client_for, alice, bob, assessment):
    answer = _answers(assessment)[0]
    _save(client_for(bob), answer, value="no")
    conflict = _save(client_for(alice), answer, value="yes")
    offered = re.search(r"hx-vals='\{\"version\": \"(\d+)\"\}'", conflict.text)
    assert offered and offered.group(1) == "1"
    response = _save(client_for(alice), answer, value="yes", version=offered.group(1))
    assert response.status_code == 200
    answer.refresh_from_db()
    assert (answer.value, answer.version, answer.answered_by) == ("yes", 2, alice)


def test_not_applicable_still_asks_for_an_exemption_and_another_answer_withdraws_it(
    client_for, alice, assessment
):
    client = client_for(alice)
    answer = _answers(assessment)[0]
    response = _save(client, answer, value="na", na_reason="No model in production yet")
    assert response.status_code == 200
    assert "Exemption awaiting a decision" in response.text  # swapped beside the question
    requested = Exemption.objects.get(project=assessment.project, practice_key=answer.practice.key)
    assert (requested.status, requested.justification) == (
        "requested",
        "No model in production yet",
    )
    answer.refresh_from_db()
    assert _save(client, answer, value="partly").status_code == 200
    requested.refresh_from_db()
    assert requested.status == "withdrawn"


def test_confirming_a_carried_answer_unchanged_logs_no_change(client_for, alice, assessment):
    answer = _answers(assessment)[0]
    Answer.objects.filter(pk=answer.pk).update(value="partly", carried_over=True)
    answer.refresh_from_db()
    response = _save(client_for(alice), answer, value="partly")
    assert response.status_code == 200
    answer.refresh_from_db()
    assert (answer.carried_over, answer.confirmed_unchanged, answer.version) == (False, True, 1)
    assert not AnswerChange.objects.filter(answer=answer).exists()


def test_a_save_behind_a_submission_is_refused_and_writes_nothing(alice, assessment):
    """The page (and this object) still show a draft, but the assessment was submitted."""
    answer = _answers(assessment)[0]
    Assessment.objects.filter(pk=assessment.pk).update(status="submitted")
    with pytest.raises(AssessmentLocked, match="submitted"):
        answer_save(
            assessment=assessment, answer=answer, expected_version=0, user=alice, value="yes"
        )
    answer.refresh_from_db()
    assert (answer.value, answer.version) == ("", 0)
    assert not AnswerChange.objects.exists()
