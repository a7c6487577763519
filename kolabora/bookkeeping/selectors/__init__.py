"""Reads of the bookkeeping domain: fetch-and-authorise helpers, scoped lists, statements, consistency."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from kolabora.core import access
from kolabora.participants.models import Business, Participant

from ..models import CashEntry, ImportBatch
from .consistency import (
    Consistency,
    ConsistencyRow,
    MonthMark,
    area_businesses,
    caseload_businesses,
    consistency,
    consistency_rows,
    filter_show,
    ordered,
)
from .statements import (
    CashCheck,
    IncomeStatement,
    Line,
    MonthRow,
    cash_check,
    income_statement,
    month_rows,
    position,
    report_period,
)

if TYPE_CHECKING:
    from kolabora.core.access import AnyUser

__all__ = [
    "CashCheck",
    "Consistency",
    "ConsistencyRow",
    "IncomeStatement",
    "Line",
    "MonthMark",
    "MonthRow",
    "access_batch",
    "access_business",
    "access_entry",
    "area_businesses",
    "caseload_businesses",
    "cash_check",
    "consistency",
    "consistency_rows",
    "entry_list",
    "filter_show",
    "income_statement",
    "month_rows",
    "ordered",
    "position",
    "report_period",
]


def _authorise(user: AnyUser, participant: Participant, *, keep: bool) -> None:
    allowed = (
        access.can_keep_cashbook(user, participant) if keep else access.can_view_cashbook(user, participant)
    )
    if not allowed:
        raise PermissionDenied


def access_business(user: AnyUser, pk: int, *, keep: bool = False) -> Business:
    """The business whose cash book the user may read (or keep, with ``keep``): 404 when absent, 403
    when not allowed."""
    business = (
        Business.objects.select_related("participant__kelurahan", "participant__user").filter(pk=pk).first()
    )
    if business is None or business.participant.status != "active":
        raise Http404
    _authorise(user, business.participant, keep=keep)
    return business


def access_entry(user: AnyUser, pk: int, *, keep: bool = False) -> CashEntry:
    entry = (
        CashEntry.objects.select_related("business__participant__kelurahan", "category", "recorded_by")
        .filter(pk=pk)
        .first()
    )
    if entry is None:
        raise Http404
    _authorise(user, entry.business.participant, keep=keep)
    return entry


def access_batch(user: AnyUser, pk: int) -> ImportBatch:
    """An import, for those who may keep its business's cash book."""
    batch = ImportBatch.objects.select_related("business__participant__kelurahan").filter(pk=pk).first()
    if batch is None:
        raise Http404
    _authorise(user, batch.business.participant, keep=True)
    return batch


def entry_list(*, user: AnyUser) -> QuerySet[CashEntry]:
    """Entries of every cash book the user may read, newest first (cancelled ones included)."""
    people = access.scope_cashbook_participants(user, Participant.objects.filter(status="active"))
    return (
        CashEntry.objects.filter(business__participant__in=people)
        .select_related("business", "category", "recorded_by")
        .order_by("-occurred_on", "-id")
    )
