"""A small framework, two quarters and answers: what the initiative tests build on.

KPI and DRIFT are asked of everyone; EVALS only of LLM applications (under scoring rule 2).
"""

import datetime

from assessments.models import Answer, Assessment, Framework, Period, Practice, ProjectProfile
from improvement.models import Initiative
from tests.assessments.factories import DimensionFactory, FrameworkFactory, PracticeFactory

KPI = "business-kpi-tracking"
DRIFT = "drift-monitoring"
EVALS = "llm-evals"
TODAY = datetime.date(2026, 11, 18)  # a Wednesday in 2026-Q4
Q3_OPENS = datetime.date(2026, 7, 1)
Q4_OPENS = datetime.date(2026, 10, 1)
LLM_PROFILE = {"kind": "llm_api", "serving": "online", "label_delay": "never", "risk_tier": "high"}
CLASSIC_PROFILE = {**LLM_PROFILE, "kind": "supervised"}


def small_framework(*, rule: int = 2, version: int = 1) -> Framework:
    framework = FrameworkFactory(version=version, scoring_rule=rule)
    monitoring = DimensionFactory(framework=framework, key="monitoring", name="Monitoring")
    for key, applies_to in ((KPI, {}), (DRIFT, {}), (EVALS, {"kind": ["llm_api"]})):
        PracticeFactory(
            framework=framework,
            dimension=monitoring,
            key=key,
            question=f"Is {key} in place?",
            applies_to=applies_to,
        )
    return framework


def quarter(framework: Framework, key: str, opens_on: datetime.date) -> Period:
    return Period.objects.create(
        key=key,
        framework=framework,
        opens_on=opens_on,
        due_on=opens_on + datetime.timedelta(days=20),
        closes_on=opens_on + datetime.timedelta(days=34),
    )


def assess(
    project, period: Period, *, submitted: bool = True, profile=None, **answers
) -> Assessment:
    """An assessment of `project` with answers given as practice key (underscores for dashes)."""
    assessment = Assessment.objects.create(
        project=project,
        period=period,
        status=Assessment.Status.SUBMITTED if submitted else Assessment.Status.DRAFT,
        profile=profile or {},
    )
    for name, value in answers.items():
        practice = Practice.objects.get(framework=period.framework, key=name.replace("_", "-"))
        Answer.objects.create(
            assessment=assessment,
            practice=practice,
            value=value,
            na_reason="Does not apply." if value == "na" else "",
        )
    return assessment


def describe(project, profile: dict) -> None:
    ProjectProfile.objects.update_or_create(project=project, defaults=profile)


def initiative(**fields) -> Initiative:
    from tests.improvement.factories import InitiativeFactory

    fields.setdefault("practice_keys", [KPI, DRIFT])
    fields.setdefault("starts_on", datetime.date(2026, 10, 1))
    fields.setdefault("target_on", datetime.date(2027, 3, 29))
    units = fields.pop("units", [])
    teams = fields.pop("teams", [])
    created = InitiativeFactory(**fields)
    created.units.set(units)
    created.teams.set(teams)
    return created
