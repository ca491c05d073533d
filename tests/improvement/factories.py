import datetime

import factory
from django.db.models import Q
from django.utils.text import slugify

from improvement.models import Action, Initiative, TargetOverride, TargetRule
from improvement.services.target_phases import target_phases_refresh
from teams.models import Project
from tests.factories import ProjectFactory, TeamFactory


class TargetRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TargetRule
        skip_postgeneration_save = True

    stage = Project.Stage.PRODUCTION
    level = 1
    due_on = datetime.date(2027, 6, 30)

    @factory.post_generation
    def phases(rule: TargetRule, create: bool, extracted: object, **kwargs: object) -> None:
        if create:  # as target_rule_set does
            target_phases_refresh(projects=Project.objects.filter(stage=rule.stage))


class TargetOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TargetOverride
        skip_postgeneration_save = True

    project = factory.SubFactory(ProjectFactory)
    level = 2
    due_on = datetime.date(2027, 12, 31)
    reason = "Customer-facing: held to a higher bar."

    @factory.post_generation
    def phases(override: TargetOverride, create: bool, extracted: object, **kwargs: object) -> None:
        if create:  # as target_override_set does
            owned = Q(team=override.team_id) if override.team_id else Q(pk=override.project_id)
            target_phases_refresh(projects=Project.objects.filter(owned))


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
