"""E-mails about reviews, each sent once (see `delivery.email_send_once`):

  returned          to the lead who submitted (or the team's leads, when that person no
                    longer leads it): the reviewer's summary and each comment beside its
                    question. Always sent: the team has to answer the comments.
  accepted          to the same lead: short, with the result's link. They may opt out.
  review digest     at most one a day, to each reviewer whose units hold a submission that
                    became ready for review since their last digest (or in the last 24 hours
                    when they never had one): their queue, the new ones first, with signals.
  exemption digest  once per ISO week, to each reviewer with exemption requests waiting in
                    their units: each with its justification and age.

Reviewers may opt out of either digest. Nobody reviews their own team's assessments, so the
digests list what `reviews.selectors.review_queue` lists: never the reviewer's own team's.
The decision e-mails are queued by the review services; the digests by the tick, and a task
sends each, reading the queue and the preferences again when it runs.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from assessments.models import Exemption, Practice
from assessments.rules.levels import answer_label
from core.access import is_reviewer
from core.dispatch import dispatch_on_commit
from notifications import kinds, selectors
from notifications.models import SentEmail
from notifications.services.delivery import absolute_url, email_compose, email_send_once
from notifications.services.plans import digest_week_key
from reviews.models import Review
from reviews.selectors import QueueRow, review_queue
from teams.models import Membership

DIGEST_WINDOW = datetime.timedelta(hours=24)
SETTINGS = "notifications:notification_settings"


def review_decision_key(*, kind: str, review_id: int, user_id: int) -> str:
    return f"{kind}:review-{review_id}:user-{user_id}"


def review_digest_key(*, day: datetime.date, user_id: int) -> str:
    return f"{kinds.REVIEW_DIGEST}:{day.isoformat()}:user-{user_id}"


def exemption_digest_key(*, week_key: str, user_id: int) -> str:
    return f"{kinds.EXEMPTION_DIGEST}:{week_key}:user-{user_id}"


def _settings_url() -> str:
    return absolute_url(reverse(SETTINGS))


def _name(user: User | None) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def _review_url(assessment_id: int) -> str:
    return absolute_url(reverse("reviews:review", kwargs={"pk": assessment_id}))


# --- The reviewer's decision, to the lead -----------------------------------------------------


def decision_recipients(review: Review) -> list[User]:
    """The lead who submitted, while they are active and still lead the team; otherwise the
    team's active leads with an e-mail address."""
    assessment = review.assessment
    team = assessment.project.team
    submitter = assessment.submitted_by
    if (
        submitter is not None
        and submitter.is_active
        and submitter.email
        and Membership.objects.filter(user=submitter, team=team, role=Membership.Role.LEAD).exists()
    ):
        return [submitter]
    return selectors.team_leads_with_email(team=team)


def review_decision_send(*, review_id: int) -> list[SentEmail]:
    """Tell the lead what the reviewer decided, once per review and recipient. A return is
    always sent; an acceptance only to those who did not switch it off."""
    review = (
        Review.objects.select_related(
            "assessment__project__team", "assessment__period__framework", "reviewer"
        )
        .filter(pk=review_id)
        .first()
    )
    if review is None:
        return []
    returned = review.decision == Review.Decision.RETURNED
    kind = kinds.REVIEW_RETURNED if returned else kinds.REVIEW_ACCEPTED
    recipients = decision_recipients(review)
    if not returned:
        recipients = [
            user
            for user in recipients
            if selectors.preference_enabled(user=user, name="review_accepted_enabled")
        ]
    context = _decision_context(review)
    sent = []
    for user in recipients:
        email = email_compose(
            key=review_decision_key(kind=kind, review_id=review.pk, user_id=user.pk),
            kind=kind,
            user=user,
            period=review.assessment.period,
            context={
                **context,
                "user": user,
                "submitted_it": user.pk == review.assessment.submitted_by_id,
            },
        )
        row = email_send_once(email=email)
        if row is not None:
            sent.append(row)
    return sent


