"""The cash book's figures in the shape of SAK EMKM: the income statement (laporan laba rugi) for a
period, the statement of financial position (laporan posisi keuangan) from the owner's declaration, the
monthly summary, and a check of declared cash against the cash book.

The income statement counts revenue and other income, operating and other expenses and income tax, from
the entries of the period (cash basis: an entry counts on its date). Capital put in, the owner's
withdrawals (prive), loans received, loan principal repaid and equipment bought move cash but are not
income or expense; they are listed apart, and

    net cash flow = net profit + capital put in + loans received − prive − loan principal − equipment bought.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from kolabora.participants.models import Business

from ..choices import Direction, StatementLine
from ..models import BalanceDeclaration, CashCategory, CashEntry
from ..months import add_months, month_end, month_start, months_between


@dataclass(frozen=True)
class Line:
    """One category's total in a statement."""

    code: str
    name: str
    line: str
    amount: int

    @property
    def line_label(self) -> str:
        return str(StatementLine(self.line).label)


def _total(lines: list[Line]) -> int:
    return sum(x.amount for x in lines)


@dataclass
class IncomeStatement:
    start: dt.date
    end: dt.date
    revenue: list[Line] = field(default_factory=list)
    other_income: list[Line] = field(default_factory=list)
    operating: list[Line] = field(default_factory=list)
    other_expenses: list[Line] = field(default_factory=list)
    taxes: list[Line] = field(default_factory=list)
    outside: list[Line] = field(default_factory=list)
    entries: int = 0

    # Income statement.
    @property
    def total_revenue(self) -> int:
        return _total(self.revenue)

    @property
    def total_other_income(self) -> int:
        return _total(self.other_income)

    @property
    def total_income(self) -> int:
        return self.total_revenue + self.total_other_income

    @property
    def total_operating(self) -> int:
        return _total(self.operating)

    @property
    def total_other_expenses(self) -> int:
        return _total(self.other_expenses)

    @property
    def total_expenses(self) -> int:
        return self.total_operating + self.total_other_expenses

    @property
    def profit_before_tax(self) -> int:
        return self.total_income - self.total_expenses

    @property
    def income_tax(self) -> int:
        return _total(self.taxes)

    @property
    def net_profit(self) -> int:
        return self.profit_before_tax - self.income_tax

    # Movements that are not income or expense.
    def _outside(self, line: StatementLine) -> int:
        return sum(x.amount for x in self.outside if x.line == line)

    @property
    def capital_in(self) -> int:
        return self._outside(StatementLine.OWNER_CONTRIBUTION)

    @property
    def withdrawals(self) -> int:
        return self._outside(StatementLine.OWNER_WITHDRAWAL)

    @property
    def loans_received(self) -> int:
        return self._outside(StatementLine.LOAN_RECEIVED)

    @property
    def loan_principal(self) -> int:
        return self._outside(StatementLine.LOAN_REPAYMENT)

    @property
    def equipment_bought(self) -> int:
        return self._outside(StatementLine.ASSET_PURCHASE)

    # Cash.
    @property
    def cash_in(self) -> int:
        return self.total_income + self.capital_in + self.loans_received

    @property
    def cash_out(self) -> int:
        return (
            self.total_expenses
            + self.income_tax
            + self.withdrawals
            + self.loan_principal
            + self.equipment_bought
        )

    @property
    def net_cash(self) -> int:
        return self.cash_in - self.cash_out

    @property
    def is_empty(self) -> bool:
        return self.entries == 0


def _categories() -> dict[int, CashCategory]:
    return {c.pk: c for c in CashCategory.objects.all()}


def income_statement(*, business: Business, start: dt.date, end: dt.date) -> IncomeStatement:
    """The income statement of ``business`` for the days ``start``–``end`` (both included)."""
    statement = IncomeStatement(start=start, end=end)
    rows = (
        CashEntry.objects.filter(
            business=business, voided_at__isnull=True, occurred_on__gte=start, occurred_on__lte=end
        )
        .values("category_id")
        .annotate(total=Sum("amount"), n=Count("id"))
        .order_by()
    )
    categories = _categories()
    buckets = {
        StatementLine.REVENUE: statement.revenue,
        StatementLine.OTHER_INCOME: statement.other_income,
        StatementLine.OPERATING_EXPENSE: statement.operating,
        StatementLine.OTHER_EXPENSE: statement.other_expenses,
        StatementLine.INCOME_TAX: statement.taxes,
    }
    for row in rows:
        category = categories[row["category_id"]]
        line = StatementLine(category.line)
        item = Line(code=category.code, name=category.name, line=line, amount=int(row["total"] or 0))
        buckets.get(line, statement.outside).append(item)
        statement.entries += int(row["n"])
    order = {c.code: (c.order, c.code) for c in categories.values()}
    for bucket in [*buckets.values(), statement.outside]:
        bucket.sort(key=lambda x: order[x.code])
    return statement


