"""Every action of the administration pages leaves one audit entry, by the org admin who
took it, with the fields it changed before and after."""

import pytest

from core.models import AuditEntry
from teams.models import Unit
from tests.factories import UserFactory

HTMX = {"HTTP_HX_REQUEST": "true"}

# (path, data, action, target, before, after); {names} are filled in from the tree.
TRAIL = [
    ("/manage/units/new/", {"name": "Risk", "parent": "{retail}"}, "unit.create", "Risk",
     {}, {"name": "Risk", "parent": "Retail division", "archived": False}),
    ("/manage/units/platform/rename/", {"name": "ML Platform"}, "unit.rename", "ML Platform",
     {"name": "Platform"}, {"name": "ML Platform"}),
    ("/manage/units/platform/move/", {"parent": "{retail}"}, "unit.move", "Platform",
     {"parent": "Data division"}, {"parent": "Retail division"}),
    ("/manage/units/serving/archive/", {}, "unit.archive", "Serving",
     {"archived": False}, {"archived": True}),
    ("/manage/teams/new/", {"name": "Pricing", "unit": "{serving}"}, "team.create", "Pricing",
     {}, {"name": "Pricing", "unit": "Serving", "archived": False}),
    ("/manage/teams/fraud-detection/rename/", {"name": "Fraud"}, "team.rename", "Fraud",
     {"name": "Fraud Detection"}, {"name": "Fraud"}),
    ("/manage/teams/fraud-detection/move/", {"unit": "none"}, "team.move", "Fraud Detection",
     {"unit": "Platform"}, {"unit": None}),
    ("/manage/teams/fraud-detection/archive/", {}, "team.archive", "Fraud Detection",
     {"archived": False}, {"archived": True}),
    ("/manage/people/{dana}/roles/", {"roles": ["org_admin"]}, "user.roles", "dana",
     {"org_admin": False}, {"org_admin": True}),
    ("/manage/people/{dana}/teams/", {"team": "{team}", "role": "lead"}, "user.team_role", "dana",
     {"teams": []}, {"teams": ["Fraud Detection (team lead)"]}),
    ("/manage/people/{dana}/units/", {"units": ["{data}"]}, "user.unit_manager", "dana",
     {"manages": []}, {"manages": ["Data division"]}),
    ("/manage/people/{dana}/deactivate/", {}, "user.deactivate", "dana",
     {"active": True}, {"active": False, "sessions_ended": 0}),
]  # fmt: skip


@pytest.mark.parametrize(("path", "data", "action", "target", "before", "after"), TRAIL)
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_every_action_leaves_an_audit_entry(
    admin_client, erin, tree, team, htmx, path, data, action, target, before, after
):
    dana = UserFactory(username="dana")
    ids = {"dana": dana.pk, "team": team.pk, **{name: unit.pk for name, unit in tree.items()}}
    data = {
        key: [item.format(**ids) for item in value]
        if isinstance(value, list)
        else value.format(**ids)
        for key, value in data.items()
    }
    AuditEntry.objects.all().delete()
    response = admin_client.post(path.format(**ids), data, **(HTMX if htmx else {}))
    assert response.status_code == (200 if htmx else 302)
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.actor_label, entry.action, entry.target_label) == (
        erin,
        "Erin",
        action,
        target,
    )
    assert (entry.before, entry.after) == (before, after)


def test_a_restore_is_audited_too(admin_client, tree):
    Unit.objects.filter(pk=tree["serving"].pk).update(archived_at="2026-01-01T00:00Z")
    admin_client.post("/manage/units/serving/restore/", **HTMX)
    entry = AuditEntry.objects.get(action="unit.restore")
    assert (entry.before, entry.after) == ({"archived": True}, {"archived": False})


def test_a_refused_action_leaves_no_entry(admin_client, tree):
    AuditEntry.objects.all().delete()
    admin_client.post("/manage/units/data/move/", {"parent": tree["serving"].pk}, **HTMX)
    admin_client.post("/manage/units/new/", {"name": "platform", "parent": tree["data"].pk})
    admin_client.post("/manage/units/platform/archive/", **HTMX)
    assert not AuditEntry.objects.exists()
