"""Reading cash book exports (CSV, Excel, OpenDocument) from other bookkeeping apps such as Lamikro and
SI APIK, and turning their rows into entries: dates and Rupiah amounts as Indonesians write them, money in
and out from one signed column or from separate debit/credit columns, categories recognised from account
names. Pure functions over cells: no database writes here.

Rules worth knowing:
- Dates are read day first (31/01/2026, 31-01-26, 31 Januari 2026, 2026-01-31); never month first.
- ``1.500.000``, ``1,500,000``, ``Rp 1.500.000,00`` and ``1500000`` are all Rp 1.500.000; cents other than
  zero are refused (amounts are whole Rupiah), as are amounts above Rp 100 miliar.
- In a cash book, debit is money in and credit is money out.
- Rows that are balances or totals ("Saldo awal", "Jumlah", "Total") are not transactions: they are
  reported as rejected, never imported as income.
"""

from .cells import (
    AmountError,
    cell_text,
    column_label,
    column_letter,
    norm,
    parse_amount,
    parse_date,
    parse_direction,
)
from .files import MAX_BYTES, MAX_ROWS, Table, detect_format, read_table
from .rows import (
    AMOUNT_MAX,
    REJECT_REASONS,
    CategoryChoice,
    Mapping,
    Parsed,
    ParsedRow,
    Reject,
    category_words,
    duplicate_key,
    guess_category,
    guess_header_row,
    guess_mapping,
    parse_rows,
    reject_reason,
)

__all__ = [
    "AMOUNT_MAX",
    "MAX_BYTES",
    "MAX_ROWS",
    "REJECT_REASONS",
    "AmountError",
    "CategoryChoice",
    "Mapping",
    "Parsed",
    "ParsedRow",
    "Reject",
    "Table",
    "category_words",
    "cell_text",
    "column_label",
    "column_letter",
    "detect_format",
    "duplicate_key",
    "guess_category",
    "guess_header_row",
    "guess_mapping",
    "norm",
    "parse_amount",
    "parse_date",
    "parse_direction",
    "parse_rows",
    "read_table",
    "reject_reason",
]
