"""Forms for the staff pages on participants. They check the shape of input; the services enforce the rules."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.choices import ProgrammeStage
from kolabora.core.files import file_kind
from kolabora.pathway.choices import ALLOWED, StageStatus
from kolabora.regions.choices import RegionLevel
from kolabora.regions.models import Region

from .choices import ConsentPurpose, DomicileBasis, EntryTrack, Sector

if TYPE_CHECKING:
    from kolabora.core.access import AnyUser

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


# What a real PDF, JPEG or PNG starts with; the file name and the browser's content type prove nothing.
def upload_check(upload: UploadedFile | None, *, kind: str) -> UploadedFile | None:
    """A document upload of at most 5 MB that really is a PDF, JPEG or PNG, renamed to ``<kind>.<ext>``."""
    if not upload:
        return None
    if (upload.size or 0) > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(_("The file is larger than 5 MB."), code="too_large")
    head = upload.read(8)
    upload.seek(0)
    ext = file_kind(head)
    if not ext:
        raise forms.ValidationError(
            _("This file is not a PDF, JPG or PNG. Scan or photograph the paper and upload that file."),
            code="file_type",
        )
    # The name the user's device gave is not kept: it may carry personal data or a misleading extension.
    upload.name = f"{kind}.{ext}"
    return upload


def region_choices(codes: list[str], levels: list[str]) -> list[tuple[str, str]]:
    """Regions inside ``codes`` at ``levels``, indented by depth, in code order (one query)."""
    if not codes:
        return []
    q = Q(pk__in=[])
    for c in codes:
        q |= Q(code=c) | Q(code__startswith=c + ".")
    rows = Region.objects.filter(q, level__in=levels).order_by("code").values_list("code", "name")
    return [(code, "\u2003" * (code.count(".") - 1) + name) for code, name in rows]


def visible_region_codes(user: AnyUser, action: Action) -> list[str]:
    if access.is_system_admin(user):
        return list(Region.objects.filter(level=RegionLevel.PROVINSI).values_list("code", flat=True))
    return access.region_codes(user, action)


class ParticipantFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("A name, or a full 16-digit NIK"),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("All stages")), *ProgrammeStage.choices]
    )
    status = forms.ChoiceField(
        label=_("Status in that stage"),
        required=False,
        choices=[("", _("Reached (in progress or completed)")), *StageStatus.choices],
    )
    entry_track = forms.ChoiceField(
        label=_("Entry track"), required=False, choices=[("", _("All tracks")), *EntryTrack.choices]
    )
    sector = forms.ChoiceField(
        label=_("Sector"), required=False, choices=[("", _("All sectors")), *Sector.choices]
    )
    inactive_days = forms.IntegerField(
        label=_("Inactive for at least (days)"),
        required=False,
        min_value=0,
        max_value=3650,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    after = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        codes = visible_region_codes(user, Action.PARTICIPANT_VIEW)
        choices = region_choices(codes, [RegionLevel.KOTA, RegionLevel.KECAMATAN, RegionLevel.KELURAHAN])
        self.fields["region"].choices = [("", _("All my regions")), *choices]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # A stage status only means something for one stage; without a stage it filters nothing.
        if data.get("status") and not data.get("stage"):
            data["status"] = ""
        return data


class StageForm(forms.Form):
    """Change one stage's status. The choices are the moves the programme allows from the current status;
    whether the participant may make that move now (prerequisites, eligibility) is the service's call."""

    to_status = forms.ChoiceField(label=_("New status"))
    level = forms.TypedChoiceField(label=_("Training level"), required=False, coerce=int, empty_value=None)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        help_text=_("Needed when a stage is skipped, dropped or reopened."),
    )

    def __init__(self, *args: Any, code: str, current: str, levels: int, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{code}_%s")
        super().__init__(*args, **kwargs)
        allowed = ALLOWED[StageStatus(current)]
        self.fields["to_status"].choices = [  # type: ignore[attr-defined]
            (s.value, s.label) for s in StageStatus if s in allowed
        ]
        if levels:
            self.fields["level"].choices = [  # type: ignore[attr-defined]
                ("", _("No change")),
                *[(str(n), f"T{n}") for n in range(1, levels + 1)],
            ]
        else:
            del self.fields["level"]


class RupiahField(forms.CharField):
    """A whole Rupiah amount typed the way people write it: ``1.500.000``, ``Rp 1.500.000`` or ``1500000``."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        digits = re.sub(r"(?i)^rp\.?|[\s.]", "", text)
        if digits.endswith(",00"):
            digits = digits[:-3]
        if not digits.isdigit():
            raise forms.ValidationError(_("Write a whole amount in Rupiah, for example 1.500.000."))
        return int(digits)


class WalkInForm(forms.Form):
    """Everything a walk-in registration needs, on one page, in the order the KTP and the person give it."""

    nik = forms.CharField(
        label=_("NIK"),
        max_length=24,
        help_text=_("16 digits, from the KTP"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "autofocus": True}),
    )
    full_name = forms.CharField(label=_("Full name as on the KTP"), max_length=150)
    phone = forms.CharField(
        label=_("Phone (WhatsApp)"),
        max_length=24,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(label=_("Email"), required=False)
    kelurahan = forms.CharField(label=_("Kelurahan"), max_length=13, widget=forms.Select)
    address = forms.CharField(
        label=_("Address"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    domicile_basis = forms.ChoiceField(
        label=_("Domicile basis"),
        choices=DomicileBasis.choices,
        initial=DomicileBasis.KTP_DKI,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("A NIK from outside DKI Jakarta needs the lurah's domicile letter."),
    )
    domicile_since = forms.DateField(
        label=_("Living in Jakarta since"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    domicile_letter = forms.FileField(
        label=_("Domicile letter from the lurah"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/*"}),
    )
    entry_track = forms.ChoiceField(
        label=_("Entry track"),
        choices=EntryTrack.choices,
        initial=EntryTrack.PEMULA,
        widget=forms.RadioSelect,
    )
    business_name = forms.CharField(label=_("Business name"), required=False, max_length=150)
    business_sector = forms.ChoiceField(
        label=_("Sector"), required=False, choices=[("", "—"), *Sector.choices]
    )
    business_started_on = forms.DateField(
        label=_("Business started on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    business_workers = forms.IntegerField(
        label=_("Workers"),
        required=False,
        min_value=0,
        max_value=100000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    business_monthly_turnover = RupiahField(label=_("Monthly turnover (Rp)"), required=False)
    business_assets = RupiahField(label=_("Business capital (Rp)"), required=False)
    business_nib = forms.CharField(
        label=_("NIB"),
        required=False,
        max_length=20,
        help_text=_("Business ID number from OSS, 13 digits, if the business has one"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    ownership_proof = forms.FileField(
        label=_("Proof of business ownership"),
        required=False,
        help_text=_(
            "Needed for an existing business (naik kelas): a photo of the premises, a letter or a licence."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/*"}),
    )
    consents = forms.MultipleChoiceField(
        label=_("Consents given"),
        choices=ConsentPurpose.choices,
        initial=[ConsentPurpose.PROGRAMME],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    create_account = forms.BooleanField(
        label=_("Create an account and email a link to set the password"),
        required=False,
        help_text=_("Needs an email address."),
    )

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        codes = visible_region_codes(user, Action.PARTICIPANT_REGISTER)
        kelurahan = region_choices(codes, [RegionLevel.KELURAHAN])
        self.fields["kelurahan"].widget.choices = [("", "—"), *[(c, n.strip()) for c, n in kelurahan]]

    def clean_kelurahan(self) -> str:
        code = self.cleaned_data["kelurahan"].strip()
        region = Region.objects.filter(code=code, level=RegionLevel.KELURAHAN).first()
        if region is None:
            raise forms.ValidationError(_("Choose the kelurahan where the participant lives."))
        if not access.can_in_region(self.user, Action.PARTICIPANT_REGISTER, code):
            raise forms.ValidationError(
                _("%(name)s is outside your region: register participants who live in your kecamatan.")
                % {"name": region.name},
                code="outside_region",
            )
        return code

    def clean_domicile_letter(self) -> UploadedFile | None:
        return upload_check(self.cleaned_data.get("domicile_letter"), kind="domicile_letter")

    def clean_ownership_proof(self) -> UploadedFile | None:
        return upload_check(self.cleaned_data.get("ownership_proof"), kind="ownership_proof")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("create_account") and not data.get("email"):
            self.add_error("email", _("Give an email address to send the link for setting the password to."))
        return data


class MergeForm(forms.Form):
    keep = forms.IntegerField(label=_("Keep this record"), min_value=1)
    duplicate = forms.IntegerField(label=_("Merge this record into it"), min_value=1)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("keep") and data.get("keep") == data.get("duplicate"):
            raise forms.ValidationError(_("Choose two different records: one to keep, one to merge into it."))
        return data


class DataRequestAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer to the participant"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    rejected = forms.BooleanField(label=_("Refuse the request (say why in the answer)"), required=False)
