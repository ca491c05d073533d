from django.contrib import admin
from django.urls import include, path

from mlops_portal import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("teams.urls")),
    path("", include("assessments.urls")),
]

handler500 = "mlops_portal.views.server_error"

admin.site.site_header = "MLOps Maturity Portal administration"
admin.site.site_title = "MLOps Portal admin"
