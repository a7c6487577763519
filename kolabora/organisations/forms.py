"""Forms check the shape of input; the services enforce the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kolabora.accounts.models import User
from kolabora.core.choices import ProgrammeStage
from kolabora.core.files import file_kind
from kolabora.regions.choices import RegionLevel
from kolabora.regions.models import Region

from .choices import AgreementStatus, DataCategory, OrganisationType, Role
from .models import Agreement, Organisation

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


class RegionField(forms.ModelChoiceField):
    """A region chosen by code; the list holds provinces, cities and kecamatan, or one level only."""

    def __init__(self, *args: Any, levels: list[str] | None = None, **kwargs: Any) -> None:
        qs = Region.objects.filter(
            level__in=levels or [RegionLevel.PROVINSI, RegionLevel.KOTA, RegionLevel.KECAMATAN]
        ).order_by("code")
        super().__init__(qs, *args, **kwargs)

    def label_from_instance(self, obj: Region) -> str:
        indent = "\u2003" * (obj.code.count("."))
        return f"{indent}{obj.name} ({obj.code})"


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *OrganisationType.choices]
    )


class OrganisationForm(forms.ModelForm):
    region = RegionField(
        label=_("Region served"),
        levels=[RegionLevel.PROVINSI, RegionLevel.KOTA, RegionLevel.KECAMATAN, RegionLevel.KELURAHAN],
    )

    class Meta:
        model = Organisation
        fields = ["name", "type", "region", "parent", "email", "phone", "address", "is_active"]
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, parents: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if parents is not None:
            self.fields["parent"].queryset = parents  # type: ignore[attr-defined]


class MembershipForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("An existing account, or a new one that will receive an email to set its password."),
    )
    full_name = forms.CharField(label=_("Full name (new account)"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email (new account)"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        username = data.get("username", "").strip()
        data["user"] = User.objects.filter(username=username).first()
        if data["user"] is None and not data.get("email"):
            self.add_error(
                "email", _("This username does not exist yet; give an email to create the account.")
            )
        return data


class AgreementFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *AgreementStatus.choices]
    )
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("All stages")), *ProgrammeStage.choices]
    )


class AgreementForm(forms.ModelForm):
    stages = forms.MultipleChoiceField(
        label=_("Stages covered"), choices=ProgrammeStage.choices, widget=forms.CheckboxSelectMultiple
    )
    data_categories = forms.MultipleChoiceField(
        label=_("Participant data the partner may receive"),
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    region = RegionField(label=_("Region"))

    class Meta:
        model = Agreement
        fields = [
            "number",
            "title",
            "lead",
            "partner",
            "stages",
            "data_categories",
            "region",
            "starts_on",
            "ends_on",
            "signed_document",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "signed_document": forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
        }

    def __init__(self, *args: Any, leads: Any = None, partners: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if leads is not None:
            self.fields["lead"].queryset = leads  # type: ignore[attr-defined]
        if partners is not None:
            self.fields["partner"].queryset = partners  # type: ignore[attr-defined]

    def clean_signed_document(self) -> Any:
        doc = self.cleaned_data.get("signed_document")
        if doc and getattr(doc, "size", 0) > MAX_DOCUMENT_BYTES:
            raise forms.ValidationError(_("The document is larger than 10 MB."))
        if doc and hasattr(doc, "read") and hasattr(doc, "content_type"):
            head = doc.read(8)
            doc.seek(0)
            if not file_kind(head):
                raise forms.ValidationError(_("Upload a PDF, JPG or PNG file."))
        return doc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The end date cannot be before the start date."))
        if data.get("lead") and data.get("lead") == data.get("partner"):
            self.add_error("partner", _("The partner must be a different organisation from the lead agency."))
        return data


class TerminateForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
