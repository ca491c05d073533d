"""Setting targets (improvement.services.targets): rules and overrides, their checks, the
audit entry of every change and the dashboards' refresh."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from core.cache import dashboards_generation
from core.models import AuditEntry
from improvement.models import TargetOverride, TargetRule
from improvement.selectors.targets import project_targets
from improvement.services.targets import (
    target_override_clear,
    target_override_set,
    target_rule_clear,
    target_rule_set,
)
from tests.improvement.targets_data import framework_with_dimensions

TODAY = datetime.date(2026, 11, 15)
DUE = datetime.date(2027, 6, 30)


@pytest.fixture
def dimensions(db):
    return framework_with_dimensions(1)


def errors(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# --- The organisation's rules -----------------------------------------------------------------


def test_it_creates_then_changes_a_rule_and_audits_both(erin):
    before = dashboards_generation()
    rule = target_rule_set(stage="production", level=1, due_on=DUE, actor=erin, today=TODAY)
    assert dashboards_generation() != before
    created = AuditEntry.objects.get(action="target_rule.create")
    assert created.after == {
        "stage": "production",
        "dimension": "overall",
        "level": 1,
        "due_on": "2027-06-30",
    }
    assert (created.actor, created.target_id) == (erin, rule.pk)
    target_rule_set(stage="production", level=2, due_on=DUE, actor=erin, today=TODAY)
    changed = AuditEntry.objects.get(action="target_rule.change")
    assert (changed.before, changed.after) == ({"level": 1}, {"level": 2})
    assert TargetRule.objects.get().updated_by == erin


def test_it_clears_a_rule_and_audits_what_it_was(erin):
    target_rule_set(stage="pilot", level=1, due_on=DUE, actor=erin, today=TODAY)
    assert target_rule_clear(stage="pilot", actor=erin)
    entry = AuditEntry.objects.get(action="target_rule.delete")
    assert entry.before["level"] == 1 and entry.after == {}
    assert not TargetRule.objects.exists()
    assert not target_rule_clear(stage="pilot", actor=erin)  # cleared already: nothing to do


def test_it_refuses_a_level_outside_0_to_2(erin):
    with pytest.raises(ValidationError) as excinfo:
        target_rule_set(stage="production", level=3, due_on=DUE, actor=erin, today=TODAY)
    assert errors(excinfo) == {"level": ["Choose level 0, 1 or 2."]}


def test_it_refuses_a_date_that_has_passed_but_keeps_one_that_passed_since(erin):
    with pytest.raises(ValidationError) as excinfo:
        target_rule_set(
            stage="production", level=1, due_on=datetime.date(2026, 6, 30), actor=erin, today=TODAY
        )
    assert errors(excinfo)["due_on"][0].startswith("30 Jun 2026 has passed")
    target_rule_set(stage="production", level=1, due_on=DUE, actor=erin, today=TODAY)
    # A year later the date has passed: the level can still change, the date stays.
    later = datetime.date(2027, 9, 1)
    target_rule_set(stage="production", level=0, due_on=DUE, actor=erin, today=later)
    assert TargetRule.objects.get().level == 0


def test_it_refuses_an_unknown_dimension_or_stage(erin, dimensions):
    with pytest.raises(ValidationError) as excinfo:
        target_rule_set(
            stage="production", dimension_key="vibes", level=1, due_on=DUE, actor=erin, today=TODAY
        )
    assert "no dimension “vibes”" in errors(excinfo)["dimension_key"][0]
    with pytest.raises(ValidationError):
        target_rule_set(stage="someday", level=1, due_on=DUE, actor=erin, today=TODAY)
    rule = target_rule_set(
        stage="production", dimension_key="data", level=1, due_on=DUE, actor=erin, today=TODAY
    )
    assert rule.dimension_key == "data"


# --- Overrides --------------------------------------------------------------------------------


def test_an_override_needs_a_reason(erin, project):
    with pytest.raises(ValidationError) as excinfo:
        target_override_set(
            project=project, level=2, due_on=DUE, reason="  ", actor=erin, today=TODAY
        )
    assert "Say why" in errors(excinfo)["reason"][0]
    assert not TargetOverride.objects.exists()


def test_an_override_is_audited_and_clearing_it_returns_to_the_inherited_target(
    erin, team, project
):
    target_rule_set(stage="production", level=1, due_on=DUE, actor=erin, today=TODAY)
    before = dashboards_generation()
    target_override_set(
        team=team, level=0, due_on=DUE, reason="  New  team.", actor=erin, today=TODAY
    )
    assert dashboards_generation() != before
    entry = AuditEntry.objects.get(action="target_override.create")
    assert entry.after["reason"] == "New team." and entry.target_type == "targetoverride"
    assert project_targets(projects=[project.pk], today=TODAY)[project.pk].overall.target.level == 0
    target_override_set(
        team=team, level=1, due_on=DUE, reason="Caught up.", actor=erin, today=TODAY
    )
    changed = AuditEntry.objects.get(action="target_override.change")
    assert changed.before == {"level": 0, "reason": "New team."}
    assert target_override_clear(team=team, actor=erin)
    assert AuditEntry.objects.filter(action="target_override.delete").count() == 1
    overall = project_targets(projects=[project.pk], today=TODAY)[project.pk].overall
    assert (overall.target.level, overall.target.source) == (1, "organisation")


def test_an_override_belongs_to_a_team_or_a_project_not_both(erin, team, project):
    with pytest.raises(ValueError):
        target_override_set(
            team=team, project=project, level=1, due_on=DUE, reason="x", actor=erin, today=TODAY
        )
