"""The exemptions overview: every exemption management may read (a unit manager, those of
their units' subtrees), grouped by unit and team, with its age and the quarter its practice
is asked again. Two queries, whatever the number of exemptions: the exemptions with their
projects, teams, people and practice questions, and the units' names."""

import datetime
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, Exemption, Period, Practice
from core.access import AnyUser, in_units_q, is_management, managed_unit_paths
from insights.selectors.units import top_most
from teams.models import Unit

APPROVED, REQUESTED = Exemption.Status.APPROVED, Exemption.Status.REQUESTED
DECLINED, WITHDRAWN = Exemption.Status.DECLINED, Exemption.Status.WITHDRAWN
# An approved exemption past its expiry: the practice is asked again.
EXPIRED = "expired"
# In the order the counts read, with the words they read in.
STATUS_WORDS = {
    APPROVED: "approved",
    REQUESTED: "awaiting a decision",
    EXPIRED: "expired",
    DECLINED: "declined",
    WITHDRAWN: "withdrawn",
}
STATUS_LABELS = {
    APPROVED: "Approved",
    REQUESTED: "Awaiting a decision",
    EXPIRED: "Expired",
    DECLINED: "Declined",
    WITHDRAWN: "Withdrawn",
}
NO_UNIT = "No unit"


@dataclass(frozen=True)
class ExemptionRow:
    project: str
    project_url: str
    practice_key: str
    question: str  # in the project's latest framework, else the key
    justification: str
    status: str  # a key of STATUS_LABELS
    requested_by: str
    requested_at: datetime.datetime
    requested_in: str  # the quarter of the assessment it was requested in
    assessment_url: str
    decided_by: str
    decided_at: datetime.datetime | None
    decision_note: str
    age_days: int  # since approved, since requested while waiting, else since decided
    asked_again: str  # the quarter that asks the practice again (approved ones), or ""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def age_since(self) -> str:
        return {APPROVED: "approved", EXPIRED: "approved", REQUESTED: "requested"}.get(
            self.status, "decided"
        )


@dataclass(frozen=True)
class Counts:
    by_status: dict[str, int]

    @classmethod
    def of(cls, rows: Iterable[ExemptionRow]) -> "Counts":
        return cls(dict(Counter(row.status for row in rows)))

    @property
    def parts(self) -> list[tuple[int, str]]:
        """(count, words) for each status present, in reading order."""
        return [(self.by_status[s], w) for s, w in STATUS_WORDS.items() if self.by_status.get(s)]

    def __str__(self) -> str:
        return " · ".join(f"{count} {words}" for count, words in self.parts)


@dataclass(frozen=True)
class TeamExemptions:
    name: str
    url: str
    rows: list[ExemptionRow]
    counts: Counts


@dataclass(frozen=True)
class UnitExemptions:
    name: str  # the unit's names from the top, or "No unit"
    anchor: str
    teams: list[TeamExemptions]
    counts: Counts


@dataclass(frozen=True)
class ExemptionsOverview:
    units: list[UnitExemptions]
    counts: Counts
    include_closed: bool
    within: tuple[str, ...] = ()  # a unit manager's subtrees; empty for management


def exemptions_scope(*, user: AnyUser) -> tuple[str, ...]:
    """The unit subtrees a viewer reads the exemptions of: () for management (everything);
    anyone but management and unit managers may not see the overview."""
    if is_management(user):
        return ()
    within = top_most(managed_unit_paths(user))
    if not within:
        raise PermissionDenied("The exemptions overview is for management and unit managers.")
    return within


def exemptions_overview(
    *, user: AnyUser, include_closed: bool = False, today: datetime.date | None = None
) -> ExemptionsOverview:
    """By default the exemptions in force and those awaiting a decision; with
    `include_closed`, the declined, withdrawn and expired ones too."""
    within = exemptions_scope(user=user)
    today = today or timezone.localdate()
    rows = list(_rows(_exemptions(within, include_closed, today), today))
    units = _unit_names()
    grouped: dict[tuple[str, str], dict[str, list[ExemptionRow]]] = {}
    team_urls: dict[str, str] = {}
    for row, (unit_path, team, team_slug) in rows:
        grouped.setdefault(_unit_label(unit_path, units), {}).setdefault(team, []).append(row)
        team_urls[team] = reverse("portal:team_detail", kwargs={"slug": team_slug})
    groups = [
        UnitExemptions(
            name=name,
            anchor=f"unit-{index}",
            teams=[
                TeamExemptions(name=team, url=team_urls[team], rows=found, counts=Counts.of(found))
                for team, found in teams.items()
            ],
            counts=Counts.of(row for found in teams.values() for row in found),
        )
        for index, ((_, name), teams) in enumerate(
            sorted(grouped.items(), key=lambda item: (item[0][1] == NO_UNIT, item[0][1].lower()))
        )
    ]
    return ExemptionsOverview(
        units=groups,
        counts=Counts.of(row for row, _ in rows),
        include_closed=include_closed,
        within=within,
    )


