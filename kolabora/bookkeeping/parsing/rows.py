"""From a sheet to entries: the column mapping (guessed from the headings, then chosen by the owner),
the category of each row, and each row's reason when it cannot be imported."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..choices import AmountMode, Direction
from ..defaults import FALLBACK
from .cells import (
    SUMMARY,
    AmountError,
    cell_text,
    column_label,
    norm,
    parse_amount,
    parse_date,
    parse_direction,
)
from .files import Table

EARLIEST = dt.date(2000, 1, 1)
AMOUNT_MAX = 100_000_000_000
NOTE_MAX = 200

# Why a row was not imported, by code; ``%(value)s`` is the cell as written.
REJECT_REASONS = {
    "date_missing": gettext_lazy("No date."),
    "date_invalid": gettext_lazy("“%(value)s” is not a date (write it like 31/01/2026)."),
    "date_future": gettext_lazy("The date %(value)s is in the future."),
    "date_too_old": gettext_lazy("The date %(value)s is before the year 2000."),
    "amount_missing": gettext_lazy("No amount."),
    "amount_invalid": gettext_lazy("“%(value)s” is not an amount in Rupiah."),
    "amount_fraction": gettext_lazy("“%(value)s” has cents; amounts are whole Rupiah."),
    "amount_zero": gettext_lazy("The amount is 0."),
    "amount_negative": gettext_lazy(
        "“%(value)s” is negative; money out belongs in the money-out column as a positive number."
    ),
    "amount_both": gettext_lazy("Both money in and money out are filled in; a row may have only one."),
    "amount_too_large": gettext_lazy("“%(value)s” is too large; check the number of zeros."),
    "direction_invalid": gettext_lazy(
        "“%(value)s” does not say whether money came in or went out (e.g. masuk/keluar, debit/kredit)."
    ),
    "category_is_in": gettext_lazy("“%(value)s” is a money-in category, but this row is money out."),
    "category_is_out": gettext_lazy("“%(value)s” is a money-out category, but this row is money in."),
    "summary_row": gettext_lazy("“%(value)s” is a balance or total row, not a transaction."),
}


def reject_reason(code: str, value: str = "") -> str:
    template = REJECT_REASONS.get(code)
    if template is None:
        return code
    text = str(template)
    return text % {"value": value} if "%(value)s" in text else text


# Words that name each column in exports, for the first guess at the mapping.
HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "date": ("tanggal", "tgl", "date", "waktu", "tanggal transaksi", "tgl transaksi"),
    "note": ("keterangan", "uraian", "catatan", "deskripsi", "description", "memo", "note", "transaksi",
             "nama transaksi", "rincian"),
    "category": ("kategori", "akun", "nama akun", "pos", "jenis biaya", "jenis pendapatan", "category",
                 "account", "perkiraan", "kode akun"),
    "direction": ("jenis", "tipe", "type", "arus", "d/k", "db/cr", "masuk/keluar", "jenis transaksi",
                  "arus kas"),
    "money_in": ("debit", "debet", "masuk", "pemasukan", "penerimaan", "kas masuk", "uang masuk", "income",
                 "pendapatan"),
    "money_out": ("kredit", "credit", "keluar", "pengeluaran", "pembayaran", "kas keluar", "uang keluar",
                  "expense", "biaya"),
    "amount": ("jumlah", "nominal", "nilai", "amount", "total", "jumlah rp", "rupiah", "jumlah uang"),
}  # fmt: skip
MAPPED_COLUMNS = ("date", "money_in", "money_out", "amount", "direction", "category", "note")


def _match_length(header: str, words: Iterable[str]) -> int:
    best = 0
    for w in words:
        if header == w or re.search(rf"(^|[^a-z]){re.escape(w)}([^a-z]|$)", header):
            best = max(best, len(w) + (100 if header == w else 0))
    return best


def guess_header_row(rows: Sequence[Sequence[Any]]) -> int:
    """The index of the row most likely to hold the column headings (among the first 15)."""
    best, best_score = 0, 0
    for i, row in enumerate(rows[:15]):
        headers = [norm(v) for v in row]
        score = sum(1 for h in headers if h and any(_match_length(h, ws) for ws in HEADER_WORDS.values()))
        if score > best_score:
            best, best_score = i, score
    if best_score == 0:
        return next((i for i, r in enumerate(rows) if any(cell_text(v) for v in r)), 0)
    return best


def guess_mapping(header: Sequence[Any]) -> dict[str, int | None]:
    """Which column holds what, from the headings; each column used once, the best-named one first."""
    scored: list[tuple[int, str, int]] = []
    for index, value in enumerate(header):
        h = norm(value)
        if not h:
            continue
        for name, words in HEADER_WORDS.items():
            length = _match_length(h, words)
            if length:
                scored.append((length, name, index))
    mapping: dict[str, int | None] = dict.fromkeys(MAPPED_COLUMNS)
    used: set[int] = set()
    for _length, name, index in sorted(scored, key=lambda t: (-t[0], t[2])):
        if mapping[name] is None and index not in used:
            mapping[name] = index
            used.add(index)
    return mapping


@dataclass
class Mapping:
    """Which column holds what (indexes into the row), where the headings are, and how amounts are
    written."""

    header_row: int
    date: int
    mode: str = AmountMode.SPLIT
    money_in: int | None = None
    money_out: int | None = None
    amount: int | None = None
    direction: int | None = None
    category: int | None = None
    note: int | None = None
    sheet: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "header_row": self.header_row,
            "date": self.date,
            "money_in": self.money_in,
            "money_out": self.money_out,
            "amount": self.amount,
            "direction": self.direction,
            "category": self.category,
            "note": self.note,
            "sheet": self.sheet,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], mode: str) -> Mapping:
        def index(key: str) -> int | None:
            value = data.get(key)
            return int(value) if value is not None else None

        return cls(
            header_row=int(data.get("header_row") or 0),
            date=int(data.get("date") or 0),
            mode=mode,
            money_in=index("money_in"),
            money_out=index("money_out"),
            amount=index("amount"),
            direction=index("direction"),
            category=index("category"),
            note=index("note"),
            sheet=str(data.get("sheet") or ""),
        )


@dataclass
class CategoryChoice:
    code: str
    name_id: str
    name_en: str
    direction: str
    words: list[str]


@dataclass
class ParsedRow:
    row: int
    occurred_on: dt.date
    direction: str
    amount: int
    category: str
    note: str
    raw_category: str = ""
    recognised: bool = True

    def key(self) -> tuple[dt.date, str, int, str]:
        return duplicate_key(self.occurred_on, self.direction, self.amount, self.note)


@dataclass
class Reject:
    row: int
    column: str
    code: str
    value: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "code": self.code, "value": self.value}

    @property
    def reason(self) -> str:
        return reject_reason(self.code, self.value)


@dataclass
class Parsed:
    rows: list[ParsedRow] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    # Each value of the category column as written (normalised) → the category it became, and whether it
    # was recognised (or fell back to the "other" category).
    categories: dict[str, tuple[str, bool]] = field(default_factory=dict)
    raw_names: dict[str, str] = field(default_factory=dict)


def duplicate_key(day: dt.date, direction: str, amount: int, note: str) -> tuple[dt.date, str, int, str]:
    """What makes two entries the same when importing: date, direction, amount and note (case and spacing
    ignored)."""
    return (day, direction, amount, " ".join(note.split()).casefold())


def category_words(choice: CategoryChoice) -> list[str]:
    return [norm(w) for w in [*choice.words, choice.name_id, choice.name_en, choice.code.replace("_", " ")]]


def guess_category(
    text: str, direction: str | None, choices: Sequence[CategoryChoice]
) -> CategoryChoice | None:
    """The category whose most specific word appears in ``text`` (among those of ``direction``)."""
    t = norm(text)
    if not t:
        return None
    best: CategoryChoice | None = None
    best_len = 0
    for c in choices:
        if direction and c.direction != direction:
            continue
        length = _match_length(t, [w for w in category_words(c) if w])
        if length > best_len:
            best, best_len = c, length
    return best


def parse_rows(
    table: Table,
    mapping: Mapping,
    *,
    choices: Sequence[CategoryChoice],
    category_map: dict[str, str],
    today: dt.date,
) -> Parsed:
    """Every data row below the header, as an entry to import or a reason it cannot be."""
    header = table.rows[mapping.header_row] if mapping.header_row < len(table.rows) else []
    by_code = {c.code: c for c in choices}
    out = Parsed()

    def cell(row: Sequence[Any], index: int | None) -> Any:
        return row[index] if index is not None and index < len(row) else None

    def label(index: int | None) -> str:
        return column_label(index, header) if index is not None else ""

    for i in range(mapping.header_row + 1, len(table.rows)):
        row = table.rows[i]
        number = i + 1
        if not any(cell_text(v) for v in row):
            continue
        note_text = cell_text(cell(row, mapping.note))
        raw_category = cell_text(cell(row, mapping.category))
        date_value = cell(row, mapping.date)
        texts = [t for t in (cell_text(date_value), note_text, raw_category) if t]
        summary = next((t for t in texts if SUMMARY.match(norm(t))), None)
        if summary is not None:
            out.rejects.append(
                Reject(
                    number,
                    label(mapping.note if note_text == summary else mapping.date),
                    "summary_row",
                    summary,
                )
            )
            continue
        day = parse_date(date_value)
        if day is None:
            text = cell_text(date_value)
            out.rejects.append(
                Reject(number, label(mapping.date), "date_invalid" if text else "date_missing", text)
            )
            continue
        if day > today:
            out.rejects.append(Reject(number, label(mapping.date), "date_future", day.strftime("%d/%m/%Y")))
            continue
        if day < EARLIEST:
            out.rejects.append(Reject(number, label(mapping.date), "date_too_old", day.strftime("%d/%m/%Y")))
            continue
        direction, amount, problem = _amount(row, mapping, cell, label)
        if problem is not None:
            problem.row = number
            out.rejects.append(problem)
            continue
        assert amount is not None
        # The category: the owner's choice for this value, else a guess from the value (or, without a
        # category column, from the note), else the direction's "other" category.
        key = norm(raw_category)
        choice: CategoryChoice | None = None
        recognised = True
        if key and key in category_map and category_map[key] in by_code:
            choice = by_code[category_map[key]]
        elif key:
            # A name of the other direction (a "Penjualan" row in the money-out column) is a conflict to
            # report, not a reason to fall back to "other".
            choice = guess_category(raw_category, direction, choices) or guess_category(
                raw_category, None, choices
            )
        elif note_text:
            choice = guess_category(note_text, direction, choices)
        if choice is None:
            recognised = not key
            if direction is None:
                direction = Direction.OUT if amount < 0 else Direction.IN
            choice = by_code.get(FALLBACK[direction])
            if choice is None:
                raise ValidationError(_("The cash book categories are missing; ask the administrator."))
        if direction is None:
            direction = choice.direction
        elif choice.direction != direction:
            code = "category_is_in" if choice.direction == Direction.IN else "category_is_out"
            out.rejects.append(Reject(number, label(mapping.category), code, raw_category or choice.name_id))
            continue
        if key:
            out.categories.setdefault(key, (choice.code, recognised))
            out.raw_names.setdefault(key, raw_category)
        amount = abs(amount)
        out.rows.append(
            ParsedRow(
                row=number,
                occurred_on=day,
                direction=str(direction),
                amount=amount,
                category=choice.code,
                note=note_text[:NOTE_MAX],
                raw_category=raw_category,
                recognised=recognised,
            )
        )
    return out


def _amount(
    row: Sequence[Any], mapping: Mapping, cell: Any, label: Any
) -> tuple[str | None, int | None, Reject | None]:
    """(direction or None when the category must decide, signed amount, problem); the caller sets the
    problem's row number."""

    def reject(index: int | None, code: str, value: Any = "") -> tuple[None, None, Reject]:
        return None, None, Reject(0, label(index), code, cell_text(value))

    if mapping.mode == AmountMode.SPLIT:
        values: dict[str, int | None] = {}
        for side, index in ((str(Direction.IN), mapping.money_in), (str(Direction.OUT), mapping.money_out)):
            raw = cell(row, index)
            try:
                values[side] = parse_amount(raw)
            except AmountError as exc:
                return reject(index, exc.code, raw)
            value = values[side]
            if value is not None and value < 0:
                return reject(index, "amount_negative", raw)
            if value is not None and value > AMOUNT_MAX:
                return reject(index, "amount_too_large", raw)
        filled = {d: v for d, v in values.items() if v}
        if len(filled) == 2:
            return reject(mapping.money_in, "amount_both")
        if not filled:
            zero = any(v == 0 for v in values.values())
            return reject(mapping.money_in, "amount_zero" if zero else "amount_missing")
        side, split_amount = next(iter(filled.items()))
        return side, split_amount, None
    raw = cell(row, mapping.amount)
    try:
        amount = parse_amount(raw)
    except AmountError as exc:
        return reject(mapping.amount, exc.code, raw)
    if amount is None:
        return reject(mapping.amount, "amount_missing")
    if amount == 0:
        return reject(mapping.amount, "amount_zero", raw)
    if abs(amount) > AMOUNT_MAX:
        return reject(mapping.amount, "amount_too_large", raw)
    if mapping.direction is not None:
        raw_direction = cell(row, mapping.direction)
        said = parse_direction(raw_direction)
        if said is None:
            return reject(mapping.direction, "direction_invalid", raw_direction)
        if amount < 0:
            return reject(mapping.amount, "amount_negative", raw)
        return said, amount, None
    if amount < 0:
        return str(Direction.OUT), amount, None
    return None, amount, None
