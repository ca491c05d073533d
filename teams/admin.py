from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from core.admin import DashboardsChangedAdmin
from core.signals import projects_changed
from core.text import normalise_line, skeleton
from teams.models import Membership, Project, Team


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


class TeamAdminForm(forms.ModelForm):
    """Team names normalised and unique by look, as project names are (core.text)."""

    class Meta:
        model = Team
        fields = ["name", "slug", "description"]

    def clean_name(self) -> str:
        name = normalise_line(self.cleaned_data.get("name", ""))
        if not name:
            raise forms.ValidationError("Give the team a name in letters or digits.")
        clash = next(
            (
                team
                for team in Team.objects.exclude(pk=self.instance.pk).only("pk", "name")
                if skeleton(team.name) == skeleton(name)
            ),
            None,
        )
        if clash is not None:
            raise forms.ValidationError(f"There is already a team called “{clash.name}”.")
        return name


@admin.register(Team)
class TeamAdmin(DashboardsChangedAdmin):
    form = TeamAdminForm
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

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        projects_changed.send(sender=Project, projects=[obj.pk])  # its stage or team
