"""E-mails about improvement actions: reminders to an action's owner and the leads' weekly
digest of their teams' open actions, each sent once (see `delivery.email_send_once`).

  action due in 7 days  to the owner, from 7 days before the due date to the day before
  action overdue        to the owner, from the day after the due date on
  weekly digest         to leads who opted in, once per ISO week, any day of it

Reminders are keyed by action and due date, so moving the due date re-arms them; the digest
by recipient and week, so a tick missed on Monday still sends it later that week. The tick
(scheduler) asks for what is due and dispatches it; a task sends each, reading the action
and the preferences again when it runs.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from core.access import can_manage_team
from core.dispatch import dispatch_on_commit
from improvement.models import Action
from notifications import kinds, selectors
from notifications.models import SentEmail
from notifications.services.delivery import absolute_url, email_compose, email_send_once

REMIND_DAYS_AHEAD = 7
DIGEST_SOON_DAYS = 14

# --- Which e-mails are due, by date (pure) ----------------------------------------------------


def action_email_kinds_on(*, due_on: datetime.date | None, today: datetime.date) -> list[str]:
    """The reminder kinds due on `today` for an open action due on `due_on`.

    Windows rather than single days, so a tick missed for a day still sends; the e-mails say
    how many days are left or overdue, so a late one stays true. Nothing on the due date
    itself: the owner was told a week before, and the overdue reminder follows the next day.
    """
    if due_on is None:
        return []
    days_left = (due_on - today).days
    if 1 <= days_left <= REMIND_DAYS_AHEAD:
        return [kinds.ACTION_DUE_7]
    if days_left < 0:
        return [kinds.ACTION_OVERDUE]
    return []


def action_email_key(*, kind: str, action_id: int, due_on: datetime.date) -> str:
    return f"{kind}:action-{action_id}:{due_on.isoformat()}"


def digest_week_key(today: datetime.date) -> str:
    """The ISO week `today` falls in, e.g. "2026-W49" (ISO years, so 29 Dec 2025 is 2026-W01)."""
    year, week, _ = today.isocalendar()
    return f"{year}-W{week:02d}"


def digest_email_key(*, user_id: int, week_key: str) -> str:
    return f"{kinds.ACTION_DIGEST}:user-{user_id}:{week_key}"


# --- What is due today ------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionNotice:
    """One reminder due: a kind of e-mail about an action, for its owner."""

    kind: str
    action: Action

    @property
    def key(self) -> str:
        assert self.action.due_on is not None
        return action_email_key(kind=self.kind, action_id=self.action.pk, due_on=self.action.due_on)


@dataclass(frozen=True)
class DigestNotice:
    """One weekly digest due, for one lead."""

    user: User
    week_key: str

    @property
    def key(self) -> str:
        return digest_email_key(user_id=self.user.pk, week_key=self.week_key)


def action_notices_due(*, today: datetime.date) -> list[ActionNotice]:
    """Every action reminder due today and not sent yet (opted-out owners left out)."""
    due_until = today + datetime.timedelta(days=REMIND_DAYS_AHEAD)
    due = [
        ActionNotice(kind=kind, action=action)
        for action in selectors.actions_to_remind(due_until=due_until)
        for kind in action_email_kinds_on(due_on=action.due_on, today=today)
    ]
    settled = selectors.email_keys_settled(keys=[notice.key for notice in due])
    return [notice for notice in due if notice.key not in settled]


def action_notices_dispatch(*, notices: list[ActionNotice]) -> None:
    """Queue one task per reminder after the current transaction commits."""
    for notice in notices:
        dispatch_on_commit(
            "notifications.tasks.action_reminder_send", notice.action.pk, notice.kind
        )


def digest_notices_due(*, today: datetime.date) -> list[DigestNotice]:
    """This week's digest for every lead who asked for it and has open actions, unless sent."""
    week_key = digest_week_key(today)
    due = [DigestNotice(user=user, week_key=week_key) for user in selectors.digest_recipients()]
    settled = selectors.email_keys_settled(keys=[notice.key for notice in due])
    return [notice for notice in due if notice.key not in settled]


def digest_notices_dispatch(*, notices: list[DigestNotice]) -> None:
    for notice in notices:
        dispatch_on_commit(
            "notifications.tasks.action_digest_send", notice.user.pk, notice.week_key
        )


# --- Sending one ------------------------------------------------------------------------------