def _exemptions(
    within: tuple[str, ...], include_closed: bool, today: datetime.date
) -> QuerySet[Exemption]:
    exemptions = Exemption.objects.all()
    if within:
        exemptions = exemptions.filter(in_units_q(within, unit="project__team__unit__"))
    if not include_closed:
        exemptions = exemptions.filter(
            Q(status=REQUESTED) | Q(status=APPROVED, expires_on__gt=today)
        )
    latest_framework = (
        Assessment.objects.filter(project_id=OuterRef(OuterRef("project_id")))
        .order_by("-period__opens_on")
        .values("period__framework_id")[:1]
    )
    question = Practice.objects.filter(
        framework_id=Subquery(latest_framework), key=OuterRef("practice_key")
    ).values("question")[:1]
    asked_again = (
        Period.objects.filter(opens_on__gte=OuterRef("expires_on"))
        .order_by("opens_on")
        .values("key")[:1]
    )
    return exemptions.annotate(
        question=Subquery(question), asked_again=Subquery(asked_again)
    ).order_by("project__team__name", "project__name", "practice_key", "-requested_at")


FIELDS = (
    "project__team__unit__path",
    "project__team__name",
    "project__team__slug",
    "project__name",
    "project__slug",
    "practice_key",
    "question",
    "justification",
    "status",
    "requested_by__first_name",
    "requested_by__last_name",
    "requested_by__username",
    "requested_at",
    "assessment_id",
    "assessment__period__key",
    "decided_by__first_name",
    "decided_by__last_name",
    "decided_by__username",
    "decided_at",
    "decision_note",
    "expires_on",
    "asked_again",
)


def _rows(
    exemptions: QuerySet[Exemption], today: datetime.date
) -> Iterator[tuple[ExemptionRow, tuple[str, str, str]]]:
    """Each exemption with (its team's unit path, the team's name, the team's slug)."""
    for found in exemptions.values(*FIELDS):
        status = found["status"]
        if status == APPROVED and found["expires_on"] and found["expires_on"] <= today:
            status = EXPIRED
        since = found["requested_at"] if status == REQUESTED else found["decided_at"]
        since = since or found["requested_at"]
        row = ExemptionRow(
            project=found["project__name"],
            project_url=reverse("portal:project_detail", kwargs={"slug": found["project__slug"]}),
            practice_key=found["practice_key"],
            question=found["question"] or found["practice_key"],
            justification=found["justification"],
            status=status,
            requested_by=_person(found, "requested_by"),
            requested_at=found["requested_at"],
            requested_in=found["assessment__period__key"],
            assessment_url=reverse(
                "assessments:assessment_detail", kwargs={"pk": found["assessment_id"]}
            ),
            decided_by=_person(found, "decided_by"),
            decided_at=found["decided_at"],
            decision_note=found["decision_note"],
            age_days=max((today - timezone.localdate(since)).days, 0),
            asked_again=_asked_again(found) if status in (APPROVED, EXPIRED) else "",
        )
        team = (found["project__team__name"], found["project__team__slug"])
        yield row, (found["project__team__unit__path"] or "", *team)


def _person(found: dict, role: str) -> str:
    name = f"{found[f'{role}__first_name'] or ''} {found[f'{role}__last_name'] or ''}".strip()
    return name or found[f"{role}__username"] or ""


def _asked_again(found: dict) -> str:
    """The period opening first on or after the expiry, or, before it is created, the
    quarter it will be (periods open on a quarter's first day)."""
    if found["asked_again"]:
        return found["asked_again"]
    expires = found["expires_on"]
    if expires is None:
        return ""
    months = expires.year * 12 + expires.month - 1 + (0 if expires.day == 1 else 1)
    months += -months % 3  # on to the first month of a quarter
    return f"{months // 12}-Q{months % 12 // 3 + 1}"


def _unit_names() -> dict[int, str]:
    return dict(Unit.objects.values_list("pk", "name"))


def _unit_label(path: str, names: dict[int, str]) -> tuple[str, str]:
    """(path, "Division / Department") for a team's unit, or ("", "No unit")."""
    if not path:
        return "", NO_UNIT
    parts = [names.get(int(pk), "?") for pk in path.strip("/").split("/")]
    return path, " / ".join(parts)
