"""Bookkeeping (P6): a cash book per business, the owner's declared assets and liabilities, imports from
other bookkeeping apps, and the programme's rule for when P6 is complete.

The cash book records money in and out; statements in the shape of SAK EMKM are computed from it
(``selectors``). ``CashMonth`` and ``Cashbook`` are aggregates the services keep current whenever entries
change, so consistency lists and reminders never scan entries.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from kolabora.core.models import BaseModel

from .choices import (
    LINE_DIRECTION,
    AmountMode,
    Direction,
    EntrySource,
    FileFormat,
    ImportStatus,
    StatementLine,
)


class BookkeepingRules(BaseModel):
    """A programme's P6 rules, as data: how many consecutive months with entries complete P6, and from
    which day of the month an owner whose cash book is still empty that month is reminded.

    Invariants: at most one row per programme; a programme without a row uses the fields' defaults
    (three months, the 25th). Changed in the admin site.
    """

    programme = models.OneToOneField(
        "pathway.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="bookkeeping_rules",
    )
    months_for_completion = models.PositiveSmallIntegerField(
        _("consecutive months with entries that complete P6"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
    )
    reminder_day = models.PositiveSmallIntegerField(
        _("day of the month from which an empty month is reminded"),
        default=25,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
    )

    class Meta:
        verbose_name = _("bookkeeping rules")
        verbose_name_plural = _("bookkeeping rules")

    def __str__(self) -> str:
        return str(self.programme)


class CashCategory(models.Model):
    """A category of money in or out, suited to micro businesses, and its line in the statements.

    Categories are data (a fresh installation gets ``defaults.CATEGORIES``). ``direction`` follows from
    ``line``; a category's line is not changed once entries use it (the admin shows it read-only), so
    stored entries keep their meaning. ``keywords`` help an import recognise the category in another
    app's account names.
    """

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_id = models.CharField(_("name (Indonesian)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    hint_id = models.CharField(_("hint (Indonesian)"), max_length=200, blank=True)
    hint_en = models.CharField(_("hint (English)"), max_length=200, blank=True)
    line = models.CharField(_("statement line"), max_length=20, choices=StatementLine.choices)
    keywords = models.JSONField(_("words that recognise it in imports"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("cash book category")
        verbose_name_plural = _("cash book categories")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name_id

    @property
    def hint(self) -> str:
        return self.hint_en if translation.get_language() == "en" else self.hint_id

    @property
    def direction(self) -> str:
        return str(LINE_DIRECTION[StatementLine(self.line)])


def receipt_upload_to(instance: CashEntry, filename: str) -> str:
    return f"bookkeeping/{instance.business_id}/receipts/{uuid.uuid4().hex}.jpg"


class CashEntry(BaseModel):
    """One movement of money in or out of a business.

    Invariants: ``amount`` is whole Rupiah and positive (a check constraint); ``direction`` is the
    category's direction when recorded; ``occurred_on`` is not in the future. Entries are never deleted:
    a mistaken entry is cancelled (``voided_at`` with who and why, audited) and left out of every sum, so
    a report issued earlier stays traceable. Written only by ``bookkeeping.services``.
    """

    business = models.ForeignKey(
        "participants.Business",
        verbose_name=_("business"),
        on_delete=models.CASCADE,
        related_name="cash_entries",
    )
    occurred_on = models.DateField(_("date"))
    category = models.ForeignKey(
        CashCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    amount = models.BigIntegerField(_("amount (Rp)"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    receipt = models.FileField(_("receipt photo"), upload_to=receipt_upload_to, blank=True)
    source = models.CharField(_("recorded through"), max_length=10, choices=EntrySource.choices)
    batch = models.ForeignKey(
        "ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="entries"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    voided_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    void_reason = models.CharField(_("why cancelled"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("cash book entry")
        verbose_name_plural = _("cash book entries")
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="cash_entry_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["business", "occurred_on"], name="cash_entry_business_day"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.direction} {self.amount}"

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None

    @property
    def signed_amount(self) -> int:
        return self.amount if self.direction == Direction.IN else -self.amount


class CashMonth(models.Model):
    """Money in and out of one business in one calendar month, from its entries that are not cancelled.

    Invariants: kept current by the services in the transaction that changes the entries; a row exists
    only for a month with at least one entry; ``month`` is the first day of the month.
    """

    business = models.ForeignKey(
        "participants.Business", on_delete=models.CASCADE, related_name="cash_months"
    )
    month = models.DateField(_("month"))
    money_in = models.BigIntegerField(_("money in (Rp)"), default=0)
    money_out = models.BigIntegerField(_("money out (Rp)"), default=0)
    entries = models.PositiveIntegerField(_("entries"), default=0)

    class Meta:
        verbose_name = _("cash book month")
        verbose_name_plural = _("cash book months")
        ordering = ["business", "month"]
        constraints = [models.UniqueConstraint(fields=["business", "month"], name="cash_month_unique")]

    def __str__(self) -> str:
        return f"{self.business_id} {self.month:%Y-%m}"

    @property
    def net(self) -> int:
        return self.money_in - self.money_out


class Cashbook(BaseModel):
    """The state of one business's cash book, kept current with its entries: the dates of the first and
    last entries, how many months have entries, and the runs of consecutive months with entries.

    ``run_length`` is the length of the latest run of consecutive months with entries and ``run_end`` its
    last month (first day); the current streak is that run while it ends this month or last month.
    ``longest_run`` is what P6 completion reads. ``reminded_for``/``nudged_for`` are the months for which
    the owner was told that a month is empty (after it ended) or still empty (near its end), so each is
    sent once. ``p6_refusal`` keeps, in words, why the programme did not yet let a long enough run complete
    P6 (for instance registration not yet complete); the daily sweep tries again.
    """

    business = models.OneToOneField(
        "participants.Business", on_delete=models.CASCADE, related_name="cashbook"
    )
    first_entry_on = models.DateField(_("first entry"), null=True, blank=True)
    last_entry_on = models.DateField(_("last entry"), null=True, blank=True, db_index=True)
    entries = models.PositiveIntegerField(_("entries"), default=0)
    months_with_entries = models.PositiveSmallIntegerField(_("months with entries"), default=0)
    run_length = models.PositiveSmallIntegerField(_("latest run of months"), default=0)
    run_end = models.DateField(_("latest run ends"), null=True, blank=True)
    longest_run = models.PositiveSmallIntegerField(_("longest run of months"), default=0, db_index=True)
    longest_run_end = models.DateField(_("longest run ends"), null=True, blank=True)
    reminded_for = models.DateField(_("empty month reminded"), null=True, blank=True)
    nudged_for = models.DateField(_("month nudged"), null=True, blank=True)
    p6_refusal = models.TextField(_("why P6 is not yet complete"), blank=True)

    class Meta:
        verbose_name = _("cash book")
        verbose_name_plural = _("cash books")

    def __str__(self) -> str:
        return str(self.business_id)


class BalanceDeclaration(BaseModel):
    """What the owner declares the business owns and owes on a date: the statement of financial position.

    Invariants: every amount is whole Rupiah and not negative; one declaration per business and date (a
    new one on the same date replaces the figures, audited); equity is assets minus liabilities and may
    be negative (a deficit).
    """

    business = models.ForeignKey(
        "participants.Business",
        verbose_name=_("business"),
        on_delete=models.CASCADE,
        related_name="balance_declarations",
    )
    as_of = models.DateField(_("as of"))
    cash = models.BigIntegerField(_("cash and bank balances"), default=0)
    receivables = models.BigIntegerField(_("receivables"), default=0)
    inventory = models.BigIntegerField(_("inventory"), default=0)
    equipment = models.BigIntegerField(_("equipment and fixed assets"), default=0)
    other_assets = models.BigIntegerField(_("other assets"), default=0)
    bank_debt = models.BigIntegerField(_("bank loans"), default=0)
    other_liabilities = models.BigIntegerField(_("other debts"), default=0)
    note = models.TextField(_("note"), blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    AMOUNTS = (
        "cash",
        "receivables",
        "inventory",
        "equipment",
        "other_assets",
        "bank_debt",
        "other_liabilities",
    )
    ASSETS = ("cash", "receivables", "inventory", "equipment", "other_assets")
    LIABILITIES = ("bank_debt", "other_liabilities")

    class Meta:
        verbose_name = _("declared assets and liabilities")
        verbose_name_plural = _("declared assets and liabilities")
        ordering = ["-as_of", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["business", "as_of"], name="balance_one_per_day"),
            models.CheckConstraint(
                condition=Q(cash__gte=0)
                & Q(receivables__gte=0)
                & Q(inventory__gte=0)
                & Q(equipment__gte=0)
                & Q(other_assets__gte=0)
                & Q(bank_debt__gte=0)
                & Q(other_liabilities__gte=0),
                name="balance_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.business_id} {self.as_of}"

    @property
    def total_assets(self) -> int:
        return sum(int(getattr(self, f)) for f in self.ASSETS)

    @property
    def total_liabilities(self) -> int:
        return sum(int(getattr(self, f)) for f in self.LIABILITIES)

    @property
    def equity(self) -> int:
        return self.total_assets - self.total_liabilities


def import_upload_to(instance: ImportBatch, filename: str) -> str:
    return f"bookkeeping/{instance.business_id}/imports/{uuid.uuid4().hex}.{instance.file_format}"


class ImportBatch(BaseModel):
    """One file exported from another bookkeeping app (Lamikro, SI APIK, a spreadsheet), taken through
    upload → column mapping → preview → import.

    ``mapping`` holds the chosen sheet, header row and column indexes; ``category_map`` the owner's choice
    of category for each value of the category column. ``rejects`` lists rows that were not imported, as
    ``{"row", "column", "code", "value"}`` (the reason is rendered in the reader's language from
    ``code``). Invariants: imported once (status done); the file is kept with the batch as the source of
    the entries it produced.
    """

    business = models.ForeignKey(
        "participants.Business", on_delete=models.CASCADE, related_name="cash_imports"
    )
    file = models.FileField(_("file"), upload_to=import_upload_to)
    original_name = models.CharField(_("file name"), max_length=200)
    file_format = models.CharField(_("format"), max_length=5, choices=FileFormat.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    mapping = models.JSONField(_("columns"), default=dict, blank=True)
    amount_mode = models.CharField(
        _("amounts"), max_length=6, choices=AmountMode.choices, default=AmountMode.SPLIT
    )
    category_map = models.JSONField(_("categories"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported = models.PositiveIntegerField(_("rows imported"), default=0)
    duplicates = models.PositiveIntegerField(_("rows already in the cash book"), default=0)
    rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    rejects = models.JSONField(_("rejected rows"), default=list, blank=True)
    finished_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("cash book import")
        verbose_name_plural = _("cash book imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name
