"""The default import template, as an Excel workbook and as CSV: exactly ``fields.TEMPLATE_HEADER`` and
two example rows (fictitious people), so a secretariat sees how each column is filled."""

from __future__ import annotations

import io

import xlsxwriter

from .fields import TEMPLATE_HEADER

EXAMPLES = [
    ["3175104512900012", "Siti Aminah", "081234567890", "31.75.10.1001", "pemula", "kuliner", "2024-03-15",
     "selesai", "selesai", "2", "proses", "", "", "", ""],
    ["3175100307850004", "Budi Santoso", "085712345678", "31.75.10.1002", "naik_kelas", "fashion", "15/01/2023",
     "selesai", "proses", "1", "selesai", "selesai", "proses", "", ""],
]  # fmt: skip


def template_csv() -> bytes:
    lines = [",".join(TEMPLATE_HEADER)] + [",".join(row) for row in EXAMPLES]
    return ("\n".join(lines) + "\n").encode()


def template_xlsx() -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Peserta")
    bold = book.add_format({"bold": True})
    text = book.add_format({"num_format": "@"})
    sheet.write_row(0, 0, TEMPLATE_HEADER, bold)
    for r, row in enumerate(EXAMPLES, start=1):
        for c, value in enumerate(row):
            # Digits as text: a NIK has more digits than a spreadsheet number keeps, a phone a leading 0.
            sheet.write_string(r, c, value, text)
    sheet.set_column(0, 0, 19, text)
    sheet.set_column(1, 1, 22)
    sheet.set_column(2, 3, 15, text)
    sheet.set_column(4, 6, 12)
    sheet.freeze_panes(1, 0)
    book.close()
    return out.getvalue()
