"""Reminders about improvement actions and the leads' weekly plan digest."""

import datetime
from unittest import mock

import pytest
import time_machine
from celery.exceptions import Retry
from django.core import mail
from hypothesis import given
from hypothesis import strategies as st

from improvement.models import Action
from notifications import tasks
from notifications.models import NotificationPreference, SentEmail
from notifications.services import plans
from notifications.services.delivery import EmailDeferred
from teams.models import Membership
from tests.factories import ProjectFactory, UserFactory
from tests.improvement.factories import ActionFactory

# Tasks queued on commit run at once, broker or not.
pytestmark = pytest.mark.usefixtures("eager_tasks")

TODAY = datetime.date(2026, 10, 14)  # a Wednesday, in ISO week 2026-W42


def days(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


def opt(user, **choices: bool) -> None:
    NotificationPreference.objects.update_or_create(user=user, defaults=choices)


def remind(action: Action, kind: str, today: datetime.date = TODAY):
    return plans.action_reminder_send(action_id=action.pk, kind=kind, today=today)


@pytest.fixture
def action(project, bob, alice) -> Action:
    return ActionFactory(
        project=project,
        owner=bob,
        created_by=alice,
        title="Add the business KPI to the monitoring dashboard",
        next_step="Add the business KPI of the project to its monitoring dashboard.",
        due_on=days(5),
        status=Action.Status.IN_PROGRESS,
        ticket_url="https://tracker.example.com/ML-123",
    )


# --- Which kinds are due on which day (pure) --------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (8, []),
        (7, ["action_due_7"]),
        (1, ["action_due_7"]),
        (0, []),  # the due date itself: told a week before, overdue from tomorrow
        (-1, ["action_overdue"]),
        (-90, ["action_overdue"]),
    ],
)
def test_it_starts_each_reminder_on_its_day(offset, expected):
    assert plans.action_email_kinds_on(due_on=days(offset), today=TODAY) == expected


@given(due_on=st.none() | st.dates(), today=st.dates())
def test_it_is_due_for_at_most_one_kind_and_only_in_its_window(due_on, today):
    kinds = plans.action_email_kinds_on(due_on=due_on, today=today)
    assert len(kinds) <= 1
    days_left = (due_on - today).days if due_on else None
    assert (kinds == ["action_due_7"]) == (days_left is not None and 1 <= days_left <= 7)
    assert (kinds == ["action_overdue"]) == (days_left is not None and days_left < 0)


@given(today=st.dates(min_value=datetime.date(2001, 1, 1)))
def test_it_keys_the_digest_by_iso_week_from_monday_to_sunday(today):
    monday = today - datetime.timedelta(days=today.weekday())
    assert plans.digest_week_key(today) == plans.digest_week_key(monday)
    assert plans.digest_week_key(today) != plans.digest_week_key(monday - datetime.timedelta(1))


def test_it_spells_the_keys():
    assert plans.digest_week_key(datetime.date(2025, 12, 29)) == "2026-W01"
    key = plans.action_email_key(kind="action_due_7", action_id=7, due_on=days(5))
    assert key == "action_due_7:action-7:2026-10-19"


# --- Reminders due --------------------------------------------------------------------------


def test_it_reminds_owners_a_week_ahead_and_once_overdue(action, project, alice):
    overdue = ActionFactory(project=project, owner=alice, due_on=days(-3))
    ActionFactory(project=project, owner=alice, due_on=days(20))  # not yet
    ActionFactory(project=project, owner=alice, due_on=None)  # never
    notices = plans.action_notices_due(today=TODAY)
    assert [(n.kind, n.action) for n in notices] == [
        ("action_overdue", overdue),
        ("action_due_7", action),
    ]
    assert notices[1].key == f"action_due_7:action-{action.pk}:2026-10-19"


@pytest.mark.parametrize(
    "change",
    [
        {"status": Action.Status.DONE},
        {"status": Action.Status.DROPPED, "dropped_reason": "Superseded."},
        {"owner": None},
    ],
)
def test_it_reminds_nobody_of_closed_or_ownerless_actions(action, change):
    Action.objects.filter(pk=action.pk).update(**change)
    assert plans.action_notices_due(today=TODAY) == []


