"""Licence types, their checklists and steps are data an administrator changes without code. Cases and
licences are read here; they change only through the services (with their audit and hand-offs)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Licence, LicenceApplication, LicenceType, RequirementDefinition, StepDefinition


class RequirementInline(admin.TabularInline):
    model = RequirementDefinition
    extra = 0
    fields = ["order", "code", "name_id", "name_en", "extensions", "max_mb", "required", "help_id", "help_en"]


class StepInline(admin.TabularInline):
    model = StepDefinition
    extra = 0
    fields = ["order", "code", "name_id", "name_en", "holder_type", "service_days"]


@admin.register(LicenceType)
class LicenceTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_id", "issued_here", "validity_years", "is_active"]
    inlines = [RequirementInline, StepInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LicenceApplication)
class LicenceApplicationAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "licence_type",
        "business",
        "kelurahan",
        "status",
        "first_submitted_at",
        "decided_at",
    ]
    list_filter = ["status", "licence_type"]
    show_full_result_count = False


@admin.register(Licence)
class LicenceAdmin(ReadOnlyAdmin):
    list_display = ["number", "licence_type", "business", "status", "issued_on", "valid_until", "existing"]
    list_filter = ["status", "licence_type", "existing"]
    search_fields = ["number"]
