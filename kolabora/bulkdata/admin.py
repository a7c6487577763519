"""Imports are read here; they change only through the import pages, the API and ``kolabora import``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import ColumnMapping, ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["file_name", "created_by", "status", "rows_done", "rows_total", "created_count",
                    "updated_count", "unchanged_count", "rejected_count", "created_at"]  # fmt: skip
    list_filter = ["status", "format", "channel", "dry_run"]
    search_fields = ["file_name", "created_by__username"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ColumnMapping)
class ColumnMappingAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "created_by", "updated_at"]
    search_fields = ["name"]
