"""Reads for marketing: the public catalogue, a participant's products and places, the curators' queue,
the opportunities one may apply for or manage, an allocation's explanation, and figures for governance."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kolabora.core import access
from kolabora.handoffs.choices import HandoffStatus
from kolabora.handoffs.models import Handoff
from kolabora.licensing.models import LicenceType
from kolabora.participants.choices import ConsentPurpose, ParticipantStatus
from kolabora.participants.models import Consent, Participant
from kolabora.regions.choices import RegionLevel
from kolabora.regions.models import Region

from .choices import (
    ACTIVE_APPLICATION,
    HOLDS_SLOT,
    ApplicationStatus,
    OpportunityStatus,
    ProductStatus,
    ReviewStatus,
)
from .models import CurationReview, Opportunity, OpportunityApplication, Product
from .services.curation import SUBJECT as CURATION_SUBJECT

if TYPE_CHECKING:
    from kolabora.core.access import AnyUser


# --- the public catalogue ------------------------------------------------------------------------------


def public_q(prefix: str = "") -> Q:
    """Products the public may see: published, of an active participant who consents to sharing with
    marketplaces (withdrawing the consent takes every product off the catalogue at once)."""
    consent = Consent.objects.filter(
        participant=OuterRef(f"{prefix}participant"),
        purpose=ConsentPurpose.MARKETPLACES,
        withdrawn_at__isnull=True,
    )
    return Q(
        **{
            f"{prefix}status": ProductStatus.PUBLISHED,
            f"{prefix}participant__status": ParticipantStatus.ACTIVE,
        }
    ) & Q(Exists(consent))


@dataclass(frozen=True)
class CatalogueFilter:
    q: str = ""
    category: str = ""
    kecamatan: str = ""
    price_min: int | None = None
    price_max: int | None = None


def catalogue(filters: CatalogueFilter) -> QuerySet[Product]:
    """Published products for the public, newest first, filtered by words, category, kecamatan and price."""
    qs = Product.objects.filter(public_q())
    if filters.q:
        for word in filters.q.split()[:5]:
            qs = qs.filter(
                Q(name__icontains=word) | Q(description__icontains=word) | Q(business__name__icontains=word)
            )
    if filters.category:
        qs = qs.filter(category__code=filters.category)
    if filters.kecamatan:
        qs = qs.filter(participant__kecamatan_code=filters.kecamatan)
    if filters.price_min is not None:
        qs = qs.filter(price__gte=filters.price_min)
    if filters.price_max is not None:
        qs = qs.filter(price__lte=filters.price_max)
    return qs.select_related("business", "category", "participant").order_by("-published_at", "-pk")


def catalogue_product(pk: int) -> Product | None:
    return (
        Product.objects.filter(public_q(), pk=pk)
        .select_related("business", "category", "participant__kelurahan")
        .first()
    )


def is_public(product: Product) -> bool:
    return Product.objects.filter(public_q(), pk=product.pk).exists()


def kecamatan_names(codes: set[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def kecamatan_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """DKI's kecamatan grouped under their city, for the catalogue's filter."""
    kota = {
        code: name.replace("Kota Administrasi ", "").replace("Kabupaten Administrasi ", "")
        for code, name in Region.objects.filter(level=RegionLevel.KOTA, code__startswith="31.").values_list(
            "code", "name"
        )
    }
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, name in Region.objects.filter(level=RegionLevel.KECAMATAN, code__startswith="31.").values_list(
        "code", "name"
    ):
        groups.setdefault(kota.get(code[:5], code[:5]), []).append((code, name))
    return [(k, sorted(v, key=lambda c: c[1])) for k, v in sorted(groups.items())]


# --- a participant's side --------------------------------------------------------------------------------


def participant_products(participant: Participant) -> QuerySet[Product]:
    return (
        Product.objects.filter(participant=participant)
        .select_related("business", "category")
        .prefetch_related("photos")
        .order_by("-created_at")
    )


def licence_apply_url(participant: Participant, licence_type: LicenceType, *, is_self: bool) -> str:
    """Where to get a missing licence: the licensing page's application form for licences issued through
    Kolabora (P-IRT, IUMK), its "record a licence you hold" form for those issued elsewhere (halal, BPOM)."""
    base = reverse("licensing:mine") if is_self else reverse("licensing:participant", args=[participant.pk])
    return base + ("#apply" if licence_type.issued_here else "#existing")


def region_chain(kelurahan_code: str) -> list[str]:
    """The kelurahan and every region above it: ``31.75.10.1001`` → that, ``31.75.10``, ``31.75``, ``31``."""
    parts = kelurahan_code.split(".")
    return [".".join(parts[:n]) for n in range(len(parts), 0, -1)]


def open_opportunities(participant: Participant, *, day: dt.date | None = None) -> QuerySet[Opportunity]:
    """Opportunities a participant may still apply for: their area, not cancelled, before the deadline."""
    day = day or timezone.localdate()
    return (
        Opportunity.objects.filter(region_id__in=region_chain(participant.kelurahan_id), apply_by__gte=day)
        .exclude(status=OpportunityStatus.CANCELLED)
        .select_related("organiser", "region")
        .order_by("apply_by", "pk")
    )


def participant_applications(participant: Participant) -> QuerySet[OpportunityApplication]:
    return (
        OpportunityApplication.objects.filter(participant=participant)
        .select_related("opportunity__organiser", "product")
        .order_by("-applied_at")
    )


# --- curators --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    review: CurationReview
    handoff: Handoff | None
    overdue: bool


def curation_queue(user: AnyUser, *, limit: int = 200) -> list[QueueRow]:
    """Products waiting at the levels and areas the user curates, the longest-waiting first."""
    reviews = list(
        access.scope_curation(user, CurationReview.objects.filter(status=ReviewStatus.PENDING))
        .select_related("product__business", "product__category", "product__participant", "organisation")
        .prefetch_related("product__photos")
        .order_by("created_at", "pk")[:limit]
    )
    handoffs = {
        h.subject_id: h
        for h in Handoff.objects.filter(
            subject_type=CURATION_SUBJECT, subject_id__in=[r.pk for r in reviews], status=HandoffStatus.OPEN
        )
    }
    day = timezone.localdate()
    rows = [
        QueueRow(
            review=r,
            handoff=handoffs.get(r.pk),
            overdue=bool(handoffs.get(r.pk) and handoffs[r.pk].due_on < day),
        )
        for r in reviews
    ]
    return sorted(rows, key=lambda row: (not row.overdue, row.review.created_at))


def curation_history(product: Product) -> QuerySet[CurationReview]:
    return product.reviews.select_related("organisation", "reviewer").order_by("-created_at")


# --- organisers ------------------------------------------------------------------------------------------


def managed_opportunities(user: AnyUser) -> QuerySet[Opportunity]:
    return (
        access.scope_opportunities(user, Opportunity.objects.all())
        .select_related("organiser", "region")
        .annotate(
            applied=Count("applications", filter=Q(applications__status__in=ACTIVE_APPLICATION)),
            given=Count("applications", filter=Q(applications__status__in=HOLDS_SLOT)),
            waiting=Count(
                "applications",
                filter=Q(applications__status__in=[ApplicationStatus.APPLIED, ApplicationStatus.WAITLISTED]),
            ),
        )
        .order_by("-starts_on", "-pk")
    )


def explanation_lines(application: OpportunityApplication) -> list[str]:
    """The allocation's reasons for one application, in the reader's language, from the stored keys."""
    e = application.explanation or {}
    if not e:
        return []
    lines: list[str] = []
    if e.get("allocated"):
        lines.append(
            _("Place %(rank)s of %(of)s in the order; %(free)s place(s) were free, so this one was given.")
            % {"rank": e["rank"], "of": e["of"], "free": e["free"]}
        )
    else:
        lines.append(
            _("Number %(rank)s of %(of)s in the order; %(free)s place(s) were free, so this one waits.")
            % {"rank": e["rank"], "of": e["of"], "free": e["free"]}
        )
    months = max(1, round(int(e.get("window_days", 365)) / 30.4))
    lines.append(
        ngettext(
            "Places held in the last %(months)s months: %(n)s (fewer places come first).",
            "Places held in the last %(months)s months: %(n)s (fewer places come first).",
            int(e["previous_slots"]),
        )
        % {"months": months, "n": e["previous_slots"]}
    )
    source = {
        "product": _("of the product applied with"),
        "best_product": _("best of the participant's products"),
        "none": _("no product curated yet"),
    }.get(str(e.get("score_from")), "")
    lines.append(
        _("Curation score: %(score)s (%(source)s); a higher score comes first when places held are equal.")
        % {"score": e["curation_score"], "source": source}
    )
    applied = parse_datetime(str(e.get("applied_at", "")))
    if applied is not None:
        lines.append(
            _("Applied on %(when)s; when the above are equal, who applied first comes first.")
            % {"when": date_format(timezone.localtime(applied), "j M Y H.i")}
        )
    decided = {
        "previous_slots": _("What decided it: the number of places held in the last 12 months."),
        "curation_score": _("What decided it: the curation score (places held were equal)."),
        "applied_at": _("What decided it: the time of application (places held and score were equal)."),
        "order": _("What decided it: the order of arrival in the system (everything else was equal)."),
        "enough_places": _("There were enough places for everyone in the running."),
        "no_places": _("No place was free at this allocation."),
    }.get(str(e.get("decided_by")))
    if decided:
        lines.append(decided)
    return lines


# --- figures for governance ----------------------------------------------------------------------------------


def allocation_totals(*, since: dt.date | None = None, region_code: str | None = None) -> dict[str, int]:
    """Marketing places in figures, for the governance dashboards.

    ``since``: opportunities starting on or after that date. ``region_code``: places offered by
    opportunities whose region lies inside it; applications and places of participants living inside it.
    Cancelled opportunities count for nothing. Keys: ``slots_offered``, ``slots_allocated`` (places given,
    whether or not the person came), ``slots_attended``, ``participants_served`` (distinct people given a
    place), ``applications`` (not withdrawn), ``opportunities``, ``products_published`` (in the catalogue
    now, by participants of the region).
    """
    opportunities = Opportunity.objects.exclude(status=OpportunityStatus.CANCELLED)
    applications = OpportunityApplication.objects.exclude(opportunity__status=OpportunityStatus.CANCELLED)
    products = Product.objects.filter(public_q())
    if since is not None:
        opportunities = opportunities.filter(starts_on__gte=since)
        applications = applications.filter(opportunity__starts_on__gte=since)
    if region_code:
        opportunities = opportunities.filter(access.region_q([region_code], "region"))
        people = Participant.objects.filter(access.participant_region_q([region_code])).values("pk")
        applications = applications.filter(participant__in=people)
        products = products.filter(participant__in=people)
    offered = opportunities.aggregate(n=Count("pk"), slots=Sum("slots"))
    counts = applications.aggregate(
        applications=Count("pk", filter=~Q(status=ApplicationStatus.WITHDRAWN)),
        allocated=Count("pk", filter=Q(status__in=HOLDS_SLOT)),
        attended=Count("pk", filter=Q(status=ApplicationStatus.ATTENDED)),
        served=Count("participant", filter=Q(status__in=HOLDS_SLOT), distinct=True),
    )
    return {
        "slots_offered": int(offered["slots"] or 0),
        "slots_allocated": int(counts["allocated"] or 0),
        "slots_attended": int(counts["attended"] or 0),
        "participants_served": int(counts["served"] or 0),
        "applications": int(counts["applications"] or 0),
        "opportunities": int(offered["n"] or 0),
        "products_published": products.count(),
    }
