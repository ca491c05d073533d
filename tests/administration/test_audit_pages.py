"""The audit log at /manage/audit/: newest first, paged, filtered by what the address
says, and downloadable as CSV with every formula made inert."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from core.audit import audit_record
from core.models import AuditEntry
from teams.units import team_create, unit_rename


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_it_lists_entries_newest_first_with_their_changes(admin_client, tree, erin):
    unit_rename(unit=tree["platform"], name="ML Platform", actor=erin)
    response = admin_client.get("/manage/audit/")
    rows = response.context["rows"]
    assert rows[0][0].action == "unit.rename"
    assert rows[0][1] == [("name", "Platform", "ML Platform")]
    assert '<span class="was">Platform</span> → <span>ML Platform</span>' in response.text


@pytest.mark.parametrize(
    ("params", "actions"),
    [
        ({"action": "unit.rename"}, ["unit.rename"]),
        ({"target_type": "team"}, ["team.create"]),
        ({"actor": "{alice}"}, ["team.create"]),
        ({"since": "2031-01-01"}, []),
        ({"until": "2020-01-01"}, []),
        ({"since": "{today}", "until": "{today}", "action": "unit.rename"}, ["unit.rename"]),
    ],
)
def test_it_filters_by_what_the_address_says(admin_client, tree, erin, alice, params, actions):
    unit_rename(unit=tree["platform"], name="ML Platform", actor=erin)
    team_create(name="Pricing", unit=tree["retail"], actor=alice)
    today = timezone.localdate().isoformat()
    query = {key: value.format(alice=alice.pk, today=today) for key, value in params.items()}
    response = admin_client.get("/manage/audit/", query)
    assert response.status_code == 200
    assert [entry.action for entry, _ in response.context["rows"]] == actions
    csv_rows = _csv(admin_client.get("/manage/audit.csv", query))
    assert [row[2] for row in csv_rows[1:]] == actions  # the download is what the page shows


def test_it_keeps_the_filters_in_the_page_links(admin_client, erin):
    for number in range(120):
        audit_record(actor=erin, action="unit.rename", target=erin, after={"name": str(number)})
    page = admin_client.get("/manage/audit/", {"action": "unit.rename", "page": "2"}).text
    assert "Page 2 of 3" in page
    assert 'href="?action=unit.rename&amp;page=3"' in page
    assert 'href="?action=unit.rename&amp;page=1"' in page
    assert "/manage/audit.csv?action=unit.rename&amp;page=2" in page


@pytest.mark.parametrize(
    "params",
    [
        {"since": "not a date"},
        {"until": "2026-02-30"},
        {"action": "x" * 5000},
        {"actor": "abc"},
        {"since": "2026-03-01", "until": "2026-01-01"},
        {"page": "-1"},
        {"page": "999999"},
    ],
)
def test_it_survives_hostile_filters(admin_client, tree, params):
    response = admin_client.get("/manage/audit/", params)
    assert response.status_code == 200
    if "page" not in params:
        assert "is left out until it is fixed" in response.text
        assert admin_client.get("/manage/audit.csv", params).status_code == 400


def test_it_says_when_the_end_comes_before_the_start(admin_client):
    response = admin_client.get("/manage/audit/", {"since": "2026-03-01", "until": "2026-01-01"})
    assert "The end date comes before the start date." in response.text


@pytest.mark.parametrize(
    "payload", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
)
def test_the_csv_makes_formula_cells_inert(admin_client, payload):
    AuditEntry.objects.create(
        actor_label=payload,
        action=payload,
        target_type=payload,
        target_label=payload,
        after={"name": payload},
    )
    rows = _csv(admin_client.get("/manage/audit.csv"))
    assert rows[0] == [
        "at", "actor", "action", "target_type", "target_id", "target", "before", "after"
    ]  # fmt: skip
    entry = rows[1]
    for cell in (entry[1], entry[2], entry[3], entry[5]):
        assert cell == "'" + payload
    assert entry[7].startswith("{")  # the changes: JSON, never a formula


def test_the_csv_neutralises_names_typed_into_the_portal(admin_client, erin):
    erin.first_name = "=cmd|' /C calc'!A0"
    erin.save()
    team_create(name="@SUM(1+1)", unit=None, actor=erin)
    entry = _csv(admin_client.get("/manage/audit.csv"))[1]
    assert (entry[1], entry[5]) == ("'=cmd|' /C calc'!A0", "'@SUM(1+1)")


def test_the_csv_keeps_plain_text_and_accents(admin_client, tree, erin):
    unit_rename(unit=tree["platform"], name="Plateforme données", actor=erin)
    rows = _csv(admin_client.get("/manage/audit.csv", {"action": "unit.rename"}))
    assert rows[1][5] == "Plateforme données"
    assert rows[1][6:] == ['{"name": "Platform"}', '{"name": "Plateforme données"}']
    at = datetime.datetime.fromisoformat(rows[1][0])
    assert at.tzinfo is not None
    response = admin_client.get("/manage/audit.csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
