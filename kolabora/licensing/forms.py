"""Forms check the shape of input; licensing.services enforces the rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kolabora.accounts.models import User
from kolabora.participants.models import Business, Participant

from .choices import RiskLevel, Zoning
from .models import ApplicationItem, LicenceType
from .uploads import check_upload

PHOTO_TYPES = ["jpg", "jpeg", "png"]
PHOTO_MAX_MB = 8  # as licensing.services.survey_record checks
PROOF_TYPES = ".pdf,.jpg,.jpeg,.png"
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return str(obj)


def _business_field(participant: Participant) -> forms.ModelChoiceField:
    businesses = Business.objects.filter(participant=participant).order_by("name")
    only_one = len(businesses) == 1
    return forms.ModelChoiceField(
        queryset=businesses,
        label=_("Business"),
        empty_label=None if only_one else "—",
        initial=businesses[0].pk if only_one else None,
    )


class ApplyForm(forms.Form):
    """Start an application; asks for the licensing consent in the same form when it is missing."""

    licence_type = forms.ModelChoiceField(
        queryset=LicenceType.objects.none(), label=_("Licence"), empty_label="—"
    )
    location_address = forms.CharField(
        label=_("Where the business runs"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The kelurahan visits this address. Leave it empty to use the home address."),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that the PTSP and kelurahan offices see my identity and business data to process my licence."
        ),
        required=True,
    )

    def __init__(
        self, *args: Any, participant: Participant, needs_consent: bool, for_self: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {"business": _business_field(participant), **self.fields}
        self.fields["licence_type"].queryset = LicenceType.objects.filter(  # type: ignore[attr-defined]
            issued_here=True, is_active=True
        ).order_by("code")
        if not needs_consent:
            del self.fields["consent"]
        elif not for_self:
            self.fields["consent"].label = _(
                "The participant agrees that the PTSP and kelurahan offices see their identity and business data "
                "to process the licence (asked in person)."
            )


class ExistingLicenceForm(forms.Form):
    """A licence the business already holds (NIB from OSS, halal, merek …), with proof for the PTSP."""

    licence_type = forms.ModelChoiceField(
        queryset=LicenceType.objects.none(), label=_("Licence"), empty_label="—"
    )
    number = forms.CharField(label=_("Licence number"), max_length=60, help_text=_("An NIB has 13 digits."))
    issued_on = forms.DateField(label=_("Issued on"), widget=DATE)
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DATE)
    risk_level = forms.ChoiceField(
        label=_("Risk level (NIB)"),
        required=False,
        choices=[("", "—"), *RiskLevel.choices],
        help_text=_("As shown in OSS for your KBLI code."),
    )
    proof = forms.FileField(
        label=_("Proof (PDF, JPG or PNG, at most 5 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": PROOF_TYPES}),
    )

    def __init__(self, *args: Any, participant: Participant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {"business": _business_field(participant), **self.fields}
        self.fields["licence_type"].queryset = LicenceType.objects.filter(  # type: ignore[attr-defined]
            issued_here=False, is_active=True
        ).order_by("code")


class ItemUploadForm(forms.Form):
    file = forms.FileField(label=_("Choose a file"))


class CompletenessForm(forms.Form):
    """The PTSP's completeness check: every item accepted or returned with what to fix, in one go."""

    ACCEPT = "accept"
    RETURN = "return"

    def __init__(self, *args: Any, items: list[ApplicationItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"decision_{item.pk}"] = forms.ChoiceField(
                label=item.requirement.name,
                choices=[(self.ACCEPT, _("Accept")), (self.RETURN, _("Return"))],
                widget=forms.RadioSelect,
                initial=self.ACCEPT,
            )
            self.fields[f"reason_{item.pk}"] = forms.CharField(
                label=_("What must be fixed"),
                required=False,
                max_length=500,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for item in self.items:
            if (
                data.get(f"decision_{item.pk}") == self.RETURN
                and not data.get(f"reason_{item.pk}", "").strip()
            ):
                self.add_error(
                    f"reason_{item.pk}", _("Say what must be fixed, so the applicant can fix it at once.")
                )
        return data

    def returns(self) -> dict[int, str]:
        return {
            item.pk: self.cleaned_data[f"reason_{item.pk}"].strip()
            for item in self.items
            if self.cleaned_data.get(f"decision_{item.pk}") == self.RETURN
        }

    def rows(self) -> Iterator[tuple[ApplicationItem, forms.BoundField, forms.BoundField]]:
        for item in self.items:
            yield item, self[f"decision_{item.pk}"], self[f"reason_{item.pk}"]


class ScheduleForm(forms.Form):
    scheduled_on = forms.DateField(label=_("Survey date"), widget=DATE)
    surveyor = UserChoiceField(
        queryset=User.objects.none(), label=_("Surveyor"), required=False, empty_label=_("Me")
    )

    def __init__(self, *args: Any, surveyors: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["surveyor"].queryset = surveyors  # type: ignore[attr-defined]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class SurveyForm(forms.Form):
    zoning = forms.ChoiceField(label=_("Zoning of the location"), choices=[("", "—"), *Zoning.choices])
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = MultipleFileField(
        label=_("Photos of the location"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}),
        help_text=_("JPG or PNG, at most 8 MB each; several at once."),
    )

    def clean_photos(self) -> list[UploadedFile]:
        photos: list[UploadedFile] = self.cleaned_data.get("photos") or []
        for photo in photos:
            try:
                check_upload(photo, extensions=PHOTO_TYPES, max_mb=PHOTO_MAX_MB)
            except ValidationError as exc:
                raise ValidationError(f"{photo.name}: {' '.join(exc.messages)}") from exc
        return photos


class RecommendationForm(forms.Form):
    APPROVE = "approve"
    DECLINE = "decline"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(APPROVE, _("Recommend")), (DECLINE, _("Do not recommend"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when you do not recommend; the applicant reads it."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == self.DECLINE and not data.get("reason", "").strip():
            self.add_error("reason", _("Give the reason for not recommending."))
        return data


class ExistingVerifyForm(forms.Form):
    ACCEPT = "accept"
    REJECT = "reject"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(ACCEPT, _("The proof is genuine: accept")), (REJECT, _("Do not accept"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when you do not accept; the participant reads it."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == self.REJECT and not data.get("reason", "").strip():
            self.add_error("reason", _("Say why the licence is not accepted."))
        return data


class ReassignForm(forms.Form):
    assignee = UserChoiceField(
        queryset=User.objects.none(),
        label=_("Assign to"),
        required=False,
        empty_label=_("Nobody in particular"),
    )

    def __init__(self, *args: Any, members: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = members  # type: ignore[attr-defined]
