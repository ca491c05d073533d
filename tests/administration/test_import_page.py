"""The import page: a dry run that lists problems by row and changes nothing, then a
confirmation that imports exactly the checked file."""

from django.core.files.uploadedfile import SimpleUploadedFile

from teams.imports import IMPORT_TEMPLATE
from teams.models import Team, Unit


def _upload(client, content: bytes, name: str = "org.csv"):
    return client.post("/manage/import/", {"file": SimpleUploadedFile(name, content, "text/csv")})


def test_a_good_file_is_checked_then_imported_on_confirmation(client_for, erin):
    client = client_for(erin)
    checked = _upload(client, IMPORT_TEMPLATE.encode())
    assert checked.status_code == 200
    assert "6 rows ready in org.csv" in checked.text
    assert not Unit.objects.exists()
    key = checked.context["key"]
    done = client.post("/manage/import/", {"confirm": "1", "key": key}, follow=True)
    assert "Imported: 2 units, 1 team, 2 people, 1 project created" in done.text
    assert Team.objects.get(name="Ranking").unit.name == "Platform"
    again = client.post("/manage/import/", {"confirm": "1", "key": key}, follow=True)
    assert "That check has expired: upload the file again." in again.text


def test_a_bad_file_lists_its_rows_and_changes_nothing(client_for, erin):
    bad = b"kind,name,unit,team,email,role,stage\nteam,Lost,Nowhere,,,,\nperson,Ann,,,x,lead,\n"
    response = _upload(client_for(erin), bad)
    assert response.status_code == 200  # the dry run answered: these are its findings
    assert "Nothing was imported: 2 problems" in response.text
    assert "unit “Nowhere” is not in the file or the portal" in response.text
    assert not Team.objects.exists()


def test_the_template_downloads_and_others_may_not_import(client_for, erin, alice):
    template = client_for(erin).get("/manage/import/template.csv")
    assert template.content.decode().startswith("kind,name,unit,team,email,role,stage")
    assert client_for(alice).get("/manage/import/").status_code == 403
    assert _upload(client_for(alice), IMPORT_TEMPLATE.encode()).status_code == 403
    assert not Unit.objects.exists()
