"""Statement arithmetic against numbers computed by hand (SAK EMKM shape): prive, loan principal, loans
received, capital put in and equipment bought move cash but are neither income nor expense."""

from __future__ import annotations

import datetime as dt

import pytest

from kolabora.bookkeeping import selectors, services
from kolabora.bookkeeping.months import add_months, month_end, month_start
from kolabora.core.timeutils import today

from .conftest import Books

pytestmark = pytest.mark.django_db


def _month() -> dt.date:
    """Two months ago: a complete month in the past, whatever day the tests run."""
    return add_months(month_start(today()), -2)


def _march(books: Books) -> dt.date:
    m = _month()
    d = lambda n: m + dt.timedelta(days=n - 1)  # noqa: E731
    books.record(d(1), "penjualan", 2_500_000, "Pesanan katering arisan")
    books.record(d(15), "penjualan", 3_000_000, "Penjualan minggu kedua")
    books.record(d(16), "jasa", 500_000, "Jasa masak di tempat")
    books.record(d(17), "pendapatan_lain", 50_000, "Bunga tabungan")
    books.record(d(2), "bahan_baku", 2_000_000, "Beras, ayam, bumbu")
    books.record(d(3), "upah", 1_200_000, "Upah dua pembantu masak")
    books.record(d(4), "sewa", 750_000, "Sewa dapur")
    books.record(d(5), "utilitas", 300_000, "Listrik dan gas")
    books.record(d(6), "bunga_bank", 100_000, "Bunga KUR")
    books.record(d(7), "pajak", 30_000, "PPh final 0,5%")
    books.record(d(8), "prive", 1_000_000, "Uang sekolah anak")
    books.record(d(9), "angsuran_pokok", 500_000, "Angsuran pokok KUR")
    books.record(d(10), "pinjaman_diterima", 5_000_000, "Pencairan KUR")
    books.record(d(11), "setoran_modal", 2_000_000, "Tabungan pribadi untuk usaha")
    books.record(d(12), "pembelian_aset", 3_000_000, "Kompor dan oven besar")
    mistake = books.record(d(13), "penjualan", 999_000, "Salah ketik")
    services.entry_void(entry=mistake, actor=books.owner, reason="Salah ketik")
    # Outside the period on both sides.
    books.record(add_months(m, 1), "penjualan", 777_000, "Bulan berikutnya")
    books.record(m - dt.timedelta(days=1), "bahan_baku", 444_000, "Bulan sebelumnya")
    return m


def test_income_statement_leaves_prive_loans_capital_and_equipment_out(books: Books) -> None:
    m = _march(books)
    s = selectors.income_statement(business=books.business, start=m, end=month_end(m))
    assert [(x.code, x.amount) for x in s.revenue] == [("penjualan", 5_500_000), ("jasa", 500_000)]
    assert s.total_revenue == 6_000_000
    assert s.total_other_income == 50_000
    assert s.total_income == 6_050_000
    assert s.total_operating == 2_000_000 + 1_200_000 + 750_000 + 300_000 == 4_250_000
    assert s.total_other_expenses == 100_000
    assert s.total_expenses == 4_350_000
    assert s.profit_before_tax == 1_700_000
    assert s.income_tax == 30_000
    assert s.net_profit == 1_670_000
    # Not income or expense.
    assert s.withdrawals == 1_000_000
    assert s.loan_principal == 500_000
    assert s.loans_received == 5_000_000
    assert s.capital_in == 2_000_000
    assert s.equipment_bought == 3_000_000
    assert {x.code for x in s.outside} == {
        "prive",
        "angsuran_pokok",
        "pinjaman_diterima",
        "setoran_modal",
        "pembelian_aset",
    }
    # Cash: every entry of the period that is not cancelled.
    assert s.cash_in == 6_050_000 + 2_000_000 + 5_000_000 == 13_050_000
    assert s.cash_out == 4_350_000 + 30_000 + 1_000_000 + 500_000 + 3_000_000 == 8_880_000
    assert s.net_cash == 4_170_000
    assert s.net_cash == (
        s.net_profit + s.capital_in + s.loans_received - s.withdrawals - s.loan_principal - s.equipment_bought
    )
    assert s.entries == 15


def test_month_rows_split_cash_and_profit(books: Books) -> None:
    m = _march(books)
    rows = selectors.month_rows(business=books.business, first=add_months(m, -1), last=add_months(m, 1))
    before, march, after = rows
    assert (before.money_in, before.money_out, before.entries) == (0, 444_000, 1)
    assert before.profit == -444_000
    assert (march.money_in, march.money_out, march.net) == (13_050_000, 8_880_000, 4_170_000)
    assert march.income == 6_050_000
    assert march.expenses == 4_380_000  # operating, other and tax: 4,350,000 + 30,000
    assert march.profit == 1_670_000
    assert (after.money_in, after.profit) == (777_000, 777_000)


def test_position_is_assets_minus_liabilities(books: Books) -> None:
    m = _month()
    services.balance_declare(
        business=books.business,
        actor=books.owner,
        as_of=month_end(m),
        amounts={
            "cash": 4_000_000,
            "receivables": 500_000,
            "inventory": 1_500_000,
            "equipment": 3_000_000,
            "bank_debt": 4_500_000,
            "other_liabilities": 500_000,
        },
    )
    p = selectors.position(business=books.business)
    assert p is not None
    assert p.total_assets == 9_000_000
    assert p.total_liabilities == 5_000_000
    assert p.equity == 4_000_000
    assert p.total_liabilities + p.equity == p.total_assets
    # Before the declaration's date there is no position.
    assert selectors.position(business=books.business, on=m) is None


def test_equity_can_be_a_deficit_and_redeclaring_a_date_replaces_it(books: Books) -> None:
    day = today()
    services.balance_declare(
        business=books.business, actor=books.owner, as_of=day, amounts={"cash": 1_000_000, "bank_debt": 9}
    )
    services.balance_declare(
        business=books.business,
        actor=books.owner,
        as_of=day,
        amounts={"cash": 1_000_000, "bank_debt": 2_500_000, "other_liabilities": 500_000},
    )
    p = selectors.position(business=books.business)
    assert p is not None and p.equity == -2_000_000
    assert books.business.balance_declarations.count() == 1


def test_cash_check_compares_declared_cash_with_the_cash_book(books: Books) -> None:
    m = _march(books)
    for day, cash in ((m - dt.timedelta(days=1), 1_000_000), (month_end(m), 5_000_000)):
        services.balance_declare(
            business=books.business, actor=books.owner, as_of=day, amounts={"cash": cash}
        )
    check = selectors.cash_check(business=books.business, closing=selectors.position(business=books.business))
    assert check is not None
    # The entry on the opening date (444,000 out) is already in the opening cash.
    assert check.net_flow == 4_170_000
    assert check.expected == 5_170_000
    assert check.difference == -170_000


def test_report_period_is_complete_months_before_this_one() -> None:
    first, last = selectors.report_period(today=dt.date(2026, 7, 14), months=6)
    assert (first, last) == (dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    first, last = selectors.report_period(today=dt.date(2026, 1, 3), months=3)
    assert (first, last) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
