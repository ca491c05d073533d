"""Reads for the target pages: the policy table, the forms' dimensions, who may set a
team's or a project's target, and the targets a team or a project would follow without
its own. A fixed number of queries each."""

from dataclasses import dataclass

from django.contrib.auth.models import User

from assessments.models import Dimension
from core.access import is_org_admin, managed_unit_paths
from improvement.models import TargetOverride, TargetRule
from teams.models import Project, Team


def may_set_overrides(*, user: User, team: Team) -> bool:
    """Org admins, and the managers of a unit that holds the team; never the team itself
    (a lead cannot lower their own bar)."""
    if is_org_admin(user):
        return True
    paths = managed_unit_paths(user)
    if not paths or team.unit_id is None:
        return False
    unit = team.unit  # one query unless the unit came with the team
    return unit is not None and any(unit.path.startswith(managed) for managed in paths)


def dimension_choices() -> list[tuple[str, str]]:
    """Every dimension key of every framework version, named and ordered as the newest
    version that has it (one query)."""
    rows = Dimension.objects.order_by("-framework__version", "order").values_list("key", "name")
    named: dict[str, str] = {}
    for key, name in rows:
        named.setdefault(key, name)
    return list(named.items())


@dataclass(frozen=True)
class PolicyRow:
    """A row of the policy table: the overall level or one dimension, a rule per stage."""

    dimension_key: str
    name: str
    cells: list[tuple[str, str, TargetRule | None]]  # (stage, stage label, its rule)


@dataclass(frozen=True)
class TargetPolicy:
    rows: list[PolicyRow]  # the overall level first, then the dimensions with a rule
    overrides: list[TargetOverride]  # with team, project (and its team) and set_by loaded
    dimensions: list[tuple[str, str]]  # every dimension (key, name), for the forms
    names: dict[str, str]  # dimension key -> name, "" -> "Overall level"

    def has_cell(self, stage: str, dimension_key: str) -> bool:
        stages = {stage for stage, _, _ in self.rows[0].cells}
        return stage in stages and any(row.dimension_key == dimension_key for row in self.rows)

    def rule(self, stage: str, dimension_key: str) -> TargetRule | None:
        row = next((row for row in self.rows if row.dimension_key == dimension_key), None)
        return next((rule for s, _, rule in row.cells if s == stage), None) if row else None


def target_policy() -> TargetPolicy:
    """The organisation's rules as a table of dimensions by stages, and every override in
    force, teams' before projects' (three queries)."""
    dimensions = dimension_choices()
    names: dict[str, str] = {"": "Overall level", **dict(dimensions)}
    found = {(rule.stage, rule.dimension_key): rule for rule in TargetRule.objects.all()}
    keyed = {key for _, key in found if key}
    keys = ["", *sorted(keyed, key=lambda key: str(names.get(key, key)).lower())]
    stages = Project.Stage.choices
    rows = [
        PolicyRow(key, names.get(key, key), [(s, name, found.get((s, key))) for s, name in stages])
        for key in keys
    ]
    overrides = list(
        TargetOverride.objects.select_related("team", "project__team", "set_by").order_by(
            "project_id", "team__name", "project__name", "dimension_key"
        )
    )
    return TargetPolicy(rows=rows, overrides=overrides, dimensions=dimensions, names=names)


@dataclass(frozen=True)
class TargetSources:
    """What a team's or a project's target page shows besides its projects' standing: its
    own overrides, and what it follows without them."""

    own: list[TargetOverride]  # the team's, or the project's
    team: list[TargetOverride]  # the team's, on a project's page; else empty
    rules: list[TargetRule]  # the organisation's, for the project's stage (all on a team's)
    names: dict[str, str]  # dimension key -> name, "" -> "Overall level"


def target_sources(*, team: Team, project: Project | None = None) -> TargetSources:
    """The overrides of the team (and of the project) and the rules they replace (three
    queries: the overrides, the rules, the dimensions' names)."""
    owners = TargetOverride.objects.filter(team=team)
    if project is not None:
        owners = TargetOverride.objects.filter(team=team) | TargetOverride.objects.filter(
            project=project
        )
    overrides = list(owners.select_related("set_by").order_by("dimension_key"))
    rules = TargetRule.objects.all()
    if project is not None:
        rules = rules.filter(stage=project.stage)
    names = {"": "Overall level", **dict(dimension_choices())}
    return TargetSources(
        own=[o for o in overrides if (o.project_id is not None) == (project is not None)],
        team=[o for o in overrides if o.team_id is not None] if project is not None else [],
        rules=sorted(rules, key=lambda rule: (rule.dimension_key != "", rule.stage)),
        names=names,
    )
