import datetime

import pytest
import time_machine
from django.core.management import call_command

from assessments.models import Answer, Assessment, Period
from assessments.services import periods
from tests.assessments.conftest import submit_last_quarter
from tests.factories import ProjectFactory


def test_it_derives_quarter_keys_and_default_dates(settings):
    assert periods.period_key_for(datetime.date(2026, 11, 27)) == "2026-Q4"
    assert periods.period_key_after("2026-Q4") == "2027-Q1"
    assert periods.period_dates("2027-Q1") == (
        datetime.date(2027, 1, 1),
        datetime.date(2027, 1, 21),
        datetime.date(2027, 2, 4),
    )


def test_it_refuses_a_malformed_key():
    with pytest.raises(periods.PeriodError, match="not a period key"):
        periods.period_dates("2026-Q5")


def test_it_follows_the_dates_for_its_state(period):
    opens = period.opens_on
    assert period.state_on(opens - datetime.timedelta(days=1)) == Period.State.UPCOMING
    assert period.state_on(opens) == Period.State.OPEN
    assert period.state_on(period.due_on + datetime.timedelta(days=1)) == Period.State.OVERDUE
    assert period.state_on(period.closes_on + datetime.timedelta(days=1)) == Period.State.CLOSED


def test_it_reopens_a_closed_period_until_a_date(period):
    after_close = period.closes_on + datetime.timedelta(days=3)
    with time_machine.travel(after_close):
        periods.period_reopen(period=period, until=after_close + datetime.timedelta(days=7))
        assert period.state == Period.State.OPEN


def test_it_opens_a_draft_for_every_active_project_once(period, project, other_project):
    archived = ProjectFactory(team=project.team, archived_at="2026-01-01T00:00Z")
    first = periods.period_open(period=period)
    second = periods.period_open(period=period)
    assert {a.project for a in first.created} == {project, other_project}
    assert first.newly_opened and not second.newly_opened
    assert second.created == []
    assert not Assessment.objects.filter(project=archived).exists()
    practices = period.framework.practices.count()
    assert Answer.objects.filter(assessment__period=period).count() == 2 * practices


def test_it_carries_the_last_submitted_answers_forward(past_period, period, project, alice):
    submit_last_quarter(past_period, project, alice, "partly")
    periods.period_open(period=period)
    draft = Assessment.objects.get(period=period, project=project)
    answers = list(draft.answers.all())
    assert {a.value for a in answers} == {"partly"}
    assert all(a.carried_over for a in answers)


def test_it_opens_a_period_from_the_command(framework, project, capsys):
    call_command("open_period", "2027-Q1")
    assert "1 new drafts" in capsys.readouterr().out
    assert Assessment.objects.get(project=project).period.key == "2027-Q1"
