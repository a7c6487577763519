"""Permission-matrix rows for the cash book API (the categories are public reference data)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from kolabora.bookkeeping.models import CashEntry
from kolabora.core.testing import MatrixRow, World
from kolabora.core.timeutils import today

from .matrix_bookkeeping import case


def _entry(w: World) -> int:
    return case(w).entry.pk


def _state(w: World) -> list[Any]:
    return sorted(CashEntry.objects.values_list("pk", "voided_at", "amount"))


ROWS = [
    MatrixRow(
        "api:list_cashbook_categories",
        lambda w: reverse("api:list_cashbook_categories"),
        public=True,
        marker=lambda w: '"code": "prive"',
    ),
    MatrixRow(
        "api:list_cashbook_entries",
        lambda w: (case(w), reverse("api:list_cashbook_entries"))[1],
        api=True,
        marker=lambda w: f'"id": {_entry(w)}, "business_id"',
    ),
    MatrixRow(
        "api:get_cashbook_entry",
        lambda w: reverse("api:get_cashbook_entry", args=[_entry(w)]),
        api=True,
    ),
    MatrixRow(
        "api:create_cashbook_entry",
        lambda w: (case(w), reverse("api:create_cashbook_entry"))[1],
        method="post",
        api=True,
        data=lambda w: {
            "business_id": w.participant.businesses.get().pk,
            "occurred_on": today().isoformat(),
            "category": "bahan_baku",
            "amount": 35000,
            "note": "Gula",
        },
        allowed=201,
        permitted_as="participant",
        effect=_state,
    ),
    MatrixRow(
        "api:cancel_cashbook_entry",
        lambda w: reverse("api:cancel_cashbook_entry", args=[_entry(w)]),
        method="delete",
        api=True,
        data=lambda w: {"reason": "Salah"},
        permitted_as="participant",
        effect=_state,
    ),
]
