from django.contrib import admin

from .models import Agreement, Membership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "region", "is_active"]
    list_filter = ["type", "is_active"]
    search_fields = ["name", "region__name"]
    raw_id_fields = ["region", "parent"]
    inlines = [MembershipInline]


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "lead", "partner", "status", "starts_on", "ends_on"]
    list_filter = ["status"]
    search_fields = ["number", "title", "partner__name"]
    raw_id_fields = ["lead", "partner", "region"]
    # Status changes go through the services so they are audited.
    readonly_fields = ["status", "status_reason"]
