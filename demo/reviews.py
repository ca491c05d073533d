"""The demo's reviews: a reviewer whose queue shows every inflation signal, the policy, earlier
decisions and exemptions of different ages. Run after the assessment history, before the
plans (which are made from the results, and so from the queue's).

- `reviewer` (Riya Reviewer, password "demo") reviews the whole organisation and is in no
  team; Priya Patel reviews the Digital Commerce division.
- The policy: submissions whose level rose a whole level since last quarter wait for review.
- Approved exemptions for the practices projects answer "not applicable" this quarter,
  requested over the last four quarters (`demo/review_exemptions.py`): one is asked again
  next quarter.
- Last quarter: two results reviewed, one of them returned with comments first.
- This quarter, due tomorrow: a queue of up to five submissions (`demo/review_queue.py`).
  The demo lead's team is left alone: its drafts are the lead's to fill in.

What it adds is the demo reviewer's: their reviews and their decisions on exemptions.
Running it again adds nothing once anything awaits review or the reviewer decided anything.
"""

import datetime
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from assessments.models import Answer, Assessment, DimensionScore, Exemption, Period, ReviewPolicy
from assessments.rules import review as review_rules
from assessments.services.exemptions import exemption_decide
from assessments.services.review_policy import review_policy_set
from assessments.services.reviewing import assessment_return
from core.access import REVIEWERS_GROUP
from core.cache import dashboards_changed
from demo import review_queue as queue
from demo.organisation import _user
from demo.review_exemptions import approved_exemptions
from reviews.models import Review, ReviewComment
from teams.models import Membership, Team, Unit, UnitReviewer

REVIEWER = "reviewer"
UNIT_REVIEWER = ("priya.patel", "Priya", "Patel", "Digital Commerce")
COMMENTS = [
    "Which job does this? Add the link to it, so the next reviewer can check it too.",
    "This was not in place last quarter. What changed? A note or a link to the change would "
    "settle it.",
    "Fully in place for every model of the project, or only the main one?",
]
ACCEPTED = [
    "Checked the evidence links of the level-2 practices with the team: all in place.",
    "Thanks for the links and the notes: that answers my questions.",
]
RETURN_SUMMARY = (
    "A big step up since last quarter, well done. Before I accept it, two answers need "
    "something to check against: see my comments beside them."
)
DECLINE_NOTE = (
    "Every production model needs this, batch ones too: answer whether it is in place, partly "
    "or not."
)


@dataclass(frozen=True)
class ReviewsResult:
    awaiting_review: int
    reviews_created: int
    exemptions_approved: int


def seed_reviews(
    *, teams: Sequence[Team], seed: int = 42, now: datetime.datetime | None = None
) -> ReviewsResult:
    now = now or timezone.now()
    reviewer = _reviewers()
    if not ReviewPolicy.objects.filter(pk=1).exists():
        admin = User.objects.filter(username="admin").first()
        review_policy_set(
            rule=review_rules.RISES, count_awaiting_review=True, exemption_quarters=4, actor=admin
        )
    seeded = (
        Review.objects.filter(reviewer=reviewer).exists()
        or Assessment.objects.filter(review_status=Assessment.Review.PENDING).exists()
    )
    current = Period.objects.filter(opened_at__isnull=False, closed_at__isnull=True).first()
    if seeded or current is None:
        return ReviewsResult(_awaiting(), 0, 0)
    rng = random.Random(f"{seed}-reviews")
    with transaction.atomic():
        approved = approved_exemptions(current, teams, reviewer, rng, now)
        before = Review.objects.count()
        _past_reviews(current, teams, reviewer)
        waiting = _queue(current, teams, reviewer, now)
        created = Review.objects.count() - before
    dashboards_changed()
    return ReviewsResult(
        awaiting_review=waiting, reviews_created=created, exemptions_approved=approved
    )


def _reviewers() -> User:
    reviewer = _user(REVIEWER, first="Riya", last="Reviewer")
    reviewer.groups.add(Group.objects.get_or_create(name=REVIEWERS_GROUP)[0])
    username, first, last, division = UNIT_REVIEWER
    unit = Unit.objects.filter(slug=slugify(division)).first()
    if unit is not None:
        UnitReviewer.objects.get_or_create(user=_user(username, first=first, last=last), unit=unit)
    return reviewer


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


# --- Last quarter's reviews -------------------------------------------------------------------


