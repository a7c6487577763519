"""Forms for mentoring. They check the shape of input; the services enforce the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kolabora.accounts.models import User
from kolabora.core.timeutils import today

from .choices import SessionMode, TargetMeasure, Topic
from .selectors import Candidate

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RupiahField(forms.IntegerField):
    """Whole Rupiah; accepts ``1.500.000``, ``1500000`` or ``Rp 1.500.000``."""

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = value.replace("Rp", "").replace(".", "").replace(",", "").replace(" ", "").strip()
        return super().to_python(value)


class SessionForm(forms.Form):
    """Everything a session needs on one phone screen."""

    held_on = forms.DateField(label=_("Date"), widget=DATE)
    mode = forms.ChoiceField(label=_("How"), choices=SessionMode.choices, widget=forms.RadioSelect)
    topics = forms.MultipleChoiceField(
        label=_("Topics"), choices=Topic.choices, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    next_step = forms.CharField(label=_("Agreed next step"), required=False, max_length=300)
    next_step_due = forms.DateField(label=_("Next step due"), required=False, widget=DATE)
    monthly_turnover = RupiahField(
        label=_("Turnover this month (Rp)"),
        required=False,
        min_value=0,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Recorded on the participant's business."),
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png", "capture": "environment"}),
        help_text=_("JPEG or PNG, at most 5 MB."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"held_on": today(), "mode": SessionMode.VISIT})
        super().__init__(*args, **kwargs)


class ReadinessForm(forms.Form):
    product = forms.CharField(label=_("Product or service"), required=False, max_length=300)
    customers = forms.CharField(label=_("Customers"), required=False, max_length=300)
    price = RupiahField(
        label=_("Price (Rp)"),
        required=False,
        min_value=1,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    price_unit = forms.CharField(
        label=_("Per"), required=False, max_length=40, help_text=_("e.g. per portion, per piece")
    )
    next_step = forms.CharField(label=_("Next step"), required=False, max_length=300)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    ready = forms.BooleanField(
        label=_("The business is ready to move on (e.g. to licensing)"), required=False
    )


class AssignForm(forms.Form):
    mentor = forms.ChoiceField(label=_("Mentor"))
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when the mentor changes."),
    )

    def __init__(self, *args: Any, candidates: list[Candidate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = {str(c.user.pk): c for c in candidates}
        self.fields["mentor"].choices = [  # type: ignore[attr-defined]
            (
                str(c.user.pk),
                _("%(name)s (%(org)s) · %(n)s in caseload")
                % {
                    "name": c.user.get_full_name() or c.user.username,
                    "org": c.organisation.name,
                    "n": c.caseload,
                },
            )
            for c in candidates
        ]

    def clean_mentor(self) -> Candidate:
        return self.candidates[self.cleaned_data["mentor"]]


class MentorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class TargetForm(forms.Form):
    mentor = MentorChoiceField(label=_("Mentor"), queryset=User.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    target = forms.IntegerField(label=_("Target"), min_value=1, max_value=100_000, initial=60)
    measure = forms.ChoiceField(label=_("What counts"), choices=TargetMeasure.choices)

    def __init__(self, *args: Any, mentors: Any, **kwargs: Any) -> None:
        kwargs["initial"] = {
            "year": today().year,
            "target": 60,
            "measure": TargetMeasure.MENTORED,
            **(kwargs.get("initial") or {}),
        }
        super().__init__(*args, **kwargs)
        self.fields["mentor"].queryset = mentors  # type: ignore[attr-defined]


class ExportForm(forms.Form):
    tahun = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    format = forms.ChoiceField(
        label=_("Format"), choices=[("xlsx", "Excel (.xlsx)"), ("csv", "CSV")], required=False
    )
