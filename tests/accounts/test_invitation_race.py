"""Two requests using the same link at the same moment: exactly one sets up the account.
Run on SQLite (the embedded default) and on PostgreSQL, whichever DATABASE_URL the suite
uses."""

import threading

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.db import close_old_connections

from accounts import selectors, services
from accounts.models import Invitation
from accounts.selectors import InvitationUnavailable
from core.models import AuditEntry
from teams.models import Membership
from tests.accounts.conftest import link_in
from tests.factories import TeamFactory, UserFactory

RACERS = 4


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_only_one_of_concurrent_accepts_wins(round_):
    admin = UserFactory(username="admin", is_staff=True)
    team = TeamFactory(name="Fraud Detection")
    services.invitation_create(
        email="jane@example.com", name="Jane", invited_by=admin, team=team, role="lead"
    )
    _, token = link_in(mail.outbox[-1])
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(RACERS)

    def accept(index: int) -> None:
        try:
            start.wait()
            try:
                services.invitation_accept(token=token, password=f"racing passphrase {index}x")
                outcome = f"won {index}"
            except InvitationUnavailable as refused:
                outcome = refused.reason
            with lock:
                outcomes.append(outcome)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=accept, args=(index,)) for index in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    winners = [outcome for outcome in outcomes if outcome.startswith("won")]
    assert len(winners) == 1 and sorted(set(outcomes) - set(winners)) == ["accepted"]
    assert len(outcomes) == RACERS
    user = User.objects.get(email="jane@example.com")
    assert user.check_password(f"racing passphrase {winners[0].split()[1]}x")
    assert Membership.objects.filter(user=user, team=team).count() == 1
    assert Invitation.objects.get().accepted_user == user
    assert AuditEntry.objects.filter(action="invitation.accept").count() == 1


@pytest.mark.django_db
def test_a_link_read_just_before_another_request_used_it_says_it_was_used(
    django_capture_on_commit_callbacks,
):
    """The window CI once hit: one request reads the invitation as pending, another sets up
    the account through it, then the first checks. It hears "already used", the reason that
    is true for the link, not "an account with this address is active"."""
    admin = UserFactory(username="admin", is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(email="jane@example.com", name="Jane", invited_by=admin)
    _, token = link_in(mail.outbox[-1])
    read_before = selectors.invitation_by_token(token=token)
    services.invitation_accept(token=token, password="a long passphrase 1")

    with pytest.raises(InvitationUnavailable) as refused:
        selectors.invitation_check(invitation=read_before)
    assert refused.value.reason == Invitation.State.ACCEPTED.value
