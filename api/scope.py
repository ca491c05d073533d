"""What a token's reader may read: the same rules as the pages (`core.access`), as
querysets. Anything outside answers 404 in a detail and is simply absent from a list.

Management and org admins (and service tokens with `read`) read everything; a unit's
managers read its whole subtree; leads and members read their teams; anyone else (a
reviewer in no team, someone in no team) reads no team's data.
"""

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from assessments.models import Assessment
from core.access import in_units_q, is_management, managed_unit_paths, visible_teams_q
from improvement.models import Action
from teams.models import Membership, Project, Team, Unit


def units_q(reader: User) -> Q:
    """Units in the reader's scope: management all; unit managers their subtrees; others
    the units of their teams."""
    if is_management(reader):
        return Q()
    mine = Q(pk__in=Membership.objects.filter(user=reader).values("team__unit_id"))
    paths = managed_unit_paths(reader)
    return mine | in_units_q(paths) if paths else mine


def units_for(reader: User) -> QuerySet[Unit]:
    return Unit.objects.filter(units_q(reader))


def teams_for(reader: User) -> QuerySet[Team]:
    return Team.objects.filter(visible_teams_q(reader))


def projects_for(reader: User) -> QuerySet[Project]:
    return Project.objects.filter(visible_teams_q(reader, team="team__"))


def assessments_for(reader: User) -> QuerySet[Assessment]:
    return Assessment.objects.filter(visible_teams_q(reader, team="project__team__"))


def actions_for(reader: User) -> QuerySet[Action]:
    return Action.objects.filter(visible_teams_q(reader, team="team__"))


def unit_path_names(units: list[Unit | None]) -> dict[int, list[str]]:
    """Each unit's names from the top down ("Risk and Customer", "Fraud"), by unit pk, in
    one query for all of them (none when there is no unit)."""
    chains = {unit.pk: _ids(unit.path) for unit in units if unit}
    ids = {pk for chain in chains.values() for pk in chain}
    if not ids:
        return {}
    names = dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {pk: [names[id_] for id_ in chain if id_ in names] for pk, chain in chains.items()}


def _ids(path: str) -> list[int]:
    """ "/3/7/" -> [3, 7]: the ids from the top down."""
    return [int(part) for part in path.strip("/").split("/") if part]
