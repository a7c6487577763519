from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Handoff


@admin.register(Handoff)
class HandoffAdmin(admin.ModelAdmin):
    """Read only: hand-offs move with the cases they belong to."""

    list_display = [
        "step_name",
        "organisation",
        "assignee",
        "received_at",
        "due_on",
        "status",
        "within_service_level",
    ]
    list_filter = ["status", "step", "within_service_level"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
