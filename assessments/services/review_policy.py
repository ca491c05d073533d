"""Setting the organisation's review policy: which submissions wait for a reviewer, whether
those waiting count in the figures, and how long an approved exemption lasts.

Org admins set it on /manage/reviews/ (the view checks who may). The change is audited with
the values before and after, and the dashboards are refreshed: whether submissions awaiting
review count changes every figure. A new rule applies to submissions from now on, and a new
length to exemptions approved from now on; nothing already submitted or approved changes.
"""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.models import Assessment, ReviewPolicy
from assessments.rules.review import POLICIES
from core.audit import audit_record
from core.cache import dashboards_changed
from core.signals import projects_changed
from teams.models import Project

EXEMPTION_QUARTERS_MIN = 1
EXEMPTION_QUARTERS_MAX = 12


def _fields(policy: ReviewPolicy) -> dict[str, object]:
    return {
        "rule": policy.rule,
        "count_awaiting_review": policy.count_awaiting_review,
        "exemption_quarters": policy.exemption_quarters,
    }


def _check(*, rule: str, exemption_quarters: int) -> None:
    errors: dict[str, str] = {}
    if rule not in POLICIES:
        errors["rule"] = "Choose which submissions wait for review: one of the four options."
    if not EXEMPTION_QUARTERS_MIN <= exemption_quarters <= EXEMPTION_QUARTERS_MAX:
        errors["exemption_quarters"] = (
            f"An exemption lasts between {EXEMPTION_QUARTERS_MIN} and {EXEMPTION_QUARTERS_MAX} "
            "quarters (three years)."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def review_policy_set(
    *, rule: str, count_awaiting_review: bool, exemption_quarters: int, actor: User | None
) -> ReviewPolicy:
    """Save the organisation's one policy (the row with pk 1), creating it the first time."""
    _check(rule=rule, exemption_quarters=exemption_quarters)
    # Lock the row, so two admins saving at once each audit what they really replaced.
    stored = ReviewPolicy.objects.select_for_update().filter(pk=1).first()
    before = _fields(stored or ReviewPolicy.current())
    policy, _ = ReviewPolicy.objects.update_or_create(
        pk=1,
        defaults={
            "rule": rule,
            "count_awaiting_review": count_awaiting_review,
            "exemption_quarters": exemption_quarters,
            "updated_by": actor,
            "updated_at": timezone.now(),
        },
    )
    after = _fields(policy)
    if after != before:
        audit_record(
            actor=actor, action="review_policy.set", target=policy, before=before, after=after
        )
        if after["count_awaiting_review"] != before["count_awaiting_review"]:
            # Which results count changed for the projects with one awaiting review.
            awaiting = Assessment.objects.filter(
                status=Assessment.Status.SUBMITTED, review_status=Assessment.Review.PENDING
            )
            projects_changed.send(
                sender=ReviewPolicy,
                projects=Project.objects.filter(pk__in=awaiting.values("project_id")),
            )
        dashboards_changed()
    return policy
