"""Roles follow the provider's groups at every log-in, and what an admin set by hand stays."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import SsoIdentity, SsoLoginAttempt
from accounts.sso.sync import sso_roles_sync
from core.access import is_management, is_org_admin, is_reviewer
from teams.models import Membership, UnitManager
from teams.people import membership_set, org_roles, role_set
from teams.units import unit_create
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def _teams(user) -> dict[str, tuple[str, str]]:
    return {
        m.team.name: (m.role, m.source)
        for m in Membership.objects.filter(user=user).select_related("team")
    }


def test_it_makes_a_mapped_group_a_team_lead(sign_in, mapping, team):
    mapping("ml-fraud-leads", "team_lead", team=team)
    user = sign_in(groups=["ml-fraud-leads"])
    assert _teams(user) == {"Fraud Detection": ("lead", "idp")}


def test_it_lets_lead_win_when_two_groups_grant_one_team(sign_in, mapping, team):
    mapping("ml-everyone", "team_member", team=team)
    mapping("ml-fraud-leads", "team_lead", team=team)
    user = sign_in(groups=["ml-everyone", "ml-fraud-leads"])
    assert _teams(user) == {"Fraud Detection": ("lead", "idp")}


def test_it_takes_a_removed_groups_membership_and_leaves_a_hand_set_one(
    sign_in, mapping, team, other_team, erin
):
    mapping("ml-fraud-leads", "team_lead", team=team)
    user = sign_in(groups=["ml-fraud-leads"])
    membership_set(user=user, team=other_team, role="member", actor=erin)
    user = sign_in(groups=[])
    assert _teams(user) == {"Search Ranking": ("member", "portal")}


def test_it_never_changes_a_membership_set_by_hand_even_when_a_group_grants_it(
    sign_in, mapping, team, erin
):
    mapping("ml-fraud-leads", "team_lead", team=team)
    user = sign_in(groups=[])
    membership_set(user=user, team=team, role="member", actor=erin)
    user = sign_in(groups=["ml-fraud-leads"])
    user = sign_in(groups=[])
    assert _teams(user) == {"Fraud Detection": ("member", "portal")}


def test_it_refuses_a_portal_edit_of_a_membership_from_the_provider(sign_in, mapping, team, erin):
    mapping("ml-fraud-leads", "team_lead", team=team)
    user = sign_in(groups=["ml-fraud-leads"])
    for role in ("member", None):
        with pytest.raises(ValidationError, match="comes from single sign-on"):
            membership_set(user=user, team=team, role=role, actor=erin)
    assert _teams(user) == {"Fraud Detection": ("lead", "idp")}


def test_it_refuses_a_sync_edit_of_a_membership_set_in_the_portal(alice, team):
    with pytest.raises(ValidationError, match="was set in the portal"):
        membership_set(user=alice, team=team, role=None, actor=None, source="idp")
    assert Membership.objects.filter(user=alice, team=team, role="lead").exists()


def test_it_grants_and_takes_organisation_roles(sign_in, mapping):
    mapping("execs", "management")
    mapping("auditors", "reviewer")
    user = sign_in(groups=["execs", "auditors"])
    assert is_management(user) and is_reviewer(user)
    user = sign_in(groups=["auditors"])
    assert org_roles(user) == {"reviewer"}
    assert SsoIdentity.objects.get(user=user).granted == {
        "roles": ["reviewer"],
        "managed_units": [],
    }


def test_it_keeps_a_role_set_by_hand_when_no_group_grants_it(sign_in, mapping, erin):
    mapping("execs", "management")
    user = sign_in(groups=["execs"])
    role_set(user=user, roles={"management", "reviewer"}, actor=erin)
    user = sign_in(groups=[])
    assert org_roles(user) == {"reviewer"}


def test_it_keeps_the_last_org_admin_and_says_so(sign_in, mapping):
    mapping("portal-admins", "org_admin")
    user = sign_in(groups=["portal-admins"])
    assert is_org_admin(user)
    user = sign_in(groups=[])  # nobody else is an org admin
    assert is_org_admin(user)
    assert "Kept the org admin role" in SsoLoginAttempt.objects.first().message
    # Still the provider's: once someone else is an org admin, the next log-in takes it.
    UserFactory(username="other-admin", is_staff=True)
    user = sign_in(groups=[])
    assert not is_org_admin(user)


def test_it_manages_the_units_its_groups_grant_and_no_more(sign_in, mapping, erin):
    emea = unit_create(name="EMEA", parent=None, actor=None)
    apac = unit_create(name="APAC", parent=None, actor=None)
    mapping("emea-managers", "unit_manager", unit=emea)
    user = sign_in(groups=["emea-managers"])
    UnitManager.objects.create(user=user, unit=apac)  # by hand
    user = sign_in(groups=[])
    assert list(UnitManager.objects.filter(user=user).values_list("unit__name", flat=True)) == [
        "APAC"
    ]


def test_it_notes_an_archived_team_and_signs_in_anyway(sign_in, mapping, team):
    team.archived_at = timezone.now()
    team.save()
    mapping("ml-fraud-leads", "team_lead", team=team)
    user = sign_in(groups=["ml-fraud-leads"])
    assert _teams(user) == {}
    assert "Not added to Fraud Detection" in SsoLoginAttempt.objects.first().message


@pytest.mark.parametrize("teams", [2, 10])
def test_it_costs_the_same_queries_at_a_log_in_that_changes_nothing(
    sign_in, mapping, teams, django_assert_num_queries
):
    groups = []
    for n in range(teams):
        mapping(f"team-{n}", "team_member", team=TeamFactory())
        groups.append(f"team-{n}")
    mapping("execs", "management")
    user = sign_in(groups=[*groups, "execs"])
    identity = SsoIdentity.objects.get(user=user)
    with django_assert_num_queries(4):  # mappings, org roles, unit roles, memberships
        sso_roles_sync(user=user, identity=identity, groups=[*groups, "execs"])
    with django_assert_num_queries(12):
        sign_in(groups=[*groups, "execs"])
