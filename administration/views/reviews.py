"""The organisation's review policy at /manage/reviews/: which submissions wait for review,
whether those waiting count in the figures, how long an approved exemption lasts; and below
it who reviews, with what waits in each reviewer's scope.

As the targets page: an htmx request gets the policy card back (`reviews.html#policy`) with
a notice or the refused form; without JavaScript a successful POST redirects back to the
page. Refused input comes back with status 422, each message beside its field and what was
chosen kept.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from administration.forms import ReviewPolicyForm, add_service_error
from administration.selectors import reviewers_overview, unit_tree
from administration.views import org_admin_required
from assessments.models import ReviewPolicy
from assessments.rules import review as review_rules
from assessments.services.review_policy import review_policy_set
from core.http import PortalRequest

PAGE = "administration/reviews.html"
# One line under each choice of the policy, saying what it means for a lead who submits.
RULE_HELP = {
    review_rules.EVERY: "Every submission waits until a reviewer accepts it or returns it.",
    review_rules.CLAIMS_LEVEL_ONE: "A submission waits when it claims level 1 or more in any "
    "dimension; results at level 0 count as self-assessed.",
    review_rules.RISES: "A submission waits when a dimension rose a whole level since the "
    "project's last quarter; the others count as self-assessed.",
    review_rules.NEVER: "Results count as self-assessed, unless they ask to exempt a practice.",
}


def _initial(policy: ReviewPolicy) -> dict[str, object]:
    return {
        "rule": policy.rule,
        "count_awaiting_review": policy.count_awaiting_review,
        "exemption_quarters": policy.exemption_quarters,
    }


def _page(request: PortalRequest, status: int = 200, **context: object) -> HttpResponse:
    policy = ReviewPolicy.current()
    context.setdefault("form", ReviewPolicyForm(initial=_initial(policy)))
    full = {"policy": policy, "rule_help": RULE_HELP, **context}
    if request.htmx:
        return render(request, f"{PAGE}#policy", full, status=status)
    full["reviewers"] = reviewers_overview(tree=unit_tree())
    return render(request, PAGE, full, status=status)


def _saved(policy: ReviewPolicy) -> str:
    counted = "count" if policy.count_awaiting_review else "do not count"
    quarters = policy.exemption_quarters
    rule = review_rules.POLICIES[policy.rule].lower()
    return (
        f"Saved. Submissions that wait for review: {rule}. Those "
        f"awaiting review {counted} in the figures. Approved exemptions last {quarters} "
        f"quarter{'s' if quarters != 1 else ''}."
    )


@require_http_methods(["GET", "HEAD", "POST"])
@org_admin_required
def reviews(request: PortalRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    form = ReviewPolicyForm(request.POST)
    if form.is_valid():
        try:
            policy = review_policy_set(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if request.htmx:
                return _page(request, notice=_saved(policy))
            messages.success(request, _saved(policy))
            return redirect("administration:reviews")
    return _page(request, status=422, form=form)
