"""The reviewer's queue at /reviews/: who sees it, what it lists, in what order, and the
Reviews item in the navigation."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from assessments.models import Assessment
from core.access import REVIEWERS_GROUP
from reviews.services.reviews import ReviewInput, review_accept
from teams.models import Membership
from teams.units import team_move
from tests.reviews.conftest import set_policy

QUEUE = "/reviews/"


def _listed(response) -> list[str]:
    return [row.assessment.project.name for row in response.context["rows"]]


def test_it_sends_anonymous_visitors_to_log_in(client, db):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("persona", ["lead", "member", "management", "admin", "outsider"])
def test_it_refuses_everyone_who_reviews_nothing_with_a_clear_page(client_for, personas, persona):
    response = client_for(personas[persona]).get(QUEUE)
    assert response.status_code == 403
    assert "Only reviewers have a review queue" in response.content.decode()


def test_it_lists_a_waiting_submission_with_its_signal_sentence(client_for, rhea, pending):
    response = client_for(rhea).get(QUEUE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Card transaction scoring" in page and "Fraud Detection" in page
    assert "2026-Q4" in page
    assert "▲ up 2 from L0" in page
    signal = pending.signals[0]["text"]
    assert signal in page
    assert f'href="/reviews/{pending.pk}/"' in page


def test_an_org_reviewer_sees_every_team_but_their_own(client_for, rhea, submit_pending):
    first, second = submit_pending(2)
    Membership.objects.create(user=rhea, team=second.project.team, role=Membership.Role.MEMBER)
    response = client_for(rhea).get(QUEUE)
    assert _listed(response) == [first.project.name]


def test_a_unit_reviewer_sees_only_their_subtree(client_for, ursula, units, submit_pending):
    inside = submit_pending(1, unit=units["payments"], prefix="Inside")
    submit_pending(1, unit=units["data"], prefix="Outside")
    submit_pending(1, prefix="Nowhere")
    response = client_for(ursula).get(QUEUE)
    assert _listed(response) == [inside[0].project.name]
    page = response.content.decode()
    assert "Retail division / Payments" in page
    assert "You review Retail division" in page


def test_it_lists_the_longest_waiting_first_with_days_and_exemptions(
    client_for, rhea, submit_pending, with_exemption
):
    newer, older = submit_pending(2)
    now = timezone.now()
    Assessment.objects.filter(pk=older.pk).update(submitted_at=now - datetime.timedelta(days=9))
    Assessment.objects.filter(pk=newer.pk).update(submitted_at=now - datetime.timedelta(days=1))
    requested, _ = with_exemption
    response = client_for(rhea).get(QUEUE)
    rows = response.context["rows"]
    assert [row.assessment.pk for row in rows] == [older.pk, newer.pk, requested.pk]
    assert [row.days_waiting for row in rows] == [9, 1, 0]
    assert [row.exemptions_waiting for row in rows] == [0, 0, 1]
    page = response.content.decode()
    assert "9 days" in page and "1 day<" in page and "today" in page


def test_it_shows_what_reviewers_do_when_nothing_waits(client_for, rhea):
    page = client_for(rhea).get(QUEUE).content.decode()
    assert "Nothing waits for review" in page
    assert "return</strong> it to the team with a comment" in page


def test_it_lists_what_the_reviewer_decided_lately(client_for, rhea, pending):
    review_accept(assessment=pending, reviewer=rhea, decision=ReviewInput())
    page = client_for(rhea).get(QUEUE).content.decode()
    assert "Nothing waits for review" in page
    assert "Recently decided by you" in page
    assert "Accepted" in page and f'href="/reviews/{pending.pk}/"' in page


@pytest.mark.parametrize("size", [2, 6])
def test_it_serves_the_queue_in_fixed_queries(
    client_for, rhea, units, submit_pending, size, django_assert_num_queries
):
    submitted = submit_pending(size, unit=units["payments"])
    review_accept(assessment=submitted[0], reviewer=rhea, decision=ReviewInput())
    client = client_for(rhea)
    # session, user, the reviewer's groups and units (one query), the queue, its units'
    # names, the policy, the reviewer's recent decisions; the navigation: unit manager,
    # the count waiting, in a team.
    with django_assert_num_queries(10):
        response = client.get(QUEUE)
    assert len(response.context["rows"]) == size - 1


def test_a_unit_reviewer_queue_takes_the_same_queries(
    client_for, ursula, units, submit_pending, django_assert_num_queries
):
    submit_pending(3, unit=units["payments"])
    client = client_for(ursula)
    # An org reviewer's 10, and the names of the units the reviewer reviews.
    with django_assert_num_queries(11):
        client.get(QUEUE)


# --- The navigation -----------------------------------------------------------------------------


def _nav(response) -> list[str]:
    return [item["label"] for item in response.context["nav_items"]]


def test_the_navigation_shows_reviewers_how_many_wait(client_for, rhea, submit_pending):
    client = client_for(rhea)
    assert "Reviews" in _nav(client.get("/"))
    submit_pending(3)
    response = client.get("/")
    assert "Reviews (3)" in _nav(response)
    assert ">Reviews (3)</a>" in response.content.decode()


def test_the_navigation_marks_reviews_current_on_a_review_page(client_for, rhea, pending):
    response = client_for(rhea).get(f"/reviews/{pending.pk}/")
    current = [item["label"] for item in response.context["nav_items"] if item["current"]]
    assert current == ["Reviews (1)"]


def test_the_navigation_shows_no_reviews_to_anyone_else(client_for, personas, pending):
    for persona in ("lead", "member", "management", "admin", "outsider"):
        labels = _nav(client_for(personas[persona]).get("/"))
        assert not any(label.startswith("Reviews") for label in labels), persona


def test_a_unit_reviewer_counts_only_their_units(client_for, ursula, units, submit_pending):
    submit_pending(2, unit=units["payments"], prefix="Inside")
    submit_pending(1, unit=units["data"], prefix="Outside")
    assert "Reviews (2)" in _nav(client_for(ursula).get("/"))


def test_a_reviewer_in_a_team_is_not_counted_their_own(client_for, rhea, team, pending):
    Membership.objects.create(user=rhea, team=team, role=Membership.Role.MEMBER)
    labels = _nav(client_for(rhea).get("/"))
    assert "Reviews" in labels and "Reviews (1)" not in labels


def test_removing_someone_from_the_reviewers_takes_the_queue_away(client_for, rhea, pending):
    rhea.groups.remove(Group.objects.get(name=REVIEWERS_GROUP))
    assert client_for(rhea).get(QUEUE).status_code == 403


def test_moving_a_team_out_of_the_unit_takes_it_out_of_the_queue(
    client_for, ursula, units, submit_pending, erin
):
    (moved,) = submit_pending(1, unit=units["payments"])
    team_move(team=moved.project.team, unit=units["data"], actor=erin)
    assert _listed(client_for(ursula).get(QUEUE)) == []


def test_it_ignores_submissions_the_policy_let_through(client_for, rhea, assessment, alice):
    from assessments.services.answering import assessment_submit
    from tests.assessments.fixtures import answer_all

    set_policy("never")
    answer_all(assessment, "yes")
    assessment_submit(assessment=assessment, user=alice)
    assert _listed(client_for(rhea).get(QUEUE)) == []
