"""The demo reviewer's queue: this quarter's submissions awaiting review, each showing an
inflation signal, made the way a lead makes them: answers changed (each change in the
answers' history, at its time), then submitted through the portal's own submit service, so
the policy, the signals and the exemption requests are the real ones.

  big_rise      every practice fully in place, each level-2 one with its evidence: the
                result rose two levels since last quarter
  unevidenced   the dimensions at level 1 last quarter raised to level 2, claimed with
                neither evidence links nor notes
  many_na       a dimension more than a third "not applicable", each with its reason: the
                exemption requests wait for the reviewer
  last_day      answers raised on the day before the due date
  returned      returned with comments (and an exemption declined), answered and submitted
                again

Each submission must also wait under the demo's policy (rises of a whole level): where the
scenario's answers raise no level, one dimension is completed with its evidence.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import F
from django.utils import timezone

from assessments.models import (
    Answer,
    AnswerChange,
    Assessment,
    DimensionScore,
    Exemption,
    PracticeGap,
)
from assessments.rules import review as review_rules
from assessments.rules import scoring
from assessments.rules.levels import TOP_LEVEL
from assessments.rules.profiles import Profile
from assessments.scoring_inputs import assessment_profile, scoring_framework
from assessments.services.answering import assessment_submit

SCENARIOS = ("big_rise", "unevidenced", "many_na", "last_day", "returned")
RAISED = {"no": "partly", "partly": "yes", "": "partly"}
NA_REASONS = [
    "The model scores in nightly batches for an internal report: there is no live service "
    "for this to apply to.",
    "It runs on the vendor's managed platform, which does this for us and does not let us "
    "change it.",
    "Still a pilot used by a handful of analysts: nothing reaches customers before next year.",
    "Retrained by hand once a year on a fixed, audited data set; nothing here is automated, "
    "on purpose.",
    "The business runs this model for one season only: it is switched off in March.",
]
EVIDENCE_NOTE = "Shown in the team's runbook; the link is the job that does it."


@dataclass
class Draft:
    """One candidate: the assessment, its lead, the practices its project is asked and the
    levels of the project's previous submission."""

    assessment: Assessment
    lead: User
    practices: dict[str, scoring.Practice]
    dimensions: tuple[scoring.Dimension, ...]
    profile: Profile | None
    previous: dict[str, int | None]
    rows: dict[str, Answer] = field(default_factory=dict)

    def values(self) -> dict[str, str]:
        return {key: self.rows[key].value or "partly" for key in self.practices}


@dataclass
class Plan:
    values: dict[str, str]
    evidence: set[str] = field(default_factory=set)
    changed_at: dict[str, datetime.datetime] = field(default_factory=dict)


def draft_for(assessment: Assessment, lead: User, previous: dict[str, int | None]) -> Draft:
    assessment.refresh_from_db()
    profile = assessment_profile(assessment=assessment)
    framework = assessment.period.framework
    dimensions, practices = scoring_framework(framework, profile)
    asked = (
        scoring.asked_practices(practices, profile) if framework.scoring_rule >= 2 else practices
    )
    draft = Draft(
        assessment=assessment,
        lead=lead,
        practices={p.key: p for p in sorted(asked, key=lambda p: (p.order, p.key))},
        dimensions=dimensions,
        profile=profile,
        previous=previous,
    )
    rows = Answer.objects.filter(assessment=assessment).select_related("practice")
    draft.rows = {row.practice.key: row for row in rows if row.practice.key in draft.practices}
    return draft


def _claims(draft: Draft, values: dict[str, str]) -> list[review_rules.DimensionClaim]:
    score = scoring.score_assessment(
        dimensions=draft.dimensions,
        practices=tuple(draft.practices.values()),
        answers=values,
        rule=draft.assessment.period.framework.scoring_rule,
        profile=draft.profile,
    )
    return review_rules.claims_of(score.dimensions)


def _rises(draft: Draft, values: dict[str, str]) -> dict[str, int]:
    return review_rules.level_rises(_claims(draft, values), draft.previous)


def _keys_of(draft: Draft, dimension: str) -> list[str]:
    return [key for key, p in draft.practices.items() if p.dimension_key == dimension]


def _top_yes(draft: Draft, values: dict[str, str]) -> set[str]:
    return {
        key for key, value in values.items() if value == "yes" and draft.practices[key].level == 2
    }


