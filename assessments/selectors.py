"""Reads for assessments. Dashboards read stored per-dimension scores, never raw answers."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from assessments.models import (
    Answer,
    AnswerChange,
    Assessment,
    Dimension,
    DimensionScore,
    Period,
    Practice,
    ProjectProfile,
)
from assessments.querysets import accepting_answers_q
from assessments.rules.profiles import Profile, variant_for
from assessments.rules.scoring import ApplicabilityMixin, asked_practices
from assessments.scoring_inputs import (
    assessment_profile,
    draft_profile_keep,
    framework_uses_profiles,
    scoring_framework,
)
from core.access import can_draft_answers, can_submit, is_management, manages_unit_path
from teams.models import Membership, Team


def period_current() -> Period | None:
    """The newest period that has opened."""
    return Period.objects.started(timezone.localdate()).order_by("-opens_on").first()


def open_assessments_for_user(*, user: User) -> QuerySet[Assessment]:
    """Drafts that accept answers today, for the teams the user leads or belongs to."""
    team_ids = Membership.objects.filter(user=user).values("team_id")
    return (
        Assessment.objects.filter(
            accepting_answers_q(timezone.localdate(), prefix="period__"),
            project__team_id__in=team_ids,
            project__archived_at__isnull=True,
            status=Assessment.Status.DRAFT,
        )
        .select_related("project", "project__team", "period")
        .order_by("period__due_on", "project__name")
    )


# --- The assessment page ----------------------------------------------------------------------


def assessment_get_for_user(*, user: User, pk: int) -> Assessment:
    """The assessment with the viewer's role in its team (`viewer_role`), or a 404."""
    role = Membership.objects.filter(user=user, team_id=OuterRef("project__team_id")).values(
        "role"
    )[:1]
    assessment = (
        Assessment.objects.select_related(
            "project", "project__team__unit", "period", "period__framework", "submitted_by"
        )
        .annotate(viewer_role=Subquery(role))
        .filter(pk=pk)
        .first()
    )
    if assessment is None or _hidden_from(user, assessment):
        raise Http404("No such assessment.")
    return assessment


def _hidden_from(user: User, assessment: Assessment) -> bool:
    return (
        getattr(assessment, "viewer_role", None) is None
        and not is_management(user)
        and not _manages_team_unit(user, assessment.project.team)
    )


def _manages_team_unit(user: User, team: Team) -> bool:
    return team.unit is not None and manages_unit_path(user, team.unit.path)


def assessment_permissions(*, user: User, assessment: Assessment) -> dict[str, bool]:
    """Members draft answers, leads also submit; management reads only."""
    role: str | None = getattr(assessment, "viewer_role", None)
    can_answer = assessment.read_only_reason is None and can_draft_answers(user, role)
    return {"can_answer": can_answer, "can_submit": can_answer and can_submit(user, role)}


def read_only_reason(*, user: User, assessment: Assessment) -> str:
    """Why this user cannot change this assessment's answers: the one message every page,
    fragment and service shows."""
    return assessment.read_only_reason or (
        f"You can read this assessment; only members of {assessment.project.team.name} "
        "can answer it."
    )


@dataclass
class PracticeRow:
    practice: Practice
    answer: Answer
    previous: Answer | None
    changes: list[AnswerChange] = field(default_factory=list)

    @property
    def differs_from_previous(self) -> bool:
        return self.previous is not None and self.previous.value != self.answer.value


@dataclass
class DimensionSection:
    dimension: Dimension
    rows: list[PracticeRow]

    @property
    def answered(self) -> int:
        return sum(1 for row in self.rows if row.answer.value)


def asked_practice_keys(*, assessment: Assessment) -> set[str] | None:
    """The keys of the practices this assessment asks, by its project's profile; None when
    the framework asks every practice of everyone (rule 1)."""
    framework = assessment.period.framework
    if not framework_uses_profiles(framework):
        return None
    profile = assessment_profile(assessment=assessment)
    _, practices = scoring_framework(framework, profile)
    return {practice.key for practice in asked_practices(practices, profile)}


def _worded_for(practice: Practice, profile: Profile | None) -> Practice:
    """The practice with the wording of its variant for this profile, if it has one."""
    for name, text in variant_for(practice.variants, profile).items():
        setattr(practice, name, text)
    return practice


# What scoring reads of a practice, never a page that asks it: not loaded with the answers
# (each JSON column costs a decode per practice).
_UNASKED_PRACTICE_FIELDS = ("next_step", "effort", "prerequisites", "anti_pattern", "applies_to")
# What only the questionnaire shows of a practice.
_QUESTIONNAIRE_TEXTS = ("help", "why", "sources", "variants")


