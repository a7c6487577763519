"""Forms check the shape of input; marketing.services enforces the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from kolabora.core import access
from kolabora.licensing.choices import LicenceStatus
from kolabora.licensing.models import Licence
from kolabora.organisations.models import Organisation
from kolabora.participants.forms_self import RupiahField
from kolabora.participants.models import Business, Participant
from kolabora.regions.choices import RegionLevel
from kolabora.regions.models import Region

from .choices import OpportunityKind, ProductStatus
from .images import ACCEPT, MAX_MB
from .models import CurationCriterion, Product, ProductCategory
from .selectors import kecamatan_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CategoryField(forms.ModelChoiceField):
    """Each category says which licences it needs, so nobody is surprised at publishing."""

    def label_from_instance(self, obj: ProductCategory) -> str:
        required = [t.name for t in obj.required_licences.all()]
        if not required:
            return obj.name
        return str(
            _("%(category)s — needs %(licences)s") % {"category": obj.name, "licences": ", ".join(required)}
        )


class LicenceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Licence) -> str:
        label = f"{obj.licence_type.name} · {obj.number}"
        if obj.status == LicenceStatus.PENDING_VERIFICATION:
            return str(_("%(licence)s (waiting for PTSP verification)") % {"licence": label})
        if obj.valid_until:
            return str(
                _("%(licence)s (valid until %(date)s)")
                % {"licence": label, "date": date_format(obj.valid_until)}
            )
        return label


class ProductForm(forms.Form):
    business = forms.ModelChoiceField(queryset=Business.objects.none(), label=_("Business"), empty_label=None)
    name = forms.CharField(label=_("Product name"), max_length=120)
    category = CategoryField(queryset=ProductCategory.objects.none(), label=_("Category"), empty_label="—")
    price = RupiahField(label=_("Price (Rp)"), help_text=_("A whole amount, for example 25.000."))
    unit = forms.CharField(
        label=_("Sold per"),
        max_length=60,
        required=False,
        help_text=_("For example: pack of 250 g, bottle of 150 ml, piece."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What it is, what it is made of, how long it keeps, how to order."),
    )
    licences = LicenceField(
        queryset=Licence.objects.none(),
        label=_("Licences covering this product"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick the P-IRT, halal, BPOM or trademark licences that cover this product."),
    )
    show_whatsapp = forms.BooleanField(
        label=_("Show a WhatsApp button with my phone number on the public product page"),
        required=False,
        initial=True,
    )
    photo = forms.FileField(
        label=_("Photo (JPG or PNG, at most %(mb)s MB)") % {"mb": MAX_MB},
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=_("A bright photo on a plain background. You can add more photos later."),
    )

    def __init__(self, *args: Any, participant: Participant, creating: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        businesses = Business.objects.filter(participant=participant).order_by("name")
        self.fields["business"].queryset = businesses  # type: ignore[attr-defined]
        if len(businesses) == 1:
            self.fields["business"].initial = businesses[0].pk
            self.fields["business"].widget = forms.HiddenInput()
        if not creating:
            del self.fields["business"]
            del self.fields["photo"]
        self.fields["category"].queryset = ProductCategory.objects.filter(  # type: ignore[attr-defined]
            is_active=True
        ).prefetch_related("required_licences")
        self.fields["licences"].queryset = (  # type: ignore[attr-defined]
            Licence.objects.filter(participant=participant)
            .exclude(status__in=[LicenceStatus.REJECTED, LicenceStatus.REVOKED])
            .select_related("licence_type")
            .order_by("licence_type__code", "-issued_on")
        )
        if not self.fields["licences"].queryset.exists():  # type: ignore[attr-defined]
            self.fields["licences"].help_text = _(
                "No licence recorded yet. Food and drinks need P-IRT and halal before they are published."
            )

    @staticmethod
    def initial_for(product: Product) -> dict[str, Any]:
        return {
            "name": product.name,
            "category": product.category_id,
            "price": f"{product.price:,}".replace(",", "."),
            "unit": product.unit,
            "description": product.description,
            "licences": list(product.licences.values_list("pk", flat=True)),
            "show_whatsapp": product.show_whatsapp,
        }


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Add a photo (JPG or PNG, at most %(mb)s MB)") % {"mb": MAX_MB},
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )


class PublishForm(forms.Form):
    """Publishing; asks for the consent to sharing with marketplaces in the same step when it is missing."""

    consent = forms.BooleanField(
        label=_(
            "I agree that the public catalogue shows this product, my business name, my kecamatan and a "
            "WhatsApp button, and that marketplaces and exhibition organisers see my products."
        ),
        required=True,
    )

    def __init__(self, *args: Any, needs_consent: bool, for_self: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not needs_consent:
            del self.fields["consent"]
        elif not for_self:
            self.fields["consent"].label = _(
                "The participant agrees that the public catalogue shows their products, business name, kecamatan "
                "and a WhatsApp button, and that marketplaces see their products (asked in person)."
            )


class CurationForm(forms.Form):
    MOVE_UP = "up"
    RETURN = "return"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(MOVE_UP, _("Pass it up")), (RETURN, _("Send it back with notes"))],
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label=_("Notes for the participant"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when sending it back: say exactly what to improve."),
    )

    def __init__(self, *args: Any, criteria: list[CurationCriterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        scored: dict[str, forms.Field] = {}
        for c in criteria:
            scored[f"score_{c.code}"] = forms.TypedChoiceField(
                label=c.name,
                help_text=c.help,
                choices=[(str(n), str(n)) for n in range(1, 6)],
                coerce=int,
                widget=forms.RadioSelect,
            )
        self.fields = {**scored, **self.fields}

    def scores(self) -> dict[str, int]:
        return {c.code: int(self.cleaned_data[f"score_{c.code}"]) for c in self.criteria}

    def score_fields(self) -> list[forms.BoundField]:
        return [self[f"score_{c.code}"] for c in self.criteria]


def region_choices(organisations: list[Organisation]) -> list[tuple[str, str]]:
    """The province, cities and kecamatan inside the regions the user's organisations cover."""
    levels = [RegionLevel.PROVINSI, RegionLevel.KOTA, RegionLevel.KECAMATAN]
    codes = {o.region_id[:8] if o.region_id.count(".") > 2 else o.region_id for o in organisations}
    q = Q(pk__in=[])
    for code in codes:
        q |= Q(code=code) | Q(code__startswith=code + ".")
    regions = Region.objects.filter(q, level__in=levels).order_by("code")
    return [(r.code, f"{'— ' * r.code.count('.')}{r.name}") for r in regions]


