"""The organisation dashboard, the exemptions overview, and the CSV exports of both."""

from collections.abc import Mapping
from functools import cached_property

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_safe
from django_htmx.http import push_url

from core.access import is_org_admin
from core.cache import CACHE_SECONDS, dashboards_generation
from core.http import PortalRequest
from core.widgets import ManyOptionsSelect
from improvement.target_rules import quarter_of
from insights import exports, outcome_cards, page_figures
from insights.review_counts import ReviewsCard
from insights.selectors import organisation as selectors
from insights.selectors import units
from insights.selectors.exemptions import exemptions_overview
from insights.selectors.outcomes import outcomes_by_level
from insights.selectors.reviews import reviews_card
from insights.selectors.targets import DashboardTargets, dashboard_targets
from insights.shapes import (
    NO_UNIT_CHOICE,
    DashboardChoices,
    DashboardFilters,
    OrganisationDashboard,
    Rollup,
    TeamChoice,
    UnitChoice,
)
from teams.models import Project
from teams.selectors import team_get_for_user


class DashboardFilterForm(forms.Form):
    quarter = forms.ChoiceField(required=False, widget=ManyOptionsSelect)
    unit = forms.ChoiceField(required=False, widget=ManyOptionsSelect)
    # Checked by clean_team against a set, and offered once the unit is known: 2,000 teams
    # set as a ChoiceField's choices twice cost a warm page more than the rest of it.
    team = forms.CharField(required=False, widget=ManyOptionsSelect)
    stage = forms.ChoiceField(
        required=False,
        choices=[("", "Every stage"), *Project.Stage.choices],
        widget=ManyOptionsSelect,
    )

    def __init__(self, data: Mapping[str, str], *, choices: DashboardChoices) -> None:
        super().__init__(data)
        self.choices = choices
        self.units = [*choices.units, *([NO_UNIT_CHOICE] if self.offers_no_unit else [])]
        self.fields["quarter"].choices = [(p.key, p.key) for p in choices.periods]  # type: ignore[attr-defined]
        everything = "All my units" if choices.within else "Every unit"
        self.fields["unit"].choices = [("", everything)] + [  # type: ignore[attr-defined]
            (unit.slug, unit.label) for unit in self.units
        ]
        self._offer_teams(choices.teams)

    def clean_team(self) -> str:
        slug = self.cleaned_data["team"]
        if slug and slug not in {team.slug for team in self.choices.teams}:
            raise forms.ValidationError("Select a valid choice.", code="invalid_choice")
        return slug

    @property
    def offers_no_unit(self) -> bool:
        """Management filter on the teams in no unit once the organisation has units."""
        return bool(self.choices.units) and not self.choices.within

    def _offer_teams(self, teams: list[TeamChoice]) -> None:
        self.fields["team"].widget.choices = [("", "Every team")] + [
            (team.slug, team.name) for team in teams
        ]

    def filters(self) -> DashboardFilters | None:
        """The chosen filters; a value that is not on offer falls back to its default, and a
        team outside the chosen unit gives way to the unit."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        period = next(
            (p for p in self.choices.periods if p.key == data.get("quarter")),
            selectors.default_period(choices=self.choices),
        )
        if period is None:
            return None
        chosen = next((u for u in self.units if u.slug == data.get("unit")), None)
        unit = chosen or units.default_unit(self.choices)
        teams = [team for team in self.choices.teams if unit is None or _in_unit(team, unit)]
        self._offer_teams(teams)
        team = next((t for t in teams if t.slug == data.get("team")), None)
        stage = data.get("stage") or ""
        # The form then shows what the page shows, defaults in place of unknown values.
        self.data = {
            "quarter": period.key,
            "unit": unit.slug if unit else "",
            "team": team.slug if team else "",
            "stage": stage,
        }
        return DashboardFilters(
            period=period, team=team, stage=stage, unit=unit, within=self.choices.within
        )


def _in_unit(team: TeamChoice, unit: UnitChoice) -> bool:
    return not team.unit_path if unit.is_no_unit else team.unit_path.startswith(unit.path)


def _choices_for(request: PortalRequest, generation: str) -> DashboardChoices:
    return selectors.dashboard_choices_for_user(
        user=request.user, generation=generation, asked=request.GET
    )


class DashboardPage:
    """What the dashboard shows. The template caches the rendered page under the data's
    fingerprint and the filters, so this is only computed when that cache misses."""

    def __init__(
        self,
        *,
        filters: DashboardFilters,
        choices: DashboardChoices,
        show_all: bool = False,
        generation: str = "",
    ) -> None:
        self.filters = filters
        self.choices = choices
        self.show_all = show_all
        self.generation = generation

    @cached_property
    def data(self) -> OrganisationDashboard:
        return selectors.organisation_dashboard(filters=self.filters, choices=self.choices)

    @cached_property
    def targets(self) -> DashboardTargets:
        return dashboard_targets(
            filters=self.filters, choices=self.choices, generation=self.generation
        )

    @cached_property
    def reviews(self) -> ReviewsCard:
        return reviews_card(filters=self.filters, counts=self.data.current.reviews)

    @cached_property
    def outcomes(self) -> outcome_cards.OutcomesByLevelCard:
        return outcome_cards.by_level_card(
            outcomes_by_level(filters=self.filters),
            current_quarter=quarter_of(timezone.localdate()),
        )

    @cached_property
    def charts(self) -> dict[str, dict]:
        return page_figures.dashboard_figures(self.data, show_all=self.show_all)

    @property
    def rollup(self) -> Rollup:
        rollup = self.data.rollup
        assert rollup is not None  # organisation_dashboard always rolls up
        return rollup

    @cached_property
    def condensed(self) -> bool:
        """More rows than a manager can read at once, and not all asked for."""
        shown = page_figures.readable_heatmap(self.rollup.heatmap, show_all=self.show_all)
        return shown.hidden_rows > 0

    @property
    def breadcrumb(self) -> list[tuple[str, str]]:
        return units.breadcrumb(self.filters, self.choices)

    @property
    def completion_shown(self) -> list:
        rows = self.data.completion_by_team
        return rows if self.show_all else rows[: page_figures.WEAKEST_ROWS]

    @property
    def flags_shown(self) -> list:
        flags = self.data.not_applicable_flags
        return flags if self.show_all else flags[: page_figures.WEAKEST_ROWS]


@require_safe
@login_required
def org_dashboard(request: PortalRequest) -> HttpResponse:
    generation = dashboards_generation()
    choices = _choices_for(request, generation)
    form = DashboardFilterForm(request.GET, choices=choices)
    filters = form.filters()
    show_all = request.GET.get("teams") == "all"
    context = {
        "form": form,
        "filters": filters,
        "page": DashboardPage(
            filters=filters, choices=choices, show_all=show_all, generation=generation
        )
        if filters
        else None,
        "show_all": show_all,
        "has_units": bool(choices.units),
        "title": "My units" if choices.within else "Organisation dashboard",
        "query_string": filters.query_string() if filters else "",
        "review_settings_url": _review_settings_url(request),
        # The viewer's units too: the filters' choices are theirs even with no quarter; the
        # day, as targets are judged today; and whether the page links to the admins' pages.
        "cache_key": f"{generation}:{','.join(choices.within)}:"
        f"{filters.cache_key() if filters else ''}:{show_all}:{timezone.localdate()}:"
        f"{is_org_admin(request.user)}",
        "cache_seconds": CACHE_SECONDS,
    }
    if not request.htmx:
        return render(request, "insights/dashboard.html", context)
    response = render(request, "insights/dashboard.html#content", context)
    # The address shows the filters in effect, without empty or unknown ones.
    return push_url(response, f"{request.path}?{context['query_string']}")


def _review_settings_url(request: PortalRequest) -> str:
    """The review policy's page, for org admins, once the administration offers it."""
    if not is_org_admin(request.user):
        return ""
    try:
        return reverse("administration:reviews")
    except NoReverseMatch:
        return ""


