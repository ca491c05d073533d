"""The notification settings page: each person switches off (or on) the e-mails they may.

Only the switches that concern the person are shown: the plan digest and the e-mail about an
accepted review to team leads, the reviewers' digests to reviewers. A switch not shown keeps
its value when the form is saved.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.access import is_reviewer
from core.http import PortalRequest
from notifications.models import NotificationPreference
from notifications.selectors import leads_a_team, notification_preference_for
from notifications.services.preferences import notification_preference_set

LEAD_SWITCHES = ("action_digest_enabled", "review_accepted_enabled")
REVIEWER_SWITCHES = ("review_digest_enabled", "exemption_digest_enabled")


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
    review_accepted_enabled = forms.BooleanField(
        required=False,
        label="Email me when a reviewer accepts an assessment I submitted",
        help_text="A short note with the reviewer's comment, if any, and a link to the result.",
    )
    review_digest_enabled = forms.BooleanField(
        required=False,
        label="Send me a daily digest of submissions waiting for my review",
        help_text="At most once a day, and only when a submission became ready for review in "
        "the units you review: your queue, new ones first, with their signals.",
    )
    exemption_digest_enabled = forms.BooleanField(
        required=False,
        label="Send me a weekly list of exemptions waiting for my decision",
        help_text="Once a week, when requests to treat a practice as not applicable wait in "
        "the units you review: each with its justification and how long it has waited.",
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def notification_settings(request: PortalRequest) -> HttpResponse:
    preference = notification_preference_for(user=request.user)
    form = NotificationSettingsForm(
        # An unticked checkbox posts nothing, so an empty POST is still a submission.
        request.POST if request.method == "POST" else None,
        initial={name: getattr(preference, name) for name in NotificationSettingsForm.base_fields},
    )
    leads = leads_a_team(user=request.user)  # the digest is about the teams one leads
    reviews = is_reviewer(request.user)
    hidden = (() if leads else LEAD_SWITCHES) + (() if reviews else REVIEWER_SWITCHES)
    for name in hidden:
        del form.fields[name]
    if form.is_bound and form.is_valid():
        saved = notification_preference_set(user=request.user, **form.cleaned_data)
        messages.success(request, _confirmation(saved, lead=leads, reviewer=reviews))
        return redirect("notifications:notification_settings")
    context = {"form": form, "show_digest": leads, "show_reviews": reviews}
    return render(request, "notifications/notification_settings.html", context)


def _state(on: bool) -> str:
    return "on" if on else "off"


def _confirmation(preference: NotificationPreference, *, lead: bool, reviewer: bool) -> str:
    """Every switch shown, as saved, e.g. "Saved. Reminders are on for assessments and off
    for your actions; the weekly plan digest is on." """
    assessments, actions = preference.reminders_enabled, preference.action_reminders_enabled
    text = f"Saved. Reminders are {_state(assessments)} for assessments and " + (
        "for your actions" if assessments == actions else f"{_state(actions)} for your actions"
    )
    if lead:
        text += f"; the weekly plan digest is {_state(preference.action_digest_enabled)}."
        text += (
            f" E-mails when a reviewer accepts your submission are "
            f"{_state(preference.review_accepted_enabled)}."
        )
    else:
        text += "."
    if reviewer:
        text += (
            f" The daily review digest is {_state(preference.review_digest_enabled)}, the "
            f"weekly list of exemptions {_state(preference.exemption_digest_enabled)}."
        )
    return text
