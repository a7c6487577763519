"""Forms check the shape of input; the services enforce the rules."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kolabora.core.timeutils import today
from kolabora.organisations.models import Organisation
from kolabora.regions.models import Region

from .choices import FeedbackStatus, Likert, Rating
from .feedback_kinds import KINDS
from .models import Framework, Item
from .themes import THEMES

PERIODS = {"90": 90, "365": 365, "all": None}
PERIOD_CHOICES = [("90", _("Last 3 months")), ("365", _("Last 12 months")), ("all", _("All time"))]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def region_choices(codes: list[str] | None) -> list[tuple[str, str]]:
    """The regions a reader may narrow to: their own and the ones directly below (everywhere: the
    province and its cities)."""
    if codes is None:
        rows = Region.objects.filter(Q(level="provinsi") | Q(level="kota")).order_by("code")
    else:
        rows = Region.objects.filter(Q(code__in=codes) | Q(parent_id__in=codes)).order_by("code")
    return [(r.code, r.name) for r in rows]


class ScopeForm(forms.Form):
    """Which region and period a governance page shows."""

    region = forms.ChoiceField(label=_("Region"), required=False)
    period = forms.ChoiceField(label=_("Period"), required=False, choices=PERIOD_CHOICES, initial="365")

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["region"]).choices = [("", _("All my regions")), *regions]


class OrganisationChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.name


class RoundForm(forms.Form):
    framework = forms.ModelChoiceField(
        label=_("Framework"), queryset=Framework.objects.filter(is_active=True), empty_label=None
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    region = forms.ChoiceField(label=_("Region"))
    period_start = forms.DateField(label=_("Period assessed from"), widget=DATE)
    period_end = forms.DateField(label=_("Period assessed until"), widget=DATE)
    closes_on = forms.DateField(label=_("Answers accepted until"), widget=DATE)
    organisations = OrganisationChoices(
        label=_("Participating organisations"),
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every active member of these organisations is invited to answer once."),
    )

    def __init__(
        self,
        *args: Any,
        regions: list[tuple[str, str]],
        organisations: QuerySet[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["region"]).choices = regions
        cast(forms.ModelMultipleChoiceField, self.fields["organisations"]).queryset = organisations
        day = today()
        half = dt.date(day.year, 1, 1) if day.month <= 6 else dt.date(day.year, 7, 1)
        self.fields["period_start"].initial = half
        self.fields["period_end"].initial = day
        self.fields["closes_on"].initial = day + dt.timedelta(days=14)


class ResponseForm(forms.Form):
    """One radio group (1–5) per statement, and an optional comment."""

    comment = forms.CharField(
        label=_("Anything else you want the programme to know (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, items: list[Item], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"item_{item.pk}"] = forms.TypedChoiceField(
                label=item.label,
                choices=Likert.choices,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose how much you agree with this statement.")},
            )
        # The comment comes last.
        self.order_fields([f"item_{i.pk}" for i in items] + ["comment"])

    def scores(self) -> dict[int, int]:
        return {i.pk: self.cleaned_data[f"item_{i.pk}"] for i in self.items}

    def groups(self) -> list[tuple[Any, list[Any]]]:
        """Bound fields grouped by the top-level dimension of their statement, in order."""
        groups: list[tuple[Any, list[Any]]] = []
        for item in self.items:
            top = item.dimension.parent or item.dimension
            if not groups or groups[-1][0].pk != top.pk:
                groups.append((top, []))
            groups[-1][1].append((item, self[f"item_{item.pk}"]))
        return groups


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=sorted(Rating.choices, reverse=True),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a rating from 1 (very poor) to 5 (very good).")},
    )
    comment = forms.CharField(
        label=_("What went well, what should be better?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The organisation reads this and answers you in Kolabora."),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer to the participant"),
        min_length=10,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The participant is notified; the answer closes this step."),
    )


class FeedbackFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *FeedbackStatus.choices]
    )
    theme = forms.ChoiceField(
        label=_("Theme"),
        required=False,
        choices=[("", _("All themes")), *[(t.code, t.label) for t in THEMES]],
    )
    kind = forms.ChoiceField(label=_("Service"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            ("", _("All services")),
            *[(k.code, k.label) for k in KINDS.values()],
        ]
