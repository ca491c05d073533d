from django.contrib.auth.models import User
from django.db import transaction

from notifications.models import NotificationPreference


@transaction.atomic
def notification_preference_set(*, user: User, reminders_enabled: bool) -> NotificationPreference:
    preference, _ = NotificationPreference.objects.update_or_create(
        user=user, defaults={"reminders_enabled": reminders_enabled}
    )
    return preference
