import datetime

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from assessments.models import (
    Answer,
    Assessment,
    Dimension,
    Framework,
    Period,
    Practice,
    Report,
    SentEmail,
)
from assessments.services import periods


class ReadOnlyAdmin(admin.ModelAdmin):
    """Frameworks are loaded from YAML by `load_framework` and never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown for reference beside their parent; they are written by services."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return list(self.fields)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class DimensionInline(ReadOnlyInline):
    model = Dimension
    fields = ["order", "key", "name"]


@admin.register(Framework)
class FrameworkAdmin(ReadOnlyAdmin):
    list_display = ["title", "key", "version", "loaded_at", "source_path"]
    inlines = [DimensionInline]


@admin.register(Practice)
class PracticeAdmin(ReadOnlyAdmin):
    list_display = ["key", "dimension", "level", "effort", "anti_pattern", "framework"]
    list_filter = ["framework", "dimension__key", "level"]
    search_fields = ["key", "question"]


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ["key", "framework", "opens_on", "due_on", "closes_on", "state", "opened_at"]
    readonly_fields = ["opened_at", "closed_at"]
    actions = ["open_selected", "reopen_for_two_weeks"]

    @admin.display(description="State")
    def state(self, period: Period) -> str:
        return Period.State(period.state).label

    @admin.action(description="Open: create a draft for every active project")
    def open_selected(self, request: HttpRequest, queryset: QuerySet[Period]) -> None:
        for period in queryset:
            result = periods.period_open(period=period)
            self.message_user(
                request, f"{period.key}: {len(result.created)} new drafts.", messages.SUCCESS
            )

    @admin.action(description="Reopen for two weeks (closed periods accept answers again)")
    def reopen_for_two_weeks(self, request: HttpRequest, queryset: QuerySet[Period]) -> None:
        until = timezone.localdate() + datetime.timedelta(days=14)
        for period in queryset:
            periods.period_reopen(period=period, until=until)
        self.message_user(request, f"Reopened until {until:%d %b %Y}.", messages.SUCCESS)


class AnswerInline(ReadOnlyInline):
    model = Answer
    fields = ["practice", "value", "na_reason", "note", "answered_by", "answered_at"]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["project", "period", "status", "overall_level", "submitted_at"]
    list_filter = ["period", "status", "project__team"]
    search_fields = ["project__name"]
    readonly_fields = [
        "project",
        "period",
        "status",
        "submitted_by",
        "submitted_at",
        "version",
        "overall_level",
        "mean_score",
        "weakest_dimension_key",
        "anti_patterns",
    ]
    inlines = [AnswerInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Reports are generated (on close, or from /reports/), never written by hand."""

    list_display = ["__str__", "scope", "period", "status", "progress", "created_at"]
    list_filter = ["status", "scope", "period"]
    readonly_fields = [field.name for field in Report._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SentEmail)
class SentEmailAdmin(ReadOnlyAdmin):
    list_display = ["key", "kind", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["kind", "status"]
    search_fields = ["recipient", "key"]
