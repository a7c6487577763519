"""CSV for every governance table, and the governance report as PDF (WeasyPrint)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string

# A spreadsheet runs a cell that starts with one of these as a formula; typed text never should.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable[Any]]) -> HttpResponse:
    """A UTF-8 CSV download (with a byte-order mark, so spreadsheet programs read the characters right)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return response


def report_html(context: dict[str, Any]) -> str:
    """The report in the language of the request (Indonesian by default)."""
    return render_to_string("governance/report.html", context)


def report_pdf(context: dict[str, Any]) -> bytes:
    import weasyprint  # imported here: it needs Pango, which only PDF rendering requires

    return bytes(weasyprint.HTML(string=report_html(context)).write_pdf())