def _decision_context(review: Review) -> dict[str, object]:
    assessment = review.assessment
    framework_id = assessment.period.framework_id
    comments = list(review.comments.all())
    practices = {
        practice.key: practice
        for practice in Practice.objects.filter(
            framework_id=framework_id, key__in=[comment.practice_key for comment in comments]
        ).select_related("dimension")
    }
    questionnaire = absolute_url(assessment.get_absolute_url())
    order = {key: (p.dimension.order, p.order) for key, p in practices.items()}
    comments.sort(key=lambda comment: (order.get(comment.practice_key, (999, 999)), comment.pk))
    approved = Exemption.objects.filter(
        assessment=assessment, status=Exemption.Status.APPROVED
    ).order_by("practice_key")
    questions = dict(
        Practice.objects.filter(
            framework_id=framework_id, key__in=[e.practice_key for e in approved]
        ).values_list("key", "question")
    )
    return {
        "review": review,
        "assessment": assessment,
        "project": assessment.project,
        "team": assessment.project.team,
        "period": assessment.period,
        "reviewer_name": _name(review.reviewer) or "A reviewer",
        "summary": review.summary.strip(),
        "comments": [
            {
                "question": practices[c.practice_key].question
                if c.practice_key in practices
                else c.practice_key,
                "dimension": practices[c.practice_key].dimension.name
                if c.practice_key in practices
                else "",
                "answer": answer_label(c.answer_value) if c.answer_value else "",
                "text": c.text,
                "url": f"{questionnaire}#practice-{c.practice_key}",
            }
            for c in comments
        ],
        "approved": [
            {"question": questions.get(e.practice_key, e.practice_key), "until": e.expires_on}
            for e in approved
        ],
        "assessment_url": questionnaire,
        "settings_url": _settings_url(),
    }


# --- The reviewers' daily digest --------------------------------------------------------------


@dataclass(frozen=True)
class ReviewDigestNotice:
    user: User
    day: datetime.date

    @property
    def key(self) -> str:
        return review_digest_key(day=self.day, user_id=self.user.pk)


def digest_since(*, user: User, now: datetime.datetime) -> tuple[datetime.datetime, bool]:
    """Submissions that became ready for review after this are new to the reviewer: those
    since their last digest, or in the last 24 hours when they never had one; and whether
    they had one."""
    last = selectors.last_sent_at(user=user, kind=kinds.REVIEW_DIGEST)
    return (last, True) if last is not None else (now - DIGEST_WINDOW, False)


def _new_since(rows: list[QueueRow], since: datetime.datetime) -> list[QueueRow]:
    return [
        row
        for row in rows
        if row.assessment.submitted_at is not None and row.assessment.submitted_at > since
    ]


