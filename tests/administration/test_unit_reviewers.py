"""Making someone a reviewer of units from their page: "Reviews these units", beside the
units they manage; audited, refused clearly, and reviewing what it says at once."""

import re

import pytest

from core.access import reviews_team
from core.models import AuditEntry
from teams.models import Membership, UnitManager, UnitReviewer

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(person) -> str:
    return f"/manage/people/{person.pk}/review-units/"


def test_the_person_page_has_the_card_with_unique_ids(admin_client, tree, charlie):
    UnitManager.objects.create(user=charlie, unit=tree["retail"])
    UnitReviewer.objects.create(user=charlie, unit=tree["platform"])
    page = admin_client.get(f"/manage/people/{charlie.pk}/").text
    assert "Reviews these units" in page
    assert "Reviews now: Data division / Platform." in page
    assert f'action="/manage/people/{charlie.pk}/review-units/"' in page
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "the two unit forms must not share ids"


def test_it_sets_the_units_a_person_reviews_and_audits_it(admin_client, tree, charlie, team):
    response = admin_client.post(url(charlie), {"units": [tree["data"].pk]}, **HTMX)
    assert response.status_code == 200
    assert 'id="reviews-card"' in response.text and "<html" not in response.text
    assert "Saved the units they review." in response.text
    assert "Reviews now: Data division." in response.text
    assert list(UnitReviewer.objects.filter(user=charlie).values_list("unit", flat=True)) == [
        tree["data"].pk
    ]
    entry = AuditEntry.objects.get(action="user.unit_reviewer")
    assert entry.after == {"reviews": ["Data division"]}
    charlie.refresh_from_db()
    assert reviews_team(charlie, team_id=team.pk, unit_path=tree["platform"].path)


def test_no_units_means_they_review_none(admin_client, tree, charlie):
    UnitReviewer.objects.create(user=charlie, unit=tree["data"])
    response = admin_client.post(url(charlie), {}, follow=True)
    assert "Saved the units they review." in response.text
    assert not UnitReviewer.objects.filter(user=charlie).exists()


def test_it_says_that_an_org_reviewer_reviews_everything_already(admin_client, tree, rhea):
    page = admin_client.get(f"/manage/people/{rhea.pk}/").text
    assert "already reviews the whole organisation" in page


@pytest.mark.parametrize("bad", ["99999", "data", "<b>1</b>"])
def test_a_unit_that_is_gone_is_refused_clearly_and_nothing_changes(
    admin_client, tree, charlie, bad
):
    UnitReviewer.objects.create(user=charlie, unit=tree["retail"])
    response = admin_client.post(url(charlie), {"units": [tree["data"].pk, bad]}, **HTMX)
    assert response.status_code == 422
    assert "That unit no longer exists: reload the page" in response.text
    assert "<b>1</b>" not in response.text
    assert list(UnitReviewer.objects.filter(user=charlie).values_list("unit", flat=True)) == [
        tree["retail"].pk
    ]


def test_only_org_admins_set_reviewers(personas, client_for, tree, charlie, rhea):
    for persona in ["member", "lead", "other_lead", "management", "outsider"]:
        response = client_for(personas[persona]).post(url(charlie), {"units": [tree["data"].pk]})
        assert response.status_code == 403, persona
    assert client_for(rhea).post(url(charlie), {"units": [tree["data"].pk]}).status_code == 403
    assert not UnitReviewer.objects.exists()
    assert (
        client_for(personas["admin"]).post("/manage/people/99999/review-units/").status_code == 404
    )


def test_a_unit_reviewer_in_a_team_of_the_unit_still_never_reviews_it(
    admin_client, tree, charlie, team
):
    Membership.objects.create(user=charlie, team=team, role=Membership.Role.MEMBER)
    admin_client.post(url(charlie), {"units": [tree["data"].pk]})
    charlie.refresh_from_db()
    assert not reviews_team(charlie, team_id=team.pk, unit_path=tree["platform"].path)
