"""P7 in the exports: the financing referrals of the exported participants (``kolabora.exports.registry``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from kolabora.exports.registry import Column, ExportTable, among, register
from kolabora.organisations.choices import DataCategory

from .models import Referral


def _rows(participant_ids: Sequence[int]) -> Any:
    return (
        Referral.objects.filter(among(participant_ids))
        .order_by("participant_id", "received_at", "id")
        .values_list(
            "participant_id",
            "id",
            "institution__name",
            "status",
            "requested_amount",
            "received_at",
            "decided_at",
            "product__name",
            "approved_amount",
            "tenor_months",
            "disbursed_on",
            "disbursed_amount",
        )
    )


register(
    ExportTable(
        key="financing_referrals",
        title=_("Financing referrals (P7)"),
        stage="P7",
        category=DataCategory.FINANCIAL,
        order=70,
        columns=(
            Column("referral_id", _("Referral number"), "int"),
            Column("institution", _("Financial institution")),
            Column("status", _("Status")),
            Column("requested_amount", _("Amount requested (Rp)"), "int"),
            Column("received_at", _("Received at"), "datetime"),
            Column("decided_at", _("Decided at"), "datetime"),
            Column("product", _("Product")),
            Column("approved_amount", _("Amount approved (Rp)"), "int"),
            Column("tenor_months", _("Tenor (months)"), "int"),
            Column("disbursed_on", _("Disbursed on"), "date"),
            Column("disbursed_amount", _("Amount disbursed (Rp)"), "int"),
        ),
        rows=_rows,
    )
)
