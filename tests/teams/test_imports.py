"""Bulk import from CSV: a dry run lists every problem by row and changes nothing; the same
file imported twice changes nothing the second time; hostile files get a clear message."""

import pytest
from django.contrib.auth.models import User

from core.models import AuditEntry
from teams.imports import IMPORT_TEMPLATE, MAX_BYTES, import_apply, import_check
from teams.models import Membership, Project, Team, Unit, UnitManager


def _csv(*rows: str) -> bytes:
    return ("kind,name,unit,team,email,role,stage\n" + "\n".join(rows) + "\n").encode()


def _counts() -> tuple[int, ...]:
    return (
        Unit.objects.count(),
        Team.objects.count(),
        User.objects.count(),
        Project.objects.count(),
        Membership.objects.count(),
    )


def test_the_template_imports_cleanly_and_a_second_time_changes_nothing(db, erin):
    result = import_apply(data=IMPORT_TEMPLATE.encode(), actor=erin)
    assert result.created == {"unit": 2, "team": 1, "person": 2, "project": 1}
    platform = Unit.objects.get(name="Platform")
    assert platform.parent.name == "Data division"
    assert Team.objects.get(name="Ranking").unit == platform
    priya = User.objects.get(email="priya.shah@example.com")
    assert Membership.objects.get(user=priya).role == "lead"
    assert not priya.has_usable_password()
    dana = User.objects.get(email="dana.director@example.com")
    assert UnitManager.objects.filter(user=dana, unit__name="Data division").exists()
    before, entries = _counts(), AuditEntry.objects.count()
    again = import_apply(data=IMPORT_TEMPLATE.encode(), actor=erin)
    assert again.created == {"unit": 0, "team": 0, "person": 0, "project": 0}
    assert (_counts(), AuditEntry.objects.count()) == (before, entries)


def test_a_dry_run_lists_every_bad_row_by_number_and_changes_nothing(db):
    # 50 rows after the header: 2 units, then 48 more, of which rows 13, 23 and 33 are bad.
    rows = [f"team,Team {n},Data division,,,," for n in range(48)]
    rows[9] = "team,Lost team,Nowhere,,,,"
    rows[19] = "person,Ann,,Team 1,not-an-address,lead,"
    rows[29] = "project,Model,,Team 2,,,someday"
    data = _csv("unit,Data division,,,,,", "unit,Spare,,,,,", *rows)
    before = _counts()
    check = import_check(data=data)
    assert [number for number, _ in check.problems] == [13, 23, 33]
    assert "unit “Nowhere” is not in the file or the portal" in check.problems[0][1]
    assert "not-an-address" in check.problems[1][1]
    assert "stage must be one of" in check.problems[2][1]
    assert _counts() == before
    assert not hasattr(import_apply(data=data, actor=None), "created")  # refused as a whole
    assert _counts() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        ("kind,name\nunit,Ümlaut".encode("latin-1"), "not UTF-8 text"),
        (b"kind,name\nunit,x\n", "The header lacks the column(s) unit, team, email, role, stage"),
        (
            _csv('unit,"=HYPERLINK(""http://evil"")",,,,,'),
            "name starts with “=”: remove the formula",
        ),
        (_csv("unit,@SUM(A1),,,,,"), "starts with “@”"),
        (_csv("unit," + "x" * 300 + ",,,,,"), "longer than 200 characters"),
        (_csv("division,Data,,,,,"), "kind must be one of unit, team, person, project"),
        (b"kind,name,unit,team,email,role,stage\n" + b"x" * (MAX_BYTES + 1), "larger than 2 MB"),
        (_csv('unit,"unclosed,,,,,'), "not a readable CSV"),
    ],
)
def test_hostile_files_get_a_clear_message(db, data, message):
    check = import_check(data=data)
    assert not check.ok
    assert any(message in problem for _, problem in check.problems), check.problems


def test_a_utf8_file_with_a_byte_order_mark_reads_as_any_other(db):
    check = import_check(data=b"\xef\xbb\xbf" + _csv("unit,Données,,,,,"))
    assert check.ok
    assert check.rows[0].name == "Données"
