"""An htmx request after the session ended gets a 401 that htmx shows as an error, never the
log-in page swapped into the question."""

from assessments.models import Answer


def test_it_answers_an_expired_autosave_with_401_and_writes_nothing(client, assessment):
    answer = assessment.answers.select_related("practice").first()
    response = client.post(
        f"/assessments/{assessment.pk}/answers/{answer.practice.key}/",
        {"value": "yes", "version": "0", "note": "typed after logging out"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 401
    assert "session has ended" in response.text
    assert response["X-Login-URL"].startswith("/accounts/login/?next=")
    assert Answer.objects.get(pk=answer.pk).note == ""


def test_it_still_redirects_a_plain_request_to_log_in(client, assessment):
    response = client.get(assessment.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
