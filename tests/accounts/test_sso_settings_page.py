"""/manage/sso/: org admins see whether single sign-on is set up, manage the group
mappings, and read what the latest log-in received; a person's page shows what came from
single sign-on as locked."""

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from accounts.models import SsoGroupMapping, SsoIdentity, SsoLoginAttempt
from accounts.sso_mappings import sso_mapping_add, sso_mapping_remove
from core.models import AuditEntry
from teams.models import Membership, Unit
from tests.factories import TeamFactory, UserFactory

PAGE = "/manage/sso/"
HTMX = {"HTTP_HX_REQUEST": "true"}
NOT_ADMINS = ("member", "lead", "other_lead", "management", "outsider", "reviewer")
Grant = SsoGroupMapping.Grant


@pytest.fixture
def unit(db) -> Unit:
    return Unit.objects.create(name="Data division", slug="data-division", path="")


def _post(client, **data):
    extra = data.pop("extra", {})
    return client.post(PAGE, {"group": "", "grant": "", "unit": "", "team": "", **data}, **extra)


# --- Who may open what ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", NOT_ADMINS)
def test_it_is_for_org_admins_only(persona, personas, client_for, erin):
    mapping = sso_mapping_add(group="mlops-managers", grant=Grant.MANAGEMENT, actor=erin)
    client = client_for(personas[persona])
    assert client.get(PAGE).status_code == 403
    assert _post(client, group="x", grant="management").status_code == 403
    assert client.post(f"{PAGE}mappings/{mapping.pk}/remove/").status_code == 403
    assert list(SsoGroupMapping.objects.values_list("group", flat=True)) == ["mlops-managers"]


def test_it_asks_anonymous_visitors_to_log_in(client):
    for response in (client.get(PAGE), _post(client, group="x", grant="management")):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_the_remove_button_only_posts(client_for, erin):
    mapping = sso_mapping_add(group="g", grant=Grant.REVIEWER, actor=erin)
    client = client_for(erin)
    assert client.get(f"{PAGE}mappings/{mapping.pk}/remove/").status_code == 405
    assert client.post(f"{PAGE}mappings/999999/remove/").status_code == 404


# --- Set-up -----------------------------------------------------------------------------------


@override_settings(OIDC_ISSUER="", PASSWORD_LOGIN=True, SITE_URL="https://portal.example.com")
def test_it_says_when_single_sign_on_is_off_and_reads_well_empty(client_for, erin):
    response = client_for(erin).get(PAGE)
    assert response.status_code == 200
    text = response.text
    assert "Set <code>OIDC_ISSUER</code>" in text
    assert "https://portal.example.com/oidc/callback/" in text
    assert "https://portal.example.com/oidc/logged-out/" in text
    assert "Everyone can also log in with a password." in text
    assert "No group mappings yet" in text
    assert "No one has logged in through single sign-on yet" in text


@override_settings(
    OIDC_ISSUER="https://id.example.com/realms/acme",
    PASSWORD_LOGIN=False,
    BREAK_GLASS_USERNAME="rescue",
)
def test_it_shows_the_issuer_and_the_break_glass_account(client_for, erin):
    sso = client_for(erin).get(PAGE).context["sso"]
    assert sso.configured and sso.issuer == "https://id.example.com/realms/acme"
    text = client_for(erin).get(PAGE).text
    assert "<code>https://id.example.com/realms/acme</code>" in text
    assert "Only the break-glass account <code>rescue</code>" in text


@override_settings(PASSWORD_LOGIN=False, BREAK_GLASS_USERNAME="")
def test_it_warns_when_no_one_can_log_in_with_a_password(client_for, erin):
    assert "no break-glass account is set" in client_for(erin).get(PAGE).text


# --- Mappings ---------------------------------------------------------------------------------


