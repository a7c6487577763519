"""The "bankable" financial report as PDF (WeasyPrint): what a bank officer needs to judge a micro
business from its own books, over the last N complete months.

It holds the owner's identity (NIK masked), the business and its valid licences, money in and out and
profit per month, the income statement for the period and the statement of financial position (SAK EMKM
shape), and how consistently the books were kept. It is always in Indonesian, the language of the banks
receiving it. ``bankable_report_pdf`` is what other domains call (P7 attaches it to a referral); it writes
nothing and audits nothing: callers record who received it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation

from kolabora.participants.models import Business
from kolabora.regions.models import Region

from . import selectors
from .models import Cashbook
from .months import current_streak, month_start

MONTHS_MIN = 1
MONTHS_MAX = 24


def _clamp(months: int) -> int:
    return max(MONTHS_MIN, min(MONTHS_MAX, int(months)))


def _licences(business: Business) -> list[Any]:
    from kolabora.licensing.services import valid_licences

    # The NIB is shown from the business itself; a recorded NIB licence would repeat it.
    return [
        lic
        for lic in valid_licences(business.participant)
        if lic.business_id == business.pk and not (business.nib and lic.number == business.nib)
    ]


def _place(business: Business) -> list[str]:
    """Kelurahan, kecamatan, kota: the names of the participant's region and its ancestors."""
    region: Region | None = business.participant.kelurahan
    names = []
    while region is not None and region.code.count(".") >= 1:
        names.append(region.name)
        region = region.parent
    return names


def bankable_report_context(
    *, business: Business, months: int = 6, today: dt.date | None = None
) -> dict[str, Any]:
    day = today or timezone.localdate()
    months = _clamp(months)
    first, last = selectors.report_period(today=day, months=months)
    rows = selectors.month_rows(business=business, first=first, last=month_start(last))
    statement = selectors.income_statement(business=business, start=first, end=last)
    declared = selectors.position(business=business)
    book = Cashbook.objects.filter(business=business).first()
    consistency = selectors.consistency(business=business, today=day)
    largest = max([max(r.money_in, r.money_out) for r in rows] or [0]) or 1
    kept = sum(1 for r in rows if r.entries)
    return {
        "business": business,
        "participant": business.participant,
        "place": _place(business),
        "licences": _licences(business),
        "months": months,
        "first": first,
        "last": last,
        "generated": day,
        "number": f"LKB/{business.pk:06d}/{day:%Y%m%d}",
        "rows": rows,
        "bars": [
            {
                "row": r,
                "in_pct": round(100 * r.money_in / largest),
                "out_pct": round(100 * r.money_out / largest),
            }
            for r in rows
        ],
        "totals": {
            "money_in": sum(r.money_in for r in rows),
            "money_out": sum(r.money_out for r in rows),
            "net": sum(r.net for r in rows),
            "profit": sum(r.profit for r in rows),
            "entries": sum(r.entries for r in rows),
        },
        "s": statement,
        "apart": [(x.name, x.amount) for x in statement.outside],
        "position": declared,
        "check": selectors.cash_check(business=business, closing=declared),
        "kept": kept,
        "kept_all": kept == len(rows),
        "consistency": consistency,
        "streak": current_streak(book.run_length, book.run_end, day) if book else 0,
        "book": book,
    }


def bankable_report_html(*, business: Business, months: int = 6, today: dt.date | None = None) -> str:
    with translation.override("id"):
        return render_to_string(
            "bookkeeping/report.html", bankable_report_context(business=business, months=months, today=today)
        )


def bankable_report_pdf(*, business: Business, months: int = 6) -> bytes:
    """The bankable report of ``business`` over the last ``months`` complete months (1–24), as PDF bytes."""
    import weasyprint  # imported here: it needs Pango, which only PDF rendering requires

    return bytes(weasyprint.HTML(string=bankable_report_html(business=business, months=months)).write_pdf())
