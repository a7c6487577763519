"""Forms check the shape of input; financing.services enforces the rules."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kolabora.organisations.models import Organisation
from kolabora.participants.models import Business, Participant
from kolabora.regions.models import Region

from .choices import DeclineCategory, LoanPurpose
from .models import FinancingProduct

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RupiahField(forms.IntegerField):
    """Whole Rupiah, typed as people write it: ``10000000``, ``10.000.000`` or ``Rp 10.000.000``."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
    default_error_messages = {"invalid": _("Enter an amount in whole Rupiah, e.g. 10.000.000.")}

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = re.sub(r"(?i)^\s*rp\.?\s*", "", value)
            value = re.sub(r"[\s.]", "", value)
            if re.fullmatch(r"\d+,0{1,2}", value):
                value = value.split(",")[0]
        return super().to_python(value)


class LoanDeclarationForm(forms.Form):
    YES, NO = "yes", "no"
    has_loan = forms.TypedChoiceField(
        label=_("Does the business have a current productive loan (from a bank, cooperative or fintech)?"),
        choices=[(NO, _("No")), (YES, _("Yes"))],
        widget=forms.RadioSelect,
        help_text=_("Consumer loans (a motorbike, a phone) do not count."),
    )
    lender = forms.CharField(
        label=_("From whom (if yes)"),
        required=False,
        max_length=150,
    )


class ReferralForm(forms.Form):
    """Start a referral; asks for the financial-institutions consent in the same form when it is missing."""

    institution = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Financial institution"), empty_label=None
    )
    requested_amount = RupiahField(
        label=_("Amount needed (Rp)"),
        required=False,
        min_value=1,
        help_text=_("Optional. KUR Super Mikro lends up to Rp 10.000.000, KUR Mikro up to Rp 100.000.000."),
    )
    purpose = forms.ChoiceField(label=_("For"), choices=[("", "—"), *LoanPurpose.choices], required=False)
    note = forms.CharField(
        label=_("What the money is for"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: a second stove and stock for the fasting month."),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that the financial institution I am referred to sees my identity, business, licence and "
            "bookkeeping data to decide on financing."
        ),
        required=True,
    )

    def __init__(
        self,
        *args: Any,
        participant: Participant,
        institutions: list[Organisation],
        needs_consent: bool,
        for_self: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        businesses = Business.objects.filter(participant=participant).order_by("name")
        only_one = len(businesses) == 1
        self.fields = {
            "business": forms.ModelChoiceField(
                queryset=businesses,
                label=_("Business"),
                empty_label=None if only_one else "—",
                initial=businesses[0].pk if only_one else None,
            ),
            **self.fields,
        }
        field = self.fields["institution"]
        field.queryset = Organisation.objects.filter(pk__in=[o.pk for o in institutions]).order_by("name")  # type: ignore[attr-defined]
        if len(institutions) == 1:
            field.initial = institutions[0].pk
        if not needs_consent:
            del self.fields["consent"]
        elif not for_self:
            self.fields["consent"].label = _(
                "The participant agrees that the financial institution sees their identity, business, licence "
                "and bookkeeping data to decide on financing (asked in person)."
            )


class ApproveForm(forms.Form):
    product = forms.ModelChoiceField(
        queryset=FinancingProduct.objects.none(), label=_("Product"), empty_label="—"
    )
    amount = RupiahField(label=_("Amount approved (Rp)"), min_value=1)
    rate = forms.DecimalField(
        label=_("Interest rate (% a year, effective)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    tenor_months = forms.IntegerField(
        label=_("Tenor (months)"), min_value=1, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )

    def __init__(self, *args: Any, products: list[FinancingProduct], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = FinancingProduct.objects.filter(  # type: ignore[attr-defined]
            pk__in=[p.pk for p in products]
        ).order_by("order", "code")


class DeclineForm(forms.Form):
    category = forms.ChoiceField(label=_("Reason"), choices=DeclineCategory.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Explanation for the participant"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Say what would change the decision. Needed when the reason is “other”."),
    )


class DisburseForm(forms.Form):
    disbursed_on = forms.DateField(label=_("Disbursed on"), widget=DATE)
    amount = RupiahField(label=_("Amount disbursed (Rp)"), min_value=1)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why (optional)"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class RegionChoiceForm(forms.Form):
    """A region to narrow a list or an export to (only regions the user may use are offered)."""

    wilayah = forms.ChoiceField(label=_("Area"), required=False)

    def __init__(self, *args: Any, regions: list[Region], everything: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["wilayah"].choices = [  # type: ignore[attr-defined]
            ("", everything),
            *[(r.code, f"{r.name} ({r.code})") for r in regions],
        ]


class FiguresForm(RegionChoiceForm):
    sejak = forms.DateField(label=_("Received since"), required=False, widget=DATE)
