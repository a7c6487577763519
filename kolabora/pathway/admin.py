"""Programmes and their stage rules are data an administrator may change without code."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import ParticipantStage, Programme, ProgrammeTarget, StageDefinition


class StageInline(admin.TabularInline):
    model = StageDefinition
    extra = 0
    fields = [
        "code",
        "order",
        "name_id",
        "name_en",
        "levels",
        "prerequisites",
        "requirements_id",
        "requirements_en",
    ]


class TargetInline(admin.TabularInline):
    model = ProgrammeTarget
    extra = 0
    raw_id_fields = ["region"]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "region", "is_default", "at_risk_days", "required_training_level"]
    raw_id_fields = ["region"]
    inlines = [StageInline, TargetInline]


@admin.register(ParticipantStage)
class ParticipantStageAdmin(admin.ModelAdmin):
    """Read only: pathway.services.stage_transition is the only writer of stage status."""

    list_display = ["participant", "code", "status", "level", "since", "rule_exception"]
    list_filter = ["code", "status", "rule_exception"]
    raw_id_fields = ["participant"]
    show_full_result_count = False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
