from django.contrib import admin
from django.contrib.auth import urls as auth_urls
from django.urls import include, path

from core import accounts, views

# The password reset and its confirmation are the portal's own (core/accounts.py), at the
# same URLs and names; the rest of Django's account URLs are used as they come.
OWN_ACCOUNT_VIEWS = {"password_reset", "password_reset_confirm"}
account_urls = [
    path("password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    *(url for url in auth_urls.urlpatterns if getattr(url, "name", None) not in OWN_ACCOUNT_VIEWS),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/", include(account_urls)),
    path("admin/", admin.site.urls),
    path("", include("portal.urls")),
    path("", include("assessments.urls")),
    path("", include("reviews.urls")),
    path("", include("insights.urls")),
    path("", include("reports.urls")),
    path("", include("notifications.urls")),
    path("", include("administration.urls")),
    path("", include("accounts.urls")),
]

handler500 = "core.views.server_error"

admin.site.site_header = "MLOps Maturity Portal administration"
admin.site.site_title = "MLOps Portal admin"
