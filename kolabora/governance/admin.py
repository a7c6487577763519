"""Instruments are data an administrator changes without code (a new statement may be typed directly in
Indonesian). Rounds, responses and feedback are read here; they change only through the services."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AssessmentRound, Dimension, Feedback, Framework, Item


class DimensionInline(admin.TabularInline):
    model = Dimension
    extra = 0
    fields = ["order", "code", "name", "parent", "description"]


class ItemInline(admin.TabularInline):
    model = Item
    extra = 0
    fields = ["order", "code", "text", "is_active"]


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "source", "is_active"]
    inlines = [DimensionInline]


@admin.register(Dimension)
class DimensionAdmin(admin.ModelAdmin):
    list_display = ["framework", "order", "code", "name", "parent"]
    list_filter = ["framework"]
    inlines = [ItemInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AssessmentRound)
class AssessmentRoundAdmin(ReadOnlyAdmin):
    list_display = ["title", "framework", "region", "status", "invited_count", "responses_count"]
    list_filter = ["status", "framework"]


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ["service_title", "organisation", "rating", "status", "created_at"]
    list_filter = ["status", "kind", "rating"]
