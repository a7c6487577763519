"""Choices of the cash book: directions, where a category goes in the SAK EMKM statements, how an entry
came in, and the steps of an import."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    IN = "in", _("Money in")
    OUT = "out", _("Money out")


class StatementLine(models.TextChoices):
    """Where a category's amounts go in the statements (SAK EMKM).

    Only the first five are income or expense. Capital put in or taken out by the owner (prive), loans
    received or repaid, and equipment bought move cash but are not income or expense: they change equity,
    liabilities or assets, so the income statement leaves them out and lists them apart.
    """

    REVENUE = "revenue", _("Sales revenue")
    OTHER_INCOME = "other_income", _("Other income")
    OPERATING_EXPENSE = "operating_expense", _("Operating expense")
    OTHER_EXPENSE = "other_expense", _("Other expense")
    INCOME_TAX = "income_tax", _("Income tax")
    OWNER_CONTRIBUTION = "owner_contribution", _("Capital put in by the owner")
    OWNER_WITHDRAWAL = "owner_withdrawal", _("Owner's withdrawal (prive)")
    LOAN_RECEIVED = "loan_received", _("Loan received")
    LOAN_REPAYMENT = "loan_repayment", _("Loan principal repaid")
    ASSET_PURCHASE = "asset_purchase", _("Equipment bought (an asset)")


# The direction each line's cash moves in: a category's direction follows from its line.
LINE_DIRECTION = {
    StatementLine.REVENUE: Direction.IN,
    StatementLine.OTHER_INCOME: Direction.IN,
    StatementLine.OWNER_CONTRIBUTION: Direction.IN,
    StatementLine.LOAN_RECEIVED: Direction.IN,
    StatementLine.OPERATING_EXPENSE: Direction.OUT,
    StatementLine.OTHER_EXPENSE: Direction.OUT,
    StatementLine.INCOME_TAX: Direction.OUT,
    StatementLine.OWNER_WITHDRAWAL: Direction.OUT,
    StatementLine.LOAN_REPAYMENT: Direction.OUT,
    StatementLine.ASSET_PURCHASE: Direction.OUT,
}
INCOME_LINES = frozenset({StatementLine.REVENUE, StatementLine.OTHER_INCOME})
EXPENSE_LINES = frozenset(
    {StatementLine.OPERATING_EXPENSE, StatementLine.OTHER_EXPENSE, StatementLine.INCOME_TAX}
)
# Cash movements that are neither income nor expense.
OUTSIDE_PROFIT = frozenset(set(StatementLine) - INCOME_LINES - EXPENSE_LINES)


class EntrySource(models.TextChoices):
    FORM = "form", _("Entered on the cash book page")
    API = "api", _("Sent by a partner system (API)")
    IMPORT = "import", _("Imported from a file")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded: columns to choose")
    MAPPED = "mapped", _("Columns chosen: ready to check")
    DONE = "done", _("Imported")


class AmountMode(models.TextChoices):
    SINGLE = "single", _("One amount column")
    SPLIT = "split", _("Separate money-in and money-out columns")


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (.xlsx)"
    XLS = "xls", "Excel 97–2003 (.xls)"
    ODS = "ods", "OpenDocument (.ods)"
