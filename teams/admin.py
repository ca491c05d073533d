from django.contrib import admin

from core.admin import DashboardsChangedAdmin
from teams.models import Membership, Project, Team


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(DashboardsChangedAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role"]
    list_filter = ["role", "team"]
    search_fields = ["user__username", "team__name"]
    autocomplete_fields = ["user", "team"]


@admin.register(Project)
class ProjectAdmin(DashboardsChangedAdmin):
    list_display = ["name", "team", "stage", "archived_at"]
    list_filter = ["stage", "team"]
    search_fields = ["name", "team__name"]
    prepopulated_fields = {"slug": ["name"]}
