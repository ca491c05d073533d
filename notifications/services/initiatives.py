"""Initiative reminders: a manager's click e-mails each lead of a team behind the initiative's
pace, at most once a day.

1. The click (`initiative_reminders_queue`): the teams behind today and their leads (active,
   with an e-mail address); one e-mail per lead, listing every team behind they lead. Each
   is claimed under "initiative_reminder:<initiative id>:<YYYY-MM-DD>:user-<pk>": a key
   settled already today is counted as reminded before and not queued again; the others
   are queued after the commit. The click is audited.
2. The task (`initiative_reminder_send`): reads the progress again and sends when the lead
   still leads a team behind (a team that caught up in between drops out of the list).
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse

from core.audit import audit_record
from core.dispatch import dispatch_on_commit
from improvement.models import Initiative
from improvement.selectors.initiative_progress import InitiativeProgress, TeamProgress
from improvement.selectors.initiatives import initiative_progress
from notifications import kinds, selectors
from notifications.models import SentEmail
from notifications.services.delivery import absolute_url, email_compose, email_send_once

TASK = "notifications.tasks.initiative_reminder_send"


@dataclass(frozen=True)
class ReminderOutcome:
    reminded_now: int  # leads whose e-mail was queued by this click
    reminded_before: int  # leads already reminded about this initiative today
    teams_behind: int
    leads_unreachable: int  # leads of teams behind without an active account or an address


def initiative_reminder_key(*, initiative_id: int, day: datetime.date, user_id: int) -> str:
    return f"{kinds.INITIATIVE_REMINDER}:{initiative_id}:{day.isoformat()}:user-{user_id}"


def leads_behind(progress: InitiativeProgress) -> dict[User, list[TeamProgress]]:
    """Each reachable lead of a team behind -> the teams behind they lead."""
    result: dict[User, list[TeamProgress]] = {}
    for team in progress.teams_behind:
        for lead in team.leads:
            if lead.is_active and lead.email:
                result.setdefault(lead, []).append(team)
    return dict(sorted(result.items(), key=lambda item: item[0].username))


def initiative_reminders_queue(
    *, initiative: Initiative, actor: User, today: datetime.date
) -> ReminderOutcome:
    """Queue today's reminders to the leads behind; see the module's docstring."""
    progress = initiative_progress(initiative=initiative, today=today)
    leads = leads_behind(progress)
    keys = {
        lead.pk: initiative_reminder_key(initiative_id=initiative.pk, day=today, user_id=lead.pk)
        for lead in leads
    }
    settled = selectors.email_keys_settled(keys=keys.values())
    due = [lead for lead in leads if keys[lead.pk] not in settled]
    unreachable = {
        lead.pk
        for team in progress.teams_behind
        for lead in team.leads
        if not (lead.is_active and lead.email)
    }
    outcome = ReminderOutcome(
        reminded_now=len(due),
        reminded_before=len(leads) - len(due),
        teams_behind=len(progress.teams_behind),
        leads_unreachable=len(unreachable),
    )
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="initiative.remind",
            target=initiative,
            after={
                "day": today.isoformat(),
                "teams_behind": outcome.teams_behind,
                "reminded_now": [lead.get_username() for lead in due],
                "reminded_before": outcome.reminded_before,
            },
        )
        for lead in due:
            dispatch_on_commit(TASK, initiative.pk, lead.pk, today.isoformat())
    return outcome


def initiative_reminder_send(*, initiative_id: int, user_id: int, day: str) -> SentEmail | None:
    """Send one lead today's reminder, once; None when there is nothing (left) to send."""
    initiative = Initiative.objects.filter(pk=initiative_id, archived_at__isnull=True).first()
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if initiative is None or user is None:
        return None
    today = datetime.date.fromisoformat(day)
    progress = initiative_progress(initiative=initiative, today=today)
    teams = leads_behind(progress).get(user)
    if not teams:
        return None
    email = email_compose(
        key=initiative_reminder_key(initiative_id=initiative.pk, day=today, user_id=user.pk),
        kind=kinds.INITIATIVE_REMINDER,
        user=user,
        period=None,
        context=_context(progress, user, teams),
    )
    return email_send_once(email=email)


def _context(progress: InitiativeProgress, user: User, teams: Sequence[TeamProgress]) -> dict:
    initiative = progress.initiative
    return {
        "user": user,
        "initiative": initiative,
        "initiative_url": absolute_url(initiative.get_absolute_url()),
        "practices": [count.practice for count in progress.practices],
        "on_pace": round(progress.on_pace),
        "today": progress.today,
        "teams": [
            {
                "name": team.team.name,
                "complete": team.complete,
                "projects": team.projects,
                "share": round(team.share or 0),
                "gap": round(team.gap),
                "plan_url": absolute_url(
                    reverse("portal:team_plan", kwargs={"slug": team.team.slug})
                ),
            }
            for team in teams
        ],
    }
