"""Forms check the shape of input; the services enforce the rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kolabora.core import access
from kolabora.organisations.models import Organisation
from kolabora.regions.choices import RegionLevel
from kolabora.regions.models import Region

from . import permissions
from .choices import CourseKind, Level, SessionMode, Topic, Track
from .models import Course, TrainingSession

YES_NO = [("1", _("Yes")), ("0", _("Not yet"))]


class CourseFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    level = forms.TypedChoiceField(
        label=_("Level"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All levels")), *Level.choices],
    )
    topic = forms.ChoiceField(
        label=_("Topic"), required=False, choices=[("", _("All topics")), *Topic.choices]
    )
    mine = forms.BooleanField(label=_("Only the courses I offer or oversee"), required=False)


class CourseForm(forms.ModelForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=CourseKind.choices, widget=forms.RadioSelect)
    track = forms.ChoiceField(label=_("Track"), choices=Track.choices, widget=forms.RadioSelect)
    level = forms.TypedChoiceField(
        label=_("Level"), coerce=int, choices=Level.choices, widget=forms.RadioSelect
    )

    class Meta:
        model = Course
        fields = ["title", "description", "topic", "level", "kind", "track", "follow_up_weeks"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


def kecamatan_choices(provider: Organisation) -> QuerySet[Region]:
    """Kecamatan where the provider may hold sessions: its own region (a government office) or the
    regions of its agreements in force covering P2 (a partner)."""
    if permissions.is_government(provider):
        codes = [provider.region_id]
    else:
        codes = [a.region_id for a in access.agreements_in_force(provider, stage="P2")]
    q = Q(pk__in=[])
    for c in codes:
        q |= Q(code=c) | Q(code__startswith=c + ".")
    return Region.objects.filter(q, level=RegionLevel.KECAMATAN).order_by("name")


class KecamatanField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.name} ({obj.code})"


class SessionForm(forms.Form):
    """A session on one day: the date, the start and end times (Asia/Jakarta), where, and how many seats."""

    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    starts = forms.TimeField(
        label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    ends = forms.TimeField(label=_("Ends at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    mode = forms.ChoiceField(
        label=_("Mode"), choices=SessionMode.choices, initial=SessionMode.IN_PERSON, widget=forms.RadioSelect
    )
    region = KecamatanField(label=_("Kecamatan"), queryset=Region.objects.none())
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,
        help_text=_("For sessions in person, e.g. Kantor Kecamatan Cipayung, Ruang Serbaguna"),
    )
    online_link = forms.URLField(
        label=_("Online link"), required=False, assume_scheme="https", help_text=_("For online sessions")
    )
    capacity = forms.IntegerField(label=_("Seats"), min_value=1, max_value=1000, initial=30)
    trainer_name = forms.CharField(label=_("Trainer"), max_length=150)

    def __init__(self, *args: Any, provider: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = kecamatan_choices(provider)  # type: ignore[attr-defined]

    @classmethod
    def initial_from(cls, session: TrainingSession) -> dict[str, Any]:
        start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
        return {
            "day": start.date(),
            "starts": start.time(),
            "ends": end.time(),
            "mode": session.mode,
            "region": session.region_id,
            "place": session.place,
            "online_link": session.online_link,
            "capacity": session.capacity,
            "trainer_name": session.trainer_name,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, starts, ends = data.get("day"), data.get("starts"), data.get("ends")
        if day and starts and ends:
            data["starts_at"] = timezone.make_aware(dt.datetime.combine(day, starts))
            data["ends_at"] = timezone.make_aware(dt.datetime.combine(day, ends))
            if ends <= starts:
                self.add_error("ends", _("The session must end after it starts."))
        return data

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        keys = ("starts_at", "ends_at", "mode", "region", "place", "online_link", "capacity", "trainer_name")
        return {k: d[k] for k in keys}


class EnrolOtherForm(forms.Form):
    nik = forms.RegexField(
        label=_("Participant's NIK"),
        regex=r"^\s*[0-9]{16}\s*$",
        error_messages={"invalid": _("A NIK has 16 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class AttendanceForm(forms.Form):
    """The trainer's list: ``roster`` names every enrolment shown, ``present`` those ticked."""

    roster = forms.TypedMultipleChoiceField(coerce=int, required=True)
    present = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args: Any, enrolment_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(pk), str(pk)) for pk in enrolment_ids]
        self.fields["roster"].choices = choices  # type: ignore[attr-defined]
        self.fields["present"].choices = choices  # type: ignore[attr-defined]


class AttendanceCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Attendance code"),
        max_length=12,
        help_text=_("The six digits the trainer shows at the session."),
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9 ]*",
                "class": "code-input",
                "autofocus": True,
            }
        ),
    )


class FollowUpForm(forms.Form):
    applied = forms.TypedChoiceField(
        label=_("Are you applying what you learned in your business?"),
        choices=YES_NO,
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    bookkeeping = forms.TypedChoiceField(
        label=_("Have you started keeping books (recording money in and out)?"),
        choices=YES_NO,
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    selling_online = forms.TypedChoiceField(
        label=_("Are you selling online (WhatsApp, social media, marketplaces)?"),
        choices=YES_NO,
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Anything to add? (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
