"""Aggregates for the project, team and organisation pages: read stored scores only."""

from django.db.models import QuerySet

from assessments.models import Assessment
from assessments.selectors.assessments import period_current
from teams.models import Project, Team


def project_assessments(*, project: Project) -> QuerySet[Assessment]:
    return project.assessments.select_related("period").order_by("-period__opens_on")


def project_page_data(*, project: Project) -> dict:
    return {"assessments": project_assessments(project=project)}


def team_page_data(*, team: Team) -> dict:
    period = period_current()
    if period is None:
        return {"period": None, "assessments_by_project": {}}
    assessments = Assessment.objects.filter(period=period, project__team=team)
    return {
        "period": period,
        "assessments_by_project": {a.project_id: a for a in assessments},
    }
