"""Training in the admin: for looking things up. Changes go through the pages, whose services audit them."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Course, Enrolment, FollowUp, TrainingSession


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SessionInline(admin.TabularInline):
    model = TrainingSession
    extra = 0
    fields = ["starts_at", "ends_at", "mode", "place", "region", "capacity", "trainer_name"]
    readonly_fields = ["starts_at", "ends_at", "mode", "place", "region", "capacity", "trainer_name"]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Course)
class CourseAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "level",
        "topic",
        "provider",
        "status",
        "follow_ups_answered",
        "follow_ups_applied",
    ]
    list_filter = ["status", "level", "topic", "kind", "track"]
    search_fields = ["title", "provider__name"]
    inlines = [SessionInline]


@admin.register(TrainingSession)
class TrainingSessionAdmin(ReadOnlyAdmin):
    list_display = ["course", "starts_at", "mode", "region", "capacity", "trainer_name"]
    list_filter = ["mode"]
    search_fields = ["course__title", "place", "trainer_name"]
    raw_id_fields = ["course", "region"]
    date_hierarchy = "starts_at"


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    list_display = ["participant", "session", "status", "attendance_method", "created_at"]
    list_filter = ["status", "attendance_method"]
    raw_id_fields = ["participant", "session"]
    show_full_result_count = False


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ["enrolment", "due_on", "answered_at", "applied", "bookkeeping", "selling_online"]
    list_filter = ["applied", "bookkeeping", "selling_online"]
    raw_id_fields = ["enrolment"]
