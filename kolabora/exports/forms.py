"""The export's choices, checked the same way for the page, the API and the command line.

The form checks the shape of the request and says exactly what is wrong with it; who may export what is
the access gate's call (``selectors.export_participants`` and ``registry.tables_for``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.choices import ProgrammeStage
from kolabora.participants.choices import EntryTrack, Sector
from kolabora.participants.forms import region_choices, visible_region_codes
from kolabora.pathway.choices import StageStatus
from kolabora.regions.choices import RegionLevel
from kolabora.regions.models import Region

from .registry import ExportTable, label, tables_for
from .selectors import ExportFilters

if TYPE_CHECKING:
    from kolabora.core.access import AnyUser

CSV = "csv"
XLSX = "xlsx"
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def _codes(choices: Any) -> str:
    return ", ".join(str(value) for value, _label in choices)


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("File"),
        required=False,
        choices=[
            (XLSX, _("Excel workbook (.xlsx): one sheet per table")),
            (CSV, _("CSV: one table per file")),
        ],
        initial=XLSX,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Unknown format “%(value)s”: use csv or xlsx.")},
    )
    tables = forms.MultipleChoiceField(
        label=_("Tables"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Excel holds every table you tick; a CSV file holds one. None ticked: all tables in Excel, participants in CSV."
        ),
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    stage = forms.ChoiceField(
        label=_("Stage"),
        required=False,
        choices=[("", _("All stages")), *ProgrammeStage.choices],
        error_messages={"invalid_choice": _("Unknown stage “%(value)s”: use P1 to P7.")},
    )
    status = forms.ChoiceField(
        label=_("Status in that stage"),
        required=False,
        choices=[("", _("Reached (in progress or completed)")), *StageStatus.choices],
        error_messages={
            "invalid_choice": label(
                _("Unknown stage status “%(value)s”: use %(values)s."),
                values=_codes(StageStatus.choices),
                value="%(value)s",
            )
        },
    )
    entry_track = forms.ChoiceField(
        label=_("Entry track"),
        required=False,
        choices=[("", _("All tracks")), *EntryTrack.choices],
        error_messages={"invalid_choice": _("Unknown entry track “%(value)s”: use pemula or naik_kelas.")},
    )
    sector = forms.ChoiceField(
        label=_("Sector"),
        required=False,
        choices=[("", _("All sectors")), *Sector.choices],
        error_messages={
            "invalid_choice": label(
                _("Unknown sector “%(value)s”: use %(values)s."),
                values=_codes(Sector.choices),
                value="%(value)s",
            )
        },
    )
    registered_from = forms.DateField(
        label=_("Registered from"),
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD or DD/MM/YYYY.")},
    )
    registered_to = forms.DateField(
        label=_("Registered until"),
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD or DD/MM/YYYY.")},
    )

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.available: list[ExportTable] = tables_for(user)
        self.fields["tables"].choices = [(t.key, t.title) for t in self.available]  # type: ignore[attr-defined]
        codes = visible_region_codes(user, Action.PARTICIPANT_EXPORT)
        levels: list[str] = [RegionLevel.KOTA, RegionLevel.KECAMATAN, RegionLevel.KELURAHAN]
        self.fields["region"].choices = [("", _("All my regions")), *region_choices(codes, levels)]  # type: ignore[attr-defined]
        # The region is checked in clean_region with a message that names it; a CLI or API caller may send
        # any code, not only one of the page's choices.
        self.fields["region"].valid_value = lambda value: True  # type: ignore[attr-defined]
        self.fields["tables"].valid_value = lambda value: True  # type: ignore[attr-defined]

    def clean_region(self) -> str:
        code = (self.cleaned_data.get("region") or "").strip()
        if not code:
            return ""
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise forms.ValidationError(
                _("No region has the code “%(code)s”."), code="unknown_region", params={"code": code}
            )
        if not access.is_system_admin(self.user) and not access.region_covers(
            access.region_codes(self.user, Action.PARTICIPANT_EXPORT), code
        ):
            raise forms.ValidationError(
                _("%(name)s (%(code)s) lies outside the regions you may export."),
                code="outside_region",
                params={"name": region.name, "code": code},
            )
        return code

    def clean_tables(self) -> list[str]:
        keys: list[str] = []
        for raw in self.cleaned_data.get("tables") or []:
            keys.extend(k.strip() for k in str(raw).split(",") if k.strip())
        allowed = {t.key for t in self.available}
        for key in keys:
            if key not in allowed:
                raise forms.ValidationError(
                    _("Unknown table “%(table)s”: choose from %(tables)s."),
                    code="unknown_table",
                    params={"table": key, "tables": ", ".join(sorted(allowed))},
                )
        return list(dict.fromkeys(keys))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["format"] = data.get("format") or XLSX
        if data.get("status") and not data.get("stage") and "stage" not in self.errors:
            self.add_error(
                "status",
                forms.ValidationError(
                    _(
                        "A stage status needs a stage: choose the stage too (e.g. stage P4, status completed)."
                    ),
                    code="status_needs_stage",
                ),
            )
        start, end = data.get("registered_from"), data.get("registered_to")
        if start and end and start > end:
            self.add_error(
                "registered_to",
                forms.ValidationError(
                    _("The end of the registration period is before its start."), code="period_reversed"
                ),
            )
        tables = data.get("tables") or []
        if data["format"] == CSV and len(tables) > 1:
            self.add_error(
                "tables",
                forms.ValidationError(
                    _("A CSV file holds one table: choose one, or choose Excel for several."),
                    code="csv_one_table",
                ),
            )
        return data

    def chosen_tables(self) -> list[ExportTable]:
        """The tables to write (after ``is_valid``): those ticked, or by default all (Excel) or participants (CSV)."""
        keys = self.cleaned_data.get("tables") or []
        if keys:
            return [t for t in self.available if t.key in keys]
        if self.cleaned_data["format"] == CSV:
            return [t for t in self.available if t.key == "participants"]
        return list(self.available)

    def filters(self) -> ExportFilters:
        d = self.cleaned_data
        return ExportFilters(
            region=d.get("region") or "",
            stage=d.get("stage") or "",
            status=d.get("status") or "",
            entry_track=d.get("entry_track") or "",
            sector=d.get("sector") or "",
            registered_from=d.get("registered_from"),
            registered_to=d.get("registered_to"),
        )


def form_errors(form: forms.Form) -> list[dict[str, str]]:
    """The form's errors as ``[{"field": ..., "message": ...}]`` (the API's error shape, the CLI's lines)."""
    return [
        {"field": "" if field == "__all__" else field, "message": str(message)}
        for field, messages in form.errors.items()
        for message in messages
    ]
