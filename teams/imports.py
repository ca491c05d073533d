"""Bulk import of units, teams, people and projects from one CSV file.

A dry run (`import_check`) reads every row and lists every problem by its row number,
changing nothing. `import_apply` checks again and writes everything in one transaction, or
nothing. Rows are matched by slug (units by their path of names, teams and projects by
name) and people by e-mail, so importing the same file again changes nothing.

Columns (the template, `IMPORT_TEMPLATE`, shows one row of each kind):

    kind     unit | team | person | project
    name     the unit's, team's, person's or project's name
    unit     unit: its parent's path ("Data division / Platform", empty at the top);
             team: the unit it belongs to; person: the unit a unit manager manages
    team     person: the team they join; project: the team that owns it
    email    person: their e-mail, which identifies them
    role     person: lead, member, unit_manager, management or reviewer
    stage    project: exploration, pilot, production or retired
"""

import csv
import io
from dataclasses import dataclass, field
from typing import Final

from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify

from core.access import MANAGEMENT_GROUP
from core.audit import audit_record
from core.signals import projects_changed
from core.text import normalise_line
from teams.models import Membership, Project, Team, Unit, UnitManager
from teams.people import REVIEWERS_GROUP
from teams.units import team_create, unit_create

COLUMNS: Final = ("kind", "name", "unit", "team", "email", "role", "stage")
KINDS: Final = ("unit", "team", "person", "project")
ROLES: Final = ("lead", "member", "unit_manager", "management", "reviewer")
MAX_BYTES: Final = 2_000_000
MAX_ROWS: Final = 5_000
MAX_CELL: Final = 200
PATH_SEPARATOR: Final = "/"
# A cell a spreadsheet would run as a formula is refused rather than stored.
FORMULA_STARTS: Final = ("=", "+", "@", "\t", "\r")
IMPORT_TEMPLATE: Final = (
    "kind,name,unit,team,email,role,stage\r\n"
    "unit,Data division,,,,,\r\n"
    "unit,Platform,Data division,,,,\r\n"
    "team,Ranking,Data division / Platform,,,,\r\n"
    "person,Priya Shah,,Ranking,priya.shah@example.com,lead,\r\n"
    "person,Dana Director,Data division,,dana.director@example.com,unit_manager,\r\n"
    "project,Search ranker,,Ranking,,,production\r\n"
)


@dataclass(frozen=True)
class ImportRow:
    number: int  # as a spreadsheet shows it: the header is row 1
    kind: str
    name: str
    unit: tuple[str, ...]
    team: str
    email: str
    role: str
    stage: str


@dataclass
class ImportCheck:
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (row number, problem)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.problems


def import_check(*, data: bytes) -> ImportCheck:
    """Read and check the whole file; change nothing."""
    check = ImportCheck()
    text = _decoded(data, check)
    if text is None:
        return check
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as error:
        check.problems.append((0, f"The file is not a readable CSV ({error})."))
        return check
    if not records:
        check.problems.append((0, "The file is empty: start from the template."))
        return check
    header = [normalise_line(cell).lower() for cell in records[0]]
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        check.problems.append((1, f"The header lacks the column(s) {', '.join(missing)}."))
        return check
    if len(records) - 1 > MAX_ROWS:
        check.problems.append((0, f"The file has {len(records) - 1} rows; at most {MAX_ROWS}."))
        return check
    position = {column: header.index(column) for column in COLUMNS}
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        row = _row(number, record, position, check)
        if row is not None:
            check.rows.append(row)
    _check_references(check)
    return check


def _decoded(data: bytes, check: ImportCheck) -> str | None:
    if len(data) > MAX_BYTES:
        check.problems.append((0, f"The file is larger than {MAX_BYTES // 1_000_000} MB."))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        check.problems.append(
            (0, "The file is not UTF-8 text: save it as “CSV UTF-8” and import it again.")
        )
        return None


def _row(
    number: int, record: list[str], position: dict[str, int], check: ImportCheck
) -> ImportRow | None:
    cells = {}
    for column, index in position.items():
        raw = record[index] if index < len(record) else ""
        if raw.strip().startswith(FORMULA_STARTS):
            check.problems.append(
                (number, f"{column} starts with “{raw.strip()[0]}”: remove the formula.")
            )
            return None
        cell = normalise_line(raw)
        if len(cell) > MAX_CELL:
            check.problems.append((number, f"{column} is longer than {MAX_CELL} characters."))
            return None
        cells[column] = cell
    kind = cells["kind"].lower()
    if kind not in KINDS:
        check.problems.append(
            (number, f"kind must be one of {', '.join(KINDS)} (got “{cells['kind']}”).")
        )
        return None
    if not cells["name"]:
        check.problems.append((number, "name is empty."))
        return None
    row = ImportRow(
        number=number,
        kind=kind,
        name=cells["name"],
        unit=tuple(part.strip() for part in cells["unit"].split(PATH_SEPARATOR) if part.strip()),
        team=cells["team"],
        email=cells["email"].lower(),
        role=cells["role"].lower(),
        stage=cells["stage"].lower(),
    )
    problem = _row_problem(row)
    if problem:
        check.problems.append((number, problem))
        return None
    return row


