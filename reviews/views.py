"""The reviewer's pages: the queue, one submission's review page, and the decision on it.

Reviewers only (403 for anyone else); a reviewer opens only submissions of the units they
review (404 otherwise) and never their own team's (403, told why). The decision is the
services' (`reviews.services.reviews`), which check the same rule again.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import Truncator
from django.views.decorators.http import require_POST, require_safe

from assessments.models import Assessment, ReviewPolicy
from core.http import PortalRequest
from reviews import selectors
from reviews.forms import ReviewForm
from reviews.services.reviews import ReviewConflict, review_accept, review_return

REVIEW_TEMPLATE = "reviews/review.html"


@require_safe
@login_required
def review_queue(request: PortalRequest) -> HttpResponse:
    rows = selectors.review_queue(user=request.user)
    context = {
        "rows": rows,
        "scope": selectors.review_scope(user=request.user),
        "policy": ReviewPolicy.current(),
        "recent": selectors.recent_decisions(user=request.user),
    }
    return render(request, "reviews/queue.html", context)


@require_safe
@login_required
def review_detail(request: PortalRequest, pk: int) -> HttpResponse:
    assessment = selectors.review_get_for_user(user=request.user, pk=pk)
    if not assessment.awaits_review:
        return _decided(request, assessment)
    page = selectors.review_page(assessment=assessment)
    form = ReviewForm(practice_keys=page.practice_keys, exemption_keys=page.exemption_keys)
    return render(request, REVIEW_TEMPLATE, _context(assessment, page, form))


@require_POST
@login_required
def review_decide(request: PortalRequest, pk: int) -> HttpResponse:
    assessment = selectors.review_get_for_user(user=request.user, pk=pk)
    if not assessment.awaits_review:
        return _someone_decided_first(request, assessment)
    page = selectors.review_page(assessment=assessment)
    form = ReviewForm(
        request.POST, practice_keys=page.practice_keys, exemption_keys=page.exemption_keys
    )
    if not form.is_valid():
        return _not_decided(request, assessment, page, form)
    decide = review_return if form.returns else review_accept
    try:
        review = decide(assessment=assessment, reviewer=request.user, decision=form.review_input())
    except ValidationError as error:
        form.add_error(None, error)
        return _not_decided(request, assessment, page, form)
    except ReviewConflict:
        return _someone_decided_first(request, assessment)
    name = f"{assessment.project.name} {assessment.period.key}"
    if form.returns:
        count = review.comments.count()
        messages.success(
            request,
            f"Returned {name} to the team with {count} comment{'s' if count != 1 else ''}. "
            "They see each one beside its question, and it comes back here when they submit.",
        )
    else:
        messages.success(request, f"Accepted {name}: its result now counts as reviewed.")
    return redirect("reviews:queue")


def _context(assessment: Assessment, page: selectors.ReviewPage, form: ReviewForm) -> dict:
    """The page's context; each practice's fields by its key, for the template to find."""
    return {
        "assessment": assessment,
        "page": page,
        "form": form,
        "comment_fields": {key: form[f"comment-{key}"] for key in form.practice_keys},
        "exemption_fields": {
            key: (form[f"exemption-{key}"], form[f"exemption-note-{key}"])
            for key in form.exemption_keys
        },
        "days_waiting": selectors.days_waiting(assessment),
        "error_links": _error_links(page, form),
    }


def _error_links(page: selectors.ReviewPage, form: ReviewForm) -> list[tuple[str, str, str]]:
    """(anchor, what, message) for each field in error, so the summary at the top of a long
    page links to the comment or exemption far below."""
    if not form.is_bound:
        return []
    questions = {row.practice.key: row.practice.question for s in page.sections for row in s.rows}
    fields = [
        ("exemption-note-", "Your note on the exemption of"),
        ("exemption-", "The exemption of"),
        ("comment-", "Your comment on"),
    ]
    links = []
    for name, errors in form.errors.items():
        message = " ".join(str(error) for error in errors)
        if name == "summary":
            links.append(("id_summary", "Summary for the team", message))
            continue
        for prefix, what in fields:
            key = name.removeprefix(prefix)
            if name.startswith(prefix) and key in questions:
                question = Truncator(questions[key]).chars(70)
                links.append((name, f"{what} “{question}”", message))
                break
    return links


def _not_decided(
    request: PortalRequest, assessment: Assessment, page: selectors.ReviewPage, form: ReviewForm
) -> HttpResponse:
    """The page again, with what the reviewer typed and what to change (nothing was saved)."""
    return render(request, REVIEW_TEMPLATE, _context(assessment, page, form), status=422)


def _decided(request: PortalRequest, assessment: Assessment) -> HttpResponse:
    context = {
        "assessment": assessment,
        "past_reviews": selectors.past_reviews(assessment=assessment),
    }
    return render(request, "reviews/decided.html", context)


def _someone_decided_first(request: PortalRequest, assessment: Assessment) -> HttpResponse:
    messages.warning(
        request,
        "Not saved: this assessment no longer waits for review. Someone decided on it first, "
        "or the team changed it; here is where it stands.",
    )
    return redirect(reverse("reviews:review", kwargs={"pk": assessment.pk}))