@dataclass
class MonthRow:
    """One month of the summary: cash in and out, and income, expenses and profit as the income
    statement counts them."""

    month: dt.date
    money_in: int = 0
    money_out: int = 0
    income: int = 0
    expenses: int = 0
    entries: int = 0

    @property
    def net(self) -> int:
        return self.money_in - self.money_out

    @property
    def profit(self) -> int:
        return self.income - self.expenses


PROFIT_IN = frozenset({StatementLine.REVENUE, StatementLine.OTHER_INCOME})
PROFIT_OUT = frozenset(
    {StatementLine.OPERATING_EXPENSE, StatementLine.OTHER_EXPENSE, StatementLine.INCOME_TAX}
)


def month_rows(*, business: Business, first: dt.date, last: dt.date) -> list[MonthRow]:
    """Every month from ``first`` to ``last`` (month starts), months without entries included, in one
    query."""
    rows = {m: MonthRow(month=m) for m in months_between(first, last)}
    grouped = (
        CashEntry.objects.filter(
            business=business,
            voided_at__isnull=True,
            occurred_on__gte=month_start(first),
            occurred_on__lte=month_end(last),
        )
        .annotate(month=TruncMonth("occurred_on"))
        .values("month", "category__line", "direction")
        .annotate(total=Sum("amount"), n=Count("id"))
        .order_by()
    )
    for g in grouped:
        month = g["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        row = rows.get(month_start(month))
        if row is None:
            continue
        amount = int(g["total"] or 0)
        if g["direction"] == Direction.IN:
            row.money_in += amount
        else:
            row.money_out += amount
        if g["category__line"] in PROFIT_IN:
            row.income += amount
        elif g["category__line"] in PROFIT_OUT:
            row.expenses += amount
        row.entries += int(g["n"])
    return list(rows.values())


def position(*, business: Business, on: dt.date | None = None) -> BalanceDeclaration | None:
    """The statement of financial position: the latest declaration made for a date on or before ``on``
    (the latest of all when None)."""
    qs = BalanceDeclaration.objects.filter(business=business)
    if on is not None:
        qs = qs.filter(as_of__lte=on)
    return qs.order_by("-as_of", "-id").first()


@dataclass
class CashCheck:
    """Declared cash against the cash book between two declarations: what the cash book says the cash
    should be (opening cash plus the net flow recorded after the opening date up to the closing date) and
    how far the closing declaration is from it (money in or out not recorded, when it is not 0)."""

    opening: BalanceDeclaration
    closing: BalanceDeclaration
    net_flow: int

    @property
    def expected(self) -> int:
        return self.opening.cash + self.net_flow

    @property
    def difference(self) -> int:
        return self.closing.cash - self.expected


def cash_check(*, business: Business, closing: BalanceDeclaration | None) -> CashCheck | None:
    if closing is None:
        return None
    opening = (
        BalanceDeclaration.objects.filter(business=business, as_of__lt=closing.as_of)
        .order_by("-as_of", "-id")
        .first()
    )
    if opening is None:
        return None
    flows = CashEntry.objects.filter(
        business=business,
        voided_at__isnull=True,
        occurred_on__gt=opening.as_of,
        occurred_on__lte=closing.as_of,
    ).aggregate(
        money_in=Sum("amount", filter=Q(direction=Direction.IN)),
        money_out=Sum("amount", filter=Q(direction=Direction.OUT)),
    )
    net = int(flows["money_in"] or 0) - int(flows["money_out"] or 0)
    return CashCheck(opening=opening, closing=closing, net_flow=net)


def report_period(*, today: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """The ``months`` complete months before the current one: (first day, last day)."""
    last = add_months(month_start(today), -1)
    first = add_months(last, 1 - months)
    return first, month_end(last)
