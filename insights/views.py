"""The organisation dashboard and the CSV exports of what the dashboards show."""

from functools import cached_property
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django_htmx.http import push_url

from core.access import is_management
from core.cache import CACHE_SECONDS, dashboards_generation
from core.http import PortalRequest
from insights import exports, page_figures
from insights.selectors import organisation as selectors
from insights.shapes import DashboardChoices, DashboardFilters, OrganisationDashboard, TeamChoice
from teams.models import Project
from teams.selectors import team_get_for_user


class DashboardFilterForm(forms.Form):
    quarter = forms.ChoiceField(required=False)
    team = forms.ChoiceField(required=False)
    stage = forms.ChoiceField(required=False, choices=[("", "Every stage"), *Project.Stage.choices])

    def __init__(self, data: dict, *, choices: DashboardChoices) -> None:
        super().__init__(data)
        self.choices = choices
        self.fields["quarter"].choices = [(p.key, p.key) for p in choices.periods]  # type: ignore[attr-defined]
        self.fields["team"].choices = [("", "Every team")] + [  # type: ignore[attr-defined]
            (team.slug, team.name) for team in choices.teams
        ]

    def filters(self) -> DashboardFilters | None:
        """The chosen filters; a value that is not on offer falls back to its default."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        period = next(
            (p for p in self.choices.periods if p.key == data.get("quarter")),
            selectors.default_period(choices=self.choices),
        )
        if period is None:
            return None
        team = next((t for t in self.choices.teams if t.slug == data.get("team")), None)
        stage = data.get("stage") or ""
        # The form then shows what the page shows, defaults in place of unknown values.
        self.data = {"quarter": period.key, "team": team.slug if team else "", "stage": stage}
        return DashboardFilters(period=period, team=team, stage=stage)


def _require_management(request: PortalRequest) -> None:
    if not is_management(request.user):
        raise PermissionDenied("The organisation dashboard is for management.")


def _query_string(filters: DashboardFilters) -> str:
    params = {"quarter": filters.period.key}
    if filters.team:
        params["team"] = filters.team.slug
    if filters.stage:
        params["stage"] = filters.stage
    return urlencode(params)


class DashboardPage:
    """What the dashboard shows. The template caches the rendered page under the data's
    fingerprint and the filters, so this is only computed when that cache misses."""

    def __init__(
        self, *, filters: DashboardFilters, choices: DashboardChoices, show_all: bool = False
    ) -> None:
        self.filters = filters
        self.choices = choices
        self.show_all = show_all

    @cached_property
    def data(self) -> OrganisationDashboard:
        return selectors.organisation_dashboard(filters=self.filters, choices=self.choices)

    @cached_property
    def charts(self) -> dict[str, dict]:
        return page_figures.dashboard_figures(self.data, show_all=self.show_all)

    @cached_property
    def condensed(self) -> bool:
        """More teams than a manager can read at once, and not all asked for."""
        shown = page_figures.readable_heatmap(self.data.heatmap, show_all=self.show_all)
        return shown.hidden_rows > 0

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
    _require_management(request)
    generation = dashboards_generation()
    choices = selectors.dashboard_choices(generation=generation)
    form = DashboardFilterForm(request.GET, choices=choices)
    filters = form.filters()
    show_all = request.GET.get("teams") == "all"
    context = {
        "form": form,
        "filters": filters,
        "page": DashboardPage(filters=filters, choices=choices, show_all=show_all)
        if filters
        else None,
        "show_all": show_all,
        "query_string": _query_string(filters) if filters else "",
        "cache_key": f"{generation}:{filters.cache_key() if filters else ''}:{show_all}",
        "cache_seconds": CACHE_SECONDS,
    }
    if not request.htmx:
        return render(request, "insights/dashboard.html", context)
    response = render(request, "insights/dashboard.html#content", context)
    # The address shows the filters in effect, without empty or unknown ones.
    return push_url(response, f"{request.path}?{context['query_string']}")


# --- CSV --------------------------------------------------------------------------------------


@require_safe
@login_required
def org_export(request: PortalRequest) -> HttpResponseBase:
    _require_management(request)
    choices = selectors.dashboard_choices(generation=dashboards_generation())
    filters = DashboardFilterForm(request.GET, choices=choices).filters()
    return _csv_response(filters, name="organisation")


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
    return _csv_response(filters, name=team.slug)


def _csv_response(filters: DashboardFilters | None, *, name: str) -> StreamingHttpResponse:
    rows = exports.export_rows(filters=filters) if filters else iter(())
    quarter = f"-{filters.period.key}" if filters else ""
    stage = f"-{filters.stage}" if filters and filters.stage else ""
    response = StreamingHttpResponse(
        exports.csv_lines(rows), content_type="text/csv; charset=utf-8"
    )
    filename = f"mlops-maturity-{name}{quarter}{stage}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
