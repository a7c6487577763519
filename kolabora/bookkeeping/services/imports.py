"""Importing a cash book exported from another app: upload → columns → preview → import.

Re-importing is safe: a row whose date, direction, amount and note match an entry already in the cash
book (even one cancelled since) is not added again. Matching counts rows, so a file that legitimately has
two identical sales on one day brings both the first time and none the second; a longer export of the same
book brings only the rows that are new. Rows that cannot be read are reported with their spreadsheet row
number, the column and the reason, and the rest is imported.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.participants.models import Business

from ..choices import AmountMode, Direction, EntrySource, ImportStatus
from ..models import CashCategory, CashEntry, ImportBatch
from ..months import month_start
from ..parsing import (
    MAX_BYTES,
    CategoryChoice,
    Mapping,
    Parsed,
    ParsedRow,
    Table,
    detect_format,
    duplicate_key,
    guess_header_row,
    guess_mapping,
    norm,
    parse_rows,
    read_table,
)
from .entries import _require_keeper, _touch, cashbook_lock, cashbook_refresh, p6_progress

if TYPE_CHECKING:
    from kolabora.accounts.models import User

# Rejected rows kept with the batch for its report (the count is always exact).
REJECTS_KEPT = 1000


def category_choices() -> list[CategoryChoice]:
    return [
        CategoryChoice(
            code=c.code, name_id=c.name_id, name_en=c.name_en, direction=c.direction, words=c.keywords
        )
        for c in CashCategory.objects.filter(is_active=True).order_by("order", "code")
    ]


def batch_table(batch: ImportBatch, *, sheet: str | None = None) -> Table:
    with batch.file.open("rb") as f:
        return read_table(
            f, batch.file_format, sheet=sheet if sheet is not None else batch.mapping.get("sheet")
        )


def batch_mapping(batch: ImportBatch) -> Mapping:
    return Mapping.from_json(batch.mapping, batch.amount_mode)


# --- upload -----------------------------------------------------------------------------------------------


def import_upload(*, business: Business, actor: User, upload: File) -> ImportBatch:
    """Keep the file with a first guess of its columns; nothing is imported yet."""
    _require_keeper(actor, business)
    if (upload.size or 0) > MAX_BYTES:
        raise ValidationError(
            {"file": _("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)}}
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    try:
        fmt = detect_format(upload.name or "", head)
        table = read_table(upload, fmt)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    header_row = guess_header_row(table.rows)
    guess = guess_mapping(table.rows[header_row])
    split = guess["money_in"] is not None or guess["money_out"] is not None
    mapping = Mapping(
        header_row=header_row,
        date=guess["date"] if guess["date"] is not None else 0,
        mode=AmountMode.SPLIT if split else AmountMode.SINGLE,
        money_in=guess["money_in"],
        money_out=guess["money_out"],
        amount=None if split else guess["amount"],
        direction=None if split else guess["direction"],
        category=guess["category"],
        note=guess["note"],
        sheet=table.sheet,
    )
    upload.seek(0)
    name = (upload.name or "").rsplit("/", 1)[-1][:200]
    with transaction.atomic():
        batch = ImportBatch(
            business=business,
            original_name=name,
            file_format=fmt,
            mapping=mapping.as_json(),
            amount_mode=mapping.mode,
            created_by=actor,
        )
        batch.file.save(name, upload, save=False)
        batch.save()
        audit_record(
            actor=actor,
            action=AuditAction.CASHBOOK_IMPORT_UPLOADED,
            obj=batch,
            after={"business": business.pk, "file": name, "format": fmt, "rows": len(table.rows)},
        )
    return batch


# --- columns ---------------------------------------------------------------------------------------------


def mapping_validate(mapping: Mapping, table: Table) -> None:
    """Every problem with a column mapping at once, keyed by field."""
    errors: dict[str, str] = {}
    width = table.width
    if not 0 <= mapping.header_row < len(table.rows):
        errors["header_row"] = _("The heading row must be between 1 and %(n)s.") % {"n": len(table.rows)}
    columns = {
        "date": mapping.date,
        "money_in": mapping.money_in,
        "money_out": mapping.money_out,
        "amount": mapping.amount,
        "direction": mapping.direction,
        "category": mapping.category,
        "note": mapping.note,
    }
    if mapping.mode == AmountMode.SPLIT:
        columns["amount"] = columns["direction"] = None
        if mapping.money_in is None and mapping.money_out is None:
            errors["money_in"] = _("Choose the money-in column, the money-out column, or both.")
    elif mapping.mode == AmountMode.SINGLE:
        columns["money_in"] = columns["money_out"] = None
        if mapping.amount is None:
            errors["amount"] = _("Choose the column with the amounts.")
    else:
        errors["mode"] = _("Choose how the amounts are written.")
    if mapping.date is None:
        errors["date"] = _("Choose the column with the dates.")
    seen: dict[int, str] = {}
    for name, index in columns.items():
        if index is None:
            continue
        if not 0 <= index < width:
            errors[name] = _("This column is not in the file.")
        elif index in seen:
            errors[name] = _("This column is already chosen for another field.")
        else:
            seen[index] = name
    if errors:
        raise ValidationError(errors)


def import_map(*, batch: ImportBatch, actor: User, mapping: Mapping) -> ImportBatch:
    """Save the owner's choice of columns (checked against the file)."""
    _require_keeper(actor, batch.business)
    table = batch_table(batch, sheet=mapping.sheet or None)
    mapping.sheet = table.sheet
    mapping_validate(mapping, table)
    with transaction.atomic():
        row = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if row.status == ImportStatus.DONE:
            raise ValidationError(_("This file has already been imported."))
        before = {"mapping": row.mapping, "amount_mode": row.amount_mode}
        row.mapping = mapping.as_json()
        row.amount_mode = mapping.mode
        row.status = ImportStatus.MAPPED
        row.save(update_fields=["mapping", "amount_mode", "status", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.CASHBOOK_IMPORT_MAPPED,
            obj=row,
            before=before,
            after={"mapping": row.mapping, "amount_mode": row.amount_mode},
        )
    return row


def import_categories_set(*, batch: ImportBatch, actor: User, choices: dict[str, str]) -> ImportBatch:
    """Save which category each value of the category column becomes (keys as ``parsing.norm`` gives)."""
    _require_keeper(actor, batch.business)
    codes = set(CashCategory.objects.filter(is_active=True).values_list("code", flat=True))
    unknown = {v for v in choices.values() if v not in codes}
    if unknown:
        raise ValidationError(_("Unknown category: %(codes)s") % {"codes": ", ".join(sorted(unknown))})
    with transaction.atomic():
        row = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if row.status == ImportStatus.DONE:
            raise ValidationError(_("This file has already been imported."))
        before = {"category_map": row.category_map}
        row.category_map = {norm(k): v for k, v in choices.items()}
        row.save(update_fields=["category_map", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.CASHBOOK_IMPORT_MAPPED,
            obj=row,
            before=before,
            after={"category_map": row.category_map},
        )
    return row


# --- preview and import ----------------------------------------------------------------------------------


@dataclass
class CategoryRow:
    key: str
    raw: str
    code: str
    recognised: bool
    rows: int


@dataclass
class ImportPreview:
    """What an import would do now: the rows it would add, those already in the cash book, the rejected
    ones, and what each value of the category column becomes."""

    table: Table
    mapping: Mapping
    parsed: Parsed
    new_rows: list[ParsedRow] = field(default_factory=list)
    duplicate_rows: list[ParsedRow] = field(default_factory=list)
    categories: list[CategoryRow] = field(default_factory=list)

    @property
    def money_in(self) -> int:
        return sum(r.amount for r in self.new_rows if r.direction == Direction.IN)

    @property
    def money_out(self) -> int:
        return sum(r.amount for r in self.new_rows if r.direction == Direction.OUT)

    @property
    def months(self) -> list[dt.date]:
        return sorted({month_start(r.occurred_on) for r in self.new_rows})


def _split_duplicates(business: Business, rows: list[ParsedRow]) -> tuple[list[ParsedRow], list[ParsedRow]]:
    """(rows to add, rows already recorded), matching as many rows per key as the cash book holds."""
    if not rows:
        return [], []
    first = min(r.occurred_on for r in rows)
    last = max(r.occurred_on for r in rows)
    held = Counter(
        duplicate_key(d, direction, amount, note)
        for d, direction, amount, note in CashEntry.objects.filter(
            business=business, occurred_on__gte=first, occurred_on__lte=last
        ).values_list("occurred_on", "direction", "amount", "note")
    )
    new: list[ParsedRow] = []
    dupes: list[ParsedRow] = []
    for r in rows:
        key = r.key()
        if held[key] > 0:
            held[key] -= 1
            dupes.append(r)
        else:
            new.append(r)
    return new, dupes


def import_preview(*, batch: ImportBatch, today: dt.date | None = None) -> ImportPreview:
    """Read the file with the chosen columns; nothing is written."""
    table = batch_table(batch)
    mapping = batch_mapping(batch)
    mapping_validate(mapping, table)
    parsed = parse_rows(
        table,
        mapping,
        choices=category_choices(),
        category_map=batch.category_map,
        today=today or timezone.localdate(),
    )
    new, dupes = _split_duplicates(batch.business, parsed.rows)
    counts = Counter(norm(r.raw_category) for r in parsed.rows if r.raw_category)
    categories = [
        CategoryRow(key=key, raw=parsed.raw_names.get(key, key), code=code, recognised=ok, rows=counts[key])
        for key, (code, ok) in sorted(parsed.categories.items(), key=lambda kv: (kv[1][1], kv[0]))
    ]
    return ImportPreview(
        table=table, mapping=mapping, parsed=parsed, new_rows=new, duplicate_rows=dupes, categories=categories
    )


def import_run(*, batch: ImportBatch, actor: User, at: dt.datetime | None = None) -> ImportBatch:
    """Import the rows that are new; report the rejected ones; move P6 as the imported history allows
    (history that breaks today's rules is kept and flagged by the pathway engine, not refused)."""
    business = batch.business
    _require_keeper(actor, business)
    now = at or timezone.now()
    with transaction.atomic():
        cashbook_lock(business)
        row = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if row.status == ImportStatus.DONE:
            raise ValidationError(_("This file has already been imported."))
        if row.status != ImportStatus.MAPPED:
            raise ValidationError(_("Choose the columns before importing."))
        preview = import_preview(batch=row, today=timezone.localdate(now))
        categories = {c.code: c for c in CashCategory.objects.filter(is_active=True)}
        CashEntry.objects.bulk_create(
            CashEntry(
                business=business,
                occurred_on=r.occurred_on,
                category=categories[r.category],
                direction=r.direction,
                amount=r.amount,
                note=r.note,
                source=EntrySource.IMPORT,
                batch=row,
                recorded_by=actor,
            )
            for r in preview.new_rows
        )
        rejects = preview.parsed.rejects
        row.status = ImportStatus.DONE
        row.imported = len(preview.new_rows)
        row.duplicates = len(preview.duplicate_rows)
        row.rejected = len(rejects)
        row.rejects = [r.as_json() for r in rejects[:REJECTS_KEPT]]
        row.finished_at = now
        row.save()
        audit_record(
            actor=actor,
            action=AuditAction.CASHBOOK_IMPORTED,
            obj=row,
            after={
                "business": business.pk,
                "imported": row.imported,
                "duplicates": row.duplicates,
                "rejected": row.rejected,
                "money_in": preview.money_in,
                "money_out": preview.money_out,
            },
        )
        if preview.new_rows:
            cashbook_refresh(business=business, months=preview.months)
            p6_progress(participant=business.participant, imported=True, at=now)
            _touch(business.participant_id, now)
    return row
