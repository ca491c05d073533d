from django.urls import path

from portal import evidence_views, initiative_views, plan_views, target_views, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("teams/<slug:slug>/", views.team_detail, name="team_detail"),
    path("teams/<slug:slug>/projects/new/", views.project_create, name="project_create"),
    path("projects/<slug:slug>/", views.project_detail, name="project_detail"),
    path("projects/<slug:slug>/edit/", views.project_edit, name="project_edit"),
    path("projects/<slug:slug>/archive/", views.project_archive, name="project_archive"),
    path("projects/<slug:slug>/restore/", views.project_restore, name="project_restore"),
    # Evidence from MLflow: the connection, collecting now and its progress.
    path(
        "projects/<slug:slug>/evidence/",
        evidence_views.project_evidence,
        name="project_evidence",
    ),
    path(
        "projects/<slug:slug>/evidence/collect/",
        evidence_views.evidence_collect,
        name="evidence_collect",
    ),
    path(
        "projects/<slug:slug>/evidence/collections/<int:pk>/",
        evidence_views.evidence_collection,
        name="evidence_collection",
    ),
    # Targets: a team's or a project's own target instead of the organisation's.
    path("teams/<slug:slug>/target/", target_views.team_target, name="team_target"),
    path("projects/<slug:slug>/target/", target_views.project_target, name="project_target"),
    # The team's improvement plan and its actions.
    path("teams/<slug:slug>/plan/", plan_views.team_plan, name="team_plan"),
    path("teams/<slug:slug>/plan.csv", plan_views.team_plan_csv, name="team_plan_csv"),
    path("teams/<slug:slug>/plan/new/", plan_views.action_create, name="action_create"),
    path(
        "assessments/<int:pk>/plan/",
        plan_views.action_from_step,
        name="action_from_step",
    ),
    path("actions/<int:pk>/", plan_views.action_detail, name="action_detail"),
    path("actions/<int:pk>/edit/", plan_views.action_edit, name="action_edit"),
    path("actions/<int:pk>/status/", plan_views.action_status, name="action_status"),
    path("actions.csv", plan_views.actions_csv, name="actions_csv"),
    # Initiatives: many projects, a set of practices, a target date.
    path("initiatives/", initiative_views.initiative_list, name="initiative_list"),
    path("initiatives/new/", initiative_views.initiative_create, name="initiative_create"),
    path("initiatives/<slug:slug>/", initiative_views.initiative_detail, name="initiative_detail"),
    path("initiatives/<slug:slug>/edit/", initiative_views.initiative_edit, name="initiative_edit"),
    path(
        "initiatives/<slug:slug>/remind/",
        initiative_views.initiative_remind,
        name="initiative_remind",
    ),
    path(
        "initiatives/<slug:slug>/progress.csv",
        initiative_views.initiative_csv,
        name="initiative_csv",
    ),
]
