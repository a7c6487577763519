from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction

from .models import Business, Consent, DataRequest, Participant, Relationship


class BusinessInline(admin.TabularInline):
    model = Business
    extra = 0
    fields = ["name", "sector", "scale", "nib", "workers", "monthly_turnover", "assets"]
    readonly_fields = ["scale"]


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    can_delete = False
    readonly_fields = ["purpose", "text_version", "granted_at", "withdrawn_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    """Read-mostly: registration, consents, stages and merges go through the services (with audit).

    The kelurahan is not edited here: the region codes, the access scope and the funnel's counters
    follow it, and only the services move them together. A record is never deleted here either (a
    duplicate is merged; the counters and the audit trail would lose it). What may be corrected here
    is written with one audit row naming the fields, before and after.
    """

    list_display = ["full_name", "kelurahan", "entry_track", "registered_on", "status"]
    list_filter = ["entry_track", "status", "channel"]
    search_fields = ["full_name", "nik"]
    show_full_result_count = False
    raw_id_fields = ["user", "merged_into", "eligibility_verified_by", "registered_by"]
    readonly_fields = [
        "kelurahan",
        "nik",
        "sex",
        "birth_date",
        "kecamatan_code",
        "kota_code",
        "province_code",
        "status",
        "merged_into",
        "rule_flags",
        "eligibility_verified_at",
        "channel",
        "registered_on",
        "last_activity_at",
    ]
    inlines = [BusinessInline, ConsentInline]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Participant, form: Any, change: bool) -> None:
        changed = [name for name in form.changed_data if name in form.initial] if change else []
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if changed:
                audit_record(
                    actor=request.user,  # type: ignore[arg-type]
                    action=AuditAction.PARTICIPANT_UPDATED,
                    obj=obj,
                    before={name: form.initial[name] for name in changed},
                    after={"channel": "admin"} | {name: form.cleaned_data[name] for name in changed},
                )


@admin.register(DataRequest)
class DataRequestAdmin(admin.ModelAdmin):
    list_display = ["participant", "kind", "status", "due_at", "answered_at"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["participant", "answered_by"]
    readonly_fields = ["status", "answered_at", "answered_by"]


@admin.register(Relationship)
class RelationshipAdmin(admin.ModelAdmin):
    list_display = ["participant", "organisation", "kind", "source", "ended_at"]
    list_filter = ["kind"]
    raw_id_fields = ["participant", "organisation"]