def _row_problem(row: ImportRow) -> str:
    if row.kind == "team" and not row.unit:
        return "a team needs its unit."
    if row.kind == "person":
        try:
            validate_email(row.email)
        except ValidationError:
            return f"email “{row.email}” is not an e-mail address."
        if row.role not in ROLES:
            return f"role must be one of {', '.join(ROLES)} (got “{row.role}”)."
        if row.role in ("lead", "member") and not row.team:
            return "a lead or member needs a team."
        if row.role == "unit_manager" and not row.unit:
            return "a unit manager needs a unit."
    if row.kind == "project":
        if not row.team:
            return "a project needs its team."
        if row.stage not in Project.Stage.values:
            return f"stage must be one of {', '.join(Project.Stage.values)} (got “{row.stage}”)."
    return ""


def _check_references(check: ImportCheck) -> None:
    """Every unit and team a row names exists, or is created by a row of the file."""
    units = {(*row.unit, row.name) for row in check.rows if row.kind == "unit"}
    units |= {_path(unit) for unit in Unit.objects.all()}
    teams = {slugify(row.name) for row in check.rows if row.kind == "team"}
    teams |= set(Team.objects.values_list("slug", flat=True))
    for row in check.rows:
        named_unit = row.unit if row.kind in ("team", "person") else ()
        parent = row.unit if row.kind == "unit" else ()
        for path in (named_unit, parent):
            if path and path not in units:
                check.problems.append(
                    (row.number, f"unit “{' / '.join(path)}” is not in the file or the portal.")
                )
        if row.kind in ("person", "project") and row.team and slugify(row.team) not in teams:
            check.problems.append(
                (row.number, f"team “{row.team}” is not in the file or the portal.")
            )
    check.problems.sort()


def _path(unit: Unit) -> tuple[str, ...]:
    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    names = dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name"))
    return tuple(names[pk] for pk in ids if pk in names)


@dataclass(frozen=True)
class ImportResult:
    created: dict[str, int]


@transaction.atomic
def import_apply(*, data: bytes, actor: User | None) -> ImportResult | ImportCheck:
    """Check again, then write every row, or nothing: returns the check when it fails."""
    check = import_check(data=data)
    if not check.ok:
        return check
    created = dict.fromkeys(KINDS, 0)
    units: dict[tuple[str, ...], Unit] = {_path(unit): unit for unit in Unit.objects.all()}
    for row in sorted(check.rows, key=lambda r: (KINDS.index(r.kind), len(r.unit))):
        created[row.kind] += _apply(row, units, actor)
    return ImportResult(created=created)


def _apply(row: ImportRow, units: dict[tuple[str, ...], Unit], actor: User | None) -> int:
    if row.kind == "unit":
        path = (*row.unit, row.name)
        if path in units:
            return 0
        units[path] = unit_create(name=row.name, parent=units.get(row.unit), actor=actor)
        return 1
    if row.kind == "team":
        if Team.objects.filter(slug=slugify(row.name)).exists():
            return 0
        team_create(name=row.name, unit=units[row.unit], actor=actor)
        return 1
    team = Team.objects.filter(slug=slugify(row.team)).first()
    if row.kind == "project":
        if team is None or Project.objects.filter(team=team, name__iexact=row.name).exists():
            return 0
        project = Project.objects.create(
            team=team, name=row.name, slug=_project_slug(row.name), stage=row.stage
        )
        audit_record(
            actor=actor, action="project.import", target=project, after={"team": team.name}
        )
        projects_changed.send(sender=Project, projects=[project.pk])  # its stage's target
        return 1
    return _apply_person(row, team, units, actor)


def _apply_person(
    row: ImportRow, team: Team | None, units: dict[tuple[str, ...], Unit], actor: User | None
) -> int:
    user = User.objects.filter(email__iexact=row.email).first()
    created = user is None
    if user is None:
        first, _, last = row.name.partition(" ")
        user = User(
            username=_username(row.email), email=row.email, first_name=first, last_name=last
        )
        user.set_unusable_password()
        user.save()
        audit_record(actor=actor, action="user.import", target=user, after={"email": row.email})
    if row.role in ("lead", "member") and team is not None:
        _, new = Membership.objects.get_or_create(user=user, team=team, defaults={"role": row.role})
        if new:
            audit_record(
                actor=actor,
                action="role.import",
                target=user,
                after={"team": team.name, "role": row.role},
            )
    elif row.role == "unit_manager":
        _, new = UnitManager.objects.get_or_create(user=user, unit=units[row.unit])
        if new:
            audit_record(
                actor=actor, action="role.import", target=user, after={"unit_manager": row.unit[-1]}
            )
    else:
        group, _ = Group.objects.get_or_create(
            name=MANAGEMENT_GROUP if row.role == "management" else REVIEWERS_GROUP
        )
        if not user.groups.filter(pk=group.pk).exists():
            user.groups.add(group)
            audit_record(
                actor=actor, action="role.import", target=user, after={"group": group.name}
            )
    return int(created)


def _username(email: str) -> str:
    base = email.split("@")[0][:140] or "user"
    name, suffix = base, 2
    while User.objects.filter(username=name).exists():
        name, suffix = f"{base}{suffix}", suffix + 1
    return name


def _project_slug(name: str) -> str:
    base = slugify(name)[:120] or "project"
    slug, suffix = base, 2
    while Project.objects.filter(slug=slug).exists():
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug
