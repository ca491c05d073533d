"""Project names and N/A reasons that are invisible, hostile or look like another.

Names are normalised before they are stored (core.text.normalise_line), and a team cannot
have two projects whose names look alike (core.text.skeleton), through the form and
through the services, which other callers use too.
"""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from teams import services
from teams.forms import ProjectForm
from teams.models import Project
from tests.factories import ProjectFactory, TeamFactory, UserFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
INVISIBLE_NAMES = {
    "zero-width": "\u200b\u200c\u200d",
    "bom": "\ufeff",
    "combining marks": "\u0301\u0308",
    "hangul filler": "\u3164",
    "controls": "\x1b\x07\n",
}
# Each looks like the fixture project "Card transaction scoring".
LOOK_ALIKES = {
    "zero-width": "Card\u200b transaction scoring",
    "double space": "Card  transaction scoring",
    "cyrillic a": "C\u0430rd transaction scoring",
    "case": "CARD Transaction Scoring",
    "bom and tab": "\ufeffCard\ttransaction scoring",
}


def _register(client, team, name: str):
    data = {"name": name, "stage": "pilot", "description": "", "business_goal": "", "kpi": ""}
    return client.post(f"/teams/{team.slug}/projects/new/", data, **HTMX)


@pytest.mark.parametrize("name", INVISIBLE_NAMES.values(), ids=INVISIBLE_NAMES)
def test_it_refuses_a_project_name_with_nothing_visible(client_for, alice, team, name):
    response = _register(client_for(alice), team, name)
    assert response.status_code == 422
    assert "Give the project a name" in response.text
    assert not Project.objects.filter(team=team).exists()


def test_it_strips_controls_and_extra_spaces_from_a_project_name(client_for, alice, team):
    response = _register(client_for(alice), team, "  Fraud\x1b[31m  model\x07\n\nv2\u200b ")
    assert response.status_code == 200
    assert Project.objects.get(team=team).name == "Fraud[31m model v2"


@pytest.mark.parametrize("name", LOOK_ALIKES.values(), ids=LOOK_ALIKES)
def test_it_refuses_a_project_name_that_looks_like_another_in_the_team(
    client_for, alice, project, name
):
    response = _register(client_for(alice), project.team, name)
    assert response.status_code == 422
    assert "This team already has a project called “Card transaction scoring”" in response.text
    assert Project.objects.filter(team=project.team).count() == 1


def test_it_refuses_umlauts_that_differ_only_by_case(client_for, alice, team):
    ProjectFactory(team=team, name="Über scoring", slug="uber-scoring")
    response = _register(client_for(alice), team, "über scoring")
    assert response.status_code == 422
    assert Project.objects.filter(team=team).count() == 1


def test_it_allows_a_look_alike_in_another_team(client_for, alice, team, other_project):
    assert _register(client_for(alice), team, "P\u0440oduct  ranker").status_code == 200


def test_it_lets_a_project_keep_or_recase_its_own_name(client_for, alice, project):
    data = {"name": "card transaction Scoring", "stage": "pilot"}
    response = client_for(alice).post(f"/projects/{project.slug}/edit/", data, **HTMX)
    assert response.status_code == 200
    project.refresh_from_db()
    assert project.name == "card transaction Scoring"


def test_it_refuses_a_rename_to_a_look_alike(client_for, alice, project):
    other = ProjectFactory(team=project.team, name="Merchant risk", slug="merchant-risk")
    data = {
        "name": "M\u0435rchant\u00a0risk",
        "stage": "pilot",
    }  # Cyrillic e (U+0435), no-break space
    response = client_for(alice).post(f"/projects/{project.slug}/edit/", data, **HTMX)
    assert response.status_code == 422
    project.refresh_from_db()
    assert project.name == "Card transaction scoring" and other.name == "Merchant risk"


def test_its_services_normalise_and_refuse_look_alikes_too(project):
    with pytest.raises(ValidationError, match="already has a project"):
        services.project_register(team=project.team, name="C\u0430rd\u200b transaction scoring")
    with pytest.raises(ValidationError, match="name"):
        services.project_register(team=project.team, name="\u200b\ufeff")
    created = services.project_register(team=project.team, name="  Risk\x1b  model\n")
    assert created.name == "Risk model"
    with pytest.raises(ValidationError, match="already has a project"):
        services.project_update(project=created, name="card TRANSACTION scoring")
    assert services.project_update(project=created, name="Risk\tmodel v2\x07").name == (
        "Risk model v2"
    )


def test_it_refuses_the_second_of_two_look_alikes_validated_at_the_same_time(team):
    """Both forms pass while neither project exists; the service refuses the second."""
    first = ProjectForm({"name": "Churn model", "stage": "pilot"}, team=team)
    second = ProjectForm({"name": "Churn  m\u043edel", "stage": "pilot"}, team=team)
    assert first.is_valid() and second.is_valid()
    services.project_register(team=team, **first.cleaned_data)
    with pytest.raises(ValidationError, match="already has a project"):
        services.project_register(team=team, **second.cleaned_data)
    assert Project.objects.filter(team=team).count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_never_stores_two_look_alikes_registered_concurrently(monkeypatch):
    """Two requests register look-alike names at once, each in its own transaction and
    connection. The check and the insert must not interleave: exactly one is stored.

    PostgreSQL: the second waits for the team's row lock, then is refused (without the
    lock both are stored). SQLite: the second waits for the write lock, then is refused."""
    team = TeamFactory(name="Concurrent", slug="concurrent")
    slow_clash = services.project_name_clash

    def clash_then_pause(**kwargs):
        found = slow_clash(**kwargs)
        time.sleep(0.3)  # widen the window between the check and the insert
        return found

    monkeypatch.setattr(services, "project_name_clash", clash_then_pause)
    outcomes: list[str] = []

    def register(name: str) -> None:
        try:
            services.project_register(team=team, name=name)
            outcomes.append("stored")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=register, args=(name,))
        for name in ("Churn model", "Churn m\u043edel")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert Project.objects.filter(team=team).count() == 1
    assert sorted(outcomes) == ["refused", "stored"]


@pytest.mark.django_db(transaction=True)
def test_it_answers_the_second_of_two_parallel_registrations_with_the_form_error(monkeypatch):
    """Two people register one name at the same moment in the browser: one project is
    stored, the other person gets the form's error (422), never a 500."""
    from django.test import Client

    team = TeamFactory(name="Parallel", slug="parallel")
    lead = UserFactory(username="parallel-lead")
    team.memberships.create(user=lead, role="lead")
    slow_clash = services.project_name_clash

    def clash_then_pause(**kwargs):
        found = slow_clash(**kwargs)
        time.sleep(0.3)
        return found

    monkeypatch.setattr(services, "project_name_clash", clash_then_pause)
    statuses: list[int] = []
    texts: list[str] = []

    def post() -> None:
        client = Client(raise_request_exception=False)
        client.force_login(lead)
        response = client.post(
            f"/teams/{team.slug}/projects/new/",
            {"name": "Churn model", "stage": "pilot"},
            HTTP_HX_REQUEST="true",
        )
        statuses.append(response.status_code)
        texts.append(response.content.decode())
        connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [200, 422]
    assert "already has a project" in texts[statuses.index(422)]
    assert Project.objects.filter(team=team).count() == 1


@pytest.mark.parametrize("reason", ["\u200b\u200b", "\ufeff", "\u0301", "\x1b\x07\n"])
def test_it_refuses_an_invisible_na_reason(client_for, alice, assessment, reason):
    answer = assessment.answers.select_related("practice").first()
    response = client_for(alice).post(
        f"/assessments/{assessment.pk}/answers/{answer.practice.key}/",
        {"value": "na", "na_reason": reason, "version": answer.version},
        **HTMX,
    )
    assert response.status_code == 422
    assert "Say why this practice does not apply" in response.text
    answer.refresh_from_db()
    assert (answer.value, answer.na_reason) == ("", "")


def test_it_stores_an_na_reason_normalised(client_for, alice, assessment):
    answer = assessment.answers.select_related("practice").first()
    response = client_for(alice).post(
        f"/assessments/{assessment.pk}/answers/{answer.practice.key}/",
        {"value": "na", "na_reason": "Batch\x1b  only,\n\nno\u200b model", "version": 0},
        **HTMX,
    )
    assert response.status_code == 200
    answer.refresh_from_db()
    assert answer.na_reason == "Batch only, no model"
