"""Forms for the cash book. They check the shape of input; the services enforce the rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kolabora.core.timeutils import today

from .choices import AmountMode, Direction
from .models import BalanceDeclaration, CashCategory
from .parsing import Table, cell_text, column_letter

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RupiahField(forms.IntegerField):
    """Whole Rupiah; accepts ``150.000``, ``150000`` or ``Rp 150.000`` as people type them."""

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = value.replace("Rp", "").replace("rp", "").replace(".", "").replace(" ", "").strip()
            if "," in value:
                whole, _sep, cents = value.partition(",")
                value = whole if cents.strip("0") == "" else value
        return super().to_python(value)


def _amount_widget(**attrs: Any) -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", **attrs})


def category_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Active categories grouped as money in and money out (a native select shows the groups)."""
    groups: dict[str, list[tuple[str, str]]] = {Direction.IN: [], Direction.OUT: []}
    for c in CashCategory.objects.filter(is_active=True).order_by("order", "code"):
        groups[c.direction].append((c.code, c.name))
    return [
        (str(Direction.IN.label), groups[Direction.IN]),
        (str(Direction.OUT.label), groups[Direction.OUT]),
    ]


class EntryForm(forms.Form):
    """One entry on one short phone screen: amount, category, date, note, optional receipt photo."""

    amount = RupiahField(
        label=_("Amount (Rp)"),
        min_value=1,
        widget=_amount_widget(**{"class": "amount-input"}),
        error_messages={
            "required": _("Enter the amount."),
            "invalid": _("Enter the amount in Rupiah, e.g. 150.000."),
        },
    )
    category = forms.ChoiceField(label=_("Category"), error_messages={"required": _("Choose a category.")})
    occurred_on = forms.DateField(label=_("Date"), widget=DATE)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"placeholder": _("e.g. 20 portions of nasi uduk"), "autocomplete": "off"}
        ),
    )
    receipt = forms.FileField(
        label=_("Receipt photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png", "capture": "environment"}),
        help_text=_("Optional. JPEG or PNG; location data in the photo is removed."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()  # type: ignore[attr-defined]

    def clean_category(self) -> CashCategory:
        code = self.cleaned_data["category"]
        found = CashCategory.objects.filter(code=code, is_active=True).first()
        if found is None:
            raise forms.ValidationError(_("Choose a category."))
        return found


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("Why (optional)"), required=False, max_length=200)


class DeclarationForm(forms.Form):
    """What the business owns and owes on a date; empty amounts count as 0."""

    as_of = forms.DateField(label=_("As of"), widget=DATE)
    cash = RupiahField(
        label=_("Cash and bank balances"),
        required=False,
        min_value=0,
        widget=_amount_widget(),
        help_text=_("Cash in the till and money in the business's bank or e-wallet accounts."),
    )
    receivables = RupiahField(
        label=_("Receivables"),
        required=False,
        min_value=0,
        widget=_amount_widget(),
        help_text=_("What customers still owe you."),
    )
    inventory = RupiahField(
        label=_("Inventory"),
        required=False,
        min_value=0,
        widget=_amount_widget(),
        help_text=_("Raw materials and goods in stock, at what they cost."),
    )
    equipment = RupiahField(
        label=_("Equipment and fixed assets"),
        required=False,
        min_value=0,
        widget=_amount_widget(),
        help_text=_("What your machines, tools and vehicles for the business are worth today."),
    )
    other_assets = RupiahField(label=_("Other assets"), required=False, min_value=0, widget=_amount_widget())
    bank_debt = RupiahField(
        label=_("Bank loans"),
        required=False,
        min_value=0,
        widget=_amount_widget(),
        help_text=_("What is left to repay to banks (e.g. KUR), principal only."),
    )
    other_liabilities = RupiahField(
        label=_("Other debts"),
        required=False,
        min_value=0,
        widget=_amount_widget(),
        help_text=_("Suppliers, cooperatives, family, online lenders."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def amounts(self) -> dict[str, int]:
        return {name: int(self.cleaned_data.get(name) or 0) for name in BalanceDeclaration.AMOUNTS}


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.xls,.ods,.txt"}),
        help_text=_(
            "CSV, XLSX, XLS or ODS, at most 5 MB: the cash book export of Lamikro, SI APIK or a spreadsheet."
        ),
    )


def column_choices(table: Table, header_row: int, *, blank: bool) -> list[tuple[str, str]]:
    header = table.rows[header_row] if 0 <= header_row < len(table.rows) else []
    out: list[tuple[str, str]] = [("", "—")] if blank else []
    for i in range(table.width):
        name = cell_text(header[i]) if i < len(header) else ""
        out.append((str(i), f"{column_letter(i)} · {name}" if name else column_letter(i)))
    return out


class MappingForm(forms.Form):
    """Which column holds what. Column values are indexes; the header row is shown 1-based."""

    sheet = forms.ChoiceField(label=_("Sheet"), required=False)
    header_row = forms.IntegerField(
        label=_("Row with the column headings"),
        min_value=1,
        help_text=_("The row number as the spreadsheet shows it."),
    )
    mode = forms.ChoiceField(
        label=_("How are the amounts written?"), choices=AmountMode.choices, widget=forms.RadioSelect
    )
    date = forms.TypedChoiceField(label=_("Date"), coerce=int)
    money_in = forms.TypedChoiceField(
        label=_("Money in (debit)"), coerce=int, required=False, empty_value=None
    )
    money_out = forms.TypedChoiceField(
        label=_("Money out (credit)"), coerce=int, required=False, empty_value=None
    )
    amount = forms.TypedChoiceField(label=_("Amount"), coerce=int, required=False, empty_value=None)
    direction = forms.TypedChoiceField(
        label=_("Money in or out"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_(
            "A column saying masuk/keluar or debit/kredit. Without it, negative amounts are money out and "
            "positive ones follow the category."
        ),
    )
    category = forms.TypedChoiceField(
        label=_("Category or account"), coerce=int, required=False, empty_value=None
    )
    note = forms.TypedChoiceField(
        label=_("Note or description"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, table: Table, header_row: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = [(s, s) for s in table.sheets]  # type: ignore[attr-defined]
        if len(table.sheets) <= 1:
            self.fields["sheet"].widget = forms.HiddenInput()
        self.fields["header_row"].max_value = len(table.rows)  # type: ignore[attr-defined]
        required = column_choices(table, header_row, blank=False)
        optional = column_choices(table, header_row, blank=True)
        self.fields["date"].choices = required  # type: ignore[attr-defined]
        for name in ("money_in", "money_out", "amount", "direction", "category", "note"):
            self.fields[name].choices = optional  # type: ignore[attr-defined]


class CategoryMapForm(forms.Form):
    """Which category each value of the file's category column becomes."""

    def __init__(self, *args: Any, rows: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = category_choices()
        self.rows = rows
        for i, row in enumerate(rows):
            self.fields[f"cat_{i}"] = forms.ChoiceField(label=row.raw, choices=choices, initial=row.code)

    def chosen(self) -> dict[str, str]:
        return {row.key: self.cleaned_data[f"cat_{i}"] for i, row in enumerate(self.rows)}


def entry_initial(*, day: dt.date | None, category: str | None) -> dict[str, Any]:
    return {"occurred_on": day or today(), "category": category}
