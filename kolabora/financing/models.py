"""Financing (P7): the products institutions offer, the participant's declaration about current loans,
and referrals from the programme to a financial institution that come back with a decision."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kolabora.core.models import BaseModel

from .choices import (
    ACTIVE,
    BADGE,
    DeclineCategory,
    LoanPurpose,
    ProductScheme,
    ReferralStatus,
    ReferrerKind,
)


class FinancingProduct(models.Model):
    """A credit product an institution may approve a referral under, with its regulatory limits as data.

    Invariants: ``min_amount <= max_amount`` and ``min_rate <= max_rate`` (database checks). An approval
    must fall inside the amount, rate and tenor limits and the borrower must be at least ``min_age``.
    ``any_institution`` products (KUR) may be approved by every institution serving P7; the others only by
    the ``institutions`` linked to them (Kredit Monas Pemula by Bank DKI).
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    scheme = models.CharField(_("scheme"), max_length=12, choices=ProductScheme.choices)
    any_institution = models.BooleanField(_("offered by every institution serving P7"), default=True)
    institutions = models.ManyToManyField(
        "organisations.Organisation",
        verbose_name=_("offered by"),
        blank=True,
        related_name="+",
        help_text=_("Only when it is not offered by every institution."),
    )
    min_amount = models.BigIntegerField(_("smallest amount (Rp)"), validators=[MinValueValidator(1)])
    max_amount = models.BigIntegerField(_("ceiling (Rp)"), validators=[MinValueValidator(1)])
    min_rate = models.DecimalField(
        _("lowest rate (% a year)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    max_rate = models.DecimalField(
        _("highest rate (% a year)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    max_tenor_months = models.PositiveSmallIntegerField(_("longest tenor (months)"))
    min_age = models.PositiveSmallIntegerField(_("youngest borrower (years)"), default=21)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("financing product")
        verbose_name_plural = _("financing products")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_amount__lte=models.F("max_amount")), name="financing_product_amounts_ordered"
            ),
            models.CheckConstraint(
                condition=Q(min_rate__lte=models.F("max_rate")), name="financing_product_rates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_kur(self) -> bool:
        return self.scheme == ProductScheme.KUR


class LoanDeclaration(models.Model):
    """The participant's own statement whether they have a current productive loan (KUR requires none).

    Invariants: rows are only added, never changed; the latest (``declared_at``, then ``id``) is the one in
    force, so the history of what was declared, when and by whom stays.
    """

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.CASCADE, related_name="loan_declarations"
    )
    has_productive_loan = models.BooleanField(_("has a current productive loan"))
    lender = models.CharField(_("lender"), max_length=150, blank=True)
    declared_at = models.DateTimeField(_("declared at"))
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("loan declaration")
        verbose_name_plural = _("loan declarations")
        ordering = ["-declared_at", "-id"]
        indexes = [models.Index(fields=["participant", "-declared_at"], name="loan_declaration_latest_idx")]

    def __str__(self) -> str:
        return f"{self.participant_id}: {'loan' if self.has_productive_loan else 'no loan'}"


class Referral(BaseModel):
    """One participant's business referred to one financial institution under an agreement covering P7.

    Invariants: ``status`` changes only through financing.services, each change in one transaction that
    locks this row, checks the move against ``choices.ALLOWED``, finishes the open hand-off and opens the
    next, and writes one audit row; so two officers cannot decide the same referral twice. At most one
    active (received, in review or approved) referral per participant and institution. ``package`` is the
    snapshot of what was shared when the referral was made, limited to the agreement's data categories.
    """

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.CASCADE, related_name="financing_referrals"
    )
    business = models.ForeignKey(
        "participants.Business", on_delete=models.CASCADE, related_name="financing_referrals"
    )
    institution = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("financial institution"),
        on_delete=models.PROTECT,
        related_name="financing_referrals",
    )
    agreement = models.ForeignKey(
        "organisations.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ReferralStatus.choices,
        default=ReferralStatus.RECEIVED,
        db_index=True,
    )
    referrer_kind = models.CharField(_("referred by"), max_length=12, choices=ReferrerKind.choices)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    referrer_organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("referring organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_amount = models.BigIntegerField(
        _("amount needed (Rp)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=LoanPurpose.choices, blank=True)
    note = models.TextField(_("what the money is for"), blank=True)
    package = models.JSONField(_("data shared"), default=dict, blank=True)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    review_started_at = models.DateTimeField(_("review started at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    product = models.ForeignKey(
        FinancingProduct,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    approved_amount = models.BigIntegerField(_("amount approved (Rp)"), null=True, blank=True)
    rate = models.DecimalField(
        _("interest rate (% a year)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    tenor_months = models.PositiveSmallIntegerField(_("tenor (months)"), null=True, blank=True)
    decline_category = models.CharField(
        _("reason for declining"), max_length=24, choices=DeclineCategory.choices, blank=True
    )
    decline_note = models.TextField(_("explanation"), blank=True)
    disbursed_on = models.DateField(_("disbursed on"), null=True, blank=True)
    disbursed_amount = models.BigIntegerField(_("amount disbursed (Rp)"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdraw_reason = models.TextField(_("reason for withdrawing"), blank=True)
    # Recorded afterwards from the institution's or the programme's earlier records (no step hand-offs).
    imported = models.BooleanField(_("recorded from earlier records"), default=False)
    # Why P7 could not be marked complete when the referral was approved (its prerequisites were missing).
    stage_note = models.TextField(_("programme step note"), blank=True)

    class Meta:
        verbose_name = _("financing referral")
        verbose_name_plural = _("financing referrals")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "institution"],
                condition=Q(status__in=sorted(ACTIVE)),
                name="financing_one_active_referral_per_institution",
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__gt=0),
                name="financing_approved_amount_positive",
            ),
            models.CheckConstraint(
                condition=Q(disbursed_amount__isnull=True) | Q(disbursed_amount__gt=0),
                name="financing_disbursed_amount_positive",
            ),
        ]
        indexes = [
            models.Index(fields=["institution", "status"], name="financing_institution_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.business} → {self.institution}"

    @property
    def badge(self) -> str:
        return BADGE[ReferralStatus(self.status)]

    @property
    def is_undecided(self) -> bool:
        return self.status in (ReferralStatus.RECEIVED, ReferralStatus.IN_REVIEW)
