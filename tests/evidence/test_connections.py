"""Saving and removing a project's MLflow connection (evidence.services.connections), and the
acceptance: a token entered for a connection cannot be read back from the page, the
database dump or the logs."""

import base64
import io
import json
import logging
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.views.debug import SafeExceptionReporterFilter

from core.models import AuditEntry
from evidence.models import Collection, MlflowConnection
from evidence.secrets import InvalidToken, token_decrypt
from evidence.services.connections import connection_remove, connection_save

TOKEN = "mlflow-secret-Zq7vX2pL9tK4"
URL = "https://mlflow.example.com"


def _save(project, actor, **changes):
    fields = {
        "tracking_url": URL,
        "experiment_names": ["card-scoring"],
        "model_names": [],
        "production_alias": "production",
        "token": None,
    }
    return connection_save(project=project, actor=actor, **{**fields, **changes})


def _audit(project) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(target_type="mlflowconnection").order_by("at", "id"))


# --- Saving -----------------------------------------------------------------------------------


def test_it_stores_the_token_encrypted_and_decryptable_with_the_key(project, alice):
    connection = _save(project, alice, token=f"  {TOKEN} ", tracking_url=f" {URL}/ ")
    stored = MlflowConnection.objects.get(project=project)
    assert stored.tracking_url == URL
    assert stored.has_token and connection.has_token
    assert TOKEN.encode() not in bytes(stored.token_encrypted)
    assert token_decrypt(stored.token_encrypted) == TOKEN  # the round trip
    assert stored.updated_by == alice


def test_it_fails_cleanly_to_decrypt_under_another_key(project, alice):
    _save(project, alice, token=TOKEN)
    stored = MlflowConnection.objects.get(project=project)
    another_key = Fernet.generate_key().decode()
    with override_settings(EVIDENCE_ENCRYPTION_KEY=another_key), pytest.raises(InvalidToken):
        token_decrypt(stored.token_encrypted)
    assert token_decrypt(stored.token_encrypted) == TOKEN  # the right key still reads it


def test_it_keeps_replaces_and_removes_the_token_and_audits_only_what_happened(project, alice):
    _save(project, alice, token=TOKEN)
    first = bytes(MlflowConnection.objects.get().token_encrypted)
    _save(project, alice, token=None, experiment_names=["card-scoring", "card-scoring-v2"])
    assert bytes(MlflowConnection.objects.get().token_encrypted) == first
    _save(project, alice, token="another-token")
    assert token_decrypt(MlflowConnection.objects.get().token_encrypted) == "another-token"
    _save(project, alice, token="")
    assert not MlflowConnection.objects.get().has_token
    entries = _audit(project)
    assert [entry.action for entry in entries] == [
        "mlflow_connection.create",
        *["mlflow_connection.change"] * 3,
    ]
    assert [entry.after["token"] for entry in entries] == ["set", "unchanged", "set", "removed"]
    assert entries[1].before == {"experiment_names": ["card-scoring"]}
    assert entries[1].after["experiment_names"] == ["card-scoring", "card-scoring-v2"]
    assert entries[0].actor == alice
    dumped = json.dumps([[entry.before, entry.after, entry.target_label] for entry in entries])
    assert TOKEN not in dumped and "another-token" not in dumped


def test_it_trims_names_and_drops_blanks_and_repeats_keeping_their_spelling(project, alice):
    connection = _save(
        project,
        alice,
        experiment_names=[" /Users/ana/Card Scoring ", "", "exp-1", "exp-1"],
        model_names=["Card-Scorer", "card-scorer"],
    )
    assert connection.experiment_names == ["/Users/ana/Card Scoring", "exp-1"]
    assert connection.model_names == ["Card-Scorer", "card-scorer"]  # MLflow tells them apart


