"""Inviting through the service as erin (an org admin), with the e-mail sent as at commit."""

import re

import pytest
from django.core import mail

from accounts import services

LINK = re.compile(r"^(https?://\S+/invitations/([A-Za-z0-9_-]+)/)$", re.M)
PASSWORD = "a long unusual passphrase 42"


def link_in(message) -> tuple[str, str]:
    """(the accept URL, its token) in an invitation e-mail."""
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1), match.group(2)


@pytest.fixture
def invite(erin, django_capture_on_commit_callbacks):
    """invite(email=..., **options) -> (invitation, token of the link e-mailed)."""

    def run(email: str = "jane.doe@example.com", name: str = "Jane Doe", **options):
        with django_capture_on_commit_callbacks(execute=True):
            invited = services.invitation_create(
                email=email, name=name, invited_by=options.pop("invited_by", erin), **options
            )
        return invited.invitation, link_in(mail.outbox[-1])[1]

    return run


@pytest.fixture
def resend(erin, django_capture_on_commit_callbacks):
    def run(invitation):
        with django_capture_on_commit_callbacks(execute=True):
            invitation = services.invitation_resend(invitation=invitation, actor=erin)
        return invitation, link_in(mail.outbox[-1])[1]

    return run