# --- CSV --------------------------------------------------------------------------------------


@require_safe
@login_required
def org_export(request: PortalRequest) -> HttpResponseBase:
    choices = _choices_for(request, dashboards_generation())
    filters = DashboardFilterForm(request.GET, choices=choices).filters()
    return _csv_response(filters, choices=choices, name="organisation")


@require_safe
@login_required
def team_export(request: PortalRequest, slug: str) -> HttpResponseBase:
    team = team_get_for_user(user=request.user, slug=slug)
    choices = selectors.dashboard_choices(generation=dashboards_generation())
    filters = DashboardFilterForm(request.GET, choices=choices).filters()
    if filters is not None:
        filters = DashboardFilters(
            period=filters.period,
            team=TeamChoice.of(team.pk, team.slug, team.name),
            stage=filters.stage,
        )
    return _csv_response(filters, choices=choices, name=team.slug)


def _csv_response(
    filters: DashboardFilters | None, *, choices: DashboardChoices, name: str
) -> StreamingHttpResponse:
    unit_paths = {unit.pk: unit.label for unit in choices.units}
    rows = exports.export_rows(filters=filters, unit_paths=unit_paths) if filters else iter(())
    quarter = f"-{filters.period.key}" if filters else ""
    stage = f"-{filters.stage}" if filters and filters.stage else ""
    response = StreamingHttpResponse(
        exports.csv_lines(rows), content_type="text/csv; charset=utf-8"
    )
    filename = f"mlops-maturity-{name}{quarter}{stage}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Exemptions -------------------------------------------------------------------------------


def _include_closed(request: PortalRequest) -> bool:
    return request.GET.get("all") == "1"


@require_safe
@login_required
def exemptions(request: PortalRequest) -> HttpResponse:
    include_closed = _include_closed(request)
    overview = exemptions_overview(user=request.user, include_closed=include_closed)
    query = "?all=1" if include_closed else ""
    context = {"overview": overview, "csv_url": f"{reverse('insights:exemptions_export')}{query}"}
    if request.htmx:
        return render(request, "insights/exemptions.html#content", context)
    return render(request, "insights/exemptions.html", context)


@require_safe
@login_required
def exemptions_export(request: PortalRequest) -> HttpResponseBase:
    overview = exemptions_overview(user=request.user, include_closed=_include_closed(request))
    lines = exports.csv_lines(
        exports.exemption_rows(overview.units), header=exports.EXEMPTIONS_HEADER
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    filename = f"mlops-exemptions-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