def action_reminder_send(
    *, action_id: int, kind: str, today: datetime.date | None = None
) -> SentEmail | None:
    """Remind an action's owner of it, once per action, kind and due date; None when there is
    nothing (left) to send.

    The action is read now, not when the reminder was queued: closed or deleted since, moved
    to a date for which this kind is no longer due, or now owned by someone who cannot or
    does not want to receive reminders, and nothing is sent.
    """
    if kind not in kinds.ACTION_REMINDER_KINDS:
        raise ValueError(f"Unknown action reminder kind {kind!r}.")
    today = today or timezone.localdate()
    action = selectors.actions_open().filter(pk=action_id).first()
    if action is None or action.due_on is None:
        return None
    if kind not in action_email_kinds_on(due_on=action.due_on, today=today):
        return None
    owner = action.owner
    if owner is None or not owner.is_active or not owner.email:
        return None
    if not selectors.action_reminders_enabled(user=owner):
        return None
    context = {
        "user": owner,
        "action": action_item(action, today=today),
        "can_reschedule": can_manage_team(owner, action.team_id),
        "plan_url": absolute_url(reverse("portal:team_plan", kwargs={"slug": action.team.slug})),
        "settings_url": absolute_url(reverse("notifications:notification_settings")),
    }
    email = email_compose(
        key=action_email_key(kind=kind, action_id=action.pk, due_on=action.due_on),
        kind=kind,
        user=owner,
        period=None,
        context=context,
    )
    return email_send_once(email=email)


def action_digest_send(
    *, user_id: int, week_key: str, today: datetime.date | None = None
) -> SentEmail | None:
    """Send a lead this week's digest of their teams' open actions, once; None when they no
    longer want it, the week is over, or nothing is open."""
    today = today or timezone.localdate()
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.is_active or not user.email:
        return None
    if week_key != digest_week_key(today) or not selectors.action_digest_enabled(user=user):
        return None
    actions = selectors.actions_open_for_lead(user=user)
    if not actions:
        return None
    context = {
        "user": user,
        "week_start": today - datetime.timedelta(days=today.weekday()),
        **digest_sections(actions, today=today),
        "settings_url": absolute_url(reverse("notifications:notification_settings")),
    }
    email = email_compose(
        key=digest_email_key(user_id=user.pk, week_key=week_key),
        kind=kinds.ACTION_DIGEST,
        user=user,
        period=None,
        context=context,
    )
    return email_send_once(email=email)


# --- E-mail content ---------------------------------------------------------------------------


def digest_sections(actions: list[Action], *, today: datetime.date) -> dict[str, object]:
    """Overdue actions (most overdue first), those due in the next 14 days (soonest first),
    and how many more are open; with the plan page of each team that has open actions."""
    soon_until = today + datetime.timedelta(days=DIGEST_SOON_DAYS)
    overdue = [a for a in actions if a.due_on is not None and a.due_on < today]
    soon = [a for a in actions if a.due_on is not None and today <= a.due_on <= soon_until]
    by_date = lambda action: (action.due_on, action.team.name, action.pk)  # noqa: E731
    teams = {action.team_id: action.team for action in actions}
    return {
        "overdue": [action_item(a, today=today) for a in sorted(overdue, key=by_date)],
        "soon": [action_item(a, today=today) for a in sorted(soon, key=by_date)],
        "later_count": len(actions) - len(overdue) - len(soon),
        "show_team": len(teams) > 1,
        "open_count": len(actions),
        "soon_days": DIGEST_SOON_DAYS,
        "teams": [
            {
                "name": team.name,
                "url": absolute_url(reverse("portal:team_plan", kwargs={"slug": team.slug})),
            }
            for team in sorted(teams.values(), key=lambda team: team.name)
        ],
    }


def action_item(action: Action, *, today: datetime.date) -> dict[str, object]:
    """What an e-mail says about one action."""
    owner = action.owner
    days_left = (action.due_on - today).days if action.due_on else None
    return {
        "title": action.title,
        "team": action.team.name,
        "project": action.project.name if action.project else "",
        "status": action.get_status_display(),
        "owner": (owner.get_full_name() or owner.username) if owner else "",
        "due_on": action.due_on,
        "days_left": days_left,
        "days_overdue": -days_left if days_left is not None and days_left < 0 else 0,
        "next_step": action.next_step,
        "ticket_url": action.ticket_url,
        "url": absolute_url(action.get_absolute_url()),
    }