def assessment_sections(*, assessment: Assessment) -> list[DimensionSection]:
    """Practices the project is asked, grouped by dimension and worded for its profile, each
    with its answer, last quarter's and its history.

    Four queries whatever the number of answers: dimensions, answers (with practices),
    the previous submitted answers, and the change log (plus the profile under rule 2).
    """
    dimensions = list(Dimension.objects.filter(framework_id=assessment.period.framework_id))
    asked = asked_practice_keys(assessment=assessment)
    profile = assessment_profile(assessment=assessment) if asked is not None else None
    answers = [
        answer
        for answer in assessment.answers.select_related("practice", "answered_by")
        .defer(*(f"practice__{name}" for name in _UNASKED_PRACTICE_FIELDS))
        .order_by("practice__order")
        if asked is None or answer.practice.key in asked
    ]
    for answer in answers:
        _worded_for(answer.practice, profile)
    previous = {
        a.practice_key: a  # type: ignore[attr-defined]
        for a in previous_answers(assessment=assessment).only("value")
    }
    changes: dict[int, list[AnswerChange]] = {}
    for change in AnswerChange.objects.filter(answer__assessment=assessment).select_related(
        "changed_by"
    ):
        changes.setdefault(change.answer_id, []).append(change)
    rows_by_dimension: dict[int, list[PracticeRow]] = {}
    for answer in answers:
        row = PracticeRow(
            practice=answer.practice,
            answer=answer,
            previous=previous.get(answer.practice.key),
            changes=changes.get(answer.pk, []),
        )
        rows_by_dimension.setdefault(answer.practice.dimension_id, []).append(row)
    return [
        DimensionSection(d, rows_by_dimension[d.pk])
        for d in dimensions
        if d.pk in rows_by_dimension
    ]


def _earlier_submissions(assessment: Assessment) -> QuerySet[Assessment]:
    """The project's submitted assessments before this one, newest first."""
    return Assessment.objects.filter(
        project_id=assessment.project_id,
        status=Assessment.Status.SUBMITTED,
        period__opens_on__lt=assessment.period.opens_on,
    ).order_by("-period__opens_on")


def previous_assessment(*, assessment: Assessment) -> Assessment | None:
    return _earlier_submissions(assessment).select_related("period").first()


def previous_answers(*, assessment: Assessment) -> QuerySet[Answer]:
    """The answers of the project's last submitted assessment before this one, each with its
    practice's key as `practice_key` (one query)."""
    latest = _earlier_submissions(assessment).values("pk")[:1]
    return Answer.objects.filter(assessment_id__in=Subquery(latest)).annotate(
        practice_key=F("practice__key")
    )


def answer_get_for_user(*, user: User, pk: int, practice_key: str) -> Answer:
    """One answer of an assessment the user may read, for saving it: in one query, with its
    practice, the assessment (project, period, framework and the project's profile) and the
    viewer's role in the team (`answer.assessment.viewer_role`); or a 404.

    It joins only what a member's save reads: each table more costs PostgreSQL more time to
    plan the query than to run it. The team, read for people outside it, loads on demand.
    """
    role = Membership.objects.filter(
        user=user, team_id=OuterRef("assessment__project__team_id")
    ).values("role")[:1]
    try:
        answer = (
            Answer.objects.select_related(
                "practice", "assessment__project__profile", "assessment__period__framework"
            )
            .annotate(viewer_role=Subquery(role))
            .get(assessment_id=pk, practice__key=practice_key)
        )
    except Answer.DoesNotExist:
        assessment_get_for_user(user=user, pk=pk)  # a 404 that names what is missing
        raise Http404("This assessment has no such practice.") from None
    assessment = answer.assessment
    assessment.viewer_role = answer.viewer_role  # type: ignore[attr-defined]
    if _hidden_from(user, assessment):
        raise Http404("No such assessment.")
    draft_profile_keep(assessment=assessment, row=getattr(assessment.project, "profile", None))
    return answer


def answer_progress(*, assessment: Assessment) -> dict[str, int]:
    """answered / total, and how many carried-over answers nobody has confirmed yet, over
    the practices the project is asked."""
    answers = assessment.answers.all()
    asked = asked_practice_keys(assessment=assessment)
    if asked is not None:
        answers = answers.filter(practice__key__in=asked)
    return answers.aggregate(
        total=Count("pk"),
        answered=Count("pk", filter=~Q(value="")),
        carried=Count("pk", filter=Q(carried_over=True)),
    )


# --- Results ----------------------------------------------------------------------------------


