"""Mentoring criteria are programme rules an administrator may change; the records themselves are written
by the services (so they are audited) and shown here read-only."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import MentorAssignment, MentoringCriteria, MentoringSession, MentorTarget, ReadinessAssessment


@admin.register(MentoringCriteria)
class MentoringCriteriaAdmin(admin.ModelAdmin):
    list_display = [
        "programme",
        "min_sessions",
        "readiness_required",
        "business_plan_required",
        "default_target",
        "default_target_measure",
    ]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MentorAssignment)
class MentorAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["participant", "mentor", "organisation", "method", "started_at", "ended_at"]
    list_filter = ["method"]
    search_fields = ["participant__full_name", "mentor__username"]
    raw_id_fields = ["participant", "mentor", "organisation", "assigned_by", "ended_by", "relationship"]


@admin.register(MentoringSession)
class MentoringSessionAdmin(ReadOnlyAdmin):
    list_display = ["participant", "mentor", "held_on", "mode", "next_step_due"]
    list_filter = ["mode"]
    date_hierarchy = "held_on"
    search_fields = ["participant__full_name", "mentor__username"]
    raw_id_fields = ["participant", "mentor", "organisation", "assignment"]


@admin.register(ReadinessAssessment)
class ReadinessAssessmentAdmin(ReadOnlyAdmin):
    list_display = ["participant", "mentor", "assessed_on", "ready"]
    list_filter = ["ready"]
    raw_id_fields = ["participant", "mentor"]


@admin.register(MentorTarget)
class MentorTargetAdmin(ReadOnlyAdmin):
    list_display = ["mentor", "organisation", "period_start", "period_end", "target", "measure"]
    raw_id_fields = ["mentor", "organisation", "set_by"]
