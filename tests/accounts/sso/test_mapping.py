"""The pure rule: what groups grant, and what a log-in adds, takes away and leaves alone."""

from accounts.models import SsoGroupMapping
from accounts.sso.mapping import (
    FROM_PROVIDER,
    ORG_ROLES,
    TEAM_ROLES,
    UNIT_MANAGER,
    GroupMapping,
    HeldMembership,
    grants_for,
    groups_from_claim,
    membership_changes,
    synced,
)
from teams.models import Membership

MAPPINGS = [
    GroupMapping("ml-leads", "team_lead", team_id=1),
    GroupMapping("ml-all", "team_member", team_id=1),
    GroupMapping("ml-all", "team_member", team_id=2),
    GroupMapping("execs", "management"),
    GroupMapping("portal-admins", "org_admin"),
    GroupMapping("emea", "unit_manager", unit_id=7),
]


def test_it_speaks_the_models_vocabulary():
    assert {*ORG_ROLES, UNIT_MANAGER, *TEAM_ROLES} == set(SsoGroupMapping.Grant.values)
    assert set(TEAM_ROLES.values()) == set(Membership.Role.values)
    assert FROM_PROVIDER == Membership.Source.IDP


def test_it_reads_a_list_or_a_single_group_and_nothing_else():
    assert groups_from_claim(["b", "a", "a", " ", 3, None, " c "]) == ["a", "b", "c"]
    assert groups_from_claim("ml-leads") == ["ml-leads"]
    assert groups_from_claim(None) == []
    assert groups_from_claim({"ml-leads": True}) == []


def test_it_grants_what_the_groups_map_to():
    grants = grants_for(["ml-all", "execs", "emea", "unmapped"], MAPPINGS)
    assert grants.roles == {"management"}
    assert grants.managed_units == {7}
    assert grants.teams == {1: "member", 2: "member"}


def test_it_lets_lead_win_over_member_in_either_order():
    assert grants_for(["ml-all", "ml-leads"], MAPPINGS).teams == {1: "lead", 2: "member"}
    assert grants_for(["ml-leads", "ml-all"], list(reversed(MAPPINGS))).teams[1] == "lead"


def test_it_grants_nothing_without_groups():
    grants = grants_for([], MAPPINGS)
    assert (grants.roles, grants.managed_units, dict(grants.teams)) == (set(), set(), {})


def test_it_adds_what_is_granted_and_takes_what_no_longer_is():
    plan = synced(held={"management"}, previously_granted={"management"}, granted={"reviewer"})
    assert plan.after == {"reviewer"}
    assert plan.granted == {"reviewer"}


def test_it_never_touches_what_was_set_by_hand():
    plan = synced(held={"org_admin"}, previously_granted=set(), granted=set())
    assert plan.after == {"org_admin"}
    # Granted by the provider too: it stays the hand's, so losing the group keeps it.
    plan = synced(held={"org_admin"}, previously_granted=set(), granted={"org_admin"})
    assert (plan.after, plan.granted) == ({"org_admin"}, set())


def test_it_gives_back_a_granted_role_an_admin_took_away():
    plan = synced(held=set(), previously_granted={"reviewer"}, granted={"reviewer"})
    assert (plan.after, plan.granted) == ({"reviewer"}, {"reviewer"})


def test_it_changes_only_memberships_from_the_provider():
    held = {
        1: HeldMembership("member", FROM_PROVIDER),  # now lead
        2: HeldMembership("lead", "portal"),  # set by hand: stays, even though granted
        3: HeldMembership("member", FROM_PROVIDER),  # no longer granted
        4: HeldMembership("member", "portal"),  # set by hand, not granted: stays
        5: HeldMembership("lead", FROM_PROVIDER),  # unchanged
    }
    granted = {1: "lead", 2: "member", 5: "lead", 6: "member"}
    assert membership_changes(held=held, granted=granted) == {1: "lead", 3: None, 6: "member"}
