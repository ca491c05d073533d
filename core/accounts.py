"""The portal's password reset: Django's views with four changes.

- Nobody's inbox can be flooded: at most PASSWORD_RESETS_PER_ADDRESS e-mails an hour to
  one address, and at most PASSWORD_RESETS_PER_CLIENT requests an hour from one client (IP
  address, as axes sees it), counted in the shared cache (core.ratelimit). Over the
  address limit nothing is sent and the answer is the usual redirect to "check your
  email", so the page never tells whether an address has an account or was limited. A
  client over its own limit is told so plainly, with a 429.
- The link in the e-mail starts with SITE_URL, never with the request's Host header.
- Setting the new password lifts a lock-out (django-axes) of that account, as the
  lock-out page promises.
- With password log-in off (PASSWORD_LOGIN=false: people log in with single sign-on) a link
  goes only to the break-glass account, and the page says so to everyone, whatever the
  address, so it never tells which address is that account's.
"""

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from axes.helpers import get_client_ip_address
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.utils.crypto import salted_hmac

from core.ratelimit import allow
from core.text import normalise_line

PASSWORD_LOGIN_OFF = (
    "Password log-in is switched off: log in with single sign-on. Only the administrator's "
    "break-glass account can log in or reset its password here."
)


def password_login_allowed(username: str) -> bool:
    """Whether `username` may log in (or reset) with a password: everyone, unless password
    log-in is off, when only the break-glass account may."""
    if settings.PASSWORD_LOGIN:
        return True
    return bool(settings.BREAK_GLASS_USERNAME) and username == settings.BREAK_GLASS_USERNAME


class _ResetForm(PasswordResetForm):
    def get_users(self, email: str) -> Iterator[User]:
        return (user for user in super().get_users(email) if password_login_allowed(user.username))


def _address_key(email: str) -> str:
    """One key per mailbox however it is spelt (case, compatibility forms), and never the
    address itself in the cache."""
    address = normalise_line(email).casefold()
    return salted_hmac("core.accounts.password-reset", address, algorithm="sha256").hexdigest()


class PasswordResetView(auth_views.PasswordResetView):
    form_class = _ResetForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not settings.PASSWORD_LOGIN:
            messages.info(request, PASSWORD_LOGIN_OFF)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        client = get_client_ip_address(request) or "unknown"
        if not allow(
            f"password-reset:client:{client}",
            limit=settings.PASSWORD_RESETS_PER_CLIENT,
            window=settings.PASSWORD_RESET_WINDOW,
        ):
            form = self.get_form_class()(initial={"email": request.POST.get("email", "")[:254]})
            context = self.get_context_data(form=form, too_many_requests=True)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        if allow(
            f"password-reset:address:{_address_key(form.cleaned_data['email'])}",
            limit=settings.PASSWORD_RESETS_PER_ADDRESS,
            window=settings.PASSWORD_RESET_WINDOW,
        ):
            site = urlsplit(settings.SITE_URL)
            form.save(
                domain_override=site.netloc,
                use_https=site.scheme == "https",
                token_generator=self.token_generator,
                from_email=self.from_email,
                email_template_name=self.email_template_name,
                subject_template_name=self.subject_template_name,
                request=self.request,
                html_email_template_name=self.html_email_template_name,
                extra_email_context={"site_url": settings.SITE_URL},
            )
        # Sent, no such account, or over the limit: the same answer.
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        # The account's owner proved they read its mail: lift its lock-out, from any client.
        axes_reset(username=form.user.get_username())
        return response
