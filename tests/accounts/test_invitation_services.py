"""Invite, resend, revoke, accept: single use, expiry, one open invitation per address,
never for an active account, and an audit entry for each."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import services
from accounts.models import Invitation
from accounts.selectors import InvitationUnavailable
from accounts.tokens import token_hash
from core.models import AuditEntry
from teams.models import Membership
from tests.accounts.conftest import PASSWORD

NOW = datetime.datetime(2026, 5, 4, 9, 30, tzinfo=datetime.UTC)


def _actions() -> list[str]:
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


def test_it_invites_an_address_and_stores_only_the_tokens_hash(invite, erin):
    invitation, token = invite(email="  Jane.Doe@Example.COM ", name=" Jane\tDoe ")
    assert invitation.email == "jane.doe@example.com"
    assert invitation.name == "Jane Doe"
    assert invitation.invited_by == erin
    assert invitation.token_hash == token_hash(token) != token
    assert token not in str(Invitation.objects.filter(pk=invitation.pk).values().get())
    assert invitation.sent_count == 1 and invitation.last_sent_at is not None
    assert invitation.state() == Invitation.State.PENDING
    assert mail.outbox[0].to == ["jane.doe@example.com"]
    entry = AuditEntry.objects.get(action="invitation.create")
    assert (entry.actor, entry.target_id) == (erin, invitation.pk)
    assert entry.after["email"] == "jane.doe@example.com"
    assert token not in str(entry.after)


def test_it_expires_after_the_configured_days(invite, settings):
    settings.INVITATION_DAYS = 3
    with time_machine.travel(NOW, tick=False):
        invitation, _ = invite()
    assert invitation.expires_at == NOW + datetime.timedelta(days=3)


def test_it_refuses_an_address_that_belongs_to_an_active_account(alice, erin):
    with pytest.raises(ValidationError) as refused:
        services.invitation_create(email="ALICE@example.com", name="Alice", invited_by=erin)
    assert "already belongs to an active account" in str(refused.value.message_dict["email"])
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_it_refreshes_the_open_invitation_of_an_address_invited_again(invite, team, erin):
    first, old_token = invite(email="jane.doe@example.com", name="Jane")
    second, new_token = invite(email="JANE.DOE@example.com", name="Jane Doe", team=team)
    assert second.pk == first.pk and Invitation.objects.count() == 1
    assert (second.name, second.team, second.role) == ("Jane Doe", team, "member")
    assert second.sent_count == 2 and new_token != old_token
    assert second.token_hash == token_hash(new_token)
    assert _actions() == ["invitation.create", "invitation.replace"]
    with pytest.raises(InvitationUnavailable) as old_link:
        services.invitation_accept(token=old_token, password=PASSWORD)
    assert old_link.value.reason == "unknown"


def test_it_accepts_once_creating_the_account_with_the_role(invite, team):
    invitation, token = invite(name="Jane Doe", team=team, role="lead")
    user = services.invitation_accept(token=token, password=PASSWORD)
    assert user.is_active and user.check_password(PASSWORD)
    assert (user.username, user.email) == ("jane.doe@example.com", "jane.doe@example.com")
    assert (user.first_name, user.last_name) == ("Jane", "Doe")
    assert Membership.objects.get(user=user, team=team).role == "lead"
    invitation.refresh_from_db()
    assert invitation.state() == Invitation.State.ACCEPTED
    assert invitation.accepted_user == user
    assert _actions() == ["invitation.create", "invitation.accept"]
    with pytest.raises(InvitationUnavailable) as second:
        services.invitation_accept(token=token, password="another long passphrase 7")
    assert second.value.reason == "accepted"
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_it_reactivates_a_deactivated_account_with_the_address(invite, charlie):
    charlie.is_active = False
    charlie.save()
    _, token = invite(email="Charlie@Example.com", name="Charlie")
    user = services.invitation_accept(token=token, password=PASSWORD)
    assert user.pk == charlie.pk and user.username == "charlie"
    assert user.is_active and user.check_password(PASSWORD)
    assert User.objects.count() == 2  # erin and charlie: nobody new


def test_it_refuses_a_weak_password_and_keeps_the_link_usable(invite):
    invitation, token = invite(name="Jane Doe")
    for weak in ("short", "123456789012345", "password12345", "jane.doe@example.com"):
        with pytest.raises(ValidationError):
            services.invitation_accept(token=token, password=weak)
    invitation.refresh_from_db()
    assert invitation.state() == Invitation.State.PENDING
    assert not User.objects.filter(email="jane.doe@example.com").exists()


def test_it_refuses_an_expired_link(invite):
    with time_machine.travel(NOW, tick=False) as clock:
        invitation, token = invite()
        clock.shift(datetime.timedelta(days=7, seconds=1))
        with pytest.raises(InvitationUnavailable) as expired:
            services.invitation_accept(token=token, password=PASSWORD)
    assert expired.value.reason == "expired"
    assert expired.value.invitation == invitation


def test_a_resend_makes_a_new_link_and_expiry_and_the_old_link_stops(invite, resend):
    with time_machine.travel(NOW, tick=False) as clock:
        invitation, old_token = invite()
        clock.shift(datetime.timedelta(days=8))
        assert invitation.state() == Invitation.State.EXPIRED
        invitation, new_token = resend(invitation)
        assert invitation.expires_at == timezone.now() + datetime.timedelta(days=7)
        assert (invitation.sent_count, invitation.last_sent_at) == (2, timezone.now())
        with pytest.raises(InvitationUnavailable) as old:
            services.invitation_accept(token=old_token, password=PASSWORD)
        assert old.value.reason == "unknown"
        assert services.invitation_accept(token=new_token, password=PASSWORD).is_active
    assert _actions() == ["invitation.create", "invitation.resend", "invitation.accept"]


def test_a_revoked_link_is_refused_and_cannot_be_resent(invite, erin):
    invitation, token = invite()
    services.invitation_revoke(invitation=invitation, actor=erin)
    with pytest.raises(InvitationUnavailable) as revoked:
        services.invitation_accept(token=token, password=PASSWORD)
    assert revoked.value.reason == "revoked"
    with pytest.raises(ValidationError, match="was revoked in the meantime"):
        services.invitation_resend(invitation=invitation, actor=erin)
    with pytest.raises(ValidationError, match="was revoked in the meantime"):
        services.invitation_revoke(invitation=invitation, actor=erin)
    assert _actions() == ["invitation.create", "invitation.revoke"]


def test_an_accepted_invitation_cannot_be_revoked_or_resent(invite, erin):
    invitation, token = invite()
    services.invitation_accept(token=token, password=PASSWORD)
    for change in (services.invitation_revoke, services.invitation_resend):
        with pytest.raises(ValidationError, match="was accepted in the meantime"):
            change(invitation=invitation, actor=erin)


def test_a_revoked_address_can_be_invited_anew(invite, erin):
    first, _ = invite()
    services.invitation_revoke(invitation=first, actor=erin)
    second, token = invite()
    assert second.pk != first.pk
    assert services.invitation_accept(token=token, password=PASSWORD).is_active


def test_it_refuses_the_link_once_the_address_has_an_active_account(invite):
    invitation, token = invite(email="late@example.com")
    User.objects.create_user("late", email="LATE@example.com", password=PASSWORD)
    with pytest.raises(InvitationUnavailable) as active:
        services.invitation_accept(token=token, password=PASSWORD)
    assert active.value.reason == "account_active"
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_it_gives_no_role_in_a_team_archived_since_the_invitation(invite, team):
    _, token = invite(team=team, role="lead")
    team.archived_at = timezone.now()
    team.save()
    user = services.invitation_accept(token=token, password=PASSWORD)
    assert not Membership.objects.filter(user=user).exists()


def test_it_refuses_to_invite_into_an_archived_team(team, erin):
    team.archived_at = timezone.now()
    team.save()
    with pytest.raises(ValidationError) as refused:
        services.invitation_create(email="x@example.com", name="X", invited_by=erin, team=team)
    assert "archived" in str(refused.value.message_dict["team"])


def test_it_finds_a_free_username_when_the_address_is_taken_as_one(invite, erin):
    User.objects.create_user("jane.doe@example.com", email="other@example.com", is_active=False)
    _, token = invite(email="jane.doe@example.com")
    user = services.invitation_accept(token=token, password=PASSWORD)
    assert user.username == "jane.doe@example.com-2"


@pytest.mark.parametrize(
    "email",
    [
        "",
        "not-an-address",
        "jane@",
        "a\x00b@example.com",
        "jane\n@example.com",
        "jane doe@example.com",
        '"jane\x01"@example.com',
        "jane@exa\u200bmple.com",
        f"{'a' * 250}@example.com",
    ],
)
def test_it_refuses_bad_addresses(erin, email):
    with pytest.raises(ValidationError) as refused:
        services.invitation_create(email=email, name="Jane", invited_by=erin)
    assert "email" in refused.value.message_dict
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("name", ["", "   ", "\x00\x1b\x07\t", "\u200b\u200b", "a" * 151])
def test_it_refuses_names_with_nothing_to_show_or_too_long(erin, name):
    with pytest.raises(ValidationError) as refused:
        services.invitation_create(email="jane@example.com", name=name, invited_by=erin)
    assert "name" in refused.value.message_dict


def test_it_cleans_control_characters_out_of_names(invite):
    invitation, _ = invite(name="Jane\x00 \x1b[31mDoe\u202e")
    assert invitation.name == "Jane [31mDoe"


@pytest.mark.parametrize(
    "token", ["", "x", "../../etc/passwd", "a" * 42, "a" * 44, "<script>", "é" * 43, "%00" * 15]
)
def test_it_treats_odd_tokens_as_unknown(invite, token):
    invite()
    with pytest.raises(InvitationUnavailable) as unknown:
        services.invitation_accept(token=token, password=PASSWORD)
    assert unknown.value.reason == "unknown"


def test_the_claim_refuses_a_second_use_that_passed_the_check(invite, monkeypatch):
    """A request that read the invitation as pending just before another one accepted it
    (the race the conditional UPDATE settles) is refused, and creates nobody."""
    invitation, token = invite()
    stale = Invitation.objects.get(pk=invitation.pk)
    services.invitation_accept(token=token, password=PASSWORD)
    monkeypatch.setattr(services, "invitation_check", lambda invitation: stale)
    with pytest.raises(InvitationUnavailable) as second:
        services.invitation_accept(token=token, password="another long passphrase 7")
    assert second.value.reason == "accepted"
    assert User.objects.filter(email="jane.doe@example.com").count() == 1