def test_an_admin_adds_mappings_of_every_kind(client_for, erin, team, unit):
    client = client_for(erin)
    for data in (
        {"group": "mlops-managers", "grant": "management"},
        {"group": "auditors", "grant": "reviewer"},
        {"group": "portal-admins", "grant": "org_admin"},
        {"group": "data-heads", "grant": "unit_manager", "unit": unit.pk},
        {"group": "fraud-leads", "grant": "team_lead", "team": team.pk},
        {"group": "fraud", "grant": "team_member", "team": team.pk},
    ):
        response = _post(client, **data)
        assert response.status_code == 302, response.context["form"].errors
    rows = set(SsoGroupMapping.objects.values_list("group", "grant", "unit", "team"))
    assert rows == {
        ("mlops-managers", "management", None, None),
        ("auditors", "reviewer", None, None),
        ("portal-admins", "org_admin", None, None),
        ("data-heads", "unit_manager", unit.pk, None),
        ("fraud-leads", "team_lead", None, team.pk),
        ("fraud", "team_member", None, team.pk),
    }
    assert AuditEntry.objects.filter(action="sso_mapping.add", actor=erin).count() == 6
    page = client.get(PAGE).text
    assert "Team lead of" in page and "Fraud Detection" in page and "Data division" in page


def test_with_htmx_adding_answers_the_page_body(client_for, erin, team):
    response = _post(
        client_for(erin), group=" fraud-leads ", grant="team_lead", team=team.pk, extra=HTMX
    )
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="sso-body"' in response.text
    assert "Added: “fraud-leads” → Team lead of Fraud Detection." in response.text
    assert SsoGroupMapping.objects.get().group == "fraud-leads"  # trimmed


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"group": "", "grant": "management"}, "group", "Give the group's name"),
        ({"group": "g" * 201, "grant": "management"}, "group", "200 characters"),
        ({"group": "g", "grant": ""}, "grant", "Choose what the group grants."),
        ({"group": "g", "grant": "superuser"}, "grant", "Select a valid choice"),
        ({"group": "g", "grant": "management", "team": "T"}, "team", "leave the team empty"),
        ({"group": "g", "grant": "org_admin", "unit": "U"}, "unit", "leave the unit empty"),
        ({"group": "g", "grant": "unit_manager"}, "unit", "Choose the unit"),
        ({"group": "g", "grant": "unit_manager", "unit": "U", "team": "T"}, "team", "not a team"),
        ({"group": "g", "grant": "team_lead"}, "team", "Choose the team the group's members lead"),
        ({"group": "g", "grant": "team_member"}, "team", "members belong to"),
        ({"group": "g", "grant": "team_member", "team": "T", "unit": "U"}, "unit", "one team"),
        ({"group": "g", "grant": "team_member", "team": "999999"}, "team", "no longer exists"),
    ],
)
def test_it_refuses_what_does_not_fit_with_a_clear_message(
    client_for, erin, team, unit, data, field, message
):
    data = {
        key: team.pk if value == "T" else unit.pk if value == "U" else value
        for key, value in data.items()
    }
    response = _post(client_for(erin), **data)
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert message in " ".join(errors[field]), errors
    if data["group"]:
        assert f'value="{data["group"]}"' in response.text
    assert not SsoGroupMapping.objects.exists()
    assert not AuditEntry.objects.filter(action="sso_mapping.add").exists()


def test_it_refuses_a_duplicate(client_for, erin, team):
    client = client_for(erin)
    assert _post(client, group="fraud", grant="team_member", team=team.pk).status_code == 302
    again = _post(client, group="fraud", grant="team_member", team=team.pk)
    assert again.status_code == 422
    assert "This mapping exists already" in " ".join(again.context["form"].errors["group"])
    # The same group may grant something else, or the same role in another team.
    other = TeamFactory(name="Search Ranking")
    assert _post(client, group="fraud", grant="team_member", team=other.pk).status_code == 302
    assert _post(client, group="fraud", grant="reviewer").status_code == 302
    assert SsoGroupMapping.objects.count() == 3


