"""The tick's review steps: each reviewer's daily digest of their queue and weekly list of
exemption requests, queued through tasks, each sent once however often it ticks."""

import datetime
from collections import Counter
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from assessments.models import Assessment, ReviewPolicy
from assessments.rules import review as rules
from assessments.services.answering import assessment_submit
from notifications.models import NotificationPreference, SentEmail
from scheduler import tick
from tests.assessments.fixtures import answer_all

# Tasks queued on commit run at once, broker or not.
pytestmark = pytest.mark.usefixtures("eager_tasks")


@pytest.fixture
def waiting(period, project, alice, rhea, assessment) -> Assessment:
    """alice's submission waits for review and asks to exempt one practice."""
    ReviewPolicy.objects.create(pk=1, rule=rules.EVERY)
    key = assessment.answers.select_related("practice").order_by("practice__order")[0]
    answer_all(assessment, "partly", **{key.practice.key: "na"})
    assessment_submit(assessment=assessment, user=alice)
    return assessment


def ticks(*moments: datetime.datetime, capture) -> list[tick.TickResult]:
    results = []
    for moment in moments:
        with (
            time_machine.travel(moment),
            capture(execute=True),
            mock.patch("reports.tasks.report_generate.delay_on_commit"),  # not about reports
        ):
            results.append(tick.schedule_tick())
    return results


def review_kinds() -> Counter:
    return Counter(
        SentEmail.objects.filter(kind__in=["review_digest", "exemption_digest"]).values_list(
            "kind", flat=True
        )
    )


def test_it_queues_each_digest_once_however_often_it_ticks(
    waiting, rhea, django_capture_on_commit_callbacks
):
    now = timezone.now()
    first, second = ticks(
        now, now + datetime.timedelta(hours=1), capture=django_capture_on_commit_callbacks
    )
    assert [notice.user for notice in first.review_digests] == [rhea]
    assert [notice.user for notice in first.exemption_digests] == [rhea]
    assert (second.review_digests, second.exemption_digests) == ([], [])
    assert review_kinds() == {"review_digest": 1, "exemption_digest": 1}
    subjects = sorted(email.subject for email in mail.outbox if email.to == ["rhea@example.com"])
    assert subjects == [
        "Exemptions waiting for your decision: 1, the oldest 0 days old",
        "Reviews waiting: 1 new, 1 in your queue",
    ]


def test_the_next_days_bring_no_digest_until_something_new_and_the_list_weekly(
    waiting, rhea, django_capture_on_commit_callbacks
):
    now = timezone.now()
    [first] = ticks(now, capture=django_capture_on_commit_callbacks)
    later = ticks(
        *(now + datetime.timedelta(days=offset) for offset in range(1, 8)),
        capture=django_capture_on_commit_callbacks,
    )
    assert [notice for result in later for notice in result.review_digests] == []
    weeks = [notice.week_key for result in later for notice in result.exemption_digests]
    assert len(weeks) == 1  # on the first tick of the next ISO week
    assert weeks[0] != first.exemption_digests[0].week_key
    assert review_kinds() == {"review_digest": 1, "exemption_digest": 2}


def test_it_queues_nothing_for_reviewers_who_opted_out(
    waiting, rhea, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(
        user=rhea, review_digest_enabled=False, exemption_digest_enabled=False
    )
    [result] = ticks(timezone.now(), capture=django_capture_on_commit_callbacks)
    assert (result.review_digests, result.exemption_digests) == ([], [])
    assert review_kinds() == {}


def test_it_changes_nothing_for_reviews_when_nothing_waits(
    period, rhea, django_capture_on_commit_callbacks
):
    [result] = ticks(timezone.now(), capture=django_capture_on_commit_callbacks)
    assert (result.review_digests, result.exemption_digests) == ([], [])
    assert review_kinds() == {}
