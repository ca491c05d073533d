from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST, require_safe

from assessments import evidence_selectors, exemption_selectors, presentation, selectors
from assessments.forms import AnswerForm, ProjectProfileForm
from assessments.models import Answer, Assessment
from assessments.review_scope import review_scope
from assessments.rules import recommendations
from assessments.rules.review import SIGNAL_NAMES
from assessments.rules.scoring import asked_practices
from assessments.scoring_inputs import (
    assessment_profile,
    framework_uses_profiles,
    scoring_framework,
)
from assessments.services import answering as services
from assessments.services.exemptions import ExemptionDeclined
from assessments.services.profiles import project_profile_save
from core.http import PortalRequest


@require_safe
@login_required
def assessment_detail(request: PortalRequest, pk: int) -> HttpResponse:
    """The questionnaire while it is a draft, the results once submitted."""
    assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
    if assessment.is_submitted:
        return render(request, "assessments/result.html", _result_context(assessment))
    permissions = selectors.assessment_permissions(user=request.user, assessment=assessment)
    return render(
        request,
        "assessments/assessment_form.html",
        _questionnaire_context(request, assessment, permissions),
    )


def _questionnaire_context(
    request: PortalRequest,
    assessment: Assessment,
    permissions: dict[str, bool],
    profile_form: ProjectProfileForm | None = None,
) -> dict:
    uses_profiles = framework_uses_profiles(assessment.period.framework)
    profile = assessment_profile(assessment=assessment) if uses_profiles else None
    profile_needed = uses_profiles and profile is None
    wants_form = profile_needed or request.GET.get("profile") == "edit"
    if profile_form is None and permissions["can_answer"] and uses_profiles and wants_form:
        profile_form = ProjectProfileForm(initial=profile.as_dict() if profile else None)
    sections = [] if profile_needed else selectors.assessment_sections(assessment=assessment)
    rows = [row for section in sections for row in section.rows]
    values = {row.practice.key: row.answer.value for row in rows}
    exemptions = (
        exemption_selectors.practice_exemptions(assessment=assessment, values=values)
        if rows
        else {}
    )
    # What the tools show beside each evidenced question (one query, none without).
    evidence = evidence_selectors.practice_evidence(
        project_id=assessment.project_id, practices=[row.practice for row in rows]
    )
    return {
        "assessment": assessment,
        "sections": presentation.question_sections(
            assessment_pk=assessment.pk, sections=sections, exemptions=exemptions, evidence=evidence
        ),
        "missing": [row.practice for row in rows if not row.answer.value],
        "answered": sum(1 for row in rows if row.answer.value),
        "carried": sum(1 for row in rows if row.answer.carried_over),
        "first_carried": next((row.practice for row in rows if row.answer.carried_over), None),
        "total": len(rows),
        "previous": selectors.previous_assessment(assessment=assessment),
        "read_only_reason": selectors.read_only_reason(user=request.user, assessment=assessment),
        "profile": profile,
        "profile_needed": profile_needed,
        "profile_form": profile_form,
        "returned": assessment.review_status == Assessment.Review.RETURNED,
        **permissions,
        # What only the autosave fragment sets, empty on the page: each row asks for them, and
        # a name the template cannot find costs it an exception each time. The reviewer's
        # feedback has no comments until a returned draft's banner reads them.
        "feedback": {"by_key": {}},
        **dict.fromkeys(["conflict", "form", "error", "saved", "client_version"]),
        **dict.fromkeys(["oob", "exemption_oob", "evidence_oob"]),
    }


@require_POST
@login_required
def profile_save(request: PortalRequest, pk: int) -> HttpResponse:
    """Record the project's profile from its draft: the questions follow it."""
    assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
    permissions = selectors.assessment_permissions(user=request.user, assessment=assessment)
    if not permissions["can_answer"]:
        raise PermissionDenied(selectors.read_only_reason(user=request.user, assessment=assessment))
    form = ProjectProfileForm(request.POST)
    if not form.is_valid():
        context = _questionnaire_context(request, assessment, permissions, profile_form=form)
        return render(request, "assessments/assessment_form.html", context, status=422)
    profile = form.profile()
    assert profile is not None  # the form requires every field
    project_profile_save(project=assessment.project, user=request.user, profile=profile)
    asked = selectors.asked_practice_keys(assessment=assessment) or ()
    messages.success(
        request,
        f"Profile saved: {profile.describe()}. This project is asked {len(asked)} practices.",
    )
    return redirect(assessment)


def _result_context(assessment: Assessment) -> dict:
    answer_rows = selectors.submitted_answers(assessment=assessment)
    score = services.assessment_score(assessment=assessment, answers=answer_rows)
    profile = assessment_profile(assessment=assessment)
    dimensions, practices = scoring_framework(assessment.period.framework, profile)
    if framework_uses_profiles(assessment.period.framework):
        practices = tuple(asked_practices(practices, profile))
    answers = {a.practice.key: a.value for a in answer_rows}
    steps = recommendations.recommend_for_assessment(
        score=score, dimensions=dimensions, practices=practices, answers=answers
    )
    previous = selectors.previous_assessment(assessment=assessment)
    compared = selectors.compared_with(assessment=assessment, previous=previous)
    results = selectors.assessment_results(assessment=assessment, previous=compared)
    anti_patterns = assessment.period.framework.anti_patterns
    not_assessed = [row for row in results if not row.assessed]
    asked = {practice.key for practice in practices}
    checked = evidence_selectors.checked_answers(
        evidence=evidence_selectors.practice_evidence(
            project_id=assessment.project_id,
            practices=[a.practice for a in answer_rows if a.practice.key in asked],
        ),
        answers=answers,
    )
    return {
        "assessment": assessment,
        "results": results,
        "not_assessed": not_assessed,
        "assessed_count": len(results) - len(not_assessed),
        "weakest": next((r for r in results if r.key == assessment.weakest_dimension_key), None),
        "previous": previous,
        "previous_other_version": previous if previous and compared is None else None,
        "profile": profile,
        "changed_answers": selectors.changed_answers(
            assessment=assessment, previous=compared, answers=answer_rows
        ),
        "anti_patterns": [anti_patterns[key] | {"key": key} for key in assessment.anti_patterns],
        "top_steps": steps[:3],
        "all_steps": steps,
        "checked": checked,
        "checked_mismatches": sum(1 for row in checked if row.mismatch),
        **_review_context(assessment, answer_rows),
    }


