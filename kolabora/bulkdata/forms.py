"""Forms check the shape of input; ``bulkdata.services`` judges the file and runs the import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kolabora.pathway.models import Programme

from . import fields
from .fields import FIELDS


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("An Excel workbook (.xlsx) or a CSV file; the first row holds the column names."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv"}),
    )
    programme = forms.ModelChoiceField(
        queryset=Programme.objects.none(), label=_("Programme"), to_field_name="code", empty_label=None
    )
    dry_run = forms.BooleanField(
        label=_("Check only: report what would change and what is wrong, save nothing"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        programmes = Programme.objects.order_by("-is_default", "name")
        field = self.fields["programme"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = programmes
        default = next((p for p in programmes if p.is_default), None)
        if default is not None:
            field.initial = default.code
        if len(programmes) < 2:
            field.widget = forms.HiddenInput()
            field.required = False


class MappingForm(forms.Form):
    """One select per field, listing the file's columns (with a sample value); plus a name to save under."""

    save_as = forms.CharField(
        label=_("Save this mapping as"),
        required=False,
        max_length=80,
        help_text=_("Give it a name to choose it again for the next file of this layout."),
    )

    def __init__(self, *args: Any, header: list[str], samples: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unnamed = _("(no name)")
        choices = [("", "—")] + [
            (
                str(i),
                f"{name or unnamed}" + (f" — {samples[i]}" if i < len(samples) and samples[i] else ""),
            )
            for i, name in enumerate(header)
        ]
        for f in FIELDS:
            self.fields[f"col_{f.name}"] = forms.ChoiceField(
                label=str(f.label), choices=choices, required=f.required
            )
        self.order_fields([f"col_{f.name}" for f in FIELDS] + ["save_as"])

    def mapping(self) -> dict[str, int]:
        return {
            f.name: int(self.cleaned_data[f"col_{f.name}"])
            for f in FIELDS
            if self.cleaned_data.get(f"col_{f.name}")
        }

    @staticmethod
    def initial_from(mapping: dict[str, int]) -> dict[str, str]:
        return {f"col_{name}": str(i) for name, i in mapping.items() if name in fields.FIELD_BY_NAME}