def test_the_database_refuses_a_duplicate_added_at_the_same_moment(erin, team, monkeypatch):
    sso_mapping_add(group="fraud", grant=Grant.TEAM_LEAD, team=team, actor=erin)
    # As if a second admin's check ran before the first one's row was written.
    monkeypatch.setattr("accounts.sso_mappings._check", lambda **_: None)
    with pytest.raises(ValidationError) as refused:
        sso_mapping_add(group="fraud", grant=Grant.TEAM_LEAD, team=team, actor=erin)
    assert "exists already" in refused.value.message_dict["group"][0]
    assert SsoGroupMapping.objects.count() == 1
    assert AuditEntry.objects.filter(action="sso_mapping.add").count() == 1


def test_it_refuses_archived_targets(erin, team, unit):
    team.archived_at = unit.archived_at = timezone.now()
    with pytest.raises(ValidationError) as refused:
        sso_mapping_add(group="g", grant=Grant.TEAM_LEAD, team=team, actor=erin)
    assert "archived" in refused.value.message_dict["team"][0]
    with pytest.raises(ValidationError) as refused:
        sso_mapping_add(group="g", grant=Grant.UNIT_MANAGER, unit=unit, actor=erin)
    assert "archived" in refused.value.message_dict["unit"][0]


def test_an_admin_removes_a_mapping(client_for, erin, team):
    mapping = sso_mapping_add(group="fraud", grant=Grant.TEAM_MEMBER, team=team, actor=erin)
    response = client_for(erin).post(f"{PAGE}mappings/{mapping.pk}/remove/", **HTMX)
    assert response.status_code == 200 and 'id="sso-body"' in response.text
    assert "Removed: “fraud” → Team member of Fraud Detection." in response.text
    assert not SsoGroupMapping.objects.exists()
    entry = AuditEntry.objects.get(action="sso_mapping.remove")
    assert (entry.actor, entry.target_id, entry.before["group"]) == (erin, mapping.pk, "fraud")
    sso_mapping_remove(mapping=mapping, actor=erin)  # removed already: nothing happens
    assert AuditEntry.objects.filter(action="sso_mapping.remove").count() == 1


def test_without_htmx_removing_redirects_back(client_for, erin):
    mapping = sso_mapping_add(group="g", grant=Grant.REVIEWER, actor=erin)
    response = client_for(erin).post(f"{PAGE}mappings/{mapping.pk}/remove/")
    assert response.status_code == 302 and response["Location"] == PAGE


# --- Diagnostics ------------------------------------------------------------------------------


def test_it_shows_the_latest_claims_and_the_mappings_they_matched(client_for, erin, team, alice):
    sso_mapping_add(group="fraud", grant=Grant.TEAM_MEMBER, team=team, actor=erin)
    sso_mapping_add(group="mlops-managers", grant=Grant.MANAGEMENT, actor=erin)
    older = SsoLoginAttempt.objects.create(
        outcome=SsoLoginAttempt.Outcome.REFUSED,
        message="The e-mail claim is missing.",
        claims={"sub": "old-subject", "groups": ["nobody"]},
        created_at=timezone.now() - timezone.timedelta(hours=1),
    )
    SsoLoginAttempt.objects.create(
        outcome=SsoLoginAttempt.Outcome.SIGNED_IN,
        claims={
            "sub": "a1b2c3",
            "email": "alice@example.com",
            "email_verified": True,
            "groups": ["fraud", "everyone", "staff"],
            "address": {"country": "FR"},
        },
        user=alice,
    )
    response = client_for(erin).get(PAGE)
    latest = response.context["sso"].latest
    assert [mapping.group for mapping in latest.matched] == ["fraud"]
    assert latest.unmapped == ["everyone", "staff"]
    text = response.content.decode()
    assert "<code>sub</code>" in text and "a1b2c3" in text
    assert "fraud, everyone, staff" in text  # lists comma-separated
    assert "true" in text and '{"country": "FR"}' in text.replace("&quot;", '"')
    assert 'class="groups-claim"' in text
    assert "They matched 1 mapping:" in text
    assert "With no mapping: everyone, staff." in text
    assert older.message in text and "old-subject" not in text  # only the latest's claims
    assert "Alice" in text


