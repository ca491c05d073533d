"""What the team sees of a review: the returned banner and the comments beside the questions
on the questionnaire, and the review status, signals and history on the result page."""

import re

import pytest
from django.utils.formats import date_format

from assessments.models import Answer, Assessment, ReviewPolicy
from assessments.rules import review as rules
from assessments.services.answering import answer_save, assessment_submit
from reviews.services.reviews import ReviewInput, review_accept, review_return
from tests.assessments.fixtures import answer_all, submit_last_quarter

HTMX = {"HTTP_HX_REQUEST": "true"}
COMMENT = "Where is the evidence for this? Link the pipeline run that shows it."


def set_policy(rule: str) -> None:
    ReviewPolicy.objects.update_or_create(pk=1, defaults={"rule": rule})


def keys(assessment: Assessment) -> list[str]:
    return list(
        assessment.answers.order_by("practice__order").values_list("practice__key", flat=True)
    )


def answer(assessment: Assessment, key: str, value: str, user) -> Answer:
    row = Answer.objects.select_related("practice").get(assessment=assessment, practice__key=key)
    return answer_save(
        assessment=assessment, answer=row, expected_version=row.version, user=user, value=value
    )


def practice_html(text: str, key: str) -> str:
    """The questionnaire's form for one practice."""
    start = text.index(f'id="practice-{key}"')
    return text[start : text.index("</form>", start)]


def returned_with(assessment, alice, rhea, comments: dict[str, str], summary: str = ""):
    set_policy(rules.EVERY)
    answer_all(assessment, "yes")
    assessment_submit(assessment=assessment, user=alice)
    review_return(
        assessment=assessment,
        reviewer=rhea,
        decision=ReviewInput(summary=summary, comments=comments),
    )
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def returned(assessment, alice, rhea) -> tuple[Assessment, str]:
    """alice's submission, returned by rhea with a comment on its second practice."""
    key = keys(assessment)[1]
    returned_with(assessment, alice, rhea, {key: COMMENT}, summary="Good start; one doubt.")
    assert assessment.review_status == Assessment.Review.RETURNED
    return assessment, key


# --- The questionnaire of a returned draft ----------------------------------------------------


def test_it_shows_who_returned_it_when_with_the_summary_and_links(client_for, alice, returned):
    assessment, key = returned
    text = client_for(alice).get(f"/assessments/{assessment.pk}/").text
    banner = text[text.index('data-testid="returned-banner"') :]
    banner = banner[: banner.index("</section>")]
    decided = assessment.reviews.get().decided_at
    assert f"Returned for changes by Rhea on {date_format(decided, 'j M Y')}" in banner
    assert "Good start; one doubt." in banner
    assert "1 practice has a comment from the reviewer" in banner
    assert f'href="#practice-{key}"' in banner
    assert "not changed yet" in banner


def test_the_comment_stands_inside_its_practice_only(client_for, alice, returned):
    assessment, key = returned
    text = client_for(alice).get(f"/assessments/{assessment.pk}/").text
    commented = practice_html(text, key)
    assert 'class="review-comment' in commented
    assert "Where is the evidence for this?" in commented
    assert "Rhea" in commented
    assert "Answer not changed since the comment" in commented
    other = practice_html(text, keys(assessment)[0])
    assert "review-comment" not in other
    assert text.count('<aside class="review-comment') == 1


def test_the_comment_says_when_the_answer_changed_since(client_for, alice, returned):
    assessment, key = returned
    answer(assessment, key, "partly", alice)
    commented = practice_html(client_for(alice).get(f"/assessments/{assessment.pk}/").text, key)
    assert "Answer changed since the comment" in commented
    assert "“Fully in place” then, “Partly” now" in commented


