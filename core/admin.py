"""Admin building blocks: read-only views of service-written rows, and edits that refresh
the dashboards (an admin edit is a write path like any service)."""

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from core.cache import dashboards_changed


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by loaders and services, never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown for reference beside their parent; they are written by services."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [str(field) for field in self.fields or []]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DashboardsChangedAdmin(admin.ModelAdmin):
    """Saving or deleting here changes what the dashboards show: bump their generation."""

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        dashboards_changed()

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        super().delete_model(request, obj)
        dashboards_changed()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        super().delete_queryset(request, queryset)
        dashboards_changed()
