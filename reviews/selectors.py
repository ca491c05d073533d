"""Reads for reviewers: the queue, one submission as its reviewer sees it, and the count the
navigation shows.

Who reviews what is `core.access`'s rule: the queue filters with `reviewable_teams_q` and
the review page asks `reviews_team`, its twin, so the two never disagree. Nobody reviews
their own team's assessment.
"""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from assessments.models import Answer, Assessment, Exemption, Practice
from assessments.rules.review import SIGNAL_NAMES
from assessments.selectors import (
    DimensionResult,
    PracticeRow,
    assessment_results,
    assessment_sections,
    compared_with,
    previous_assessment,
)
from core.access import (
    is_org_reviewer,
    is_reviewer,
    reviewable_teams_q,
    reviewed_unit_paths,
    reviews_team,
    team_role,
)
from reviews.models import Review, ReviewComment
from teams.models import Unit

PENDING = Assessment.Review.PENDING
REQUESTED = Exemption.Status.REQUESTED
NOT_A_REVIEWER = (
    "Only reviewers have a review queue. An org admin makes someone a reviewer of the whole "
    "organisation or of some units, under Administration → People."
)
RECENT_DECISIONS = 10


def reviewer_required(user: User | AnonymousUser) -> None:
    if not is_reviewer(user):
        raise PermissionDenied(NOT_A_REVIEWER)


def _pending_for(user: User) -> QuerySet[Assessment]:
    return Assessment.objects.filter(
        reviewable_teams_q(user, team="project__team__"), review_status=PENDING
    )


def review_queue_count(*, user: User | AnonymousUser) -> int | None:
    """How many submissions wait for this reviewer (one query); None for anyone who reviews
    nothing, so the navigation shows them no Reviews item."""
    if not is_reviewer(user):
        return None
    assert isinstance(user, User)
    return _pending_for(user).count()


# --- The queue --------------------------------------------------------------------------------


def _signal(signal: Mapping[str, str]) -> dict[str, str]:
    return {**signal, "name": SIGNAL_NAMES.get(signal.get("kind", ""), "Signal")}


@dataclass
class QueueRow:
    assessment: Assessment
    unit_names: list[str]
    previous_level: int | None
    previous_period: str | None
    exemptions_waiting: int
    days_waiting: int
    signals: list[dict[str, str]]

    @property
    def level_change(self) -> int | None:
        """Whole levels the overall level rose (negative: fell) since the last submission."""
        level = self.assessment.overall_level
        if level is None or self.previous_level is None:
            return None
        return level - self.previous_level


def _earlier() -> QuerySet[Assessment]:
    """The project's submissions before the outer assessment's period, newest first."""
    return Assessment.objects.filter(
        project_id=OuterRef("project_id"),
        status=Assessment.Status.SUBMITTED,
        period__opens_on__lt=OuterRef("period__opens_on"),
    ).order_by("-period__opens_on")


def _unit_names(paths: Iterable[str]) -> dict[int, str]:
    ids = {int(part) for path in paths for part in path.strip("/").split("/") if part}
    return dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


def _names_along(path: str, names: Mapping[int, str]) -> list[str]:
    return [names[int(part)] for part in path.strip("/").split("/") if part and int(part) in names]


