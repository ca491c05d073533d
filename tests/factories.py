import factory
from django.contrib.auth.models import User
from django.utils.text import slugify

from core.signals import projects_changed
from improvement.models import TargetOverride, TargetRule
from teams.models import Membership, Project, Team


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.LazyAttribute(lambda team: slugify(team.name))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = Membership.Role.MEMBER


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        skip_postgeneration_save = True

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Project {n}")
    slug = factory.LazyAttribute(lambda project: slugify(project.name))
    stage = Project.Stage.PRODUCTION
    kpi = "Conversion rate"

    @factory.post_generation
    def target_phases(project: Project, create: bool, extracted: object, **kwargs: object) -> None:
        # As project_register does, where targets exist: the project has one to stand against.
        if create and (TargetRule.objects.exists() or TargetOverride.objects.exists()):
            projects_changed.send(sender=Project, projects=[project.pk])