def _past_reviews(current: Period, teams: Sequence[Team], reviewer: User) -> None:
    """Two of last quarter's results reviewed: one accepted at once, one returned with
    comments, answered with links and notes, and accepted."""
    previous = Period.objects.filter(opens_on__lt=current.opens_on).order_by("-opens_on").first()
    if previous is None:
        return
    picked = []
    for team in teams[1:3]:
        first = (
            Assessment.objects.filter(
                period=previous, project__team=team, status=Assessment.Status.SUBMITTED
            )
            .order_by("project__name", "pk")
            .first()
        )
        if first is not None and first.submitted_at is not None:
            picked.append(first)
    for index, assessment in enumerate(picked):
        submitted = assessment.submitted_at
        assert submitted is not None
        if index == 1:
            returned = _review(assessment, reviewer, Review.Decision.RETURNED, submitted, 1)
            returned.summary = RETURN_SUMMARY
            returned.save(update_fields=["summary"])
            keys = list(
                Answer.objects.filter(assessment=assessment, value=Answer.Value.YES)
                .order_by("-practice__level", "practice__order", "practice__key")
                .values_list("practice__key", flat=True)[:2]
            )
            ReviewComment.objects.bulk_create(
                ReviewComment(
                    review=returned,
                    assessment=assessment,
                    practice_key=key,
                    text=COMMENTS[number],
                    answer_value=Answer.Value.YES,
                )
                for number, key in enumerate(keys)
            )
            Answer.objects.filter(assessment=assessment, practice__key__in=keys).update(
                evidence_url="https://wiki.example.com/ml-platform/runbooks",
                note=queue.EVIDENCE_NOTE,
            )
            submitted += datetime.timedelta(days=2)
            Assessment.objects.filter(pk=assessment.pk).update(submitted_at=submitted)
        accepted = _review(assessment, reviewer, Review.Decision.ACCEPTED, submitted, 2)
        accepted.summary = ACCEPTED[index % len(ACCEPTED)]
        accepted.save(update_fields=["summary"])
        Assessment.objects.filter(pk=assessment.pk).update(review_status=Assessment.Review.REVIEWED)


def _review(
    assessment: Assessment, reviewer: User, decision: str, after: datetime.datetime, days: int
) -> Review:
    return Review.objects.create(
        assessment=assessment,
        reviewer=reviewer,
        decision=decision,
        decided_at=after + datetime.timedelta(days=days),
        overall_level=assessment.overall_level,
        signals=assessment.signals,
    )


# --- This quarter's queue ---------------------------------------------------------------------


def _candidates(current: Period, teams: Sequence[Team]) -> list[queue.Draft]:
    """This quarter's assessments of every team but the demo lead's that have a lead: those
    the history submitted (so the quarter's completion stays as it seeded it), then drafts,
    taken in turn from each team; first the one whose levels were lowest last quarter (the
    best to rise two levels)."""
    positions = {team.pk: index for index, team in enumerate(teams) if index > 0}
    leads = dict(
        Membership.objects.filter(team_id__in=positions, role=Membership.Role.LEAD)
        .order_by("-pk")
        .values_list("team_id", "user")
    )
    users = User.objects.in_bulk(list(leads.values()))
    turns: dict[int, int] = {}
    ordered = []
    for assessment in (
        Assessment.objects.filter(
            period=current, project__team_id__in=list(leads), project__archived_at__isnull=True
        )
        .select_related("project", "period__framework")
        .order_by("project__name", "pk")
    ):
        team_id = assessment.project.team_id
        turns[team_id] = turns.get(team_id, -1) + 1
        drafted = not assessment.is_submitted
        ordered.append(((drafted, turns[team_id], positions[team_id]), assessment))
    ordered.sort(key=lambda item: item[0])
    picked = [assessment for _, assessment in ordered[: 2 * len(queue.SCENARIOS)]]
    earlier = Period.objects.filter(opens_on__lt=current.opens_on).order_by("-opens_on").first()
    previous: dict[int, dict[str, int | None]] = {}
    for project_id, key, level in DimensionScore.objects.filter(
        period=earlier, project_id__in=[a.project_id for a in picked]
    ).values_list("project_id", "dimension_key", "level"):
        previous.setdefault(project_id, {})[key] = level
    drafts = [
        queue.draft_for(a, users[leads[a.project.team_id]], previous.get(a.project_id, {}))
        for a in picked
    ]
    if drafts:
        lowest = min(drafts, key=_lowest)
        drafts.remove(lowest)
        drafts.insert(0, lowest)
    return drafts


def _lowest(draft: queue.Draft) -> tuple[int, int, int]:
    levels = draft.previous.values()
    return (0 if levels else 1, sum(level or 0 for level in levels), draft.assessment.pk)


