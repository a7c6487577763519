"""Reads for organisations and agreements, always through the access gate."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet

from kolabora.core import access
from kolabora.core.access import Action

if TYPE_CHECKING:
    from kolabora.core.access import AnyUser

from .models import Agreement, Membership, Organisation


def organisation_list(
    *, user: AnyUser, q: str = "", type: str = "", region: str = ""
) -> QuerySet[Organisation]:
    qs = access.scope(user, Organisation.objects.select_related("region", "parent"), Action.ORGANISATION_VIEW)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(region__name__icontains=q))
    if type:
        qs = qs.filter(type=type)
    if region:
        qs = qs.filter(access.region_q([region], "region"))
    return qs.annotate(member_count=Count("memberships", filter=Q(memberships__is_active=True))).order_by(
        "name"
    )


def organisation_members(*, organisation: Organisation) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("-is_active", "user__username", "role")
    )


def agreement_list(
    *, user: AnyUser, q: str = "", status: str = "", stage: str = "", organisation: Organisation | None = None
) -> QuerySet[Agreement]:
    qs = access.scope(
        user, Agreement.objects.select_related("lead", "partner", "region"), Action.AGREEMENT_VIEW
    )
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q) | Q(partner__name__icontains=q))
    if status:
        qs = qs.filter(status=status)
    if organisation is not None:
        qs = qs.filter(Q(lead=organisation) | Q(partner=organisation))
    qs = qs.order_by("-starts_on", "number")
    if stage:
        # Stages are a short JSON list; JSON containment is not portable to SQLite, and agreements number
        # in the hundreds, so the filter runs on ids.
        ids = [pk for pk, stages in qs.values_list("pk", "stages") if stage in (stages or [])]
        qs = qs.filter(pk__in=ids)
    return qs
