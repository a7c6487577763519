"""Recording and cancelling cash book entries, keeping the month and cash book aggregates current, and
moving P6 (through the pathway engine) when the cash book starts and when it has enough consecutive months.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kolabora.core import access
from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.core.timeutils import today
from kolabora.participants.models import Business, Participant
from kolabora.pathway.choices import StageStatus
from kolabora.pathway.models import ParticipantStage, Programme
from kolabora.pathway.services import TransitionRefused, stage_transition

from ..choices import Direction, EntrySource
from ..models import BookkeepingRules, Cashbook, CashCategory, CashEntry, CashMonth
from ..months import add_months, month_label, month_start, runs
from .receipts import receipt_prepare

if TYPE_CHECKING:
    from kolabora.accounts.models import User

# Entries typed by hand may reach this far back (a forgotten receipt from last year); older history comes
# in through an import.
BACKDATE_DAYS = 2 * 366
NOTE_MAX = CashEntry._meta.get_field("note").max_length or 200
# The largest single amount accepted (Rp 100 miliar): above every micro or small business's yearly sales,
# so a slip of the thumb that adds zeros is caught.
AMOUNT_MAX = 100_000_000_000


# --- rules ---------------------------------------------------------------------------------------------


def rules_for_programme(programme: Programme) -> BookkeepingRules:
    """The programme's P6 rules; an unsaved row with the defaults when none is recorded."""
    found = BookkeepingRules.objects.filter(programme=programme).first()
    return found or BookkeepingRules(programme=programme)


def _p6_row(participant: Participant) -> ParticipantStage | None:
    return (
        ParticipantStage.objects.filter(participant_id=participant.pk, code="P6")
        .select_related("stage__programme")
        .first()
    )


def rules_for(participant: Participant) -> BookkeepingRules:
    """The P6 rules of the programme the participant is in (the default programme when unknown)."""
    row = _p6_row(participant)
    if row is not None:
        return rules_for_programme(row.stage.programme)
    from kolabora.pathway.services import programme_default

    return rules_for_programme(programme_default())


# --- input ---------------------------------------------------------------------------------------------


@dataclass
class EntryInput:
    occurred_on: dt.date
    category: CashCategory
    amount: int
    note: str = ""
    receipt: File | None = None


def entry_validate(data: EntryInput, *, day: dt.date | None = None) -> None:
    """Every problem with one entry at once, as a ValidationError keyed by field."""
    day = day or today()
    errors: dict[str, str] = {}
    if data.occurred_on > day:
        errors["occurred_on"] = _("The date cannot be in the future.")
    elif data.occurred_on < day - dt.timedelta(days=BACKDATE_DAYS):
        errors["occurred_on"] = _(
            "Entries older than two years cannot be typed in; import them from a file instead."
        )
    if not data.category.is_active:
        errors["category"] = _("This category is no longer used; choose another.")
    if data.amount <= 0:
        errors["amount"] = _("The amount must be more than Rp 0.")
    elif data.amount > AMOUNT_MAX:
        errors["amount"] = _("The amount is too large; check the number of zeros.")
    if len(data.note.strip()) > NOTE_MAX:
        errors["note"] = _("The note is longer than %(n)s characters.") % {"n": NOTE_MAX}
    if errors:
        raise ValidationError(errors)


# --- aggregates ------------------------------------------------------------------------------------------


def cashbook_lock(business: Business) -> Cashbook:
    """The business's cash book row, created on first use and locked for the caller's transaction, so
    concurrent writes to one cash book update its aggregates one after the other."""
    Cashbook.objects.get_or_create(business=business)
    return Cashbook.objects.select_for_update().get(business=business)


def cashbook_refresh(*, business: Business, months: Iterable[dt.date] | None = None) -> Cashbook:
    """Recompute the month rows for ``months`` (every month when None) from the entries that are not
    cancelled, then the cash book's dates, counts and runs from the month rows. Call it inside the
    transaction that changed the entries, after ``cashbook_lock``."""
    live = CashEntry.objects.filter(business=business, voided_at__isnull=True)
    if months is None:
        CashMonth.objects.filter(business=business).delete()
        wanted = sorted({month_start(d) for d in live.values_list("occurred_on", flat=True).distinct()})
    else:
        wanted = sorted({month_start(m) for m in months})
    for month in wanted:
        totals = live.filter(occurred_on__gte=month, occurred_on__lt=add_months(month, 1)).aggregate(
            money_in=Sum("amount", filter=Q(direction=Direction.IN)),
            money_out=Sum("amount", filter=Q(direction=Direction.OUT)),
            entries=Count("id"),
        )
        if totals["entries"]:
            CashMonth.objects.update_or_create(
                business=business,
                month=month,
                defaults={
                    "money_in": totals["money_in"] or 0,
                    "money_out": totals["money_out"] or 0,
                    "entries": totals["entries"],
                },
            )
        else:
            CashMonth.objects.filter(business=business, month=month).delete()
    book, _created = Cashbook.objects.get_or_create(business=business)
    month_rows = list(CashMonth.objects.filter(business=business).values_list("month", "entries"))
    found = runs(m for m, _n in month_rows)
    dates = live.aggregate(first=Min("occurred_on"), last=Max("occurred_on"))
    book.first_entry_on = dates["first"]
    book.last_entry_on = dates["last"]
    book.entries = sum(n for _m, n in month_rows)
    book.months_with_entries = len(month_rows)
    book.run_length = found.latest_length
    book.run_end = found.latest_end
    book.longest_run = found.longest_length
    book.longest_run_end = found.longest_end
    book.save()
    return book


