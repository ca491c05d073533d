"""The period rule, once: which periods accept answers, are in progress, or are due to open or
close on a day. Each QuerySet method has its Python twin on `Period`, and a test holds the
two in agreement, so the home page, the assessment page, reminders and closing never differ.
"""

import datetime

from django.db.models import Q, QuerySet


def accepting_answers_q(day: datetime.date, *, prefix: str = "") -> Q:
    """Opened, and before its closing day or within a reopening that has not expired."""
    return Q(**{f"{prefix}opens_on__lte": day}) & (
        Q(**{f"{prefix}closes_on__gte": day}) | Q(**{f"{prefix}reopened_until__gte": day})
    )


class PeriodQuerySet(QuerySet):
    def accepting_answers(self, day: datetime.date) -> "PeriodQuerySet":
        return self.filter(accepting_answers_q(day))

    def in_progress(self, day: datetime.date) -> "PeriodQuerySet":
        """Opened by the tick and not closed yet: the periods e-mails can be about."""
        return self.filter(opened_at__isnull=False, closed_at__isnull=True, opens_on__lte=day)

    def due_to_open(self, day: datetime.date) -> "PeriodQuerySet":
        return self.filter(opened_at__isnull=True, opens_on__lte=day, closes_on__gte=day)

    def due_to_close(self, day: datetime.date) -> "PeriodQuerySet":
        """Past the closing day, not closed yet, and not within a reopening."""
        return self.filter(
            opened_at__isnull=False, closed_at__isnull=True, closes_on__lt=day
        ).exclude(reopened_until__gte=day)

    def started(self, day: datetime.date) -> "PeriodQuerySet":
        return self.filter(opens_on__lte=day)


class AssessmentQuerySet(QuerySet):
    def counted(self) -> "AssessmentQuerySet":
        """The assessments that count in completion figures: every submission, and the
        drafts of active projects (an archived project's draft is no longer due)."""
        return self.filter(Q(status="submitted") | Q(project__archived_at__isnull=True))
