from django.urls import path

from assessments.views import assessments as views
from assessments.views import dashboard as dashboard_views

app_name = "assessments"

urlpatterns = [
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path(
        "assessments/<int:pk>/answers/<slug:practice_key>/",
        views.answer_save,
        name="answer_save",
    ),
    path("assessments/<int:pk>/submit/", views.assessment_submit, name="assessment_submit"),
    path("org/", dashboard_views.org_dashboard, name="org_dashboard"),
    path("org/export.csv", dashboard_views.org_export, name="org_export"),
    path("teams/<slug:slug>/export.csv", dashboard_views.team_export, name="team_export"),
]