def test_it_says_when_the_latest_log_in_had_no_groups(client_for, erin):
    SsoLoginAttempt.objects.create(
        outcome=SsoLoginAttempt.Outcome.CREATED, claims={"sub": "x", "email": "x@example.com"}
    )
    text = client_for(erin).get(PAGE).text
    assert "carried no <code>groups</code> claim" in text


def test_it_reads_the_groups_claim_as_the_log_in_does(client_for, erin):
    sso_mapping_add(group="admins", grant=Grant.ORG_ADMIN, actor=erin)
    SsoLoginAttempt.objects.create(
        outcome=SsoLoginAttempt.Outcome.SIGNED_IN, claims={"sub": "x", "groups": " admins "}
    )
    latest = client_for(erin).get(PAGE).context["sso"].latest
    assert latest.groups == ["admins"] and [m.grant for m in latest.matched] == ["org_admin"]


@override_settings(OIDC_GROUPS_CLAIM="roles")
def test_it_reads_the_groups_claim_the_settings_name(client_for, erin):
    sso_mapping_add(group="admins", grant=Grant.ORG_ADMIN, actor=erin)
    SsoLoginAttempt.objects.create(
        outcome=SsoLoginAttempt.Outcome.SIGNED_IN, claims={"sub": "x", "roles": ["admins"]}
    )
    latest = client_for(erin).get(PAGE).context["sso"].latest
    assert latest.groups == ["admins"] and [m.grant for m in latest.matched] == ["org_admin"]


@pytest.mark.parametrize("size", [2, 12])
def test_the_page_costs_the_same_whatever_its_length(
    size, client_for, erin, django_assert_num_queries
):
    for number in range(size):
        team = TeamFactory()
        sso_mapping_add(group=f"group-{number}", grant=Grant.TEAM_LEAD, team=team, actor=erin)
        SsoLoginAttempt.objects.create(
            outcome=SsoLoginAttempt.Outcome.SIGNED_IN,
            claims={"sub": str(number), "groups": [f"group-{number}"]},
            user=UserFactory(),
        )
    client = client_for(erin)
    # The session, the user, mappings, log-ins with their people, the navigation's roles,
    # and the form's unit labels, units and teams.
    with django_assert_num_queries(8):
        response = client.get(PAGE)
    assert len(response.context["sso"].mappings) == size


# --- A person's page: what single sign-on granted is locked -----------------------------------


def test_a_persons_page_locks_what_single_sign_on_granted(
    client_for, erin, alice, other_team, unit
):
    Membership.objects.create(
        user=alice, team=other_team, role=Membership.Role.MEMBER, source=Membership.Source.IDP
    )
    SsoIdentity.objects.create(
        user=alice,
        issuer="https://id.example.com",
        subject="a1",
        granted={"roles": ["management", "reviewer"], "managed_units": [unit.pk]},
    )
    text = client_for(erin).get(f"/manage/people/{alice.pk}/").text
    assert "From single sign-on: Management, Reviewer." in text
    assert "logs in through single sign-on" in text
    assert "From single sign-on: manages Data division" in text
    rows = {row.split("</td>")[0]: row for row in text.split('<tr>\n        <td><a href="')[1:]}
    search = next(row for row in rows.values() if "Search Ranking" in row)
    fraud = next(row for row in rows.values() if "Fraud Detection" in row)
    assert "From single sign-on" in search and "Take out" not in search
    assert "From single sign-on" not in fraud and "Take out" in fraud
