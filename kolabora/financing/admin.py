"""Financing products (ceilings, rates, tenors, who offers them) are data an administrator changes when the
regulation changes. Referrals and declarations are read here; they change only through the services (with
their audit and hand-offs)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import FinancingProduct, LoanDeclaration, Referral


@admin.register(FinancingProduct)
class FinancingProductAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "scheme",
        "min_amount",
        "max_amount",
        "min_rate",
        "max_rate",
        "max_tenor_months",
        "is_active",
    ]
    list_filter = ["scheme", "is_active"]
    filter_horizontal = ["institutions"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ["business", "institution", "status", "received_at", "decided_at", "approved_amount"]
    list_filter = ["status", "institution"]
    raw_id_fields = ["participant", "business"]


@admin.register(LoanDeclaration)
class LoanDeclarationAdmin(ReadOnlyAdmin):
    list_display = ["participant", "has_productive_loan", "lender", "declared_at"]
    raw_id_fields = ["participant"]
