"""Who reads which initiative: management and unit managers all, team people their scope's."""

import pytest
from django.http import Http404

from improvement.selectors.initiatives import (
    initiative_can_manage,
    initiative_get_for_user,
    initiatives_for_user,
)
from teams.models import Membership, UnitManager
from teams.units import unit_create
from tests.factories import TeamFactory, UserFactory
from tests.improvement.initiative_data import initiative


@pytest.fixture
def tree(erin):
    retail = unit_create(name="Retail", parent=None, actor=erin)
    stores = unit_create(name="Stores", parent=retail, actor=erin)
    finance = unit_create(name="Finance", parent=None, actor=erin)
    return retail, stores, finance


@pytest.fixture
def initiatives(tree, team, other_team):
    retail, stores, finance = tree
    team.unit = stores
    team.save()
    return {
        "whole": initiative(title="Whole organisation"),
        "retail": initiative(title="Retail", units=[retail]),
        "finance": initiative(title="Finance", units=[finance]),
        "mine": initiative(title="Fraud only", teams=[team]),
        "theirs": initiative(title="Search only", teams=[other_team]),
        "archived": initiative(title="Old", archived_at="2026-01-01T00:00Z"),
    }


def titles(user):
    return {subject.title for subject in initiatives_for_user(user=user)}


def test_it_shows_a_member_the_initiatives_that_include_their_team(initiatives, bob, alice):
    expected = {"Whole organisation", "Retail", "Fraud only"}
    assert titles(bob) == titles(alice) == expected
    with pytest.raises(Http404):
        initiative_get_for_user(user=bob, slug=initiatives["theirs"].slug)


def test_it_shows_management_and_unit_managers_every_initiative(initiatives, carol, erin, tree):
    manager = UserFactory(username="uma")
    UnitManager.objects.create(user=manager, unit=tree[2])
    every = {"Whole organisation", "Retail", "Finance", "Fraud only", "Search only"}
    assert titles(carol) == titles(erin) == titles(manager) == every
    assert initiative_can_manage(carol) and initiative_can_manage(erin)
    assert not initiative_can_manage(manager)


def test_it_shows_someone_in_no_team_nothing(initiatives, charlie, alice, bob):
    assert titles(charlie) == set()
    assert not initiative_can_manage(alice) and not initiative_can_manage(bob)
    with pytest.raises(Http404):
        initiative_get_for_user(user=charlie, slug=initiatives["whole"].slug)


def test_it_lists_an_initiative_once_for_someone_in_several_teams(initiatives, bob, other_team):
    Membership.objects.create(user=bob, team=other_team)
    extra = TeamFactory(name="Third")
    Membership.objects.create(user=bob, team=extra)
    listed = [subject.title for subject in initiatives_for_user(user=bob)]
    assert len(listed) == len(set(listed)) == 4
