from django.contrib import admin
from django.contrib.auth import urls as auth_urls
from django.urls import include, path

from accounts.sso import views as sso_views
from core import accounts, views

# Log-in and log-out (with single sign-on: accounts/sso/views.py), the password reset and
# its confirmation (core/accounts.py) are the portal's own, at the same URLs and names; the
# rest of Django's account URLs are used as they come.
OWN_ACCOUNT_VIEWS = {"login", "logout", "password_reset", "password_reset_confirm"}
account_urls = [
    path("login/", sso_views.LoginView.as_view(), name="login"),
    path("logout/", sso_views.LogoutView.as_view(), name="logout"),
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
    path("oidc/", include("accounts.sso.urls")),
    path("api/v1/", include("api.urls")),
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
