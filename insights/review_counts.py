"""What the figures are built on: how many results were reviewed, self-assessed or await
review, and the dashboards' Reviews card. Plain data, as `insights.shapes`."""

import datetime
from dataclasses import dataclass, field

from assessments.models import Assessment

REVIEW_LABELS = dict(Assessment.Review.choices)


def review_label(status: str, *, submitted: bool = True) -> str:
    """A submitted result's review status in words: a result from before reviews existed,
    or stored without a status, is self-assessed."""
    if not submitted:
        return REVIEW_LABELS[status] if status == Assessment.Review.RETURNED else ""
    if status in (Assessment.Review.REVIEWED, Assessment.Review.PENDING):
        return REVIEW_LABELS[status]
    return REVIEW_LABELS[Assessment.Review.SELF_ASSESSED]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


@dataclass(frozen=True)
class ReviewCounts:
    """The submitted results of a quarter by review status, the drafts returned for
    changes, and whether the figures count the results awaiting review."""

    reviewed: int = 0
    self_assessed: int = 0
    awaiting_review: int = 0
    returned: int = 0
    awaiting_counted: bool = True

    @property
    def not_counted(self) -> int:
        """Results left out of the figures: those awaiting review, when not counted."""
        return 0 if self.awaiting_counted else self.awaiting_review

    @property
    def results(self) -> int:
        """The results the figures are built on."""
        return self.reviewed + self.self_assessed + self.awaiting_review - self.not_counted

    @property
    def counted_label(self) -> str:
        return "counted" if self.awaiting_counted else "not counted"

    @property
    def built_on(self) -> str:
        """ "Built on 12 results: 5 reviewed, 6 self-assessed, 1 awaiting review — counted"."""
        text = (
            f"Built on {_count(self.results, 'result')}: {self.reviewed} reviewed, "
            f"{self.self_assessed} self-assessed"
        )
        if self.awaiting_review:
            text += f", {self.awaiting_review} awaiting review — {self.counted_label}"
        return text


@dataclass(frozen=True)
class SignalKind:
    kind: str
    name: str  # rules.review.SIGNAL_NAMES
    submissions: int  # how many submissions show it


@dataclass(frozen=True)
class SignalledSubmission:
    """A submission with inflation signals, each explained in a sentence."""

    project: str
    team: str
    url: str  # its result page
    review: str  # its review status in words
    submitted_at: datetime.datetime | None
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class ExemptionsLine:
    """Exemptions of the projects in view: approved and still in force, awaiting a decision,
    and the age in days of the oldest approved one."""

    approved: int = 0
    awaiting_decision: int = 0
    oldest_approved_days: int | None = None


@dataclass(frozen=True)
class ReviewsCard:
    """The dashboards' Reviews card for one quarter and the filters."""

    counts: ReviewCounts
    signal_kinds: list[SignalKind] = field(default_factory=list)  # only kinds found
    signalled: list[SignalledSubmission] = field(default_factory=list)  # the most recent
    signalled_total: int = 0
    exemptions: ExemptionsLine = field(default_factory=ExemptionsLine)
