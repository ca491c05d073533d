from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.http import PortalRequest
from notifications.models import NotificationPreference
from notifications.selectors import leads_a_team, notification_preference_for
from notifications.services.preferences import notification_preference_set


class NotificationSettingsForm(forms.Form):
    reminders_enabled = forms.BooleanField(
        required=False,
        label="Email me reminders about assessments",
        help_text="Due in 7 days, due tomorrow and overdue, for the projects of teams you lead.",
    )
    action_reminders_enabled = forms.BooleanField(
        required=False,
        label="Email me reminders about actions I own",
        help_text="A week before an improvement action's due date, and the day after if it is "
        "still open.",
    )
    action_digest_enabled = forms.BooleanField(
        required=False,
        label="Send me a weekly digest of my teams' plans",
        help_text="Once a week, on Monday: the open actions of the teams you lead, overdue "
        "first, then those due in the next 14 days.",
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def notification_settings(request: PortalRequest) -> HttpResponse:
    preference = notification_preference_for(user=request.user)
    initial = {
        "reminders_enabled": preference.reminders_enabled,
        "action_reminders_enabled": preference.action_reminders_enabled,
        "action_digest_enabled": preference.action_digest_enabled,
    }
    # An unticked checkbox posts nothing, so an empty POST is still a submission.
    data = request.POST if request.method == "POST" else None
    form = NotificationSettingsForm(data, initial=initial)
    show_digest = leads_a_team(user=request.user)  # the digest is about the teams one leads
    if not show_digest:
        del form.fields["action_digest_enabled"]
    if form.is_bound and form.is_valid():
        choices = form.cleaned_data
        saved = notification_preference_set(
            user=request.user,
            reminders_enabled=choices["reminders_enabled"],
            action_reminders_enabled=choices["action_reminders_enabled"],
            action_digest_enabled=choices.get("action_digest_enabled"),
        )
        messages.success(request, _confirmation(saved, with_digest=show_digest))
        return redirect("notifications:notification_settings")
    context = {"form": form, "show_digest": show_digest}
    return render(request, "notifications/notification_settings.html", context)


def _confirmation(preference: NotificationPreference, *, with_digest: bool) -> str:
    """One sentence with every switch as saved, e.g. "Saved. Reminders are on for
    assessments and off for your actions; the weekly plan digest is on." """

    def state(on: bool) -> str:
        return "on" if on else "off"

    assessments, actions = preference.reminders_enabled, preference.action_reminders_enabled
    reminders = f"Reminders are {state(assessments)} for assessments and " + (
        "for your actions" if assessments == actions else f"{state(actions)} for your actions"
    )
    if not with_digest:
        return f"Saved. {reminders}."
    digest = state(preference.action_digest_enabled)
    return f"Saved. {reminders}; the weekly plan digest is {digest}."