def test_removing_the_token_of_a_connection_without_one_changes_nothing(project, alice):
    _save(project, alice)
    _save(project, alice, token="")
    assert _audit(project)[-1].after["token"] == "unchanged"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"tracking_url": ""}, "tracking_url", "Give the address"),
        ({"tracking_url": "ftp://mlflow.example.com"}, "tracking_url", "http:// or https://"),
        ({"tracking_url": "javascript:alert(1)"}, "tracking_url", "http:// or https://"),
        ({"tracking_url": "mlflow.example.com"}, "tracking_url", "http:// or https://"),
        ({"tracking_url": "http://ana:pw@mlflow:5000"}, "tracking_url", "Leave the user name"),
        ({"tracking_url": "http://mlflow:port"}, "tracking_url", "The port must be a number"),
        ({"tracking_url": "http://"}, "tracking_url", "no server name"),
        ({"tracking_url": "http://mlflow:5000/?x=1"}, "tracking_url", "without ?"),
        ({"tracking_url": "http://m/" + "a" * 300}, "tracking_url", "300 characters"),
        ({"experiment_names": [], "model_names": []}, "experiment_names", "at least one"),
        ({"experiment_names": [" ", ""]}, "experiment_names", "at least one"),
        ({"experiment_names": [f"e{n}" for n in range(21)]}, "experiment_names", "at most 20"),
        ({"model_names": ["m" * 251]}, "model_names", "250 characters at most"),
        ({"model_names": ["a\tb"]}, "model_names", "control character"),
        ({"production_alias": "prod alias"}, "production_alias", "single word"),
        ({"production_alias": ""}, "production_alias", "single word"),
        ({"production_alias": "latest"}, "production_alias", "MLflow reserves"),
        ({"production_alias": "V12"}, "production_alias", "MLflow reserves"),
        ({"token": "abc\ndef"}, "token", "line break"),
        ({"token": "x" * 4001}, "token", "longer than 4000"),
    ],
)
def test_it_refuses_what_mlflow_could_not_use_with_a_message_naming_it(
    changes, field, message, project, alice
):
    with pytest.raises(ValidationError) as refused:
        _save(project, alice, **changes)
    assert message in " ".join(refused.value.message_dict[field])
    assert not MlflowConnection.objects.exists()
    assert not _audit(project)


def test_twenty_names_each_of_250_characters_are_fine(project, alice):
    names = [f"{n:02d}" + "x" * 248 for n in range(20)]
    connection = _save(project, alice, experiment_names=[], model_names=names)
    assert connection.model_names == names and connection.experiment_names == []


def test_it_removes_the_connection_and_its_token_and_audits_it(project, alice):
    _save(project, alice, token=TOKEN)
    assert connection_remove(project=project, actor=alice) is True
    assert not MlflowConnection.objects.exists()
    entry = _audit(project)[-1]
    assert entry.action == "mlflow_connection.remove"
    assert entry.before["token"] == "set" and entry.before["tracking_url"] == URL
    assert connection_remove(project=project, actor=alice) is False


# --- The token cannot be read back: the page, the dump, the logs -------------------------------


def _form(**changes) -> dict[str, str]:
    return {
        "tracking_url": URL,
        "experiment_names": "card-scoring\ncard-scoring-nightly",
        "model_names": "card-scorer",
        "production_alias": "production",
        "token": TOKEN,
        **changes,
    }


def test_the_page_never_shows_the_token_after_saving_nor_after_a_refusal(
    client_for, alice, project
):
    client = client_for(alice)
    evidence = f"/projects/{project.slug}/evidence/"
    saved = client.post(evidence, _form(), follow=True)
    assert saved.status_code == 200
    page = saved.content.decode()
    assert "Saved the MLflow connection. A token is stored." in page
    assert "A token is stored: leave blank to keep it." in page
    assert TOKEN not in page
    for path in (evidence, f"/projects/{project.slug}/"):
        assert TOKEN not in client.get(path).content.decode()
    # Refused forms (422) keep what was typed but the token: the field comes back empty.
    for changes in (
        {"tracking_url": "ftp://nope"},
        {"remove_token": "on"},  # a new token and "remove" at once
        {"experiment_names": "", "model_names": ""},
    ):
        refused = client.post(evidence, _form(**changes))
        assert refused.status_code == 422, changes
        body = refused.content.decode()
        assert TOKEN not in body
        assert '<input type="password" name="token"' in body
        assert f'value="{changes.get("tracking_url", URL)}"' in body  # the rest is kept
    assert token_decrypt(MlflowConnection.objects.get().token_encrypted) == TOKEN


