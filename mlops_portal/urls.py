from django.contrib import admin
from django.urls import include, path

from core import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("portal.urls")),
    path("", include("assessments.urls")),
    path("", include("insights.urls")),
    path("", include("reports.urls")),
    path("", include("notifications.urls")),
]

handler500 = "core.views.server_error"

admin.site.site_header = "MLOps Maturity Portal administration"
admin.site.site_title = "MLOps Portal admin"
