"""Organisations and agreements for partner systems, scoped by the access gate."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema

from kolabora.api.schemas import ERRORS
from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.timeutils import today

from . import selectors
from .models import Agreement, Organisation

router = Router(tags=["organisations"])

MAX_LIMIT = 200


class OrganisationOut(Schema):
    id: int
    name: str
    type: str
    region: str
    parent_id: int | None
    is_active: bool


class OrganisationPage(Schema):
    count: int
    results: list[OrganisationOut]


class OrganisationFilters(Schema):
    q: str = ""
    type: str = ""
    region: str = ""
    limit: int = 50
    offset: int = 0


class AgreementOut(Schema):
    id: int
    number: str
    title: str
    lead_id: int
    partner_id: int
    stages: list[str]
    data_categories: list[str]
    region: str
    starts_on: dt.date
    ends_on: dt.date
    status: str
    in_force: bool


class AgreementPage(Schema):
    count: int
    results: list[AgreementOut]


class AgreementFilters(Schema):
    q: str = ""
    status: str = ""
    stage: str = ""
    limit: int = 50
    offset: int = 0


def _org_out(o: Organisation) -> OrganisationOut:
    return OrganisationOut(
        id=o.pk, name=o.name, type=o.type, region=o.region_id, parent_id=o.parent_id, is_active=o.is_active
    )


def _agreement_out(a: Agreement, day: dt.date) -> AgreementOut:
    return AgreementOut(
        id=a.pk,
        number=a.number,
        title=a.title,
        lead_id=a.lead_id,
        partner_id=a.partner_id,
        stages=list(a.stages),
        data_categories=list(a.data_categories),
        region=a.region_id,
        starts_on=a.starts_on,
        ends_on=a.ends_on,
        status=a.status,
        in_force=a.in_force(day),
    )


def _window(limit: int, offset: int) -> tuple[int, int]:
    return max(0, offset), min(max(1, limit), MAX_LIMIT)


@router.get("/organisations", response={200: OrganisationPage, **ERRORS})
def list_organisations(request: HttpRequest, filters: Query[OrganisationFilters]) -> OrganisationPage:
    """Organisations the caller may see."""
    if not access.can(request.user, Action.ORGANISATION_VIEW):
        raise access.PermissionDenied
    qs = selectors.organisation_list(user=request.user, q=filters.q, type=filters.type, region=filters.region)
    start, size = _window(filters.limit, filters.offset)
    return OrganisationPage(count=qs.count(), results=[_org_out(o) for o in qs[start : start + size]])


@router.get("/organisations/{org_id}", response={200: OrganisationOut, **ERRORS})
def get_organisation(request: HttpRequest, org_id: int) -> OrganisationOut:
    return _org_out(access.access_organisation(request.user, org_id, Action.ORGANISATION_VIEW))


@router.get("/agreements", response={200: AgreementPage, **ERRORS})
def list_agreements(request: HttpRequest, filters: Query[AgreementFilters]) -> AgreementPage:
    """Agreements the caller may see; ``in_force`` says whether each grants anything today."""
    if not access.can(request.user, Action.AGREEMENT_VIEW):
        raise access.PermissionDenied
    qs = selectors.agreement_list(user=request.user, q=filters.q, status=filters.status, stage=filters.stage)
    start, size = _window(filters.limit, filters.offset)
    day = today()
    return AgreementPage(count=qs.count(), results=[_agreement_out(a, day) for a in qs[start : start + size]])


@router.get("/agreements/{agreement_id}", response={200: AgreementOut, **ERRORS})
def get_agreement(request: HttpRequest, agreement_id: int) -> AgreementOut:
    return _agreement_out(access.access_agreement(request.user, agreement_id, Action.AGREEMENT_VIEW), today())
