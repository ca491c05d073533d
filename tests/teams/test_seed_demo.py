from django.contrib.auth.models import User
from django.core.management import call_command

from assessments.models import Assessment
from teams.models import Membership, Project, Team


def _counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Team.objects.count(),
        Project.objects.count(),
        Membership.objects.count(),
    )


def test_it_creates_the_demo_accounts(db):
    call_command("seed_demo", teams=3, projects_per_team=2, quarters=0)
    for username in ("admin", "manager", "lead", "member"):
        assert User.objects.get(username=username).check_password("demo")
    lead = User.objects.get(username="lead")
    assert Membership.objects.get(user=lead).role == "lead"
    assert User.objects.get(username="manager").groups.filter(name="Management").exists()
    assert User.objects.get(username="admin").is_superuser


def test_it_adds_nothing_when_run_again(db):
    call_command("seed_demo", teams=3, projects_per_team=2, quarters=0)
    before = _counts()
    call_command("seed_demo", teams=3, projects_per_team=2, quarters=0)
    assert _counts() == before


def _snapshot() -> tuple[list, list, list]:
    return (
        sorted(Project.objects.values_list("name", "stage")),
        sorted(User.objects.values_list("username", flat=True)),
        sorted(
            Assessment.objects.values_list(
                "project__name", "period__key", "status", "overall_level", "mean_score"
            )
        ),
    )


def test_it_is_deterministic_for_a_seed(db):
    call_command("seed_demo", teams=4, projects_per_team=3, seed=7, quarters=2)
    first = _snapshot()
    Assessment.objects.all().delete()
    Project.objects.all().delete()
    User.objects.exclude(username__in=["admin", "manager", "lead", "member"]).delete()
    call_command("seed_demo", teams=4, projects_per_team=3, seed=7, quarters=2)
    assert _snapshot() == first
