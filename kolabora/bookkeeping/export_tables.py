"""P6 in the exports: the cash-book entries of the exported participants (``kolabora.exports.registry``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from kolabora.core.access import Action
from kolabora.exports.registry import Column, ExportTable, among, register
from kolabora.organisations.choices import DataCategory

from .models import CashEntry


def _rows(participant_ids: Sequence[int]) -> Any:
    # Cancelled entries are left out: they are corrections, not the books.
    return (
        CashEntry.objects.filter(among(participant_ids, "business__participant_id"), voided_at__isnull=True)
        .order_by("business__participant_id", "occurred_on", "id")
        .values_list(
            "business__participant_id",
            "id",
            "business__name",
            "occurred_on",
            "direction",
            "category__code",
            "amount",
            "note",
        )
    )


register(
    ExportTable(
        key="cashbook_entries",
        title=_("Cash-book entries (P6)"),
        stage="P6",
        category=DataCategory.FINANCIAL,
        action=Action.CASHBOOK_VIEW,
        order=60,
        columns=(
            Column("entry_id", _("Entry number"), "int"),
            Column("business_name", _("Business name"), free_text=True),
            Column("occurred_on", _("Date"), "date"),
            Column("direction", _("In or out")),
            Column("category", _("Category")),
            Column("amount", _("Amount (Rp)"), "int"),
            Column("note", _("Note"), free_text=True),
        ),
        rows=_rows,
    )
)