def review_queue(*, user: User) -> list[QueueRow]:
    """The submissions waiting for this reviewer, the oldest first, each with what the list
    shows: its unit, the change since the last submission, its signals and the exemptions
    waiting. Two queries, whatever the length of the queue."""
    reviewer_required(user)
    waiting = Exemption.objects.filter(assessment=OuterRef("pk"), status=REQUESTED)
    assessments = list(
        _pending_for(user)
        .select_related("project__team__unit", "period", "submitted_by")
        .annotate(
            previous_level=Subquery(_earlier().values("overall_level")[:1]),
            previous_period=Subquery(_earlier().values("period__key")[:1]),
            exemptions_waiting=Coalesce(
                Subquery(
                    waiting.values("assessment").annotate(n=Count("pk")).values("n")[:1],
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
        )
        .order_by("submitted_at", "pk")
    )
    units = [a.project.team.unit for a in assessments if a.project.team.unit]
    names = _unit_names(unit.path for unit in units)
    now = timezone.now()
    return [
        QueueRow(
            assessment=a,
            unit_names=_names_along(a.project.team.unit.path, names) if a.project.team.unit else [],
            previous_level=a.previous_level,
            previous_period=a.previous_period,
            exemptions_waiting=a.exemptions_waiting,
            days_waiting=days_waiting(a, now=now),
            signals=[_signal(s) for s in a.signals],
        )
        for a in assessments
    ]


def days_waiting(assessment: Assessment, *, now: datetime.datetime | None = None) -> int:
    """Whole days since the submission (0 on the day it was submitted)."""
    if assessment.submitted_at is None:
        return 0
    return ((now or timezone.now()) - assessment.submitted_at).days


def review_scope(*, user: User) -> list[str]:
    """What the reviewer reviews, as people name it: "the whole organisation", or each unit
    with its path ("Retail / Payments"). One query for a unit reviewer."""
    if is_org_reviewer(user):
        return ["the whole organisation"]
    paths = reviewed_unit_paths(user)
    names = _unit_names(paths)
    return sorted(" / ".join(_names_along(path, names)) for path in paths)


def recent_decisions(*, user: User) -> QuerySet[Review]:
    """The reviewer's last decisions, newest first (one query)."""
    return (
        Review.objects.filter(reviewer=user)
        .select_related("assessment__project__team", "assessment__period")
        .annotate(comment_count=Count("comments"))
        .order_by("-decided_at", "-pk")[:RECENT_DECISIONS]
    )


# --- One submission ---------------------------------------------------------------------------


def review_get_for_user(*, user: User, pk: int) -> Assessment:
    """A submitted assessment the user may review: 403 for anyone who is no reviewer or is
    in the team (they know it exists, and are told why), 404 outside the reviewer's units."""
    reviewer_required(user)
    assessment = (
        Assessment.objects.select_related(
            "project__team__unit", "period__framework", "submitted_by"
        )
        .exclude(review_status=Assessment.Review.NONE)
        .filter(pk=pk)
        .first()
    )
    if assessment is None:
        raise Http404("No such submission.")
    team = assessment.project.team
    if team_role(user, team.pk) is not None:
        raise PermissionDenied(
            f"You cannot review this assessment: you are in {team.name}, and nobody reviews "
            "their own team's results. Another reviewer decides it."
        )
    if not reviews_team(user, team_id=team.pk, unit_path=team.unit.path if team.unit else None):
        raise Http404("No such submission in the units you review.")
    return assessment


@dataclass
class ReviewRow:
    """One practice as the reviewer reads it: the answer, last quarter's, the exemption it
    requests or holds, and the comments earlier reviews of this assessment made on it."""

    row: PracticeRow
    exemption: Exemption | None = None  # requested in this submission, awaiting a decision
    covering: Exemption | None = None  # approved earlier and still holding
    exemption_history: list[Exemption] = field(default_factory=list)
    earlier_comments: list[ReviewComment] = field(default_factory=list)

    @property
    def practice(self) -> Practice:
        return self.row.practice

    @property
    def answer(self) -> Answer:
        return self.row.answer


@dataclass
class ReviewSection:
    name: str
    key: str
    rows: list[ReviewRow]

    @property
    def changed(self) -> int:
        return sum(1 for row in self.rows if row.row.differs_from_previous)


@dataclass(frozen=True)
class Claim:
    """One dimension's level as claimed, beside the previous submission's."""

    result: DimensionResult

    @property
    def change(self) -> int | None:
        level, before = self.result.level, self.result.previous_level
        return None if level is None or before is None else level - before


@dataclass
class ReviewPage:
    claims: list[Claim]
    previous: Assessment | None
    signals: list[dict[str, str]]
    sections: list[ReviewSection]
    exemption_rows: list[ReviewRow]
    practice_keys: list[str]

    @property
    def exemption_keys(self) -> list[str]:
        return [row.practice.key for row in self.exemption_rows]


def review_page(*, assessment: Assessment) -> ReviewPage:
    """Everything the review page shows of a submission awaiting review, in a fixed number of
    queries: levels and last quarter's, the answers (assessments.selectors), the project's
    exemptions for these practices and earlier reviewers' comments."""
    previous = previous_assessment(assessment=assessment)
    compared = compared_with(assessment=assessment, previous=previous)
    sections = assessment_sections(assessment=assessment)
    rows = [ReviewRow(row=row) for section in sections for row in section.rows]
    by_key = {row.practice.key: row for row in rows}
    _attach_exemptions(assessment, by_key)
    for comment in ReviewComment.objects.filter(assessment=assessment).select_related(
        "review__reviewer"
    ):
        if comment.practice_key in by_key:
            by_key[comment.practice_key].earlier_comments.append(comment)
    grouped: list[ReviewSection] = []
    for section in sections:
        keys = [row.practice.key for row in section.rows]
        grouped.append(
            ReviewSection(section.dimension.name, section.dimension.key, [by_key[k] for k in keys])
        )
    return ReviewPage(
        claims=[
            Claim(result) for result in assessment_results(assessment=assessment, previous=compared)
        ],
        previous=compared,
        signals=[_signal(s) for s in assessment.signals],
        sections=grouped,
        exemption_rows=[row for row in rows if row.exemption is not None],
        practice_keys=[row.practice.key for row in rows],
    )


def _attach_exemptions(assessment: Assessment, by_key: Mapping[str, ReviewRow]) -> None:
    """The project's exemptions of the practices answered "not applicable": this submission's
    requests, an approval still holding, and the rest as history (one query)."""
    na_keys = [key for key, row in by_key.items() if row.answer.value == Answer.Value.NA]
    if not na_keys:
        return
    for exemption in Exemption.objects.filter(
        project_id=assessment.project_id, practice_key__in=na_keys
    ).select_related("requested_by", "decided_by", "assessment__period"):
        row = by_key[exemption.practice_key]
        if exemption.status == REQUESTED and exemption.assessment_id == assessment.pk:
            row.exemption = exemption
            continue
        if row.covering is None and exemption.covers(assessment.period):
            row.covering = exemption
        row.exemption_history.append(exemption)


# --- Decided submissions ----------------------------------------------------------------------


@dataclass
class PastReview:
    review: Review
    comments: list[tuple[str, ReviewComment]]  # (the practice's question, the comment)
    signals: list[dict[str, str]]


def past_reviews(*, assessment: Assessment) -> list[PastReview]:
    """Every decision on the submission, newest first, with its comments beside the questions
    they were about (three queries)."""
    reviews = list(
        Review.objects.filter(assessment=assessment)
        .select_related("reviewer")
        .prefetch_related("comments")
    )
    keys = {comment.practice_key for review in reviews for comment in review.comments.all()}
    questions = dict(
        Practice.objects.filter(
            framework_id=assessment.period.framework_id, key__in=keys
        ).values_list("key", "question")
    )
    return [
        PastReview(
            review=review,
            comments=[
                (questions.get(comment.practice_key, comment.practice_key), comment)
                for comment in review.comments.all()
            ],
            signals=[_signal(s) for s in review.signals],
        )
        for review in reviews
    ]
