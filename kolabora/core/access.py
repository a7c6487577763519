"""The one permission gate (DESIGN.md §3). Every view and API endpoint asks here; nothing else decides.

A staff user acts through an organisation membership with a role. A role grants a set of actions, and
the grant reaches as far as the membership's organisation's region: a coordinator of Jakarta Timur
("31.75") sees organisations whose region code is "31.75" or starts with "31.75.". Members always see
their own organisation and the agreements it is party to. A system administrator may do everything.

- ``can(user, action, obj)``: yes or no.
- ``require(user, action, obj)``: raises ``PermissionDenied``.
- ``scope(user, queryset, action)``: the rows of a list the user may see.
- ``access_<entity>(user, pk, action)``: fetch and authorise in one call (404 when absent, 403 when not
  allowed).

Participants (issue "participants and pathway") join this module: region scope through memberships as
here, plus an active relationship with the organisation **and** the participant's consent to that kind
of sharing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from kolabora.core.timeutils import today
from kolabora.organisations.choices import AgreementStatus, Role
from kolabora.organisations.models import Agreement, Membership, Organisation

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kolabora.accounts.models import User

    AnyUser = User | AnonymousUser

M = TypeVar("M", bound=Model)


class Action(StrEnum):
    ORGANISATION_VIEW = "organisation.view"
    ORGANISATION_CREATE = "organisation.create"
    ORGANISATION_MANAGE = "organisation.manage"
    AGREEMENT_VIEW = "agreement.view"
    AGREEMENT_CREATE = "agreement.create"
    AGREEMENT_MANAGE = "agreement.manage"
    AUDIT_VIEW = "audit.view"


# What each role may do within its region. Members' rights over their own organisation are separate
# (MEMBER_GRANTS) and do not depend on the role.
ROLE_GRANTS: dict[str, frozenset[Action]] = {
    Role.PROGRAMME_MANAGER: frozenset(
        {
            Action.ORGANISATION_VIEW,
            Action.ORGANISATION_CREATE,
            Action.ORGANISATION_MANAGE,
            Action.AGREEMENT_VIEW,
            Action.AGREEMENT_CREATE,
            Action.AGREEMENT_MANAGE,
            Action.AUDIT_VIEW,
        }
    ),
    Role.REGIONAL_COORDINATOR: frozenset(
        {Action.ORGANISATION_VIEW, Action.AGREEMENT_VIEW, Action.AUDIT_VIEW}
    ),
    Role.KECAMATAN_STAFF: frozenset({Action.ORGANISATION_VIEW}),
}
MEMBER_GRANTS = frozenset({Action.ORGANISATION_VIEW, Action.AGREEMENT_VIEW})

_CACHE_ATTR = "_kolabora_memberships"


def memberships(user: AnyUser) -> list[Membership]:
    """The user's active memberships in active organisations, loaded once per request."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
            .select_related("organisation", "organisation__region")
            .order_by("organisation__name", "role")
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget(user: AnyUser) -> None:
    """Drop the cached memberships after they change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_system_admin(user: AnyUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_superuser) or any(m.role == Role.SYSTEM_ADMIN for m in memberships(user))


def region_codes(user: AnyUser, action: Action) -> list[str]:
    """Region codes over which the user holds ``action`` through a role."""
    return sorted(
        {m.organisation.region_id for m in memberships(user) if action in ROLE_GRANTS.get(m.role, ())}
    )


def member_organisation_ids(user: AnyUser) -> set[int]:
    return {m.organisation_id for m in memberships(user)}


def region_covers(codes: Iterable[str], code: str) -> bool:
    return any(code == c or code.startswith(c + ".") for c in codes)


def region_q(codes: Iterable[str], field: str) -> Q:
    """A filter for rows whose region (foreign key ``field``) lies inside any of ``codes``.

    Region codes are primary keys, so ``<field>__code`` compares the row's own column, with no join.
    """
    q = Q(pk__in=[])
    for c in codes:
        q |= Q(**{field: c}) | Q(**{f"{field}__code__startswith": c + "."})
    return q


def acting_organisation(user: AnyUser, action: Action, region_code: str | None = None) -> Organisation | None:
    """The organisation through which the user performs ``action`` (for the audit row)."""
    for m in memberships(user):
        if action in ROLE_GRANTS.get(m.role, ()) and (
            region_code is None or region_covers([m.organisation.region_id], region_code)
        ):
            return m.organisation
    found = memberships(user)
    return found[0].organisation if found else None


# --- decisions -------------------------------------------------------------------------------------


def _can_organisation(user: AnyUser, action: Action, org: Organisation) -> bool:
    if action in MEMBER_GRANTS and org.pk in member_organisation_ids(user):
        return True
    return region_covers(region_codes(user, action), org.region_id)


def _can_agreement(user: AnyUser, action: Action, agreement: Agreement) -> bool:
    if action in MEMBER_GRANTS and {agreement.lead_id, agreement.partner_id} & member_organisation_ids(user):
        return True
    return region_covers(region_codes(user, action), agreement.region_id)


def can(user: AnyUser, action: Action, obj: Any = None) -> bool:
    """May ``user`` perform ``action`` on ``obj`` (or at all, when ``obj`` is None)?"""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_system_admin(user):
        return True
    if obj is None:
        return bool(region_codes(user, action)) or (
            action in MEMBER_GRANTS and bool(member_organisation_ids(user))
        )
    if isinstance(obj, Organisation):
        return _can_organisation(user, action, obj)
    if isinstance(obj, Agreement):
        return _can_agreement(user, action, obj)
    raise TypeError(f"No access rule for {type(obj).__name__}")


def can_in_region(user: AnyUser, action: Action, region_code: str) -> bool:
    """May the user perform ``action`` on something placed in ``region_code`` (e.g. a new organisation)?"""
    return is_system_admin(user) or region_covers(region_codes(user, action), region_code)


def require(user: AnyUser, action: Action, obj: Any = None) -> None:
    if not can(user, action, obj):
        raise PermissionDenied


def scope(user: AnyUser, queryset: QuerySet[M], action: Action) -> QuerySet[M]:
    """The part of ``queryset`` the user may see or act on."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if is_system_admin(user):
        return queryset
    model = queryset.model
    codes = region_codes(user, action)
    own = member_organisation_ids(user) if action in MEMBER_GRANTS else set()
    if model is Organisation:
        return queryset.filter(Q(pk__in=own) | region_q(codes, "region"))
    if model is Agreement:
        return queryset.filter(Q(lead_id__in=own) | Q(partner_id__in=own) | region_q(codes, "region"))
    raise TypeError(f"No access rule for {model.__name__}")


def access_organisation(user: AnyUser, pk: int, action: Action) -> Organisation:
    org = Organisation.objects.select_related("region", "parent").filter(pk=pk).first()
    if org is None:
        raise Http404
    require(user, action, org)
    return org


def access_agreement(user: AnyUser, pk: int, action: Action) -> Agreement:
    agreement = Agreement.objects.select_related("lead", "partner", "region").filter(pk=pk).first()
    if agreement is None:
        raise Http404
    require(user, action, agreement)
    return agreement


# --- agreements as grants ------------------------------------------------------------------------


def agreements_in_force(
    organisation: Organisation, *, stage: str | None = None, on: dt.date | None = None
) -> list[Agreement]:
    """Agreements in force today in which ``organisation`` is the partner, optionally for one stage."""
    day = on or today()
    rows = Agreement.objects.filter(
        partner=organisation, status=AgreementStatus.ACTIVE, starts_on__lte=day, ends_on__gte=day
    )
    return [a for a in rows if stage is None or a.covers_stage(stage)]


def organisation_serves_stage(organisation: Organisation, stage: str, *, on: dt.date | None = None) -> bool:
    """A partner serves a stage only under an agreement in force that covers it."""
    return bool(agreements_in_force(organisation, stage=stage, on=on))
