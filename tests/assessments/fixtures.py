"""Fixtures for assessments: the shipped framework, an open period and a draft.

Registered for the whole suite through `pytest_plugins` in tests/conftest.py.
"""

import datetime
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from assessments.models import Assessment, Framework, Period
from assessments.services.frameworks import framework_load
from assessments.services.periods import period_open

FRAMEWORK_PATH = Path(__file__).resolve().parents[2] / "assessments/frameworks/mlops-v1.yaml"


@pytest.fixture
def framework(db) -> Framework:
    return framework_load(path=FRAMEWORK_PATH).framework


def make_period(framework: Framework, key: str, *, opened_days_ago: int) -> Period:
    today = timezone.localdate()
    opens_on = today - datetime.timedelta(days=opened_days_ago)
    return Period.objects.create(
        key=key,
        framework=framework,
        opens_on=opens_on,
        due_on=opens_on + datetime.timedelta(days=20),
        closes_on=opens_on + datetime.timedelta(days=34),
    )


@pytest.fixture
def period(framework) -> Period:
    """An open period: opened 5 days ago, due in 15 days."""
    return make_period(framework, "2026-Q4", opened_days_ago=5)


@pytest.fixture
def past_period(framework) -> Period:
    return make_period(framework, "2026-Q3", opened_days_ago=95)


@pytest.fixture
def assessment(period, project) -> Assessment:
    period_open(period=period)
    return Assessment.objects.get(period=period, project=project)


@pytest.fixture
def other_assessment(period, other_project) -> Assessment:
    period_open(period=period)
    return Assessment.objects.get(period=period, project=other_project)


def answer_all(assessment: Assessment, value: str = "yes", **overrides: str) -> None:
    """Set every answer directly (a fixture shortcut, not the autosave path)."""
    for answer in assessment.answers.select_related("practice"):
        answer.value = overrides.get(answer.practice.key, value)
        if answer.value == "na":
            answer.na_reason = "Does not apply here."
        answer.save()


def submit_last_quarter(past_period: Period, project, lead, value: str = "partly") -> Assessment:
    """Open the earlier period, answer every practice with `value` and submit it in time."""
    from assessments.services.answering import assessment_submit
    from assessments.services.periods import period_open

    period_open(period=past_period)
    previous = Assessment.objects.get(period=past_period, project=project)
    answer_all(previous, value)
    with time_machine.travel(past_period.opens_on + datetime.timedelta(days=1)):
        assessment_submit(assessment=previous, user=lead)
    return previous


def first_key(assessment: Assessment) -> str:
    """The key of the assessment's first practice, in framework order."""
    return assessment.answers.order_by("practice__order").values_list("practice__key", flat=True)[0]


def answer_one(assessment: Assessment, key: str, value: str, user, reason: str = ""):
    """Save one answer through the service, as the questionnaire's autosave does."""
    from assessments.models import Answer
    from assessments.services.answering import answer_save

    row = Answer.objects.select_related("practice").get(assessment=assessment, practice__key=key)
    return answer_save(
        assessment=assessment,
        answer=row,
        expected_version=row.version,
        user=user,
        value=value,
        na_reason=reason,
    )
