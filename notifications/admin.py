from django.contrib import admin

from core.admin import ReadOnlyAdmin
from notifications.models import SentEmail


@admin.register(SentEmail)
class SentEmailAdmin(ReadOnlyAdmin):
    list_display = ["key", "kind", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["kind", "status"]
    search_fields = ["recipient", "key"]