def _review_context(assessment: Assessment, answer_rows: list[Answer]) -> dict:
    """What the result page says about its review: the signals a reviewer looks at, the
    exemptions asked for or held, and the current answers and questions its history names."""
    return {
        "signals": [
            {"name": SIGNAL_NAMES.get(signal.get("kind", ""), "Signal"), "text": signal["text"]}
            for signal in assessment.signals
            if signal.get("text")
        ],
        "exemptions": exemption_selectors.submission_exemptions(
            assessment=assessment, answers=answer_rows
        ),
        "awaiting_counted": review_scope().awaiting_counted if assessment.awaits_review else True,
        "answers": {a.practice.key: a.value for a in answer_rows},
        "questions": {a.practice.key: a.practice.question for a in answer_rows},
    }


@require_POST
@login_required
def answer_save(request: PortalRequest, pk: int, practice_key: str) -> HttpResponse:
    answer = selectors.answer_get_for_user(user=request.user, pk=pk, practice_key=practice_key)
    assessment = answer.assessment
    permissions = selectors.assessment_permissions(user=request.user, assessment=assessment)
    context: dict[str, object] = {
        "assessment": assessment,
        "answer": answer,
        "practice": answer.practice,
        "save_url": presentation.save_url(assessment_pk=pk, practice_key=practice_key),
        # On any failure the page keeps the version it was loaded with, so a later edit
        # still meets the conflict check instead of silently overwriting someone's answer.
        "client_version": _posted_version(request),
    }
    if not request.htmx:
        return _answer_save_without_javascript(request, assessment, answer, permissions)
    if not permissions["can_answer"]:
        context["error"] = selectors.read_only_reason(user=request.user, assessment=assessment)
        return _save_status(request, context, status=403)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        context["form"] = form
        return _save_status(request, context, status=422)
    data = form.cleaned_data
    old_value = answer.value
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
        return _save_status(request, context, status=409)
    except services.AssessmentLocked as locked:
        context["error"] = str(locked)
        return _save_status(request, context, status=403)
    except ExemptionDeclined as declined:
        context["error"] = str(declined)
        return _save_status(request, context, status=422)
    progress = selectors.answer_progress(assessment=assessment)
    context.update(answer=answer, saved=True, client_version=None, **progress, **permissions)
    if Answer.Value.NA in (old_value, answer.value):
        # The exemption's state beside the question follows the answer (swapped out of band).
        context["exemption_changed"] = True
        context["exemption"] = exemption_selectors.practice_exemption(
            assessment=assessment, answer=answer
        )
    if answer.practice.evidence:
        # What the tools show beside the question follows the answer (swapped out of band).
        context["evidence_entry"] = evidence_selectors.practice_evidence(
            project_id=assessment.project_id, practices=[answer.practice]
        )[answer.practice.key]
    return _save_status(request, context)


def _save_status(request: PortalRequest, context: dict, *, status: int = 200) -> HttpResponse:
    """The answer's save status and what follows it out of band. Rendered without the
    context processors: the fragment draws no navigation, whose roles cost a query on every
    save; its forms need only the CSRF token."""
    context["csrf_token"] = get_token(request)
    html = render_to_string("assessments/assessment_form.html#save-status", context)
    return HttpResponse(html, status=status)


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
        except (services.AnswerConflict, services.AssessmentLocked, ExemptionDeclined) as problem:
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
    except services.ProfileMissing as missing:
        messages.error(request, f"Not submitted: {missing}")
        return redirect(assessment)
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
    except ExemptionDeclined as declined:
        return _declined_refusal(request, assessment, declined)
    messages.success(request, "Submitted. Here are the project's levels and next steps.")
    return redirect(assessment)


def _declined_refusal(
    request: PortalRequest, assessment: Assessment, declined: ExemptionDeclined
) -> HttpResponse:
    """Not submitted: name each practice still "not applicable" after a reviewer declined its
    exemption, and take the lead to the first."""
    practices = exemption_selectors.declined_practices(assessment=assessment)
    keys = [p.key for p in practices] or [declined.exemption.practice_key]
    names = "; ".join(f"“{p.question}”" for p in practices) or "one practice"
    count = len(keys)
    messages.error(
        request,
        f"Not submitted: a reviewer declined the exemption for {names}, so "
        f"{'it needs' if count == 1 else f'these {count} practices need'} a real answer "
        "(not in place, partly or fully in place) instead of “not applicable”.",
    )
    return redirect(f"{assessment.get_absolute_url()}#practice-{keys[0]}")
