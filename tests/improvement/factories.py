import datetime

import factory
from django.utils.text import slugify

from improvement.models import Action, Initiative, TargetOverride, TargetRule
from teams.models import Project
from tests.factories import ProjectFactory, TeamFactory


class TargetRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TargetRule

    stage = Project.Stage.PRODUCTION
    level = 1
    due_on = datetime.date(2027, 6, 30)


class TargetOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TargetOverride

    project = factory.SubFactory(ProjectFactory)
    level = 2
    due_on = datetime.date(2027, 12, 31)
    reason = "Customer-facing: held to a higher bar."


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    project = factory.SubFactory(ProjectFactory)
    team = factory.LazyAttribute(lambda action: action.project.team)
    title = factory.Sequence(lambda n: f"Improvement {n}")
    due_on = datetime.date(2027, 3, 31)


class InitiativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Initiative

    title = factory.Sequence(lambda n: f"Initiative {n}")
    slug = factory.LazyAttribute(lambda initiative: slugify(initiative.title))
    why = "Models drift silently; we want to know before customers do."
    practice_keys = factory.LazyFunction(lambda: ["business-kpi-tracking"])
    starts_on = datetime.date(2026, 10, 1)
    target_on = datetime.date(2027, 3, 31)


__all__ = ["TeamFactory"]
