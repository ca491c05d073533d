from django.urls import path

from insights import views

app_name = "insights"

urlpatterns = [
    path("org/", views.org_dashboard, name="org_dashboard"),
    path("org/export.csv", views.org_export, name="org_export"),
    path("teams/<slug:slug>/export.csv", views.team_export, name="team_export"),
    path("exemptions/", views.exemptions, name="exemptions"),
    path("exemptions.csv", views.exemptions_export, name="exemptions_export"),
]
