from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from assessments import selectors
from assessments.forms import AnswerForm
from assessments.models import Assessment
from assessments.rules import recommendations
from assessments.services import answering as services
from assessments.services.answering import scoring_framework
from core.http import PortalRequest


@require_safe
@login_required
def assessment_detail(request: PortalRequest, pk: int) -> HttpResponse:
    """The questionnaire while it is a draft, the results once submitted."""
    assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
    if assessment.is_submitted:
        return render(request, "assessments/result.html", _result_context(assessment))
    permissions = selectors.assessment_permissions(user=request.user, assessment=assessment)
    sections = selectors.assessment_sections(assessment=assessment)
    rows = [row for section in sections for row in section.rows]
    context = {
        "assessment": assessment,
        "sections": sections,
        "missing": [row.practice for row in rows if not row.answer.value],
        "answered": sum(1 for row in rows if row.answer.value),
        "carried": sum(1 for row in rows if row.answer.carried_over),
        "first_carried": next((row.practice for row in rows if row.answer.carried_over), None),
        "total": len(rows),
        "previous": selectors.previous_assessment(assessment=assessment),
        "read_only_reason": selectors.read_only_reason(user=request.user, assessment=assessment),
        **permissions,
    }
    return render(request, "assessments/assessment_form.html", context)


def _result_context(assessment: Assessment) -> dict:
    score = services.assessment_score(assessment=assessment)
    dimensions, practices = scoring_framework(assessment.period.framework)
    answers = {a.practice.key: a.value for a in assessment.answers.select_related("practice")}
    steps = recommendations.recommend_for_assessment(
        score=score, dimensions=dimensions, practices=practices, answers=answers
    )
    results = selectors.assessment_results(assessment=assessment)
    anti_patterns = assessment.period.framework.anti_patterns
    not_assessed = [row for row in results if not row.assessed]
    return {
        "assessment": assessment,
        "results": results,
        "not_assessed": not_assessed,
        "assessed_count": len(results) - len(not_assessed),
        "weakest": next((r for r in results if r.key == assessment.weakest_dimension_key), None),
        "previous": selectors.previous_assessment(assessment=assessment),
        "changed_answers": selectors.changed_answers(assessment=assessment),
        "anti_patterns": [anti_patterns[key] | {"key": key} for key in assessment.anti_patterns],
        "top_steps": steps[:3],
        "all_steps": steps,
    }


@require_POST
@login_required
def answer_save(request: PortalRequest, pk: int, practice_key: str) -> HttpResponse:
    assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
    permissions = selectors.assessment_permissions(user=request.user, assessment=assessment)
    answer = selectors.answer_get(assessment=assessment, practice_key=practice_key)
    context: dict[str, object] = {
        "assessment": assessment,
        "answer": answer,
        "practice": answer.practice,
        # On any failure the page keeps the version it was loaded with, so a later edit
        # still meets the conflict check instead of silently overwriting someone's answer.
        "client_version": _posted_version(request),
    }
    template = "assessments/assessment_form.html#save-status"
    if not request.htmx:
        return _answer_save_without_javascript(request, assessment, answer, permissions)
    if not permissions["can_answer"]:
        context["error"] = selectors.read_only_reason(user=request.user, assessment=assessment)
        return render(request, template, context, status=403)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        context["form"] = form
        return render(request, template, context, status=422)
    data = form.cleaned_data
    try:
        answer = services.answer_save(
            assessment=assessment,
            answer=answer,
            expected_version=data.pop("version"),
            user=request.user,
            **data,
        )
    except services.AnswerConflict as conflict:
        context["conflict"] = conflict.current
        return render(request, template, context, status=409)
    except services.AssessmentLocked as locked:
        context["error"] = str(locked)
        return render(request, template, context, status=403)
    progress = selectors.answer_progress(assessment=assessment)
    context.update(answer=answer, saved=True, client_version=None, **progress, **permissions)
    return render(request, template, context)


def _posted_version(request: PortalRequest) -> int | None:
    raw = request.POST.get("version", "")
    # isdigit() also accepts "²" and "①", which int() refuses: ASCII digits only.
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def _answer_save_without_javascript(
    request: PortalRequest, assessment: Assessment, answer, permissions: dict
) -> HttpResponse:
    """The same save for a browser without JavaScript: redirect back with a message."""
    form = AnswerForm(request.POST)
    if not permissions["can_answer"]:
        messages.error(
            request, selectors.read_only_reason(user=request.user, assessment=assessment)
        )
    elif not form.is_valid():
        errors = " ".join(str(e) for field_errors in form.errors.values() for e in field_errors)
        messages.error(request, f"Not saved: {errors}")
    else:
        data = form.cleaned_data
        try:
            services.answer_save(
                assessment=assessment,
                answer=answer,
                expected_version=data.pop("version"),
                user=request.user,
                **data,
            )
            messages.success(request, "Saved.")
        except (services.AnswerConflict, services.AssessmentLocked) as problem:
            messages.error(request, f"Not saved: {problem}")
    return redirect(f"{assessment.get_absolute_url()}#practice-{answer.practice.key}")


@require_POST
@login_required
def assessment_submit(request: PortalRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
    permissions = selectors.assessment_permissions(user=request.user, assessment=assessment)
    if assessment.is_submitted:
        return redirect(assessment)
    if not permissions["can_submit"]:
        raise PermissionDenied("Only the team's leads can submit its assessments.")
    try:
        services.assessment_submit(
            assessment=assessment,
            user=request.user,
            confirm_carried=request.POST.get("confirm_carried") == "all",
        )
    except services.CarriedAnswersUnconfirmed as unconfirmed:
        messages.error(
            request,
            f"Not submitted: {unconfirmed} Confirm them all and submit, or review them first; "
            "each carried answer has a Confirm button.",
        )
        return redirect(f"{assessment.get_absolute_url()}#carried")
    except services.AssessmentIncomplete as incomplete:
        messages.error(
            request,
            f"Not submitted: {len(incomplete.missing)} practices still need an answer. "
            "They are listed at the top of the page.",
        )
        return redirect(assessment)
    except services.AssessmentLocked as locked:
        messages.error(request, str(locked))
        return redirect(assessment)
    messages.success(request, "Submitted. Here are the project's levels and next steps.")
    return redirect(assessment)
