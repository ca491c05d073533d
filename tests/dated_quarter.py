"""2026-Q4 with fixed dates, opened with drafts for the personas' projects: what the
reminder and tick tests travel through. A pytest plugin of the whole suite (tests/conftest)."""

import datetime

import pytest
import time_machine

from assessments.models import Assessment, Period
from assessments.services.periods import period_open

OPENS = datetime.date(2026, 10, 1)
DUE = datetime.date(2026, 10, 21)
CLOSES = datetime.date(2026, 11, 4)


def day(offset_from_due: int) -> datetime.date:
    return DUE + datetime.timedelta(days=offset_from_due)


def submit(assessment: Assessment) -> None:
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SUBMITTED)


@pytest.fixture
def quarter(framework) -> Period:
    return Period.objects.create(
        key="2026-Q4", framework=framework, opens_on=OPENS, due_on=DUE, closes_on=CLOSES
    )


@pytest.fixture
def opened(quarter, project, other_project, alice, dave, bob) -> Period:
    with time_machine.travel(OPENS):
        period_open(period=quarter)
    return quarter
