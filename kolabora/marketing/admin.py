"""Product categories (with the licences each needs before publishing) and curation criteria are data an
administrator changes without code. Products, reviews, opportunities and applications are read here; they
change only through the services (with their audit, hand-offs and the pathway)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    CurationCriterion,
    CurationReview,
    Opportunity,
    OpportunityApplication,
    Product,
    ProductCategory,
)


@admin.register(ProductCategory)
class ProductCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_id", "name_en", "order", "is_active"]
    list_editable = ["order", "is_active"]
    filter_horizontal = ["required_licences"]


@admin.register(CurationCriterion)
class CurationCriterionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_id", "weight", "order", "is_active"]
    list_editable = ["weight", "order", "is_active"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ["pk", "name", "business", "category", "price", "status", "curation_level", "published_at"]
    list_filter = ["status", "category", "curation_level"]
    search_fields = ["name", "business__name"]
    show_full_result_count = False


@admin.register(CurationReview)
class CurationReviewAdmin(ReadOnlyAdmin):
    list_display = ["pk", "product", "level", "organisation", "status", "score", "decided_at"]
    list_filter = ["status", "level"]


@admin.register(Opportunity)
class OpportunityAdmin(ReadOnlyAdmin):
    list_display = ["pk", "title", "kind", "organiser", "region", "starts_on", "slots", "status"]
    list_filter = ["kind", "status"]


@admin.register(OpportunityApplication)
class OpportunityApplicationAdmin(ReadOnlyAdmin):
    list_display = ["pk", "opportunity", "participant_id", "status", "rank", "applied_at"]
    list_filter = ["status"]
