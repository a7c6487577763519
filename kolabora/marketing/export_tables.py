"""P5 in the exports: the products of the exported participants (``kolabora.exports.registry``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from kolabora.exports.registry import Column, ExportTable, among, register
from kolabora.organisations.choices import DataCategory

from .models import Product


def _rows(participant_ids: Sequence[int]) -> Any:
    return (
        Product.objects.filter(among(participant_ids))
        .order_by("participant_id", "id")
        .values_list(
            "participant_id",
            "id",
            "business__name",
            "name",
            "category__code",
            "price",
            "status",
            "published_at",
            "curation_level",
            "curation_score",
        )
    )


register(
    ExportTable(
        key="products",
        title=_("Products (P5)"),
        stage="P5",
        category=DataCategory.BUSINESS,
        order=50,
        columns=(
            Column("product_id", _("Product number"), "int"),
            Column("business_name", _("Business name"), free_text=True),
            Column("product_name", _("Product name"), free_text=True),
            Column("category", _("Category")),
            Column("price", _("Price (Rp)"), "int"),
            Column("status", _("Status")),
            Column("published_at", _("Published at"), "datetime"),
            Column("curation_level", _("Curation level reached")),
            Column("curation_score", _("Curation score (0–100)"), "int"),
        ),
        rows=_rows,
    )
)
