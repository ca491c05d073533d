"""Who a log-in through the provider is, and what it refuses (the service, no provider)."""

import pytest
from django.contrib.auth.models import User

from accounts.models import SsoIdentity, SsoLoginAttempt
from accounts.sso.services import sso_refusal_record
from accounts.sso.tokens import SsoRefused
from core.models import AuditEntry
from tests.accounts.sso.conftest import ISSUER
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_it_creates_an_account_in_no_team_at_a_first_log_in(sign_in):
    user = sign_in(email="Ada.Lovelace@Example.org")
    assert (user.username, user.email, user.get_full_name()) == (
        "ada.lovelace@example.org",
        "Ada.Lovelace@Example.org",
        "Ada Lovelace",
    )
    assert not user.has_usable_password()
    assert not user.memberships.exists()
    assert SsoIdentity.objects.get(user=user).subject == "ada-sub"
    assert SsoLoginAttempt.objects.get().outcome == SsoLoginAttempt.Outcome.CREATED
    assert set(AuditEntry.objects.values_list("action", flat=True)) == {
        "user.sso_create",
        "user.sso_link",
    }


def test_it_links_the_one_account_with_that_address_whatever_its_case(sign_in, alice):
    alice.email = "ADA@example.ORG"
    alice.save()
    assert sign_in() == alice
    assert SsoIdentity.objects.get(user=alice).issuer == ISSUER
    assert SsoLoginAttempt.objects.get().outcome == SsoLoginAttempt.Outcome.SIGNED_IN


def test_it_finds_the_identity_first_and_updates_name_and_address(sign_in, alice):
    alice.email = "ada@example.org"
    alice.save()
    sign_in()
    user = sign_in(email="ada.l@example.org", given_name=None, family_name=None, name="Ada King")
    assert user == alice
    alice.refresh_from_db()
    assert (alice.email, alice.first_name, alice.last_name) == ("ada.l@example.org", "Ada", "King")


def test_it_keeps_an_address_another_account_has_and_says_so(sign_in, alice, bob):
    alice.email, bob.email = "ada@example.org", "bob@example.org"
    alice.save()
    bob.save()
    sign_in()
    sign_in(email="BOB@example.org")
    alice.refresh_from_db()
    assert alice.email == "ada@example.org"
    assert "another account has BOB@example.org" in SsoLoginAttempt.objects.first().message


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"email": None}, "The provider sent no e-mail address"),
        ({"email": ""}, "The provider sent no e-mail address"),
        ({"email_verified": False}, "has not verified the e-mail address ada@example.org"),
    ],
)
def test_it_refuses_an_address_it_cannot_trust(sign_in, claims, message):
    with pytest.raises(SsoRefused, match=message):
        sign_in(**claims)
    assert not User.objects.exists()


def test_it_refuses_a_deactivated_account_and_never_reactivates_it(sign_in):
    UserFactory(username="ada", email="ada@example.org", is_active=False)
    with pytest.raises(SsoRefused, match="deactivated") as refused:
        sign_in()
    assert not User.objects.get(username="ada").is_active
    assert not SsoIdentity.objects.exists()  # nothing of the refused log-in stays
    assert refused.value.user.username == "ada"


def test_it_refuses_a_deactivated_account_found_by_its_identity(sign_in):
    user = sign_in()
    User.objects.filter(pk=user.pk).update(is_active=False)
    with pytest.raises(SsoRefused, match="deactivated"):
        sign_in()


def test_it_refuses_a_first_log_in_when_the_policy_says_so(sign_in, settings):
    settings.OIDC_FIRST_LOGIN = "refuse"
    with pytest.raises(SsoRefused, match=r"no account for ada@example\.org here"):
        sign_in()
    assert not User.objects.exists()


def test_it_refuses_to_guess_between_two_accounts_of_one_address(sign_in):
    UserFactory(email="ada@example.org")
    UserFactory(email="Ada@example.org")
    with pytest.raises(SsoRefused, match="Several accounts"):
        sign_in()


def test_it_refuses_an_account_linked_to_another_identity(sign_in):
    sign_in(sub="first-subject")
    with pytest.raises(SsoRefused, match="already linked to another identity"):
        sign_in(sub="second-subject")


def test_it_gives_a_taken_username_a_number(sign_in):
    UserFactory(username="ada@example.org", email="someone@example.org")
    assert sign_in().username == "ada@example.org-2"


def test_it_keeps_only_the_latest_attempts(sign_in):
    for n in range(SsoLoginAttempt.KEEP + 3):
        sso_refusal_record(refused=SsoRefused(f"refusal {n}", claims={"n": n}))
    sign_in()
    kept = list(SsoLoginAttempt.objects.all())
    assert len(kept) == SsoLoginAttempt.KEEP
    assert kept[0].outcome == SsoLoginAttempt.Outcome.CREATED
    assert kept[-1].message == f"refusal {4}"