# --- P6 ---------------------------------------------------------------------------------------------------


def p6_progress(*, participant: Participant, imported: bool = False, at: dt.datetime | None = None) -> str:
    """Move P6 as the cash books allow: in progress once any entry exists, completed once a business has
    the programme's number of consecutive months with entries. Returns the new status, or "" when nothing
    moved. A refusal by the programme's rules (e.g. registration not complete) is kept on the cash books
    in words, not raised: the entries stay, and the daily sweep tries again."""
    row = _p6_row(participant)
    if row is None or row.status == StageStatus.COMPLETED:
        Cashbook.objects.filter(business__participant_id=participant.pk).exclude(p6_refusal="").update(
            p6_refusal=""
        )
        return ""
    rules = rules_for_programme(row.stage.programme)
    books = Cashbook.objects.filter(business__participant_id=participant.pk)
    best = books.order_by("-longest_run", "longest_run_end").first()
    target: StageStatus | None = None
    reason = ""
    if best is not None and best.longest_run >= rules.months_for_completion and best.longest_run_end:
        target = StageStatus.COMPLETED
        first = add_months(best.longest_run_end, 1 - best.longest_run)
        reason = ngettext(
            "%(n)d month with cash book entries (%(first)s).",
            "%(n)d consecutive months with cash book entries (%(first)s – %(last)s).",
            best.longest_run,
        ) % {
            "n": best.longest_run,
            "first": month_label(first),
            "last": month_label(best.longest_run_end),
        }
    elif books.filter(entries__gt=0).exists() and row.status != StageStatus.IN_PROGRESS:
        target = StageStatus.IN_PROGRESS
        reason = _("Cash book started.")
    if target is None:
        return ""
    try:
        stage_transition(
            participant=participant,
            stage="P6",
            to_status=target,
            actor=None,
            reason=reason,
            imported=imported,
            at=at,
        )
    except TransitionRefused as exc:
        books.update(p6_refusal=exc.rule)
        return ""
    books.exclude(p6_refusal="").update(p6_refusal="")
    return str(target)


def _touch(participant_id: int, at: dt.datetime) -> None:
    Participant.objects.filter(pk=participant_id, last_activity_at__lt=at).update(last_activity_at=at)


def _require_keeper(actor: User, business: Business) -> None:
    if not access.can_keep_cashbook(actor, business.participant):
        raise PermissionDenied


# --- writes -------------------------------------------------------------------------------------------------


def entry_record(
    *,
    business: Business,
    actor: User,
    data: EntryInput,
    source: str = EntrySource.FORM,
    at: dt.datetime | None = None,
) -> CashEntry:
    """Record one entry (the owner, or their current mentor on their behalf).

    The receipt photo is checked and cleaned before anything is written; the entry, its month, the cash
    book and P6 change in one transaction with one audit row for the entry (and the stage's own row when
    P6 moves).
    """
    _require_keeper(actor, business)
    now = at or timezone.now()
    entry_validate(data, day=timezone.localdate(now))
    receipt = receipt_prepare(data.receipt) if data.receipt is not None else None
    with transaction.atomic():
        cashbook_lock(business)
        entry = CashEntry(
            business=business,
            occurred_on=data.occurred_on,
            category=data.category,
            direction=data.category.direction,
            amount=data.amount,
            note=" ".join(data.note.split()),
            source=source,
            recorded_by=actor,
        )
        if receipt is not None:
            entry.receipt.save(receipt.name or "struk.jpg", receipt, save=False)
        entry.save()
        audit_record(
            actor=actor,
            action=AuditAction.CASH_ENTRY_RECORDED,
            obj=entry,
            organisation=None
            if access.is_self(actor, business.participant)
            else access.acting_organisation(
                actor, access.Action.CASHBOOK_VIEW, business.participant.kelurahan_id
            ),
            after={
                "business": business.pk,
                "occurred_on": entry.occurred_on,
                "category": data.category.code,
                "direction": entry.direction,
                "amount": entry.amount,
                "receipt": bool(receipt),
                "source": source,
            },
        )
        cashbook_refresh(business=business, months=[entry.occurred_on])
        p6_progress(participant=business.participant, at=now)
        _touch(business.participant_id, now)
    return entry


def entry_void(
    *, entry: CashEntry, actor: User, reason: str = "", at: dt.datetime | None = None
) -> CashEntry:
    """Cancel an entry: it stays (with who, when and why) but leaves every sum. P6, once completed, stays
    completed: it recorded that the books were kept, which a later correction does not undo."""
    business = entry.business
    _require_keeper(actor, business)
    reason = " ".join(reason.split())[: CashEntry._meta.get_field("void_reason").max_length or 200]
    now = at or timezone.now()
    with transaction.atomic():
        cashbook_lock(business)
        row = CashEntry.objects.select_for_update().get(pk=entry.pk)
        if row.voided_at is not None:
            raise ValidationError(_("This entry was already cancelled."))
        row.voided_at = now
        row.voided_by = actor
        row.void_reason = reason
        row.save(update_fields=["voided_at", "voided_by", "void_reason", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.CASH_ENTRY_VOIDED,
            obj=row,
            before={"voided_at": None},
            after={"voided_at": now, "amount": row.amount, "occurred_on": row.occurred_on},
            reason=reason,
        )
        cashbook_refresh(business=business, months=[row.occurred_on])
    return row
