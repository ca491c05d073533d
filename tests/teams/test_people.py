"""People's roles and access: every change audited with its before and after, sessions
ended at once on deactivation, history kept, and the organisation never left without an
org admin."""

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError

from core.access import is_management, is_org_admin
from core.models import AuditEntry
from teams.models import Membership, UnitManager
from teams.people import (
    REVIEWERS_GROUP,
    membership_set,
    org_roles,
    role_set,
    sessions_end,
    unit_manager_set,
    user_deactivate,
    user_reactivate,
)
from teams.units import unit_create
from tests.factories import UserFactory


def _entry(action: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).get()


def test_it_sets_the_organisation_roles_and_audits_the_change(charlie, erin):
    role_set(user=charlie, roles={"management", "reviewer"}, actor=erin)
    charlie = User.objects.get(pk=charlie.pk)
    assert org_roles(charlie) == {"management", "reviewer"}
    assert is_management(charlie) and not is_org_admin(charlie)
    assert charlie.groups.filter(name=REVIEWERS_GROUP).exists()
    entry = _entry("user.roles")
    assert (entry.actor, entry.target_type, entry.target_id) == (erin, "user", charlie.pk)
    assert entry.before == {"management": False, "reviewer": False}
    assert entry.after == {"management": True, "reviewer": True}


def test_it_makes_and_unmakes_org_admins(charlie, erin):
    role_set(user=charlie, roles={"org_admin"}, actor=erin)
    assert is_org_admin(User.objects.get(pk=charlie.pk))
    role_set(user=erin, roles=set(), actor=charlie)
    erin = User.objects.get(pk=erin.pk)
    assert not is_org_admin(erin)
    assert (erin.is_staff, erin.is_superuser) == (False, False)  # superuser counts too
    assert AuditEntry.objects.filter(action="user.roles").count() == 2


def test_it_records_nothing_when_nothing_changes(carol, erin):
    role_set(user=carol, roles={"management"}, actor=erin)
    assert not AuditEntry.objects.exists()


def test_it_refuses_an_unknown_role(charlie, erin):
    with pytest.raises(ValidationError, match="No such role: superuser"):
        role_set(user=charlie, roles={"superuser"}, actor=erin)


def test_it_never_removes_the_last_org_admin(erin):
    with pytest.raises(ValidationError, match="Erin is the last org admin"):
        role_set(user=erin, roles=set(), actor=erin)
    with pytest.raises(ValidationError, match="cannot deactivate yourself"):
        user_deactivate(user=erin, actor=erin)
    with pytest.raises(ValidationError, match="Erin is the last org admin"):
        user_deactivate(user=erin, actor=None)
    erin.refresh_from_db()
    assert is_org_admin(erin) and erin.is_active
    assert not AuditEntry.objects.exists()


def test_an_inactive_org_admin_does_not_count(erin):
    other = UserFactory(username="otto", is_staff=True, is_active=False)
    with pytest.raises(ValidationError, match="last org admin"):
        role_set(user=erin, roles=set(), actor=None)
    role_set(user=other, roles=set(), actor=erin)  # an inactive admin may lose the role


def test_it_sets_a_team_role_and_audits_the_teams_before_and_after(charlie, erin, team):
    membership_set(user=charlie, team=team, role="member", actor=erin)
    membership_set(user=charlie, team=team, role="lead", actor=erin)
    membership_set(user=charlie, team=team, role=None, actor=erin)
    assert not Membership.objects.filter(user=charlie).exists()
    entries = AuditEntry.objects.filter(action="user.team_role").order_by("pk")
    assert [(entry.before, entry.after) for entry in entries] == [
        ({"teams": []}, {"teams": ["Fraud Detection (member)"]}),
        ({"teams": ["Fraud Detection (member)"]}, {"teams": ["Fraud Detection (team lead)"]}),
        ({"teams": ["Fraud Detection (team lead)"]}, {"teams": []}),
    ]


def test_it_adds_nobody_to_an_archived_team(charlie, erin, team):
    team.archived_at = "2026-01-01T00:00Z"
    team.save()
    with pytest.raises(ValidationError, match="Fraud Detection is archived"):
        membership_set(user=charlie, team=team, role="member", actor=erin)


def test_it_sets_the_units_a_person_manages(charlie, erin):
    data = unit_create(name="Data", parent=None, actor=erin)
    platform = unit_create(name="Platform", parent=data, actor=erin)
    retail = unit_create(name="Retail", parent=None, actor=erin)
    unit_manager_set(user=charlie, units=[data, retail], actor=erin)
    unit_manager_set(user=charlie, units=[platform, retail], actor=erin)
    assert set(UnitManager.objects.filter(user=charlie).values_list("unit__name", flat=True)) == {
        "Platform",
        "Retail",
    }
    entry = AuditEntry.objects.filter(action="user.unit_manager").order_by("pk").last()
    assert (entry.before, entry.after) == (
        {"manages": ["Data", "Retail"]},
        {"manages": ["Data / Platform", "Retail"]},
    )


def test_deactivation_ends_a_live_session_at_once(client, alice, erin):
    client.force_login(alice)
    assert client.get("/").status_code == 200
    sessions = Session.objects.count()
    user_deactivate(user=alice, actor=erin)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Session.objects.count() == sessions - 1
    entry = _entry("user.deactivate")
    assert (entry.before, entry.after) == ({"active": True}, {"active": False, "sessions_ended": 1})


def test_deactivation_leaves_other_peoples_sessions(client, alice, bob, erin):
    client.force_login(bob)
    user_deactivate(user=alice, actor=erin)
    assert client.get("/").status_code == 200


def test_deactivation_keeps_history_attributed(alice, erin, team):
    membership_set(user=alice, team=team, role="member", actor=erin)
    user_deactivate(user=alice, actor=erin)
    alice = User.objects.get(pk=alice.pk)
    assert not alice.is_active
    assert Membership.objects.filter(user=alice, team=team).exists()
    assert AuditEntry.objects.filter(target_type="user", target_id=alice.pk).count() == 2
    user_reactivate(user=alice, actor=erin)
    assert User.objects.get(pk=alice.pk).is_active
    entry = _entry("user.reactivate")
    assert (entry.before, entry.after) == ({"active": False}, {"active": True})


def test_deactivating_twice_records_once(alice, erin):
    user_deactivate(user=alice, actor=erin)
    user_deactivate(user=alice, actor=erin)
    assert AuditEntry.objects.filter(action="user.deactivate").count() == 1


def test_it_finds_sessions_by_their_user_only(client, alice, bob):
    client.force_login(bob)
    assert sessions_end(user=alice) == 0
    assert sessions_end(user=bob) == 1


def test_the_reviewers_group_is_made_when_first_needed(charlie, erin):
    assert not Group.objects.filter(name=REVIEWERS_GROUP).exists()
    role_set(user=charlie, roles={"reviewer"}, actor=erin)
    assert Group.objects.filter(name=REVIEWERS_GROUP).count() == 1
