"""Data for the evidence tests: a draft of the real framework v2 for a classic supervised
project, and facts recorded as a collection would record them."""

import datetime

from django.utils import timezone

from assessments.models import Assessment, Framework, ProjectProfile
from assessments.services.frameworks import framework_load
from assessments.services.periods import period_open
from evidence.models import Fact
from teams.models import Project
from tests.assessments.fixtures import FRAMEWORK_PATH, make_period

V2_PATH = FRAMEWORK_PATH.with_name("mlops-v2.yaml")
CLASSIC = {
    "kind": "supervised",
    "serving": "online",
    "label_delay": "weeks",
    "risk_tier": "limited",
}
DATA = "data-versioned-snapshots"  # evidenced by mlflow.dataset_inputs_share_30d, at least 0.8
RUNS = "exp-runs-logged"  # mlflow.metrics_share_30d, at least 0.8
COMMIT = "run-commit-recorded"  # mlflow.git_commit_share_30d, at least 0.8


def load_v2() -> Framework:
    framework_load(path=FRAMEWORK_PATH)
    return framework_load(path=V2_PATH).framework


def open_v2_draft(project: Project, *, key: str = "2026-Q4") -> Assessment:
    """The project's draft of an open v2 period, the project described as classic ML."""
    framework = Framework.objects.filter(key="mlops", version=2).first() or load_v2()
    ProjectProfile.objects.get_or_create(project=project, defaults=CLASSIC)
    period = make_period(framework, key, opened_days_ago=5)
    period_open(period=period)
    return Assessment.objects.get(period=period, project=project)


def record(
    project: Project,
    key: str,
    value: float,
    *,
    hours_ago: float = 2,
    is_demo: bool = False,
    **detail: object,
) -> Fact:
    """A fact as a collection stores it, observed `hours_ago`."""
    return Fact.objects.create(
        project=project,
        key=key,
        value=value,
        detail=detail,
        observed_at=timezone.now() - datetime.timedelta(hours=hours_ago),
        is_demo=is_demo,
    )


def share(project: Project, key: str, count: int, total: int, **options) -> Fact:
    """A share fact: `count` of `total` runs (or versions, or models)."""
    return record(
        project, key, count / total if total else 0.0, count=count, total=total, **options
    )
