from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["subject", "recipient", "kind", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind"]
    search_fields = ["subject", "recipient__username"]
    raw_id_fields = ["recipient"]
    # Written by notifications.services.notify only; the admin looks, it does not compose.
    readonly_fields = ["recipient", "subject", "body", "link", "kind", "created_at", "read_at", "emailed_at"]

    def has_add_permission(self, request: object) -> bool:
        return False
