"""Submissions waiting for review, and reviewers of units."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User

from assessments.models import Assessment, Period, ReviewPolicy
from assessments.rules import review as rules
from assessments.services.answering import assessment_submit
from assessments.services.periods import period_open
from teams.models import Membership, Team, Unit, UnitReviewer
from teams.units import team_move, unit_create
from tests.assessments.fixtures import answer_all, first_key, submit_last_quarter
from tests.assessments.fixtures import answer_one as answer
from tests.factories import ProjectFactory, TeamFactory, UserFactory


def set_policy(rule: str, **fields) -> ReviewPolicy:
    return ReviewPolicy.objects.update_or_create(pk=1, defaults={"rule": rule, **fields})[0]


@pytest.fixture
def pending(past_period, period, project, alice, assessment) -> Assessment:
    """alice's project: "not in place" throughout last quarter, "fully in place" now, so
    every dimension rose two levels; submitted under the policy "rises", it waits."""
    set_policy(rules.RISES)
    submit_last_quarter(past_period, project, alice, "no")
    assessment.refresh_from_db()
    answer_all(assessment, "yes")
    assessment_submit(assessment=assessment, user=alice, confirm_carried=True)
    assessment.refresh_from_db()
    assert assessment.awaits_review
    return assessment


@pytest.fixture
def with_exemption(period, project, alice, assessment) -> tuple[Assessment, str]:
    """alice's submission asking to exempt its first practice: it waits whatever the policy."""
    answer_all(assessment, "yes")
    key = first_key(assessment)
    answer(assessment, key, "na", alice, "Batch scoring only: there is no online endpoint.")
    assessment_submit(assessment=assessment, user=alice)
    assessment.refresh_from_db()
    assert assessment.awaits_review
    return assessment, key


@pytest.fixture
def submit_pending(period: Period) -> Callable[..., list[Assessment]]:
    """submit_pending(3, unit=None): that many new teams, each with a project whose
    assessment a lead submitted and which waits for review (policy "every")."""

    def submit(count: int, *, unit: Unit | None = None, prefix: str = "Queue") -> list[Assessment]:
        set_policy(rules.EVERY)
        teams: list[Team] = []
        for index in range(count):
            team = TeamFactory(name=f"{prefix} team {index}")
            if unit is not None:
                team_move(team=team, unit=unit, actor=None)
            lead = UserFactory(username=f"{prefix.lower()}-lead-{index}")
            Membership.objects.create(user=lead, team=team, role=Membership.Role.LEAD)
            ProjectFactory(team=team, name=f"{prefix} project {index}")
            teams.append(team)
        period_open(period=period)
        submitted = []
        for team in teams:
            draft = Assessment.objects.get(period=period, project__team=team)
            answer_all(draft, "partly")
            assessment_submit(assessment=draft, user=team.memberships.get().user)
            submitted.append(draft)
        return submitted

    return submit


@pytest.fixture
def units(erin) -> dict[str, Unit]:
    """Retail division > Payments, and Data division beside it."""
    retail = unit_create(name="Retail division", parent=None, actor=erin)
    payments = unit_create(name="Payments", parent=retail, actor=erin)
    data = unit_create(name="Data division", parent=None, actor=erin)
    return {"retail": retail, "payments": payments, "data": data}


@pytest.fixture
def ursula(units) -> User:
    """A reviewer of the Retail division (and so of Payments below it), in no team."""
    user = UserFactory(username="ursula", first_name="Ursula")
    UnitReviewer.objects.create(user=user, unit=units["retail"])
    return user
