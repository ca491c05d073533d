"""The organisation's tree: units of any depth, moves that carry their subtree, audit
entries for every change, and unit managers who read their subtree and nothing else."""

import pytest
from django.core.exceptions import ValidationError

from core.access import visible_teams_q
from core.models import AuditEntry
from teams.models import Team, Unit, UnitManager
from teams.units import (
    team_create,
    team_move,
    unit_archive,
    unit_create,
    unit_move,
    unit_path_names,
    unit_rename,
    unit_restore,
)
from tests.factories import UserFactory


@pytest.fixture
def tree(db, erin):
    """Data division > Platform department > Serving group; Retail division."""
    data = unit_create(name="Data division", parent=None, actor=erin)
    platform = unit_create(name="Platform", parent=data, actor=erin)
    serving = unit_create(name="Serving", parent=platform, actor=erin)
    retail = unit_create(name="Retail division", parent=None, actor=erin)
    return {"data": data, "platform": platform, "serving": serving, "retail": retail}


def test_a_unit_knows_its_path_from_the_top(tree):
    assert unit_path_names(tree["serving"]) == ["Data division", "Platform", "Serving"]
    assert tree["serving"].depth == 2


def test_moving_a_unit_carries_its_whole_subtree(tree, erin):
    unit_move(unit=tree["platform"], parent=tree["retail"], actor=erin)
    serving = Unit.objects.get(pk=tree["serving"].pk)
    assert unit_path_names(serving) == ["Retail division", "Platform", "Serving"]
    assert serving.depth == 2
    assert serving.path == f"/{tree['retail'].pk}/{tree['platform'].pk}/{serving.pk}/"


def test_a_unit_cannot_move_below_itself(tree, erin):
    with pytest.raises(ValidationError, match="cannot move into itself or a unit below it"):
        unit_move(unit=tree["data"], parent=tree["serving"], actor=erin)
    assert Unit.objects.get(pk=tree["data"].pk).parent is None


def test_a_unit_with_teams_is_not_archived_and_says_what_to_move(tree, erin):
    team_create(name="Feature store", unit=tree["platform"], actor=erin)
    with pytest.raises(ValidationError, match="Move or archive its 1 team and 1 unit first"):
        unit_archive(unit=tree["platform"], actor=erin)


def test_look_alike_names_are_refused_among_siblings(tree, erin):
    with pytest.raises(ValidationError, match="There is already a unit called “Platform” here"):
        unit_create(name="  PLATFORM ", parent=tree["data"], actor=erin)
    unit_create(name="Platform", parent=tree["retail"], actor=erin)  # another parent: fine


def test_every_change_is_in_the_audit_log_with_before_and_after(tree, erin):
    unit_rename(unit=tree["platform"], name="ML Platform", actor=erin)
    entry = AuditEntry.objects.filter(action="unit.rename").get()
    assert (entry.actor, entry.target_label) == (erin, "ML Platform")
    assert (entry.before, entry.after) == ({"name": "Platform"}, {"name": "ML Platform"})
    team = team_create(name="Ranking", unit=tree["data"], actor=erin)
    team_move(team=team, unit=tree["retail"], actor=erin)
    moved = AuditEntry.objects.get(action="team.move")
    assert (moved.before, moved.after) == ({"unit": "Data division"}, {"unit": "Retail division"})


def test_a_unit_manager_reads_the_teams_of_their_subtree_only(tree, erin):
    inside = team_create(name="Serving team", unit=tree["serving"], actor=erin)
    outside = team_create(name="Retail team", unit=tree["retail"], actor=erin)
    director = UserFactory(username="director")
    UnitManager.objects.create(user=director, unit=tree["data"])
    visible = set(Team.objects.filter(visible_teams_q(director)))
    assert visible == {inside}
    assert outside not in visible


def test_a_unit_created_under_a_stale_parent_takes_its_path_as_it_is_now(tree, erin):
    """The form read Platform before another admin moved it: the new unit's path follows
    Platform to where it is now."""
    stale_platform = Unit.objects.get(pk=tree["platform"].pk)
    unit_move(unit=tree["platform"], parent=tree["retail"], actor=erin)
    edge = unit_create(name="Edge", parent=stale_platform, actor=erin)
    assert unit_path_names(edge) == ["Retail division", "Platform", "Edge"]
    assert (edge.depth, edge.path) == (
        2,
        f"{Unit.objects.get(pk=tree['platform'].pk).path}{edge.pk}/",
    )


def test_a_team_is_not_put_in_a_unit_archived_since_the_form_was_read(tree, erin):
    stale_serving = Unit.objects.get(pk=tree["serving"].pk)
    unit_archive(unit=tree["serving"], actor=erin)
    with pytest.raises(ValidationError, match="Serving is archived: restore it first"):
        team_create(name="Latency", unit=stale_serving, actor=erin)
    team = team_create(name="Latency", unit=None, actor=erin)
    with pytest.raises(ValidationError, match="Serving is archived"):
        team_move(team=team, unit=stale_serving, actor=erin)


def test_a_move_is_audited_with_the_parent_before_and_after(tree, erin):
    unit_move(unit=tree["platform"], parent=tree["retail"], actor=erin)
    entry = AuditEntry.objects.get(action="unit.move")
    assert (entry.before, entry.after) == (
        {"parent": "Data division"},
        {"parent": "Retail division"},
    )
    unit_move(unit=tree["platform"], parent=None, actor=erin)
    entry = AuditEntry.objects.filter(action="unit.move").order_by("pk").last()
    assert (entry.before, entry.after) == ({"parent": "Retail division"}, {"parent": None})


def test_archive_and_restore_are_audited(tree, erin):
    unit_archive(unit=tree["serving"], actor=erin)
    unit_restore(unit=tree["serving"], actor=erin)
    entries = AuditEntry.objects.filter(target_type="unit", target_id=tree["serving"].pk)
    changes = {entry.action: (entry.before, entry.after) for entry in entries}
    assert changes["unit.archive"] == ({"archived": False}, {"archived": True})
    assert changes["unit.restore"] == ({"archived": True}, {"archived": False})


def test_hostile_names_are_stored_clean_or_refused(tree, erin):
    unit = unit_create(name="\u202eLatot\u200b  \x1b[2J units\n", parent=None, actor=erin)
    assert unit.name == "Latot [2J units"
    with pytest.raises(ValidationError, match="Keep the name to 120 characters"):
        unit_create(name="x" * 121, parent=None, actor=erin)
    with pytest.raises(ValidationError, match="Give the unit a name"):
        unit_create(name="\u3164\u200b\x07", parent=None, actor=erin)
    with pytest.raises(ValidationError, match="There is already a unit called “Retail division”"):
        unit_create(name="R\u0435tail  DIVISION", parent=None, actor=erin)  # a Cyrillic e
