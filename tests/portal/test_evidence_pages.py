"""The evidence page (/projects/<slug>/evidence/: the MLflow connection, "Collect now"), the
collection's progress fragment, and the "Evidence from MLflow" card on the project page."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from evidence.models import Collection, Fact, MlflowConnection
from evidence.services.connections import connection_save
from tests.factories import ProjectFactory

NOW = datetime.datetime(2026, 12, 3, 15, 0, tzinfo=datetime.UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}
FORM = {
    "tracking_url": "http://mlflow.fraud.internal:5000",
    "experiment_names": "card-scoring\n\ncard-scoring-nightly\n",
    "model_names": "card-scorer",
    "production_alias": "champion",
    "token": "",
}
# The project page as pinned in tests/insights/test_dashboard.py (PROJECT_PAGE_QUERIES, on a
# scored organisation) plus the evidence card's two: the latest facts, the last collection.
EVIDENCE_CARD_QUERIES = 2


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _connect(project, actor, **changes):
    fields = {
        "tracking_url": "http://mlflow.fraud.internal:5000",
        "experiment_names": ["card-scoring"],
        "model_names": ["card-scorer"],
        "production_alias": "production",
        "token": None,
    }
    return connection_save(project=project, actor=actor, **{**fields, **changes})


def _facts(project, at, *, is_demo=False, collection=None, runs=15, with_inputs=14):
    rows = [
        ("mlflow.runs_30d", runs, {}),
        (
            "mlflow.dataset_inputs_share_30d",
            with_inputs / runs,
            {"count": with_inputs, "total": runs},
        ),
        ("mlflow.production_alias_share", 1.0, {"count": 1, "total": 1, "alias": "champion"}),
    ]
    return Fact.objects.bulk_create(
        Fact(
            project=project,
            key=key,
            value=value,
            detail=detail,
            observed_at=at,
            is_demo=is_demo,
            collection=collection,
        )
        for key, value, detail in rows
    )


def _collection(project, status, **fields):
    return Collection.objects.create(
        project=project, trigger=Collection.Trigger.REQUEST, status=status, **fields
    )


# --- Who reads, who changes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "get", "post"),
    [
        ("anonymous", 302, 302),
        ("member", 200, 403),
        ("lead", 200, 302),
        ("other_lead", 404, 404),
        ("management", 200, 403),
        ("admin", 200, 302),
        ("reviewer", 404, 404),
        ("outsider", 404, 404),
    ],
)
def test_leads_and_org_admins_change_the_connection_readers_only_read(
    persona, get, post, personas, client_for, project
):
    client = client_for(personas[persona])
    path = f"/projects/{project.slug}/evidence/"
    read = client.get(path)
    assert read.status_code == get
    if get == 200:
        page = read.content.decode()
        may_change = persona in ("lead", "admin")
        assert ('name="tracking_url"' in page) is may_change
        assert ('data-testid="no-connection-form"' in page) is not may_change
    assert client.post(path, FORM).status_code == post
    assert MlflowConnection.objects.exists() is (post == 302 and persona != "anonymous")


LOGIN = 302
READ = {
    "anonymous": LOGIN,
    "member": 200,
    "lead": 200,
    "other_lead": 404,
    "management": 200,
    "admin": 200,
    "reviewer": 404,
    "outsider": 404,
}


@pytest.mark.parametrize("persona", list(READ))
def test_collecting_is_for_leads_and_org_admins_and_progress_for_every_reader(
    persona, personas, client_for, alice, project
):
    _connect(project, alice)
    collection = _collection(project, Collection.Status.FAILED, error="MLflow answered 500.")
    client = client_for(personas[persona])
    collect = f"/projects/{project.slug}/evidence/collect/"
    progress = f"/projects/{project.slug}/evidence/collections/{collection.pk}/"
    assert client.get(collect).status_code == 405
    asked = client.post(collect)
    expected = {"member": 403, "management": 403, "lead": 302, "admin": 302}
    assert asked.status_code == expected.get(persona, READ[persona])
    assert client.get(progress).status_code == READ[persona]
    # An htmx poll: 286 with the outcome; 401 once the session is gone (core middleware).
    polled = {200: 286, LOGIN: 401}.get(READ[persona], READ[persona])
    assert client.get(progress, **HTMX).status_code == polled
    assert client.post(progress).status_code == 405


def test_a_lead_connects_and_the_page_shows_the_connection_without_a_token(
    client_for, alice, bob, project
):
    response = client_for(alice).post(f"/projects/{project.slug}/evidence/", FORM, follow=True)
    connection = MlflowConnection.objects.get(project=project)
    assert connection.experiment_names == ["card-scoring", "card-scoring-nightly"]
    assert connection.model_names == ["card-scorer"]
    assert connection.production_alias == "champion" and not connection.has_token
    page = response.content.decode()
    assert "Saved the MLflow connection." in page and "A token is stored" not in page
    assert "Only if the server asks for one." in page  # no token: no "remove" either
    assert 'name="remove_token"' not in page
    # The member reads it, with no form.
    read = client_for(bob).get(f"/projects/{project.slug}/evidence/").content.decode()
    assert (
        "http://mlflow.fraud.internal:5000" in read and "card-scoring, card-scoring-nightly" in read
    )
    assert "Change the connection" not in read


def test_a_refused_form_answers_422_keeps_what_was_typed_and_names_the_problem(
    client_for, alice, project
):
    response = client_for(alice).post(
        f"/projects/{project.slug}/evidence/",
        {**FORM, "tracking_url": "mlflow:5000", "production_alias": "latest"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Give an http:// or https:// address" in page
    assert "MLflow reserves “latest”" in page
    assert 'value="mlflow:5000"' in page and "card-scoring-nightly" in page
    assert not MlflowConnection.objects.exists()


def test_the_stored_token_is_kept_when_left_blank_and_removed_when_asked(
    client_for, alice, project
):
    _connect(project, alice, token="s3cret-token")
    client = client_for(alice)
    path = f"/projects/{project.slug}/evidence/"
    page = client.get(path).content.decode()
    assert "A token is stored: leave blank to keep it." in page
    assert "Remove the stored token" in page
    assert "s3cret-token" not in page
    client.post(path, FORM)
    assert MlflowConnection.objects.get().has_token
    client.post(path, {**FORM, "remove_token": "on"})
    assert not MlflowConnection.objects.get().has_token


def test_a_lead_removes_the_connection_and_the_facts_stay(client_for, alice, project):
    _connect(project, alice, token="s3cret-token")
    _facts(project, timezone.now())
    response = client_for(alice).post(
        f"/projects/{project.slug}/evidence/", {"remove_connection": "1"}, follow=True
    )
    assert "Removed the MLflow connection and its token" in response.content.decode()
    assert not MlflowConnection.objects.exists()
    assert Fact.objects.filter(project=project).count() == 3


# --- The progress fragment --------------------------------------------------------------------


def test_the_fragment_polls_while_queued_and_running_and_says_which_step(
    client_for, bob, project, frozen
):
    collection = _collection(project, Collection.Status.QUEUED)
    path = f"/projects/{project.slug}/evidence/collections/{collection.pk}/"
    client = client_for(bob)
    queued = client.get(path, **HTMX)
    assert queued.status_code == 200
    assert 'hx-trigger="every 1s"' in queued.content.decode()
    assert "Waiting for a worker" in queued.content.decode()
    Collection.objects.filter(pk=collection.pk).update(
        status="running", steps_done=2, steps_total=7, step_label="Reading runs"
    )
    running = client.get(path, **HTMX).content.decode()
    assert "Reading runs… step 3 of 7" in running
    assert 'hx-trigger="every 1s"' in running
    assert "Collect now" not in running  # a member does not collect, and not twice anyway


def test_the_fragment_stops_polling_with_the_outcome_and_swaps_in_the_new_facts(
    client_for, alice, project, frozen
):
    _connect(project, alice)
    collection = _collection(
        project,
        Collection.Status.SUCCEEDED,
        finished_at=timezone.now(),
        steps_done=7,
        steps_total=7,
        facts_recorded=3,
    )
    _facts(project, timezone.now(), collection=collection)
    path = f"/projects/{project.slug}/evidence/collections/{collection.pk}/"
    done = client_for(alice).get(path, **HTMX)
    assert done.status_code == 286  # htmx stops polling
    page = done.content.decode()
    assert "Collected 3 facts from MLflow" in page
    assert "hx-trigger" not in page
    assert 'hx-swap-oob="true"' in page and "14 of 15 runs in the last 30 days" in page
    assert "Collect now" in page  # the lead may ask again


def test_a_failed_collection_shows_its_error_and_stops_polling(client_for, bob, project, frozen):
    error = "MLflow at http://mlflow.fraud.internal:5000 did not answer within 10 s."
    collection = _collection(
        project,
        Collection.Status.FAILED,
        finished_at=timezone.now(),
        error_kind="timeout",
        error=error,
    )
    path = f"/projects/{project.slug}/evidence/collections/{collection.pk}/"
    failed = client_for(bob).get(path, **HTMX)
    assert failed.status_code == 286
    assert error in failed.content.decode()
    # Without htmx the address is the evidence page with that collection.
    assert error in client_for(bob).get(path).content.decode()


def test_a_collection_of_another_project_is_not_found(client_for, alice, project, other_project):
    theirs = _collection(other_project, Collection.Status.RUNNING)
    assert (
        client_for(alice)
        .get(f"/projects/{project.slug}/evidence/collections/{theirs.pk}/", **HTMX)
        .status_code
        == 404
    )


# --- Collect now ------------------------------------------------------------------------------


def test_collect_now_queues_a_collection_and_answers_with_the_polling_fragment(
    client_for, alice, project, django_capture_on_commit_callbacks
):
    _connect(project, alice)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_for(alice).post(f"/projects/{project.slug}/evidence/collect/", **HTMX)
    assert response.status_code == 200
    collection = Collection.objects.get(project=project)
    assert collection.status == Collection.Status.QUEUED
    assert collection.requested_by == alice
    assert len(callbacks) == 1  # the task, queued after commit
    page = response.content.decode()
    assert f"/evidence/collections/{collection.pk}/" in page and "every 1s" in page


def test_collect_now_without_a_connection_says_why(client_for, alice, project):
    response = client_for(alice).post(f"/projects/{project.slug}/evidence/collect/", **HTMX)
    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    assert not Collection.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [("member", 403), ("management", 403)])
def test_readers_do_not_collect(persona, status, personas, client_for, alice, project):
    _connect(project, alice)
    response = client_for(personas[persona]).post(f"/projects/{project.slug}/evidence/collect/")
    assert response.status_code == status
    assert not Collection.objects.exists()


# --- The card on the project page -------------------------------------------------------------


def test_the_project_page_shows_the_latest_facts_with_when_they_were_checked(
    client_for, bob, project, frozen
):
    _facts(project, NOW - datetime.timedelta(days=9), runs=10, with_inputs=3)
    _facts(project, NOW - datetime.timedelta(hours=2, minutes=10))
    page = client_for(bob).get(f"/projects/{project.slug}/").content.decode()
    assert "Evidence from MLflow" in page
    assert "14 of 15 runs in the last 30 days logged a dataset input" in page
    assert "3 of 10 runs" not in page  # only the latest reading of each fact
    assert "1 of 1 registered models carry the alias &#x27;champion&#x27;" in page
    assert "Checked 2\xa0hours ago:" in page and "(checked" not in page  # once for all
    assert "demo data" not in page
    assert 'role="alert"' not in page
    assert f'href="/projects/{project.slug}/evidence/"' in page


def test_facts_checked_at_different_times_each_say_when(client_for, bob, project, frozen):
    _facts(project, NOW - datetime.timedelta(days=3))
    Fact.objects.create(
        project=project,
        key="mlflow.retraining_interval_days",
        value=14,
        detail={"total": 5},
        observed_at=NOW - datetime.timedelta(minutes=30),
    )
    page = client_for(bob).get(f"/projects/{project.slug}/").content.decode()
    assert "A new model version every 14 days (median of 5 intervals)" in page
    assert "(checked 30\xa0minutes ago)" in page and "(checked 3\xa0days ago)" in page
    assert "Checked " not in page


def test_the_project_page_marks_demo_facts(client_for, bob, project, frozen):
    _facts(project, NOW - datetime.timedelta(days=1), is_demo=True)
    page = client_for(bob).get(f"/projects/{project.slug}/").content.decode()
    assert 'data-testid="demo-data"' in page and ">demo data<" in page


def test_the_project_page_shows_the_last_collections_error_and_the_facts_date(
    client_for, carol, project, frozen
):
    _facts(project, datetime.datetime(2026, 12, 1, 6, 0, tzinfo=datetime.UTC))
    _collection(
        project,
        Collection.Status.FAILED,
        created_at=NOW - datetime.timedelta(minutes=11),
        finished_at=NOW - datetime.timedelta(minutes=10),
        error_kind="timeout",
        error="MLflow at http://mlflow.fraud.internal:5000 did not answer within 10 s.",
    )
    page = client_for(carol).get(f"/projects/{project.slug}/").content.decode()
    assert (
        "The last collection failed 10\xa0minutes ago: MLflow at http://mlflow.fraud.internal:5000"
        " did not answer within 10 s. The facts below are from 1 Dec." in page
    )
    assert "14 of 15 runs" in page  # the earlier facts are intact


def test_the_project_page_without_evidence_says_so(client_for, alice, project):
    page = client_for(alice).get(f"/projects/{project.slug}/").content.decode()
    assert "No facts from MLflow yet:" in page
    assert "MLflow connection and collections" in page


# --- Queries ----------------------------------------------------------------------------------


def _history(project, *, days: int) -> None:
    for day in range(days):
        at = timezone.now() - datetime.timedelta(days=day)
        collection = _collection(
            project, Collection.Status.SUCCEEDED, created_at=at, finished_at=at, facts_recorded=3
        )
        _facts(project, at, collection=collection)
    _collection(project, Collection.Status.FAILED, error="MLflow answered 500.")


@pytest.mark.parametrize("days", [1, 40], ids=["a-day", "40-days"])
def test_the_pages_read_evidence_in_fixed_queries(
    days, client_for, alice, project, team, django_assert_num_queries
):
    """The project page: as many queries with 40 days of history as with one (the card
    costs two: latest facts, last collection). The evidence page: the same."""
    _connect(project, alice)
    for number in range(days // 10):  # other projects' evidence is never read
        _history(ProjectFactory(team=team, name=f"Other {number}"), days=3)
    _history(project, days=days)
    client = client_for(alice)
    client.get(f"/projects/{project.slug}/")  # warm the session and the dashboards' cache
    with django_assert_num_queries(PROJECT_PAGE_WITH_FACTS):
        assert client.get(f"/projects/{project.slug}/").status_code == 200
    with django_assert_num_queries(EVIDENCE_PAGE):
        assert client.get(f"/projects/{project.slug}/evidence/").status_code == 200


PROJECT_PAGE_WITH_FACTS = 17
EVIDENCE_PAGE = 11