def test_it_leaves_out_owners_who_cannot_or_would_not_read_it(action, bob):
    opt(bob, action_reminders_enabled=False)
    assert plans.action_notices_due(today=TODAY) == []
    opt(bob, action_reminders_enabled=True, reminders_enabled=False)  # assessments only
    assert len(plans.action_notices_due(today=TODAY)) == 1
    bob.is_active = False
    bob.save()
    assert plans.action_notices_due(today=TODAY) == []


def test_it_leaves_out_actions_of_archived_projects(action, project):
    project.archived_at = datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC)
    project.save()
    assert plans.action_notices_due(today=TODAY) == []


def test_it_sends_each_reminder_once(action, bob):
    assert remind(action, "action_due_7").status == SentEmail.Status.SENT
    assert remind(action, "action_due_7") is None
    assert remind(action, "action_due_7", today=days(3)) is None  # later in the window
    assert len(mail.outbox) == 1
    assert plans.action_notices_due(today=days(2)) == []
    row = SentEmail.objects.get()
    assert (row.kind, row.user, row.period) == ("action_due_7", bob, None)


def test_it_reminds_again_when_the_due_date_moves(action):
    remind(action, "action_due_7")
    Action.objects.filter(pk=action.pk).update(due_on=days(12))
    assert plans.action_notices_due(today=days(2)) == []  # 10 days left: not yet
    [notice] = plans.action_notices_due(today=days(5))
    assert notice.key == f"action_due_7:action-{action.pk}:2026-10-26"
    remind(action, "action_due_7", today=days(5))
    assert len(mail.outbox) == 2


def test_it_checks_the_action_again_when_the_task_runs(action, alice, bob):
    # Queued at the tick; by the time the task runs, things changed.
    opt(bob, action_reminders_enabled=False)
    assert remind(action, "action_due_7") is None  # opted out since
    opt(bob, action_reminders_enabled=True)
    Action.objects.filter(pk=action.pk).update(due_on=days(30))
    assert remind(action, "action_due_7") is None  # moved out of the window
    Action.objects.filter(pk=action.pk).update(due_on=days(5), status=Action.Status.DONE)
    assert remind(action, "action_due_7") is None  # done
    assert remind(action, "action_overdue") is None  # not the kind due
    assert plans.action_reminder_send(action_id=action.pk + 100, kind="action_due_7") is None
    assert mail.outbox == []
    Action.objects.filter(pk=action.pk).update(status=Action.Status.PLANNED, owner=alice)
    remind(action, "action_due_7")  # reassigned: the owner now is the one reminded
    assert [email.to for email in mail.outbox] == [["alice@example.com"]]


def test_it_refuses_an_unknown_kind(action):
    with pytest.raises(ValueError, match="action_digest"):
        remind(action, "action_digest")


# --- What the reminders say -----------------------------------------------------------------


def test_it_tells_the_owner_what_is_due_where_and_how_to_opt_out(action, settings):
    settings.SITE_URL = "https://portal.example.com"
    remind(action, "action_due_7")
    [email] = mail.outbox
    html = email.alternatives[0].content
    assert email.to == ["bob@example.com"]
    assert email.subject == "Action due in 5 days: Add the business KPI to the monitoring dashboard"
    link = f"https://portal.example.com/teams/fraud-detection/plan/#action-{action.pk}"
    for text in (
        "Hi Bob,",
        "Fraud Detection",
        "Card transaction scoring",
        "Monday 19 Oct 2026 (in 5 days)",
        "Next step:   Add the business KPI of the project to its monitoring dashboard.",
        "Ticket:      https://tracker.example.com/ML-123",
        f"On the plan: {link}",
        "agree a new due date with your team lead",
        "https://portal.example.com/account/notifications/",
    ):
        assert text in email.body
    assert f'href="{link}"' in html
    assert 'href="https://tracker.example.com/ML-123"' in html
    assert "Switch action reminders off" in html
    assert (
        email.extra_headers["X-Portal-Email-Key"] == f"action_due_7:action-{action.pk}:2026-10-19"
    )


