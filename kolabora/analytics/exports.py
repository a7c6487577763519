"""The pages' tables as rows (for CSV) and Tabel 2 as an Excel workbook, one sheet per region level."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from . import funnel
from .columns import COLUMNS, EDGES_DAYS
from .counters import ProgrammeStages
from .selectors import Funnel, FunnelRow, ServiceLevel

Table = list[list[Any]]


def _pct(x: float | None) -> float | str:
    return "" if x is None else round(100 * x, 1)


def funnel_table(f: Funnel) -> Table:
    """Tabel 2: one row per region, then the total."""
    head = [
        _("Code"),
        _("Region"),
        *COLUMNS,
        _("Target %(year)s") % {"year": f.year},
        _("Licensed (P4 completed), registered in %(year)s") % {"year": f.year},
        _("Attainment (%)"),
        _("Projection for %(year)s") % {"year": f.year},
    ]

    def line(r: FunnelRow) -> list[Any]:
        return [
            r.place.code,
            r.place.name,
            *(r.counts[c] for c in COLUMNS),
            r.target.value if r.target else "",
            r.success,
            _pct(r.attainment),
            "" if r.projection is None else r.projection,
        ]

    total = line(f.total)
    total[1] = _("Total %(region)s") % {"region": f.place.name}
    return [head, *(line(r) for r in f.rows), total]


def stages_table(vector: Sequence[int], stages: ProgrammeStages, language: str | None) -> Table:
    """Per stage: reached, completed, dropped out, drop-out rate, conversion from the previous column and
    the median time to complete it."""
    steps = {s.target: s.conversion for s in funnel.conversions(vector)}
    rows: Table = [
        [
            _("Stage"),
            _("Reached"),
            _("Completed"),
            _("Dropped out"),
            _("Drop-out rate (%)"),
            _("Conversion from the previous column (%)"),
            _("Median days to complete"),
        ]
    ]
    for s in funnel.stage_figures(vector):
        column = "T1" if s.code == "P2" else s.code
        median = (
            ""
            if s.median_days is None
            else (f"≥ {EDGES_DAYS[-1]}" if s.median_open else round(s.median_days, 1))
        )
        rows.append(
            [
                f"{s.code} {stages.name(s.code, language)}",
                s.reached,
                s.completed,
                s.dropped,
                _pct(s.drop_rate),
                _pct(steps.get(column)),
                median,
            ]
        )
    return rows


def trend_table(points: Sequence[tuple[int, int, int]]) -> Table:
    return [
        [_("Registration month"), _("Registered (P1)"), _("Licensed (P4 completed)")],
        *([f"{k // 100}-{k % 100:02d}", a, b] for k, a, b in points),
    ]


def anomalies_table(found: Sequence[funnel.Anomaly]) -> Table:
    return [
        [
            _("Stage"),
            _("Prerequisites"),
            _("Participants ahead of a prerequisite"),
            _("Reached the stage"),
            _("Completed the prerequisite"),
        ],
        *(
            [
                a.stage,
                ", ".join(a.prerequisites),
                a.count,
                a.reached,
                ", ".join(f"{q}: {n}" for q, n in a.completed.items()),
            ]
            for a in found
        ),
    ]


def service_table(
    levels: Sequence[ServiceLevel], stage_label: dict[str, str], type_label: dict[str, str]
) -> Table:
    """Hand-offs as published: rounded counts, "< 5" for small ones, rates from the published counts."""
    rows: Table = [
        [
            _("Stage"),
            _("Organisation type"),
            _("Done"),
            _("Done within the service level"),
            _("Share within (%)"),
            _("Open past the due date"),
        ]
    ]
    for s in levels:
        rows.append(
            [
                stage_label.get(s.stage, s.stage),
                type_label.get(s.organisation_type, s.organisation_type),
                shown(s.done),
                shown(s.within),
                _pct(funnel.published_ratio(s.within, s.done)),
                shown(s.overdue),
            ]
        )
    return rows


def shown(n: int) -> str | int:
    p = funnel.published(n)
    return "< 5" if p is None else p


def csv_response(table: Table, name: str) -> HttpResponse:
    text = io.StringIO()
    writer = csv.writer(text)
    for row in table:
        writer.writerow(["" if c is None else c for c in row])
    response = HttpResponse(text.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def sheet_name(title: str) -> str:
    """A title Excel accepts as a sheet name (no []:*?/\\, at most 31 characters)."""
    return re.sub(r"[\[\]:*?/\\]", "-", title)[:31]


def workbook(sheets: Sequence[tuple[str, Table, bool]], notes: Sequence[str]) -> bytes:
    """An xlsx workbook: one sheet per table (header row bold and frozen, figures as numbers, the last row
    bold when it is a total), then a sheet of notes."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#eef1f4", "border": 1})
    total = book.add_format({"bold": True, "top": 1})
    for title, table, has_total in sheets:
        sheet = book.add_worksheet(sheet_name(title))
        for r, row in enumerate(table):
            last = has_total and r == len(table) - 1 and r > 1
            for c, cell in enumerate(row):
                fmt = bold if r == 0 else (total if last else None)
                if isinstance(cell, int | float) and not isinstance(cell, bool):
                    sheet.write_number(r, c, cell, fmt)
                else:
                    sheet.write_string(r, c, str(cell), fmt)
        sheet.freeze_panes(1, 2)
        sheet.set_column(0, 0, 16)
        sheet.set_column(1, 1, 28)
        sheet.set_column(2, max(2, len(table[0]) - 1), 12)
    sheet = book.add_worksheet(sheet_name(_("Definitions")))
    sheet.set_column(0, 0, 120)
    for r, line in enumerate(notes):
        sheet.write_string(r, 0, line)
    book.close()
    return buffer.getvalue()


def xlsx_response(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
