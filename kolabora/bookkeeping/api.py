"""Cash book entries for partner systems (an owner's bookkeeping app, a mentor's tablet app), scoped by
the access gate like the pages.

- ``GET /cashbook-entries``: entries of the cash books the caller may read, newest first; filter by
  ``business_id``, ``participant_id``, ``month`` (``2026-03``); cancelled entries only with
  ``include_cancelled=true``; page with ``before_id``.
- ``POST /cashbook-entries``: record one (the owner, or their current mentor).
- ``GET /cashbook-entries/{id}``.
- ``DELETE /cashbook-entries/{id}``: entries are never erased. The entry is cancelled (``cancelled_at``,
  who and ``reason``), audited, and left out of every total; the answer is the cancelled entry. A second
  cancel answers 409.
- ``GET /cashbook-categories``: the categories and their line in the statements (public reference data).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from kolabora.api.errors import ApiError
from kolabora.api.schemas import ERRORS
from kolabora.core import access
from kolabora.participants.models import Business

from . import selectors, services
from .choices import EntrySource, StatementLine
from .models import CashCategory, CashEntry
from .months import add_months, parse_month

if TYPE_CHECKING:
    from kolabora.accounts.models import User

router = Router(tags=["bookkeeping"])
MAX_LIMIT = 500


class EntryIn(Schema):
    business_id: int
    occurred_on: dt.date
    category: str
    amount: int
    note: str = ""


class EntryOut(Schema):
    id: int
    business_id: int
    participant_id: int
    occurred_on: dt.date
    direction: str
    category: str
    category_name: str
    statement_line: str
    amount: int
    note: str
    has_receipt: bool
    source: str
    recorded_by: str
    created_at: dt.datetime
    cancelled_at: dt.datetime | None
    cancel_reason: str


class EntryFilters(Schema):
    business_id: int | None = None
    participant_id: int | None = None
    month: str | None = None
    include_cancelled: bool = False
    before_id: int | None = None
    limit: int = 100


class CancelIn(Schema):
    reason: str = ""


class CategoryOut(Schema):
    code: str
    name: str
    direction: str
    statement_line: str
    statement_line_name: str
    in_income_statement: bool


def _out(e: CashEntry) -> EntryOut:
    who = e.recorded_by
    return EntryOut(
        id=e.pk,
        business_id=e.business_id,
        participant_id=e.business.participant_id,
        occurred_on=e.occurred_on,
        direction=e.direction,
        category=e.category.code,
        category_name=e.category.name,
        statement_line=e.category.line,
        amount=e.amount,
        note=e.note,
        has_receipt=bool(e.receipt),
        source=e.source,
        recorded_by=(who.get_full_name() or who.username) if who else "",
        created_at=e.created_at,
        cancelled_at=e.voided_at,
        cancel_reason=e.void_reason,
    )


def _actor(request: HttpRequest) -> User:
    return cast("User", request.user)


def _entry(request: HttpRequest, entry_id: int, *, keep: bool = False) -> CashEntry:
    return selectors.access_entry(request.user, entry_id, keep=keep)


@router.get("/cashbook-categories", response={200: list[CategoryOut], **ERRORS}, auth=None)
def list_cashbook_categories(request: HttpRequest) -> list[CategoryOut]:
    """Public reference data: the categories entries use. Prive, loans, capital and equipment are not in
    the income statement."""
    from .choices import EXPENSE_LINES, INCOME_LINES

    return [
        CategoryOut(
            code=c.code,
            name=c.name,
            direction=c.direction,
            statement_line=c.line,
            statement_line_name=str(StatementLine(c.line).label),
            in_income_statement=c.line in INCOME_LINES | EXPENSE_LINES,
        )
        for c in CashCategory.objects.filter(is_active=True).order_by("order", "code")
    ]


@router.get("/cashbook-entries", response={200: list[EntryOut], **ERRORS})
def list_cashbook_entries(request: HttpRequest, filters: Query[EntryFilters]) -> list[EntryOut]:
    qs = selectors.entry_list(user=request.user)
    if filters.business_id is not None:
        qs = qs.filter(business_id=filters.business_id)
    if filters.participant_id is not None:
        qs = qs.filter(business__participant_id=filters.participant_id)
    if filters.month:
        month = parse_month(filters.month)
        if month is None:
            raise ApiError(
                422,
                _("The request has invalid fields."),
                [{"field": "month", "message": _("Give the month as YYYY-MM, e.g. 2026-03.")}],
            )
        qs = qs.filter(occurred_on__gte=month, occurred_on__lt=add_months(month, 1))
    if not filters.include_cancelled:
        qs = qs.filter(voided_at__isnull=True)
    if filters.before_id is not None:
        qs = qs.filter(id__lt=filters.before_id)
    limit = min(max(filters.limit or 100, 1), MAX_LIMIT)
    return [_out(e) for e in qs.select_related("business").order_by("-id")[:limit]]


@router.post("/cashbook-entries", response={201: EntryOut, **ERRORS})
def create_cashbook_entry(request: HttpRequest, payload: EntryIn) -> Status[EntryOut]:
    """Record one entry in a business's cash book (the owner, or their current mentor on their behalf)."""
    business = (
        Business.objects.select_related("participant__kelurahan").filter(pk=payload.business_id).first()
    )
    if business is None or not access.can_view_cashbook(request.user, business.participant):
        raise ApiError(404, _("Not found."), [{"field": "business_id", "message": _("No such business.")}])
    if not access.can_keep_cashbook(request.user, business.participant):
        raise PermissionDenied
    category = CashCategory.objects.filter(code=payload.category, is_active=True).first()
    if category is None:
        raise ApiError(
            422,
            _("The request has invalid fields."),
            [{"field": "category", "message": _("Unknown category; see /api/v1/cashbook-categories.")}],
        )
    entry = services.entry_record(
        business=business,
        actor=_actor(request),
        data=services.EntryInput(
            occurred_on=payload.occurred_on, category=category, amount=payload.amount, note=payload.note
        ),
        source=EntrySource.API,
    )
    return Status(201, _out(selectors.access_entry(request.user, entry.pk)))


@router.get("/cashbook-entries/{entry_id}", response={200: EntryOut, **ERRORS})
def get_cashbook_entry(request: HttpRequest, entry_id: int) -> EntryOut:
    return _out(_entry(request, entry_id))


@router.delete("/cashbook-entries/{entry_id}", response={200: EntryOut, **ERRORS})
def cancel_cashbook_entry(request: HttpRequest, entry_id: int, payload: CancelIn | None = None) -> EntryOut:
    """Cancel an entry (it is kept, audited, and no longer counted); answers with the cancelled entry."""
    entry = _entry(request, entry_id)
    if not access.can_keep_cashbook(request.user, entry.business.participant):
        raise PermissionDenied
    if entry.voided_at is not None:
        raise ApiError(409, _("This entry was already cancelled."))
    services.entry_void(entry=entry, actor=_actor(request), reason=payload.reason if payload else "")
    return _out(_entry(request, entry_id))
