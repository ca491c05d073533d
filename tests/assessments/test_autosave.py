"""Autosave of one answer: saved state, conflicts, bad input, permissions, query counts."""

import pytest

from assessments.models import Answer, AnswerChange
from tests.assessments.test_autosave_queries import AUTOSAVE_QUERIES

HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(assessment, key: str) -> str:
    return f"/assessments/{assessment.pk}/answers/{key}/"


def _first(assessment) -> Answer:
    return assessment.answers.select_related("practice").order_by("practice__order").first()


def _post(client, assessment, answer: Answer, **data):
    payload = {"value": "yes", "version": answer.version, **data}
    return client.post(_url(assessment, answer.practice.key), payload, **HTMX)


def test_it_saves_and_logs_the_change(client_for, alice, assessment):
    answer = _first(assessment)
    response = _post(client_for(alice), assessment, answer, value="partly", note="Half done")
    assert response.status_code == 200
    assert "✓ Saved" in response.text
    assert 'id="progress"' in response.text and 'hx-swap-oob="true"' in response.text
    answer.refresh_from_db()
    assert (answer.value, answer.note, answer.version, answer.answered_by) == (
        "partly",
        "Half done",
        1,
        alice,
    )
    changes = {(c.field, c.old_value, c.new_value) for c in AnswerChange.objects.all()}
    assert changes == {("value", "", "partly"), ("note", "", "Half done")}


def test_it_lets_members_draft_answers(client_for, bob, assessment):
    response = _post(client_for(bob), assessment, _first(assessment))
    assert response.status_code == 200


def test_it_refuses_a_stale_version_and_shows_the_other_value(client_for, alice, bob, assessment):
    answer = _first(assessment)
    assert _post(client_for(bob), assessment, answer, value="no").status_code == 200
    response = _post(client_for(alice), assessment, answer, value="yes")  # loaded at version 0
    assert response.status_code == 409
    assert "someone else changed this answer" in response.text
    assert "Bob" in response.text and "Not in place" in response.text
    assert 'name="version" value="0"' in response.text  # still stale: no silent overwrite later
    answer.refresh_from_db()
    assert (answer.value, answer.version) == ("no", 1)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"value": "maybe"}, "Choose not in place, partly"),
        ({"value": "na", "na_reason": ""}, "Say why this practice does not apply"),
        ({"evidence_url": "javascript:alert(1)"}, "starts with http:// or https://"),
        ({"evidence_url": "ftp://example.com/x"}, "starts with http:// or https://"),
        ({"note": "x" * 10_000}, "at most 2000 characters"),
        ({"version": "-1"}, "greater than or equal to 0"),
        ({"version": "abc"}, "Enter a whole number"),
    ],
)
def test_it_refuses_invalid_input_and_stores_nothing(client_for, alice, assessment, data, message):
    answer = _first(assessment)
    response = _post(client_for(alice), assessment, answer, **data)
    assert response.status_code == 422
    assert message in response.text
    answer.refresh_from_db()
    assert (answer.value, answer.version) == ("", 0)
    assert not AnswerChange.objects.exists()


def test_it_404s_an_unknown_practice(client_for, alice, assessment):
    response = client_for(alice).post(
        _url(assessment, "no-such-practice"), {"value": "yes", "version": 0}, **HTMX
    )
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["other_lead", "outsider"])
def test_it_hides_another_teams_assessment(persona, personas, client_for, assessment):
    response = _post(client_for(personas[persona]), assessment, _first(assessment))
    assert response.status_code == 404
    assert not Answer.objects.filter(assessment=assessment).exclude(value="").exists()


def test_it_lets_management_read_but_not_answer(client_for, carol, assessment):
    response = _post(client_for(carol), assessment, _first(assessment))
    assert response.status_code == 403
    assert "only members of Fraud Detection can answer it" in response.text


def test_it_keeps_a_submitted_assessment_read_only(client_for, alice, assessment):
    assessment.status = "submitted"
    assessment.save()
    response = _post(client_for(alice), assessment, _first(assessment))
    assert response.status_code == 403
    assert "read-only" in response.text


def test_it_clears_the_na_reason_unless_not_applicable(client_for, alice, assessment):
    answer = _first(assessment)
    _post(client_for(alice), assessment, answer, value="yes", na_reason="stale reason")
    answer.refresh_from_db()
    assert answer.na_reason == ""


def test_it_saves_without_javascript_and_redirects_back(client_for, alice, assessment):
    answer = _first(assessment)
    response = client_for(alice).post(
        _url(assessment, answer.practice.key), {"value": "partly", "version": 0}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#practice-{answer.practice.key}")
    answer.refresh_from_db()
    assert answer.value == "partly"


def test_it_autosaves_in_a_constant_number_of_queries(
    client_for, alice, assessment, django_assert_num_queries
):
    client = client_for(alice)
    answers = list(assessment.answers.select_related("practice").order_by("practice__order"))
    # tests/assessments/test_autosave_queries.py names them.
    with django_assert_num_queries(AUTOSAVE_QUERIES):
        _post(client, assessment, answers[0])
    with django_assert_num_queries(AUTOSAVE_QUERIES):
        _post(client, assessment, answers[-1], note="more fields, same queries")