def test_an_error_report_of_the_page_would_hide_the_token(client_for, alice, project):
    """Django's error reports (the 500 e-mail, the debug page) list POST data: not this."""
    response = client_for(alice).post(f"/projects/{project.slug}/evidence/", _form())
    request = response.wsgi_request
    shown = SafeExceptionReporterFilter().get_post_parameters(request)
    assert shown["token"] != TOKEN and set(shown["token"]) == {"*"}
    assert shown["tracking_url"] == URL


def _encrypted() -> bytes:
    return bytes(MlflowConnection.objects.get().token_encrypted)


def test_dumpdata_holds_the_encrypted_token_and_never_the_token(project, alice):
    _save(project, alice, token=TOKEN)
    out = io.StringIO()
    call_command("dumpdata", "evidence", "core", stdout=out)
    dump = out.getvalue()
    assert TOKEN not in dump
    assert base64.b64encode(_encrypted()).decode() in dump  # the bytes are there, encrypted


@pytest.mark.django_db(transaction=True)
def test_pg_dump_holds_the_encrypted_token_and_never_the_token(project, alice):
    """The committed row, as a backup of the database shows it."""
    settings_dict = db_connection.settings_dict
    if db_connection.vendor != "postgresql" or shutil.which("pg_dump") is None:
        pytest.skip("pg_dump needs PostgreSQL and the pg_dump client on PATH")
    _save(project, alice, token=TOKEN)
    command = ["pg_dump", "--no-owner", "--data-only", "--dbname", settings_dict["NAME"]]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            command += [option, str(settings_dict[key])]
    environment = {**os.environ, "PGPASSWORD": settings_dict.get("PASSWORD") or ""}
    dump = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=120, env=environment
    ).stdout
    assert "evidence_mlflowconnection" in dump
    assert TOKEN not in dump
    assert "\\\\x" + _encrypted().hex() in dump  # bytea, hex-escaped in COPY's text


@pytest.fixture
def refusing_server() -> Iterator[tuple[str, list[str]]]:
    """A local server that answers every request 401 as MLflow does, and keeps the
    Authorization headers it was sent."""
    seen: list[str] = []

    class Refuse(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("Authorization", ""))
            body = b'{"error_code": "UNAUTHENTICATED", "message": "Invalid token"}'
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Refuse)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_the_logs_never_hold_the_token(
    client_for,
    alice,
    project,
    caplog,
    eager_tasks,
    refusing_server,
    django_capture_on_commit_callbacks,
):
    """Saving, a refusal and a collection asked for and run (which sends the token to the
    server), with every logger at DEBUG and the SQL logged as DEBUG=True logs it."""
    url, seen = refusing_server
    client = client_for(alice)
    evidence = f"/projects/{project.slug}/evidence/"
    for name in ("", "django", "urllib3", "requests", "celery"):
        caplog.set_level(logging.DEBUG, logger=name)
    with CaptureQueriesContext(db_connection) as queries:
        saved = client.post(evidence, _form(tracking_url=url), follow=True)
        assert saved.status_code == 200
        assert client.post(evidence, _form(tracking_url="gopher://x")).status_code == 422
        with django_capture_on_commit_callbacks(execute=True):
            collected = client.post(f"/projects/{project.slug}/evidence/collect/")
        assert collected.status_code == 302
    assert seen and seen[0] == f"Bearer {TOKEN}"  # the collection did send it
    collection = Collection.objects.get(project=project)
    assert collection.status == Collection.Status.FAILED
    assert collection.error_kind == "unauthorised" and TOKEN not in collection.error
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "INSERT INTO" in logged.upper()  # SQL was logged, so the test could see a leak
    assert "evidence_mlflowconnection" in logged
    assert TOKEN not in logged
    assert TOKEN not in caplog.text
    assert all(TOKEN not in query["sql"] for query in queries.captured_queries)