def _due_tomorrow(current: Period, now: datetime.datetime) -> None:
    """The queue fills up just before the due date: the demo's quarter is due tomorrow."""
    tomorrow = timezone.localdate(now) + datetime.timedelta(days=1)
    if current.due_on > tomorrow:
        Period.objects.filter(pk=current.pk).update(due_on=tomorrow)
        current.refresh_from_db()


def _queue(current: Period, teams: Sequence[Team], reviewer: User, now: datetime.datetime) -> int:
    """Up to five of this quarter's submissions awaiting review, one per scenario; how many
    submissions await review now."""
    _due_tomorrow(current, now)  # first: the drafts read their period's due date
    drafts = _candidates(current, teams)
    if not drafts:
        return _awaiting()
    today = timezone.localdate(now)
    opened = _at(current.opens_on, 9)

    def day(offset: int, hour: int, minute: int) -> datetime.datetime:
        return max(_at(today - datetime.timedelta(days=offset), hour, minute), opened)

    for scenario, draft in zip(queue.SCENARIOS, drafts, strict=False):
        if draft.assessment.is_submitted:
            queue.reopen(draft.assessment)
        if scenario == "returned":
            _returned(draft, reviewer, day)
            continue
        reasons: dict[str, str] = {}
        if scenario == "big_rise":
            plan, at = queue.plan_big_rise(draft), day(4, 11, 20)
        elif scenario == "unevidenced":
            plan, at = queue.plan_unevidenced(draft), day(2, 15, 5)
        elif scenario == "many_na":
            (plan, reasons), at = queue.plan_many_na(draft), day(1, 17, 40)
        else:
            moments = queue.day_before_due(now, 9)
            plan, at = queue.plan_last_day(draft, moments[:-1]), moments[-1]
        if scenario != "many_na":
            queue.ensure_rise(draft, plan)
        queue.write(draft, plan, at=at - datetime.timedelta(minutes=35), reasons=reasons)
        queue.submit(draft, at=at)
    return _awaiting()


def _awaiting() -> int:
    return Assessment.objects.filter(review_status=Assessment.Review.PENDING).count()


def _returned(
    draft: queue.Draft, reviewer: User, day: Callable[[int, int, int], datetime.datetime]
) -> None:
    """Submitted six days ago with a rise, a claim without evidence and an exemption request;
    returned the next day with a comment on each (the exemption declined); answered, and
    submitted again yesterday."""
    plan = queue.Plan(values=draft.values())
    queue.ensure_rise(draft, plan)
    claims = sorted(
        (key for key, value in plan.values.items() if value == "yes"),
        key=lambda key: (-draft.practices[key].level, draft.practices[key].order, key),
    )
    gaps = [key for key, value in plan.values.items() if value in ("no", "partly")]
    if not claims or not gaps:
        return
    questioned, exempted = claims[0], gaps[-1]
    plan.evidence.discard(questioned)
    plan.values[exempted] = "na"
    reasons = {exempted: queue.NA_REASONS[0]}
    submitted, decided = day(6, 9, 50), day(5, 14, 30)
    queue.write(draft, plan, at=submitted - datetime.timedelta(minutes=40), reasons=reasons)
    assessment = queue.submit(draft, at=submitted)
    level = assessment.overall_level
    for exemption in Exemption.objects.filter(
        assessment=assessment, status=Exemption.Status.REQUESTED
    ):
        approve = exemption.practice_key != exempted
        exemption_decide(
            exemption=exemption,
            approve=approve,
            note="" if approve else DECLINE_NOTE,
            reviewer=reviewer,
        )
    Exemption.objects.filter(assessment=assessment, decided_by=reviewer).update(decided_at=decided)
    if not assessment_return(assessment=assessment):
        return
    review = Review.objects.create(
        assessment=assessment,
        reviewer=reviewer,
        decision=Review.Decision.RETURNED,
        summary=RETURN_SUMMARY,
        decided_at=decided,
        overall_level=level,
        signals=assessment.signals,
    )
    ReviewComment.objects.bulk_create(
        [
            ReviewComment(
                review=review,
                assessment=assessment,
                practice_key=questioned,
                text=COMMENTS[0],
                answer_value=Answer.Value.YES,
            ),
            ReviewComment(
                review=review,
                assessment=assessment,
                practice_key=exempted,
                text=DECLINE_NOTE,
                answer_value=Answer.Value.NA,
            ),
        ]
    )
    fixed = day(1, 9, 40)
    queue.answer_declined(draft, exempted, at=fixed)
    queue.add_evidence(draft, [questioned], at=fixed)
    queue.submit(draft, at=day(1, 10, 15))
