from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.http import PortalRequest
from notifications.selectors import reminders_enabled
from notifications.services.preferences import notification_preference_set


class NotificationSettingsForm(forms.Form):
    reminders_enabled = forms.BooleanField(
        required=False,
        label="Email me reminders about assessments",
        help_text="Due in 7 days, due tomorrow and overdue, for the projects of teams you lead.",
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def notification_settings(request: PortalRequest) -> HttpResponse:
    initial = {"reminders_enabled": reminders_enabled(user=request.user)}
    # An unticked checkbox posts nothing, so an empty POST is still a submission.
    data = request.POST if request.method == "POST" else None
    form = NotificationSettingsForm(data, initial=initial)
    if form.is_bound and form.is_valid():
        enabled = form.cleaned_data["reminders_enabled"]
        notification_preference_set(user=request.user, reminders_enabled=enabled)
        messages.success(
            request,
            "Reminders are on."
            if enabled
            else "Reminders are off. You can switch them back on here.",
        )
        return redirect("notifications:notification_settings")
    return render(request, "notifications/notification_settings.html", {"form": form})
