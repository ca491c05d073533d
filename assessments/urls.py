from django.urls import path

from assessments.views import assessments as views
from assessments.views import dashboard as dashboard_views
from assessments.views import notifications as notification_views
from assessments.views import reports as report_views

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
    path("reports/", report_views.report_list, name="report_list"),
    path("reports/generate/", report_views.report_generate, name="report_generate"),
    path("reports/<int:pk>/", report_views.report_detail, name="report_detail"),
    path("reports/<int:pk>/report.pdf", report_views.report_pdf, name="report_pdf"),
    path("reports/<int:pk>/report.html", report_views.report_html, name="report_html"),
    path(
        "account/notifications/",
        notification_views.notification_settings,
        name="notification_settings",
    ),
]
