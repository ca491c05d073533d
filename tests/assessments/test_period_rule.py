"""The period rule is decided once: each PeriodQuerySet method agrees with its Python twin on
Period, and every page and job reads one of them."""

import datetime

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from assessments.models import Assessment, Framework, Period
from assessments.services.periods import period_open
from tests.assessments.fixtures import FRAMEWORK_PATH
from tests.factories import ProjectFactory, TeamFactory, UserFactory

START = datetime.date(2026, 10, 1)
days = st.integers(min_value=-10, max_value=60).map(lambda n: START + datetime.timedelta(days=n))
maybe_day = st.one_of(st.none(), days)
moments = st.one_of(
    st.none(),
    st.builds(lambda d: datetime.datetime.combine(d, datetime.time(9), datetime.UTC), days),
)


class PeriodRuleTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        from assessments.services.frameworks import framework_load

        cls.framework: Framework = framework_load(path=FRAMEWORK_PATH).framework

    @settings(max_examples=150, deadline=None)
    @given(
        opens=days,
        due_after=st.integers(0, 30),
        close_after=st.integers(0, 30),
        reopened_until=maybe_day,
        opened_at=moments,
        closed_at=moments,
        today=days,
    )
    def test_it_decides_each_state_the_same_in_sql_and_in_python(
        self, opens, due_after, close_after, reopened_until, opened_at, closed_at, today
    ):
        due = opens + datetime.timedelta(days=due_after)
        period = Period.objects.create(
            key="2026-Q4",
            framework=self.framework,
            opens_on=opens,
            due_on=due,
            closes_on=due + datetime.timedelta(days=close_after),
            reopened_until=reopened_until,
            opened_at=opened_at,
            closed_at=closed_at,
        )
        twins = {
            "accepting_answers": period.accepts_answers_on,
            "in_progress": period.is_in_progress_on,
            "due_to_open": period.is_due_to_open_on,
            "due_to_close": period.is_due_to_close_on,
        }
        for method, twin in twins.items():
            in_sql = getattr(Period.objects, method)(today).filter(pk=period.pk).exists()
            assert in_sql == twin(today), method
        period.delete()


@pytest.fixture
def expired_reopening(framework) -> tuple[Assessment, object]:
    """A quarter that closed on 4 November, was reopened until 10 November, and it is now
    the 20th: the reopening has expired."""
    period = Period.objects.create(
        key="2026-Q4",
        framework=framework,
        opens_on=START,
        due_on=datetime.date(2026, 10, 21),
        closes_on=datetime.date(2026, 11, 4),
        reopened_until=datetime.date(2026, 11, 10),
    )
    team = TeamFactory(name="Fraud Detection")
    project = ProjectFactory(team=team)
    lead = UserFactory(username="lead")
    team.memberships.create(user=lead, role="lead")
    with time_machine.travel(START):
        period_open(period=period)
    return Assessment.objects.get(project=project), lead


def test_it_agrees_on_an_expired_reopening_between_home_and_assessment_page(
    expired_reopening, client
):
    draft, lead = expired_reopening
    client.force_login(lead)
    with time_machine.travel(datetime.date(2026, 11, 20)):
        home = client.get("/")
        page = client.get(draft.get_absolute_url())
    assert page.status_code == 200
    assert "is closed, so its answers are read-only" in page.text
    assert draft.get_absolute_url() not in home.text
    assert "Assessments waiting for you" not in home.text


def test_it_lists_the_draft_while_the_reopening_lasts(expired_reopening, client):
    draft, lead = expired_reopening
    client.force_login(lead)
    with time_machine.travel(datetime.date(2026, 11, 8)):
        home = client.get("/")
        page = client.get(draft.get_absolute_url())
    assert draft.get_absolute_url() in home.text
    assert "read-only" not in page.text
