"""Forms for self-registration and the participant's own pages. They check the shape of input only;
``services.registration_validate`` and the other services decide what is allowed."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext_lazy as _

from kolabora.core.files import file_kind
from kolabora.regions.choices import RegionLevel
from kolabora.regions.models import Region

from .choices import ConsentPurpose, DataRequestKind, EntryTrack, Sector

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_RUPIAH = 10**15

# What each consent lets the programme do, in plain words; shown at registration and on the consent page.
CONSENT_EXPLANATIONS: dict[str, StrPromise] = {
    ConsentPurpose.PROGRAMME: _(
        "Needed to take part. The kecamatan secretariat, your mentor and the programme managers use your "
        "data to run the programme with you: registration, training places, mentoring and follow-up."
    ),
    ConsentPurpose.TRAINING_PARTNERS: _(
        "Universities, agencies and companies that run your training see your name, contact and progress."
    ),
    ConsentPurpose.LICENSING_OFFICES: _(
        "The PTSP and kelurahan offices see your identity and business data to process your licence."
    ),
    ConsentPurpose.FINANCIAL_INSTITUTIONS: _(
        "Banks and financing institutions you are referred to see your business data and bookkeeping."
    ),
    ConsentPurpose.MARKETPLACES: _(
        "Marketplaces and exhibition organisers see your business and products to list or invite you."
    ),
    ConsentPurpose.STATISTICS: _(
        "Your data is counted in reports that never show who you are, to improve the programme."
    ),
}
OPTIONAL_CONSENTS = [c for c in ConsentPurpose if c != ConsentPurpose.PROGRAMME]


class DocumentField(forms.FileField):
    """A PDF, JPEG or PNG of at most 5 MB, recognised by its content."""

    widget = forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/*"})

    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        if not isinstance(upload, UploadedFile):
            return upload
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 5 MB. Take a smaller photo or scan, or save it as a PDF."),
                code="too_big",
            )
        head = upload.read(8)
        upload.seek(0)
        if not file_kind(head):
            raise forms.ValidationError(
                _("This file is not a PDF, JPG or PNG. Upload a scan or a photo of the letter."),
                code="file_type",
            )
        return upload


class RupiahField(forms.CharField):
    """A whole Rupiah amount; accepts ``1500000``, ``1.500.000`` and ``Rp 1.500.000``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "0"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        digits = re.sub(r"(?i)^rp|[\s.,]", "", text.strip())
        if not digits.isdigit() or int(digits) > MAX_RUPIAH:
            raise forms.ValidationError(
                _("Write a whole amount in Rupiah, for example 1.500.000."), code="rupiah"
            )
        return int(digits)


def kelurahan_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """DKI kelurahan grouped under their kecamatan (with the city), both in alphabetical order."""
    parents = {
        r.code: r.name
        for r in Region.objects.filter(
            level__in=[RegionLevel.KOTA, RegionLevel.KECAMATAN], code__startswith="31."
        ).only("code", "name")
    }
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, name in Region.objects.filter(level=RegionLevel.KELURAHAN, code__startswith="31.").values_list(
        "code", "name"
    ):
        kecamatan = parents.get(code[:8], code[:8])
        kota = re.sub(r"^(Kota|Kabupaten) Administrasi ", "", parents.get(code[:5], code[:5]))
        groups.setdefault(f"{kecamatan} ({kota})", []).append((code, name))
    return [(label, sorted(items, key=lambda i: i[1])) for label, items in sorted(groups.items())]


class IdentityForm(forms.Form):
    """Screen 1."""

    nik = forms.CharField(
        label=_("NIK"),
        max_length=24,
        help_text=_("The 16-digit number on your KTP."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}),
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        help_text=_("As written on your KTP."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class ContactForm(forms.Form):
    """Screen 2."""

    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=24,
        help_text=_("For example 0812-3456-7890. You log in with this number."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        help_text=_("Optional. Useful to reset your password."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class DomicileForm(forms.Form):
    """Screen 3. The domicile fields appear only for a NIK from outside DKI Jakarta."""

    kelurahan_code = forms.ChoiceField(
        label=_("Kelurahan"), help_text=_("Where you live and run your business, grouped by kecamatan.")
    )
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=500,
        help_text=_("Street, number, RT/RW."),
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "street-address"}),
    )
    domicile_since = forms.DateField(
        label=_("Living in Jakarta since"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    domicile_letter = DocumentField(
        label=_("Domicile letter from your lurah"),
        required=False,
        help_text=_("A scan or photo (PDF, JPG or PNG, at most 5 MB)."),
    )

    def __init__(
        self, *args: Any, outside_dki: bool = False, has_letter: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kelurahan_code"].choices = [("", _("Choose your kelurahan")), *kelurahan_choices()]  # type: ignore[attr-defined]
        if outside_dki:
            self.fields["domicile_since"].required = True
            # A letter uploaded on an earlier try is kept, so only the first upload is required.
            self.fields["domicile_letter"].required = not has_letter
            self.fields["domicile_letter"].error_messages["required"] = _(
                "Attach the domicile letter from your lurah."
            )
        else:
            del self.fields["domicile_since"]
            del self.fields["domicile_letter"]


class BusinessForm(forms.Form):
    """Screen 4."""

    entry_track = forms.ChoiceField(
        label=_("How do you join?"), choices=EntryTrack.choices, widget=forms.RadioSelect
    )
    business_name = forms.CharField(
        label=_("Business name"),
        required=False,
        max_length=150,
        help_text=_("A new entrepreneur without a business yet may leave the business fields empty."),
    )
    sector = forms.ChoiceField(label=_("Sector"), required=False, choices=[("", "—"), *Sector.choices])
    started_on = forms.DateField(
        label=_("Started on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    workers = forms.IntegerField(
        label=_("Workers"),
        required=False,
        min_value=0,
        max_value=100_000,
        help_text=_("People working in the business besides you."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "0"}),
    )
    monthly_turnover = RupiahField(
        label=_("Monthly turnover (Rp)"), required=False, help_text=_("Average sales in a month.")
    )
    nib = forms.CharField(
        label=_("NIB (if you have one)"),
        required=False,
        max_length=20,
        help_text=_("The 13-digit business ID number from OSS."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    ownership_proof = DocumentField(
        label=_("Proof that you own the business"),
        required=False,
        help_text=_(
            "Needed for an existing business (naik kelas): a photo of the premises, a business letter or "
            "an existing licence (PDF, JPG or PNG, at most 5 MB)."
        ),
    )


class ConsentForm(forms.Form):
    """Screen 5, first part: the purposes consented to."""

    consents = forms.MultipleChoiceField(
        label=_("Consents"),
        required=False,
        choices=ConsentPurpose.choices,
        widget=forms.CheckboxSelectMultiple,
    )


class PasswordForm(forms.Form):
    """Screen 5, second part. The password is asked last so it is never kept between screens."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 8 characters; not only numbers and not a common word."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_confirm = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password"), data.get("password_confirm")
        if first and second and first != second:
            self.add_error("password_confirm", _("The two passwords are not the same."))
        return data


class ConsentChangeForm(forms.Form):
    purpose = forms.ChoiceField(choices=ConsentPurpose.choices)
    confirm = forms.BooleanField(required=False)


class DataRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("What do you ask for?"), choices=DataRequestKind.choices)
    details = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=4000,
        help_text=_("For a correction: which data is wrong and what it should be."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