def review_digest_notices_due(*, now: datetime.datetime | None = None) -> list[ReviewDigestNotice]:
    """Today's digest for every reviewer who wants it and has a submission new to them."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    reviewers = selectors.reviewers_with_email(without="review_digest_enabled")
    due = [ReviewDigestNotice(user=user, day=day) for user in reviewers]
    settled = selectors.email_keys_settled(keys=[notice.key for notice in due])
    return [
        notice
        for notice in due
        if notice.key not in settled
        and _new_since(review_queue(user=notice.user), digest_since(user=notice.user, now=now)[0])
    ]


def review_digest_notices_dispatch(*, notices: list[ReviewDigestNotice]) -> None:
    for notice in notices:
        dispatch_on_commit(
            "notifications.tasks.review_digest_send", notice.user.pk, notice.day.isoformat()
        )


def review_digest_send(
    *, user_id: int, day: str, now: datetime.datetime | None = None
) -> SentEmail | None:
    """Send a reviewer today's digest of their queue, once; None when the day is over, they no
    longer review or want it, or nothing became ready for review since their last one."""
    now = now or timezone.now()
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None or day != timezone.localdate(now).isoformat() or not is_reviewer(user):
        return None
    if not selectors.preference_enabled(user=user, name="review_digest_enabled"):
        return None
    rows = review_queue(user=user)
    since, had_digest = digest_since(user=user, now=now)
    new = _new_since(rows, since)
    if not new:
        return None
    new_ids = {row.assessment.pk for row in new}
    context = {
        "user": user,
        "new": [_queue_item(row) for row in reversed(new)],  # the newest first
        "waiting": [_queue_item(row) for row in rows if row.assessment.pk not in new_ids],
        "total": len(rows),
        "had_digest": had_digest,
        "queue_url": absolute_url(reverse("reviews:queue")),
        "settings_url": _settings_url(),
    }
    email = email_compose(
        key=review_digest_key(day=timezone.localdate(now), user_id=user.pk),
        kind=kinds.REVIEW_DIGEST,
        user=user,
        period=None,
        context=context,
    )
    return email_send_once(email=email)


def _queue_item(row: QueueRow) -> dict[str, object]:
    assessment = row.assessment
    return {
        "project": assessment.project.name,
        "team": assessment.project.team.name,
        "units": " / ".join(row.unit_names),
        "period": assessment.period.key,
        "submitted_by": _name(assessment.submitted_by),
        "submitted_at": assessment.submitted_at,
        "days_waiting": row.days_waiting,
        "level": assessment.overall_level,
        "previous_level": row.previous_level,
        "exemptions": row.exemptions_waiting,
        "signals": row.signals,
        "url": _review_url(assessment.pk),
    }


# --- The reviewers' weekly list of exemption requests -----------------------------------------


@dataclass(frozen=True)
class ExemptionDigestNotice:
    user: User
    week_key: str

    @property
    def key(self) -> str:
        return exemption_digest_key(week_key=self.week_key, user_id=self.user.pk)


def exemption_digest_notices_due(*, today: datetime.date) -> list[ExemptionDigestNotice]:
    """This week's list for every reviewer who wants it and has requests waiting, unless sent."""
    week_key = digest_week_key(today)
    reviewers = selectors.reviewers_with_email(without="exemption_digest_enabled")
    due = [ExemptionDigestNotice(user=user, week_key=week_key) for user in reviewers]
    settled = selectors.email_keys_settled(keys=[notice.key for notice in due])
    return [
        notice
        for notice in due
        if notice.key not in settled and selectors.exemptions_waiting_for(user=notice.user)
    ]


def exemption_digest_notices_dispatch(*, notices: list[ExemptionDigestNotice]) -> None:
    for notice in notices:
        dispatch_on_commit(
            "notifications.tasks.exemption_digest_send", notice.user.pk, notice.week_key
        )


def exemption_digest_send(
    *, user_id: int, week_key: str, today: datetime.date | None = None
) -> SentEmail | None:
    """Send a reviewer this week's list of exemption requests waiting in their units, once;
    None when the week is over, they no longer want it, or none waits."""
    today = today or timezone.localdate()
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None or week_key != digest_week_key(today) or not is_reviewer(user):
        return None
    if not selectors.preference_enabled(user=user, name="exemption_digest_enabled"):
        return None
    exemptions = selectors.exemptions_waiting_for(user=user)
    if not exemptions:
        return None
    items = _exemption_items(exemptions, today=today)
    context = {
        "user": user,
        "exemptions": items,
        "oldest_days": max(item["age_days"] for item in items),
        "queue_url": absolute_url(reverse("reviews:queue")),
        "settings_url": _settings_url(),
    }
    email = email_compose(
        key=exemption_digest_key(week_key=week_key, user_id=user.pk),
        kind=kinds.EXEMPTION_DIGEST,
        user=user,
        period=None,
        context=context,
    )
    return email_send_once(email=email)


def _exemption_items(exemptions: list[Exemption], *, today: datetime.date) -> list[dict]:
    """What the list says about each request, the oldest first."""
    pairs = {(e.assessment.period.framework_id, e.practice_key) for e in exemptions}
    questions = {
        (framework_id, key): question
        for framework_id, key, question in Practice.objects.filter(
            framework_id__in={framework_id for framework_id, _ in pairs},
            key__in={key for _, key in pairs},
        ).values_list("framework_id", "key", "question")
    }
    items = []
    for exemption in exemptions:
        framework_id = exemption.assessment.period.framework_id
        items.append(
            {
                "project": exemption.project.name,
                "team": exemption.project.team.name,
                "period": exemption.assessment.period.key,
                "question": questions.get((framework_id, exemption.practice_key))
                or exemption.practice_key,
                "justification": exemption.justification,
                "requested_by": _name(exemption.requested_by),
                "age_days": (today - timezone.localdate(exemption.requested_at)).days,
                "url": _review_url(exemption.assessment_id),
            }
        )
    return items
