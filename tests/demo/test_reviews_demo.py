"""The demo's reviews (demo/reviews.py, demo/review_queue.py): the reviewer's queue shows
each inflation signal, made through the real submit service, with earlier decisions and
exemptions of different ages; seeding again adds nothing."""

import datetime
import io
from collections import Counter

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from assessments.models import AnswerChange, Assessment, Exemption, Period, ReviewPolicy
from assessments.rules import review as rules
from assessments.services.exemptions import quarters_after
from core.access import is_org_reviewer
from reviews.models import Review, ReviewComment
from reviews.selectors import review_queue
from teams.models import Membership, UnitReviewer

SIGNALS = {rules.BIG_RISE, rules.UNEVIDENCED_TOP, rules.MANY_NOT_APPLICABLE, rules.LAST_DAY_RISES}


def seed() -> None:
    call_command(
        "seed_demo", teams=4, projects_per_team=3, quarters=3, seed=7, stdout=io.StringIO()
    )


@pytest.fixture
def demo(db) -> None:
    seed()


@pytest.fixture
def reviewer(demo) -> User:
    return User.objects.get(username="reviewer")


def current() -> Period:
    return Period.objects.get(opened_at__isnull=False, closed_at__isnull=True)


def test_the_reviewer_logs_in_with_demo_and_reviews_every_team_from_outside(reviewer):
    assert reviewer.check_password("demo")
    assert reviewer.get_full_name() == "Riya Reviewer"
    assert is_org_reviewer(reviewer)
    assert not Membership.objects.filter(user=reviewer).exists()
    assert UnitReviewer.objects.filter(unit__name="Digital Commerce").exists()
    assert ReviewPolicy.current().rule == rules.RISES
    states = Counter(
        Assessment.objects.filter(status="submitted").values_list("review_status", flat=True)
    )
    assert set(states) == {"self_assessed", "pending", "reviewed"}


def test_the_queue_shows_every_kind_of_signal_with_its_evidence(reviewer):
    rows = review_queue(user=reviewer)
    assert 3 <= len(rows) <= 5
    kinds = {signal["kind"] for row in rows for signal in row.signals}
    assert kinds == SIGNALS
    lead_team = Membership.objects.get(user__username="lead").team
    assert all(row.assessment.project.team != lead_team for row in rows)
    assert all(row.assessment.period == current() for row in rows)
    many_na = next(
        row for row in rows if rules.MANY_NOT_APPLICABLE in rules.signal_kinds(row.signals)
    )
    assert many_na.exemptions_waiting >= 2
    assert all(
        len(e.justification) > 30
        for e in Exemption.objects.filter(assessment=many_na.assessment, status="requested")
    )
    # The answers raised on the day before the due date are in the answers' history.
    period = current()
    assert period.due_on == timezone.localdate() + datetime.timedelta(days=1)
    [row] = [
        row
        for row in review_queue(user=reviewer)
        if rules.LAST_DAY_RISES in rules.signal_kinds(row.signals)
    ]
    start = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time()))
    raised = AnswerChange.objects.filter(
        answer__assessment=row.assessment, field="value", changed_at__gte=start
    )
    assert raised.count() >= rules.LAST_DAY_RISES_MIN
    assert all(change.changed_at <= row.assessment.submitted_at for change in raised)
    assert all(change.changed_by == row.assessment.submitted_by for change in raised)


def test_one_was_returned_answered_and_submitted_again_and_last_quarter_was_reviewed(
    reviewer,
):
    returned = Review.objects.get(assessment__period=current(), decision="returned")
    assessment = returned.assessment
    assert assessment.awaits_review
    assert returned.reviewer == reviewer and returned.summary
    comments = ReviewComment.objects.filter(review=returned)
    assert comments.count() == 2
    declined = Exemption.objects.get(assessment=assessment, status="declined")
    assert declined.practice_key in {comment.practice_key for comment in comments}
    answers = {a.practice.key: a for a in assessment.answers.select_related("practice")}
    assert answers[declined.practice_key].value == "partly"  # answered, as the reviewer asked
    questioned = comments.exclude(practice_key=declined.practice_key).get()
    assert answers[questioned.practice_key].evidence_url.startswith("https://")
    assert assessment.submitted_at > returned.decided_at
    # Last quarter: two results reviewed, one of them returned with comments first.
    reviewed = Assessment.objects.filter(review_status=Assessment.Review.REVIEWED)
    assert reviewed.count() == 2
    decisions = Counter(
        Review.objects.filter(assessment__in=reviewed).values_list("decision", flat=True)
    )
    assert decisions == {"accepted": 2, "returned": 1}
    assert ReviewComment.objects.filter(assessment__in=reviewed).count() == 2


def test_approved_exemptions_have_different_ages_and_one_expires_this_quarter(reviewer):
    period = current()
    approved = Exemption.objects.filter(status="approved")
    assert approved.count() >= 3
    assert all(e.decided_by == reviewer and e.covers(period) for e in approved)
    next_quarter = quarters_after(period.opens_on, 1)
    expiring = approved.filter(expires_on=next_quarter)
    assert expiring.count() == 1
    assert len(set(approved.values_list("expires_on", flat=True))) >= 2
    exemption = expiring.get()
    draft_answer = (
        Assessment.objects.get(project=exemption.project, period=period)
        .answers.filter(practice__key=exemption.practice_key)
        .get()
    )
    assert draft_answer.value == "na"


def _counts() -> tuple[int, ...]:
    return (
        Review.objects.count(),
        ReviewComment.objects.count(),
        Exemption.objects.count(),
        AnswerChange.objects.count(),
        Assessment.objects.filter(review_status="pending").count(),
        User.objects.count(),
    )


def test_seeding_again_adds_nothing_and_keeps_the_due_date(demo):
    before, due = _counts(), current().due_on
    seed()
    assert _counts() == before
    assert current().due_on == due
