from django.contrib import admin
from django.http import HttpRequest

from reports.models import Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Reports are generated (on close, or from /reports/), never written by hand."""

    list_display = ["__str__", "scope", "period", "status", "progress", "created_at"]
    list_filter = ["status", "scope", "period"]
    readonly_fields = [field.name for field in Report._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