def _complete(draft: Draft, plan: Plan, dimension: str, *, evidence: bool = True) -> None:
    for key in _keys_of(draft, dimension):
        if plan.values[key] != "na":
            plan.values[key] = "yes"
            if evidence and draft.practices[key].level == TOP_LEVEL:
                plan.evidence.add(key)


def ensure_rise(draft: Draft, plan: Plan) -> None:
    """Complete the lowest dimension that then rises, unless a level rose already."""
    if _rises(draft, plan.values):
        return
    for dimension, before in sorted(
        draft.previous.items(), key=lambda item: (item[1] or 0, item[0])
    ):
        if before is None or before >= TOP_LEVEL:
            continue
        trial = Plan(values=dict(plan.values), evidence=set(plan.evidence))
        _complete(draft, trial, dimension)
        if _rises(draft, trial.values):
            plan.values, plan.evidence = trial.values, trial.evidence
            return


# --- The scenarios ----------------------------------------------------------------------------


def _lowest_dimensions(draft: Draft, level: int) -> list[str]:
    """The dimensions at `level` last quarter, the smallest first (the likeliest to be done
    in one quarter)."""
    return sorted(
        (key for key, before in draft.previous.items() if before == level),
        key=lambda key: (len(_keys_of(draft, key)), key),
    )


def plan_big_rise(draft: Draft) -> Plan:
    """Every dimension at level 0 last quarter now has its level-0 and level-1 practices in
    place (so the overall level rises), and up to two of them are at level 2, fully in place
    with their evidence."""
    plan = Plan(values=draft.values())
    plan.evidence = _top_yes(draft, plan.values)
    for dimension in _lowest_dimensions(draft, 0):
        for key in _keys_of(draft, dimension):
            if draft.practices[key].level < TOP_LEVEL and plan.values[key] != "na":
                plan.values[key] = "yes"
    risen = 0
    for dimension in _lowest_dimensions(draft, 0):
        trial = Plan(values=dict(plan.values), evidence=set(plan.evidence))
        _complete(draft, trial, dimension)
        if _rises(draft, trial.values).get(dimension, 0) > 1:
            plan, risen = trial, risen + 1
        if risen == 2:
            break
    return plan


def plan_unevidenced(draft: Draft) -> Plan:
    """A dimension at level 1 last quarter now at level 2, claimed without evidence."""
    plan = Plan(values=draft.values())
    dimensions = _lowest_dimensions(draft, 1) or _lowest_dimensions(draft, 0)
    for dimension in dimensions[:1]:
        _complete(draft, plan, dimension, evidence=False)
    plan.evidence = set()  # the point: level-2 claims without a link or a note
    return plan


def plan_many_na(draft: Draft) -> tuple[Plan, dict[str, str]]:
    """The largest dimension's level-2 and level-1 practices "not applicable" until more
    than a third of it is, each with its reason."""
    plan = Plan(values=draft.values())
    plan.evidence = _top_yes(draft, plan.values)
    by_size = sorted(
        {p.dimension_key for p in draft.practices.values()},
        key=lambda key: (-len(_keys_of(draft, key)), key),
    )
    keys = sorted(_keys_of(draft, by_size[0]), key=lambda key: (-draft.practices[key].level, key))
    wanted = len(keys) // 3 + 1
    reasons = {}
    for index, key in enumerate(keys[:wanted]):
        plan.values[key] = "na"
        reasons[key] = NA_REASONS[index % len(NA_REASONS)]
    plan.evidence -= set(reasons)
    return plan, reasons


def plan_last_day(draft: Draft, day: list[datetime.datetime]) -> Plan:
    """Raise answers one step each at the times in `day` (the day before the due date)."""
    plan = Plan(values=draft.values())
    raisable = [key for key in draft.practices if plan.values[key] in RAISED]
    for key, when in zip(raisable, day, strict=False):
        plan.values[key] = RAISED[plan.values[key]]
        plan.changed_at[key] = when
    plan.evidence = _top_yes(draft, plan.values)
    return plan


# --- Writing and submitting -------------------------------------------------------------------