def test_it_words_the_overdue_reminder_and_lets_a_lead_move_the_date(project, alice):
    action = ActionFactory(project=project, owner=alice, title="Log predictions", due_on=days(-6))
    remind(action, "action_overdue")
    [email] = mail.outbox
    assert email.subject == "Overdue since 8 Oct: Log predictions"
    assert "was due on Thursday 8 Oct 2026 and is still open" in email.body
    assert "(6 days overdue)" in email.body
    assert "move its due date there" in email.body
    assert "6 days overdue" in email.alternatives[0].content


def test_it_says_tomorrow_the_day_before(action):
    remind(action, "action_due_7", today=days(4))
    assert mail.outbox[0].subject.startswith("Action due tomorrow: ")


# --- The weekly digest ----------------------------------------------------------------------


@pytest.fixture
def plan(project, alice, bob) -> dict[str, Action]:
    """Fraud Detection's open actions, created in an order unlike the digest's."""
    make = lambda title, due, **kw: ActionFactory(  # noqa: E731
        project=project, owner=bob, title=title, due_on=due, **kw
    )
    return {
        "later": make("Later", days(40)),
        "soon": make("Soon", days(9)),
        "undated": make("Undated", None),
        "overdue a bit": make("Overdue a bit", days(-2)),
        "today": make("Today", TODAY, status=Action.Status.IN_PROGRESS),
        "overdue long": make("Overdue long", days(-30)),
        "done": make("Done", days(-40), status=Action.Status.DONE),
    }


def test_it_sends_the_digest_only_to_leads_who_asked_for_it(plan, alice, bob, dave):
    assert plans.digest_notices_due(today=TODAY) == []  # opt-in: nobody by default
    for user in (alice, bob, dave):
        opt(user, action_digest_enabled=True)
    # bob is a member, not a lead; dave's team has no open action
    [notice] = plans.digest_notices_due(today=TODAY)
    assert (notice.user, notice.key) == (alice, f"action_digest:user-{alice.pk}:2026-W42")


def test_it_sends_the_digest_once_a_week_on_any_day_of_it(plan, alice):
    opt(alice, action_digest_enabled=True)
    monday, sunday = days(-2), days(4)
    assert len(plans.digest_notices_due(today=sunday)) == 1  # a missed Monday still sends
    plans.action_digest_send(user_id=alice.pk, week_key="2026-W42", today=monday)
    assert plans.action_digest_send(user_id=alice.pk, week_key="2026-W42", today=TODAY) is None
    assert plans.digest_notices_due(today=sunday) == []
    assert len(plans.digest_notices_due(today=days(5))) == 1  # next Monday
    assert len(mail.outbox) == 1


def test_it_checks_the_digest_again_when_the_task_runs(plan, alice):
    opt(alice, action_digest_enabled=True)
    assert plans.action_digest_send(user_id=alice.pk, week_key="2026-W41", today=TODAY) is None
    opt(alice, action_digest_enabled=False)
    assert plans.action_digest_send(user_id=alice.pk, week_key="2026-W42", today=TODAY) is None
    opt(alice, action_digest_enabled=True)
    Action.objects.update(status=Action.Status.DONE)
    assert plans.digest_notices_due(today=TODAY) == []
    assert plans.action_digest_send(user_id=alice.pk, week_key="2026-W42", today=TODAY) is None
    assert mail.outbox == []


def test_it_lists_overdue_first_then_the_next_two_weeks_then_counts_the_rest(plan, alice):
    opt(alice, action_digest_enabled=True)
    plans.action_digest_send(user_id=alice.pk, week_key="2026-W42", today=TODAY)
    [email] = mail.outbox
    assert email.subject == "Plan digest, week of 12 Oct: 6 open actions, 2 overdue"
    body = email.body
    order = ["OVERDUE (2)", "Overdue long", "Overdue a bit", "DUE IN THE NEXT 14 DAYS (2)"]
    order += ["- Today", "- Soon", "And 2 more open actions due later or without a due date."]
    positions = [body.index(text) for text in order]
    assert positions == sorted(positions)
    assert "Later" not in body and "Undated" not in body and "- Done" not in body
    assert "was due 14 Sep 2026 (30 days overdue)" in body
    assert "due today" in body and "due 23 Oct 2026 (in 9 days)" in body
    assert "Fraud Detection plan: http://127.0.0.1:8000/teams/fraud-detection/plan/" in body
    html = email.alternatives[0].content
    assert html.index("Overdue long") < html.index("Overdue a bit") < html.index(">Soon<")
    assert "Switch it off" in html


