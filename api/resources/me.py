"""`/me`: which token this is and whom it reads as. Any valid token may ask, a CI token
that only writes events too (it reads as nobody): handy to check a token with curl."""

import datetime

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja import Field, Router, Schema

from accounts.api_tokens import TokenHolder
from api.auth import BearerToken
from api.errors import ERRORS
from api.schemas import TeamRef
from core.access import is_management, is_org_admin, is_reviewer, managed_unit_paths
from teams.models import Membership, Unit

router = Router(tags=["Token"])


class MembershipOut(Schema):
    team: TeamRef
    role: str = Field(description="lead or member")


class ReaderOut(Schema):
    username: str
    roles: list[str] = Field(
        description="As the portal's rules see them: org_admin, management (reads the whole "
        "organisation), reviewer, unit_manager, lead, member."
    )
    teams: list[MembershipOut]
    managed_units: list[str] = Field(description="Slugs of the units they manage.")


class MeOut(Schema):
    kind: str = Field(description="personal or service")
    name: str
    prefix: str = Field(description="The token's first characters, to tell tokens apart.")
    scopes: list[str]
    created_at: datetime.datetime
    expires_at: datetime.datetime
    last_used_at: datetime.datetime | None
    events_project: str | None = Field(description="A CI token's project (slug), if any.")
    events_team: str | None = Field(description="A CI token's team (slug), if any.")
    reads_as: ReaderOut | None = Field(description="null: the token reads nothing.")


@router.get(
    "/me",
    response={200: MeOut, **ERRORS},
    auth=BearerToken(read=False),
    url_name="me",
    summary="This token, and whom it reads as",
)
def me(request: HttpRequest) -> MeOut:
    holder: TokenHolder = request.auth  # type: ignore[attr-defined]
    token = holder.token
    return MeOut(
        kind=token.kind,
        name=token.name,
        prefix=token.display_prefix,
        scopes=list(token.scopes),
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
        events_project=token.project.slug if token.project else None,
        events_team=token.team.slug if token.team else None,
        reads_as=_reader(holder.user) if holder.user is not None else None,
    )


def _reader(user: User) -> ReaderOut:
    # A service token's reader is nobody saved: it has no teams or units to look up.
    memberships = (
        list(Membership.objects.filter(user=user).select_related("team").order_by("team__name"))
        if user.pk
        else []
    )
    paths = managed_unit_paths(user)
    roles = [
        *(["org_admin"] if is_org_admin(user) else []),
        *(["management"] if is_management(user) else []),
        *(["reviewer"] if is_reviewer(user) else []),
        *(["unit_manager"] if paths else []),
        *sorted({membership.role for membership in memberships}),
    ]
    units = Unit.objects.filter(path__in=paths).order_by("path") if paths else Unit.objects.none()
    return ReaderOut(
        username=user.get_username(),
        roles=roles,
        teams=[
            MembershipOut(team=TeamRef(slug=m.team.slug, name=m.team.name), role=m.role)
            for m in memberships
        ],
        managed_units=list(units.values_list("slug", flat=True)),
    )
