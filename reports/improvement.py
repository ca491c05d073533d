"""What a report says about raising maturity: targets, the teams' plans and initiatives.

The numbers are the portal's own (improvement's selectors), picked for the report's scope:
the organisation, a unit's subtree, or one team. Status against targets is judged on the
day the report is generated, from each project's latest submitted assessment, as the
dashboards judge it.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from improvement.models import Action, Initiative
from improvement.selectors.actions import PlanCounts, plan_summary
from improvement.selectors.initiatives import InitiativeSummary, initiative_summaries
from improvement.selectors.targets import ProjectTarget, TargetCounts, target_summary
from insights.shapes import NO_UNIT_CHOICE
from reports.models import Report
from teams.models import Project, Team, Unit

BEHIND_ROWS = 12
PLAN_ROWS = 12
ACTION_ROWS = 12


@dataclass(frozen=True)
class PlanRow:
    """The actions of a team, or of the teams of a unit right below the report's scope."""

    name: str
    counts: PlanCounts


@dataclass(frozen=True)
class ImprovementSection:
    targets: TargetCounts
    behind: list[ProjectTarget]
    behind_total: int
    plan_totals: PlanCounts
    plans: list[PlanRow]  # the most overdue actions first
    plans_by_unit: bool  # rows of units (with their subtree) rather than of teams
    plans_hidden: int
    open_actions: list[Action] = field(default_factory=list)  # a team's report only
    initiatives: list[InitiativeSummary] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.targets.with_target and not self.plan_totals.total and not self.initiatives


def report_improvement(*, report: Report, today: datetime.date) -> ImprovementSection:
    teams = _scope_teams(report)
    projects = Project.objects.filter(
        team__in=teams, archived_at__isnull=True, team__archived_at__isnull=True
    )
    targets = target_summary(projects=projects, today=today)
    paths = {
        pk: (name, path or "") for pk, name, path in teams.values_list("pk", "name", "unit__path")
    }
    counts = plan_summary(team_ids=paths, today=today)
    rows = sorted(
        _plan_rows(report, paths, counts),
        key=lambda row: (-row.counts.overdue, -row.counts.open, row.name),
    )
    return ImprovementSection(
        targets=targets.counts,
        behind=targets.behind[:BEHIND_ROWS],
        behind_total=len(targets.behind),
        plan_totals=_sum([row.counts for row in rows]),
        plans=rows[:PLAN_ROWS],
        plans_by_unit=report.team is None and any(path for _, path in paths.values()),
        plans_hidden=max(len(rows) - PLAN_ROWS, 0),
        open_actions=_open_actions(report.team) if report.team else [],
        initiatives=initiative_summaries(initiatives=_initiatives(report), today=today),
    )


def _plan_rows(
    report: Report, teams: dict[int, tuple[str, str]], counts: dict[int, PlanCounts]
) -> list[PlanRow]:
    """A team's report: its team. The organisation's and a unit's: one row per unit right
    below the scope, with its whole subtree, and one per team right in the scope (the
    teams in no unit are one row beside the organisation's units), as the roll-up's table."""
    if report.team is not None or not any(path for _, path in teams.values()):
        return [PlanRow(teams[pk][0], plan) for pk, plan in counts.items() if plan.total]
    scope = report.unit.path if report.unit is not None else "/"
    below: dict[int, str] = {}  # team -> the unit right below the scope, "" if none
    for pk, (_, path) in teams.items():
        rest = path.removeprefix(scope).strip("/")
        below[pk] = rest.split("/")[0] if path.startswith(scope) and rest else ""
    names = dict(
        Unit.objects.filter(pk__in={int(u) for u in below.values() if u}).values_list("pk", "name")
    )
    summed: dict[str, list[PlanCounts]] = defaultdict(list)
    for pk, plan in counts.items():
        unit = below[pk]
        if unit:
            summed[names[int(unit)]].append(plan)
        elif report.unit is not None:
            summed[teams[pk][0]].append(plan)
        else:
            summed[NO_UNIT_CHOICE.name].append(plan)
    return [PlanRow(name, _sum(plans)) for name, plans in summed.items() if _sum(plans).total]


def _sum(plans: list[PlanCounts]) -> PlanCounts:
    return PlanCounts(
        open=sum(plan.open for plan in plans),
        overdue=sum(plan.overdue for plan in plans),
        done=sum(plan.done for plan in plans),
        dropped=sum(plan.dropped for plan in plans),
    )


def _scope_teams(report: Report) -> QuerySet[Team]:
    teams = Team.objects.filter(archived_at__isnull=True)
    if report.team is not None:
        return teams.filter(pk=report.team.pk)
    if report.unit is not None:
        return teams.filter(unit__path__startswith=report.unit.path)
    return teams


def _open_actions(team: Team) -> list[Action]:
    """The team's open actions, the ones due soonest (overdue) first."""
    return list(
        Action.objects.filter(team=team, status__in=Action.OPEN_STATUSES)
        .select_related("owner", "project")
        .order_by("due_on", "pk")[:ACTION_ROWS]
    )


def _initiatives(report: Report) -> list[Initiative]:
    """Initiatives running for the scope: organisation-wide ones, and those naming a team
    or a unit inside it or a unit above it."""
    initiatives = Initiative.objects.filter(archived_at__isnull=True)
    if report.team is not None or report.unit is not None:
        unit = report.unit or (report.team.unit if report.team else None)
        above = [int(pk) for pk in unit.path.strip("/").split("/")] if unit else []
        touches = (
            Q(units__isnull=True, teams__isnull=True)
            | Q(teams__in=_scope_teams(report))
            | Q(units__in=above)
        )
        if report.unit is not None:
            touches |= Q(units__path__startswith=report.unit.path)
        initiatives = initiatives.filter(touches)
    return list(initiatives.distinct().order_by("target_on", "title"))