def test_it_names_the_team_of_each_action_when_a_lead_leads_several(plan, alice, other_project):
    Membership.objects.create(user=alice, team=other_project.team, role=Membership.Role.LEAD)
    ActionFactory(project=other_project, title="Rank offline", due_on=days(-1))
    opt(alice, action_digest_enabled=True)
    plans.action_digest_send(user_id=alice.pk, week_key="2026-W42", today=TODAY)
    body = mail.outbox[0].body
    assert "Your teams have 7 open improvement actions this week, 3 of them overdue." in body
    assert "  Search Ranking · Product ranker · no owner · was due 13 Oct 2026" in body


# --- Tasks ----------------------------------------------------------------------------------


@time_machine.travel(TODAY)
def test_the_tasks_send_by_ids(action, plan, alice):
    opt(alice, action_digest_enabled=True)
    tasks.action_reminder_send(action.pk, "action_due_7")
    tasks.action_digest_send(alice.pk, "2026-W42")
    assert [email.to for email in mail.outbox] == [["bob@example.com"], ["alice@example.com"]]


def test_the_tasks_retry_a_deferred_email(action):
    with (
        mock.patch(
            "notifications.services.plans.action_reminder_send", side_effect=EmailDeferred("421")
        ),
        mock.patch.object(tasks.action_reminder_send, "retry", side_effect=Retry()) as retry,
        pytest.raises(Retry),
    ):
        tasks.action_reminder_send(action.pk, "action_due_7")
    retry.assert_called_once()


# --- The settings page ----------------------------------------------------------------------


def test_it_shows_the_action_switches_and_the_digest_to_leads_only(client_for, alice, bob):
    page = client_for(alice).get("/account/notifications/").content.decode()
    assert "Email me reminders about actions I own" in page
    assert "Send me a weekly digest of my teams" in page
    page = client_for(bob).get("/account/notifications/").content.decode()
    assert "Email me reminders about actions I own" in page
    assert "weekly digest" not in page


def test_it_saves_the_switches_with_a_clear_confirmation(client_for, alice):
    client = client_for(alice)
    data = {"reminders_enabled": "on", "action_digest_enabled": "on"}
    response = client.post("/account/notifications/", data, follow=True)
    assert (
        "Saved. Reminders are on for assessments and off for your actions; "
        "the weekly plan digest is on."
    ) in response.content.decode()
    preference = NotificationPreference.objects.get(user=alice)
    assert preference.reminders_enabled and preference.action_digest_enabled
    assert not preference.action_reminders_enabled


def test_it_keeps_a_members_digest_choice_when_they_save(client_for, bob):
    opt(bob, action_digest_enabled=True)  # chosen while leading a team
    response = client_for(bob).post("/account/notifications/", {}, follow=True)
    assert "Saved. Reminders are off for assessments and for your actions." in (
        response.content.decode()
    )
    assert NotificationPreference.objects.get(user=bob).action_digest_enabled


def test_new_users_get_action_reminders_but_no_digest(db):
    user = UserFactory()
    project = ProjectFactory()
    ActionFactory(project=project, owner=user, due_on=days(3))
    assert len(plans.action_notices_due(today=TODAY)) == 1
    opt(user, reminders_enabled=True)
    preference = NotificationPreference.objects.get(user=user)
    assert preference.action_reminders_enabled and not preference.action_digest_enabled


# --- Query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 6])
def test_it_finds_what_is_due_in_a_fixed_number_of_queries(
    size, project, alice, django_assert_num_queries
):
    opt(alice, action_digest_enabled=True)
    for number in range(size):
        owner = UserFactory(username=f"owner{number}")
        ActionFactory(project=project, owner=owner, due_on=days(number % 9 - 3))
    with django_assert_num_queries(2):  # open actions due, then keys already settled
        assert len(plans.action_notices_due(today=TODAY)) >= 1
    with django_assert_num_queries(2):  # leads who asked, then keys already settled
        assert len(plans.digest_notices_due(today=TODAY)) == 1