def test_an_autosave_updates_the_comment_and_the_banner_out_of_band(client_for, alice, returned):
    assessment, key = returned
    row = Answer.objects.get(assessment=assessment, practice__key=key)
    response = client_for(alice).post(
        f"/assessments/{assessment.pk}/answers/{key}/",
        {"value": "no", "version": row.version},
        **HTMX,
    )
    assert response.status_code == 200
    assert re.search(rf'id="review-comment-{key}"[^>]*hx-swap-oob="true"', response.text)
    assert re.search(rf'id="returned-item-{key}"[^>]*hx-swap-oob="true"', response.text)
    assert "“Fully in place” then, “Not in place” now" in response.text


def test_an_autosave_of_a_practice_without_a_comment_sends_none(client_for, alice, returned):
    assessment, _ = returned
    first = keys(assessment)[0]
    row = Answer.objects.get(assessment=assessment, practice__key=first)
    response = client_for(alice).post(
        f"/assessments/{assessment.pk}/answers/{first}/",
        {"value": "no", "version": row.version},
        **HTMX,
    )
    assert response.status_code == 200
    assert "review-comment" not in response.text


def test_the_submit_button_says_it_goes_to_review_again(client_for, alice, returned):
    assessment, _ = returned
    text = client_for(alice).get(f"/assessments/{assessment.pk}/").text
    assert "Submit again for review" in text


def test_a_draft_nobody_returned_shows_no_banner_and_no_comment(client_for, alice, assessment):
    text = client_for(alice).get(f"/assessments/{assessment.pk}/").text
    assert "returned-banner" not in text
    assert 'class="review-comment' not in text
    assert "Submit again for review" not in text
    assert "Submit assessment" in text


def test_members_and_management_read_the_comments_too(client_for, bob, carol, returned):
    assessment, key = returned
    for person in (bob, carol):
        text = client_for(person).get(f"/assessments/{assessment.pk}/").text
        assert "Where is the evidence for this?" in practice_html(text, key)
    assert (
        "a team lead submits again for review"
        in client_for(bob).get(f"/assessments/{assessment.pk}/").text
    )


def test_a_comment_is_escaped(client_for, alice, assessment, rhea):
    key = keys(assessment)[0]
    returned_with(assessment, alice, rhea, {key: "<script>alert(1)</script> really?"})
    text = client_for(alice).get(f"/assessments/{assessment.pk}/").text
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; really?" in text


@pytest.mark.parametrize("commented", [1, 12])
def test_the_questionnaire_reads_the_comments_in_fixed_queries(
    commented, client_for, alice, rhea, assessment, django_assert_max_num_queries
):
    comments = {key: f"Comment {index}" for index, key in enumerate(keys(assessment)[:commented])}
    returned_with(assessment, alice, rhea, comments)
    client = client_for(alice)
    # The plain questionnaire's queries, the exemptions of the project, and the return's
    # review and its comments: the same for one comment or twelve.
    with django_assert_max_num_queries(QUESTIONNAIRE_QUERIES + 2) as captured:
        text = client.get(f"/assessments/{assessment.pk}/").text
    assert text.count('<aside class="review-comment') == commented
    assert len(captured) == QUESTIONNAIRE_QUERIES + 2


QUESTIONNAIRE_QUERIES = 13


def test_a_draft_takes_the_questionnaire_queries(
    client_for, alice, assessment, django_assert_max_num_queries
):
    client = client_for(alice)
    with django_assert_max_num_queries(QUESTIONNAIRE_QUERIES) as captured:
        client.get(f"/assessments/{assessment.pk}/")
    assert len(captured) == QUESTIONNAIRE_QUERIES


# --- The result page --------------------------------------------------------------------------


def status_text(text: str) -> str:
    """The review status line's words, without its tags."""
    start = text.index('data-testid="review-status"')
    line = text[text.index(">", start) + 1 : text.index("</h2>", start)]
    return " ".join(re.sub(r"<[^>]+>", " ", line).split())


