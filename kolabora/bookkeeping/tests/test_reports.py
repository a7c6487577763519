"""The bankable report: what it shows (masked NIK, months, statements, consistency) and that it is a PDF."""

from __future__ import annotations

import datetime as dt

import pytest

from kolabora.bookkeeping import services
from kolabora.bookkeeping.months import add_months, month_end, month_start
from kolabora.bookkeeping.reports import bankable_report_html, bankable_report_pdf
from kolabora.core.timeutils import today

from .conftest import Books, t

pytestmark = pytest.mark.django_db


def _history(books: Books) -> None:
    this = month_start(today())
    for n in (3, 2, 1):
        m = add_months(this, -n)
        books.record(m + dt.timedelta(days=2), "penjualan", 4_000_000 + n * 100_000, "Penjualan bulanan")
        books.record(m + dt.timedelta(days=3), "bahan_baku", 1_500_000, "Bahan baku")
        books.record(m + dt.timedelta(days=4), "prive", 700_000, "Keperluan rumah")
    services.balance_declare(
        business=books.business,
        actor=books.owner,
        as_of=month_end(add_months(this, -1)),
        amounts={"cash": 3_250_000, "inventory": 800_000, "equipment": 2_000_000, "bank_debt": 1_000_000},
    )


def test_report_html_shows_what_a_bank_needs(books: Books) -> None:
    _history(books)
    html = bankable_report_html(business=books.business, months=3)
    p = books.world.participant
    assert p.nik_masked in html
    assert p.nik not in html
    assert books.business.name in html
    # Sales 4,300,000 + 4,200,000 + 4,100,000; raw materials 3 × 1,500,000; prive 3 × 700,000.
    assert "Rp 12.600.000" in html  # sales revenue of the period
    assert "Rp 8.100.000" in html  # net profit: prive is not an expense
    assert "Rp 2.100.000" in html  # the prive, listed apart
    assert "Rp 5.050.000" in html  # equity: 6,050,000 assets − 1,000,000 bank loan
    assert "3 / 3" in html  # months recorded in the period
    assert t("Business financial report") in html


def test_report_pdf_is_a_pdf(books: Books) -> None:
    _history(books)
    pdf = bankable_report_pdf(business=books.business, months=6)
    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 5_000


def test_report_without_entries_or_declaration_still_renders(books: Books) -> None:
    html = bankable_report_html(business=books.business, months=1)
    assert "0 / 1" in html
    assert bankable_report_pdf(business=books.business, months=0).startswith(b"%PDF-")