@dataclass
class DimensionResult(ApplicabilityMixin):
    key: str
    name: str
    level: int | None  # None: not assessed, every practice "not applicable"
    progress: int | None
    score: float | None
    previous_level: int | None
    previous_score: float | None
    practice_count: int = 0
    not_applicable_count: int = 0
    unassessed_levels: tuple[int, ...] = ()

    @property
    def next_level_unassessed(self) -> bool:
        return self.level is not None and self.level + 1 in self.unassessed_levels

    @property
    def change(self) -> str:
        if self.score is None:
            return "not assessed"
        if self.previous_score is None:
            return "new"
        if self.score > self.previous_score + 0.005:
            return "up"
        if self.score < self.previous_score - 0.005:
            return "down"
        return "same"


def compared_with(*, assessment: Assessment, previous: Assessment | None) -> Assessment | None:
    """`previous`, when it used the same framework version: levels and answers of different
    versions are never compared as if they meant the same."""
    if previous is None or previous.period.framework_id != assessment.period.framework_id:
        return None
    return previous


def assessment_results(
    *, assessment: Assessment, previous: Assessment | None
) -> list[DimensionResult]:
    """Stored dimension scores, with `previous`'s beside them when given (one query)."""
    ids = [assessment.pk] if previous is None else [assessment.pk, previous.pk]
    rows = list(DimensionScore.objects.filter(assessment_id__in=ids).order_by("dimension_order"))
    current = [row for row in rows if row.assessment_id == assessment.pk]
    before = {row.dimension_key: row for row in rows if row.assessment_id != assessment.pk}
    return [
        DimensionResult(
            key=row.dimension_key,
            name=row.dimension_name,
            level=row.level,
            progress=row.progress,
            score=row.score,
            previous_level=before[row.dimension_key].level if row.dimension_key in before else None,
            previous_score=before[row.dimension_key].score if row.dimension_key in before else None,
            practice_count=row.practice_count,
            not_applicable_count=row.not_applicable_count,
            unassessed_levels=tuple(row.unassessed_levels),
        )
        for row in current
    ]


@dataclass(frozen=True)
class ChangedAnswer:
    practice: Practice
    before: str
    after: str


def submitted_answers(*, assessment: Assessment) -> list[Answer]:
    """A submission's answers with their practices, as its result page reads them (one
    query): the practice's key, question, order and evidence rule, not its texts for the
    questionnaire and scoring (those come worded from the framework, `scoring_framework`)."""
    return list(
        assessment.answers.select_related("practice").defer(
            *(f"practice__{name}" for name in (*_UNASKED_PRACTICE_FIELDS, *_QUESTIONNAIRE_TEXTS))
        )
    )


def changed_answers(
    *, assessment: Assessment, previous: Assessment | None, answers: Sequence[Answer] | None = None
) -> list[ChangedAnswer]:
    """Answers that differ from `previous`, a submission of the same version: one query
    with the assessment's `answers` given (`submitted_answers`), two without."""
    if previous is None:
        return []
    before = dict(previous.answers.values_list("practice__key", "value"))
    if not before:
        return []
    if answers is None:
        answers = list(assessment.answers.select_related("practice"))
    return [
        ChangedAnswer(
            practice=answer.practice, before=before[answer.practice.key], after=answer.value
        )
        for answer in sorted(answers, key=lambda answer: answer.practice.order)
        if answer.practice.key in before and before[answer.practice.key] != answer.value
    ]


def project_profile(*, project_id: int) -> Profile | None:
    """The project's recorded profile, or None before anyone has described it."""
    row = ProjectProfile.objects.filter(project_id=project_id).first()
    return row.as_profile() if row else None


def drafts_asked_progress(*, assessments: list[Assessment]) -> None:
    """Count `answered` and `answer_total` over the practices each draft asks, for drafts of
    a framework that asks by profile (two queries, whatever the number of drafts); other
    assessments keep the counts over all their answers."""
    by_profile = [
        a for a in assessments if framework_uses_profiles(a.period.framework) and not a.is_submitted
    ]
    if not by_profile:
        return
    profiles = {
        row.project_id: row.as_profile()
        for row in ProjectProfile.objects.filter(project_id__in=[a.project_id for a in by_profile])
    }
    values: dict[int, dict[str, str]] = {a.pk: {} for a in by_profile}
    for assessment_id, key, value in Answer.objects.filter(assessment__in=by_profile).values_list(
        "assessment_id", "practice__key", "value"
    ):
        values[assessment_id][key] = value
    for assessment in by_profile:
        profile = profiles.get(assessment.project_id)
        _, practices = scoring_framework(assessment.period.framework, profile)
        asked = [p.key for p in asked_practices(practices, profile)]
        answers = values[assessment.pk]
        assessment.answer_total = len(asked)  # type: ignore[attr-defined]
        assessment.answered = sum(1 for key in asked if answers.get(key))  # type: ignore[attr-defined]