def test_a_self_assessed_result_says_so_and_what_it_means(client_for, alice, assessment):
    answer_all(assessment, "partly")
    assessment_submit(assessment=assessment, user=alice)
    text = client_for(alice).get(f"/assessments/{assessment.pk}/").text
    assert status_text(text) == "Self-assessed"
    assert "the organisation's review policy did not ask a reviewer" in text
    assert "Review history" not in text


@pytest.fixture
def risen_pending(past_period, period, project, alice, assessment) -> Assessment:
    """Every dimension rose two levels since last quarter; submitted, it waits for review."""
    set_policy(rules.RISES)
    submit_last_quarter(past_period, project, alice, "no")
    answer_all(assessment, "yes")
    assessment_submit(assessment=assessment, user=alice, confirm_carried=True)
    assessment.refresh_from_db()
    assert assessment.awaits_review
    return assessment


def test_a_result_awaiting_review_lists_the_signals_the_reviewer_looks_at(
    client_for, alice, risen_pending
):
    text = client_for(alice).get(f"/assessments/{risen_pending.pk}/").text
    assert status_text(text).startswith("Awaiting review since")
    assert "What the reviewer will look at" in text
    assert risen_pending.signals
    for signal in risen_pending.signals:
        assert signal["text"].replace("'", "&#x27;") in text or signal["text"] in text
    assert rules.SIGNAL_NAMES[rules.BIG_RISE] in text
    assert "If they question an answer, the assessment comes back as a draft" in text


def test_a_reviewed_result_names_the_reviewer_and_the_day(client_for, alice, rhea, risen_pending):
    review = review_accept(
        assessment=risen_pending, reviewer=rhea, decision=ReviewInput(summary="Evidence holds.")
    )
    text = client_for(alice).get(f"/assessments/{risen_pending.pk}/").text
    assert status_text(text) == f"Reviewed by Rhea on {date_format(review.decided_at, 'j M Y')}"
    assert "Evidence holds." in text
    assert "What the reviewer will look at" not in text


def test_after_a_return_and_resubmission_the_comments_are_history(
    client_for, alice, rhea, returned
):
    assessment, key = returned
    answer(assessment, key, "partly", alice)
    assessment_submit(assessment=assessment, user=alice)
    assessment.refresh_from_db()
    assert assessment.awaits_review
    text = client_for(alice).get(f"/assessments/{assessment.pk}/").text
    history = text[text.index("Review history") :]
    assert "Review history (1 earlier review)" in text
    assert "Returned for changes" in history and "Rhea" in history
    assert "Where is the evidence for this?" in history
    assert "Answer changed: “Fully in place” → “Partly”" in history
    review_accept(assessment=assessment, reviewer=rhea, decision=ReviewInput())
    text = client_for(alice).get(f"/assessments/{assessment.pk}/").text
    assert status_text(text).startswith("Reviewed by Rhea")
    assert "Review history (1 earlier review)" in text


@pytest.mark.parametrize("rounds", [1, 3])
def test_the_result_page_reads_its_reviews_in_fixed_queries(
    rounds, client_for, alice, rhea, assessment, django_assert_max_num_queries
):
    set_policy(rules.EVERY)
    answer_all(assessment, "yes")
    practice_keys = keys(assessment)
    for index in range(rounds):
        assessment_submit(assessment=assessment, user=alice)
        review_return(
            assessment=assessment,
            reviewer=rhea,
            decision=ReviewInput(comments={k: f"Round {index}" for k in practice_keys[:4]}),
        )
        assessment.refresh_from_db()
    assessment_submit(assessment=assessment, user=alice)
    review_accept(assessment=assessment, reviewer=rhea, decision=ReviewInput())
    client = client_for(alice)
    # session, user, assessment (+role), answers, previous assessment, dimension scores,
    # navigation x3, the team's members and the steps' actions (improvement's tags), then
    # the reviews and their comments: the same for one round of comments or three.
    with django_assert_max_num_queries(13) as captured:
        text = client.get(f"/assessments/{assessment.pk}/").text
    assert f"Review history ({rounds} earlier review" in text
    assert len(captured) == 13
