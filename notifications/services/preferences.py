from django.contrib.auth.models import User
from django.db import transaction

from notifications.models import NotificationPreference


@transaction.atomic
def notification_preference_set(
    *,
    user: User,
    reminders_enabled: bool | None = None,
    action_reminders_enabled: bool | None = None,
    action_digest_enabled: bool | None = None,
    review_accepted_enabled: bool | None = None,
    review_digest_enabled: bool | None = None,
    exemption_digest_enabled: bool | None = None,
) -> NotificationPreference:
    """Save a user's choices; a switch passed as None keeps its current value."""
    choices = {
        "reminders_enabled": reminders_enabled,
        "action_reminders_enabled": action_reminders_enabled,
        "action_digest_enabled": action_digest_enabled,
        "review_accepted_enabled": review_accepted_enabled,
        "review_digest_enabled": review_digest_enabled,
        "exemption_digest_enabled": exemption_digest_enabled,
    }
    preference, _ = NotificationPreference.objects.update_or_create(
        user=user, defaults={field: value for field, value in choices.items() if value is not None}
    )
    return preference