def reopen(assessment: Assessment) -> None:
    """A submitted demo result back to a draft, its stored scores gone, to submit it again."""
    DimensionScore.objects.filter(assessment=assessment).delete()
    PracticeGap.objects.filter(assessment=assessment).delete()
    Assessment.objects.filter(pk=assessment.pk).update(
        status=Assessment.Status.DRAFT,
        review_status=Assessment.Review.NONE,
        signals=[],
        overall_level=None,
        overall_score=None,
        weakest_dimension_key="",
        anti_patterns=[],
    )
    assessment.refresh_from_db()


def write(
    draft: Draft, plan: Plan, *, at: datetime.datetime, reasons: dict[str, str] | None = None
) -> None:
    """Save the plan's answers as the lead's, each change in the answers' history."""
    reasons = reasons or {}
    rows, changes = [], []
    for key, row in draft.rows.items():
        value = plan.values[key]
        evidence = evidence_url(draft, key) if key in plan.evidence else row.evidence_url
        if value == row.value and evidence == row.evidence_url and not row.carried_over:
            continue
        when = plan.changed_at.get(key, at)
        if value != row.value:
            changes.append(_change(row, "value", row.value, value, draft.lead, when))
        if evidence != row.evidence_url:
            changes.append(
                _change(row, "evidence_url", row.evidence_url, evidence, draft.lead, when)
            )
        row.value, row.evidence_url = value, evidence
        row.na_reason = reasons.get(key, row.na_reason) if value == "na" else ""
        row.carried_over = row.confirmed_unchanged = False
        row.version += 1
        row.answered_by, row.answered_at = draft.lead, when
        rows.append(row)
    Answer.objects.bulk_update(
        rows,
        [
            "value",
            "evidence_url",
            "na_reason",
            "carried_over",
            "confirmed_unchanged",
            "version",
            "answered_by",
            "answered_at",
        ],
    )
    AnswerChange.objects.bulk_create(changes)


def evidence_url(draft: Draft, key: str) -> str:
    return f"https://ci.example.com/{draft.assessment.project.slug}/{key}"


def _change(
    row: Answer, name: str, old: str, new: str, user: User, when: datetime.datetime
) -> AnswerChange:
    return AnswerChange(
        answer=row, field=name, old_value=old, new_value=new, changed_by=user, changed_at=when
    )


def submit(draft: Draft, *, at: datetime.datetime) -> Assessment:
    """Submit as the lead, then date the submission and its exemption requests `at`."""
    assessment_submit(assessment=draft.assessment, user=draft.lead, confirm_carried=True)
    assessment = draft.assessment
    Assessment.objects.filter(pk=assessment.pk).update(submitted_at=at)
    Exemption.objects.filter(assessment=assessment, status=Exemption.Status.REQUESTED).update(
        requested_at=at
    )
    assessment.refresh_from_db()
    return assessment


def answer_declined(draft: Draft, key: str, *, at: datetime.datetime) -> None:
    """The lead answers a practice whose exemption was declined: "partly", with a note."""
    row = Answer.objects.get(pk=draft.rows[key].pk)
    AnswerChange.objects.bulk_create([_change(row, "value", row.value, "partly", draft.lead, at)])
    Answer.objects.filter(pk=row.pk).update(
        value="partly",
        na_reason="",
        note="Agreed with the reviewer: we do part of this by hand; a ticket covers the rest.",
        version=F("version") + 1,
        answered_by=draft.lead,
        answered_at=at,
    )


def add_evidence(draft: Draft, keys: list[str], *, at: datetime.datetime) -> None:
    """The lead answers the reviewer's questions about claims: a link and a note each."""
    rows = list(
        Answer.objects.filter(pk__in=[draft.rows[key].pk for key in keys]).select_related(
            "practice"
        )
    )
    for row in rows:
        row.evidence_url = evidence_url(draft, row.practice.key)
        row.note = EVIDENCE_NOTE
        row.version += 1
        row.answered_by, row.answered_at = draft.lead, at
    AnswerChange.objects.bulk_create(
        _change(row, "evidence_url", "", row.evidence_url, draft.lead, at) for row in rows
    )
    Answer.objects.bulk_update(
        rows, ["evidence_url", "note", "version", "answered_by", "answered_at"]
    )


def day_before_due(now: datetime.datetime, count: int) -> list[datetime.datetime]:
    """`count` moments spread over today up to now: the demo's period is due tomorrow."""
    start = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(now), datetime.time.min)
    )
    span = now - start
    return [start + span * (index + 1) / (count + 2) for index in range(count)]
