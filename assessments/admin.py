import datetime

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from assessments.models import Answer, Assessment, Dimension, Framework, Period, Practice
from assessments.services import periods
from core.admin import DashboardsChangedAdmin, ReadOnlyAdmin, ReadOnlyInline


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
class PeriodAdmin(DashboardsChangedAdmin):
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
        "overall_score",
        "weakest_dimension_key",
        "anti_patterns",
    ]
    inlines = [AnswerInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
