"""Single sign-on's URLs: the OpenID Connect log-in, its callback, and the page the provider
sends the browser back to after logging out there. Register SITE_URL + the callback's path
as the redirect URI at the provider, and SITE_URL + the logged-out page's path as the
post-logout redirect URI. (Log-in and log-out themselves are /accounts/login/ and
/accounts/logout/: `accounts.sso.views.LoginView` and `LogoutView`.)"""

from django.urls import path

from accounts.sso import views

app_name = "sso"

urlpatterns = [
    path("authenticate/", views.AuthenticateView.as_view(), name="authenticate"),
    path("callback/", views.CallbackView.as_view(), name="callback"),
    path("logged-out/", views.logged_out, name="logged_out"),
]
