from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import BalanceDeclaration, BookkeepingRules, CashCategory, CashEntry, ImportBatch


@admin.register(BookkeepingRules)
class BookkeepingRulesAdmin(admin.ModelAdmin[BookkeepingRules]):
    list_display = ("programme", "months_for_completion", "reminder_day")


@admin.register(CashCategory)
class CashCategoryAdmin(admin.ModelAdmin[CashCategory]):
    list_display = ("code", "name_id", "name_en", "line", "order", "is_active")
    list_filter = ("line", "is_active")
    ordering = ("order", "code")

    def get_readonly_fields(self, request: HttpRequest, obj: CashCategory | None = None) -> Any:
        # A category's line fixes the direction of the entries recorded with it: never change it afterwards.
        return ("code", "line") if obj is not None else ()


@admin.register(CashEntry)
class CashEntryAdmin(admin.ModelAdmin[CashEntry]):
    """Read-only: entries change only through the services (cancelled with a reason, audited)."""

    list_display = ("occurred_on", "business", "category", "direction", "amount", "source", "voided_at")
    list_filter = ("source", "direction")
    list_select_related = ("business", "category")
    raw_id_fields = ("business", "batch", "recorded_by", "voided_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: CashEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: CashEntry | None = None) -> bool:
        return False


@admin.register(BalanceDeclaration)
class BalanceDeclarationAdmin(admin.ModelAdmin[BalanceDeclaration]):
    list_display = ("business", "as_of", "cash", "bank_debt")
    raw_id_fields = ("business", "declared_by")

    def has_change_permission(self, request: HttpRequest, obj: BalanceDeclaration | None = None) -> bool:
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin[ImportBatch]):
    list_display = ("original_name", "business", "status", "imported", "duplicates", "rejected", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("business", "created_by")

    def has_change_permission(self, request: HttpRequest, obj: ImportBatch | None = None) -> bool:
        return False