class OpportunityForm(forms.Form):
    organiser = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Organiser"), empty_label=None
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=OpportunityKind.choices)
    title = forms.CharField(label=_("Title"), max_length=150)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    location = forms.CharField(label=_("Place"), required=False, max_length=200)
    region = forms.ChoiceField(label=_("Open to participants from"))
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("Ends on"), widget=DATE)
    apply_by = forms.DateField(label=_("Apply by"), widget=DATE)
    slots = forms.IntegerField(label=_("Number of places"), min_value=1, max_value=2000)
    product_required = forms.BooleanField(
        label=_("Applicants must bring a product published in the catalogue (its licences in order)"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, user: Any, editing: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisations = access.organising_organisations(user)
        if editing is not None:
            organisations = [editing.organiser]
            del self.fields["organiser"]
        else:
            self.fields["organiser"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
                pk__in=[o.pk for o in organisations]
            ).order_by("name")
        region: forms.ChoiceField = self.fields["region"]  # type: ignore[assignment]
        region.choices = region_choices(organisations or ([editing.organiser] if editing else []))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        code = data.get("region")
        if code:
            data["region"] = Region.objects.get(code=code)
        return data

    @staticmethod
    def initial_for(o: Any) -> dict[str, Any]:
        return {
            "kind": o.kind,
            "title": o.title,
            "description": o.description,
            "location": o.location,
            "region": o.region_id,
            "starts_on": o.starts_on,
            "ends_on": o.ends_on,
            "apply_by": o.apply_by,
            "slots": o.slots,
            "product_required": o.product_required,
        }


class ApplyForm(forms.Form):
    product = forms.ModelChoiceField(
        queryset=Product.objects.none(),
        label=_("Product you bring"),
        required=False,
        empty_label="—",
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that this partner organisation sees my business and products to process the application."
        ),
        required=True,
    )

    def __init__(
        self,
        *args: Any,
        participant: Participant,
        product_required: bool,
        needs_consent: bool,
        for_self: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        products = Product.objects.filter(participant=participant, status=ProductStatus.PUBLISHED).order_by(
            "name"
        )
        self.fields["product"].queryset = products  # type: ignore[attr-defined]
        self.fields["product"].required = product_required
        if len(products) == 1:
            self.fields["product"].initial = products[0].pk
        if not needs_consent:
            del self.fields["consent"]
        elif not for_self:
            self.fields["consent"].label = _(
                "The participant agrees that this partner organisation sees their business and products (asked in person)."
            )


class CatalogueFilterForm(forms.Form):
    """The catalogue's search: GET parameters, all optional; wrong values are simply ignored."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=80,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Keripik, batik, sambal …")}),
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    kecamatan = forms.ChoiceField(label=_("Kecamatan"), required=False)
    price_min = RupiahField(label=_("Lowest price"), required=False)
    price_max = RupiahField(label=_("Highest price"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [  # type: ignore[attr-defined]
            ("", _("All categories")),
            *[(c.code, c.name) for c in ProductCategory.objects.filter(is_active=True)],
        ]
        self.fields["kecamatan"].choices = [("", _("All of Jakarta")), *kecamatan_choices()]  # type: ignore[attr-defined]
