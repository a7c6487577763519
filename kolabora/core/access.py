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

Participants: government staff see those living inside their region (programme administration, to
which every participant consents when registering). A partner organisation (training, licensing,
marketplace, bank, community) sees a participant only through an open relationship (an enrolment, a
licence application, a listing, a referral) **and** the participant's consent to that kind of sharing
**and**, for non-government partners, an agreement in force covering the stage concerned. The agreement
also limits which categories of data the partner receives. Participants see themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404

from kolabora.core.timeutils import today
from kolabora.organisations.choices import AgreementStatus, DataCategory, OrganisationType, Role
from kolabora.organisations.models import Agreement, Membership, Organisation
from kolabora.participants.choices import CONSENT_FOR_RELATIONSHIP, ConsentPurpose, RelationshipKind
from kolabora.participants.models import Consent, Participant, Relationship

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
    PARTICIPANT_VIEW = "participant.view"
    PARTICIPANT_REGISTER = "participant.register"
    PARTICIPANT_EDIT = "participant.edit"
    PARTICIPANT_MERGE = "participant.merge"
    PARTICIPANT_NIK = "participant.nik"
    STAGE_TRANSITION = "stage.transition"
    DATA_REQUEST_ANSWER = "data_request.answer"
    LICENCE_APPLY = "licence.apply"
    # P5 marketing: score and pass products up (kecamatan → kota → province); run opportunities and slots.
    PRODUCT_CURATE = "product.curate"
    OPPORTUNITY_MANAGE = "opportunity.manage"
    # P6 bookkeeping: read a participant's cash book (kecamatan staff in their area, mentors for their caseload).
    CASHBOOK_VIEW = "cashbook.view"
    # P7 financing: refer a participant to a financial institution; decide on a referral received.
    REFERRAL_CREATE = "referral.create"
    REFERRAL_DECIDE = "referral.decide"
    # Governance: aggregate figures of a region, the assessment instruments, feedback themes.
    ANALYTICS_VIEW = "analytics.view"
    ASSESSMENT_MANAGE = "assessment.manage"
    FEEDBACK_VIEW = "feedback.view"
    # Bulk data: import legacy spreadsheets into a region, export what one may see.
    PARTICIPANT_IMPORT = "participant.import"
    PARTICIPANT_EXPORT = "participant.export"


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
            Action.PARTICIPANT_VIEW,
            Action.PARTICIPANT_EDIT,
            Action.PARTICIPANT_MERGE,
            Action.STAGE_TRANSITION,
            Action.DATA_REQUEST_ANSWER,
            Action.LICENCE_APPLY,
            Action.PRODUCT_CURATE,
            Action.OPPORTUNITY_MANAGE,
            Action.CASHBOOK_VIEW,
            Action.REFERRAL_CREATE,
            Action.ANALYTICS_VIEW,
            Action.ASSESSMENT_MANAGE,
            Action.FEEDBACK_VIEW,
            Action.PARTICIPANT_IMPORT,
            Action.PARTICIPANT_EXPORT,
        }
    ),
    Role.REGIONAL_COORDINATOR: frozenset(
        {
            Action.ORGANISATION_VIEW,
            Action.AGREEMENT_VIEW,
            Action.AUDIT_VIEW,
            Action.PARTICIPANT_VIEW,
            Action.PRODUCT_CURATE,
            Action.ANALYTICS_VIEW,
            Action.FEEDBACK_VIEW,
            Action.PARTICIPANT_EXPORT,
        }
    ),
    Role.KECAMATAN_STAFF: frozenset(
        {
            Action.ORGANISATION_VIEW,
            Action.PARTICIPANT_VIEW,
            Action.PARTICIPANT_REGISTER,
            Action.PARTICIPANT_EDIT,
            Action.PARTICIPANT_MERGE,
            Action.PARTICIPANT_NIK,
            Action.STAGE_TRANSITION,
            Action.DATA_REQUEST_ANSWER,
            Action.LICENCE_APPLY,
            Action.PRODUCT_CURATE,
            Action.OPPORTUNITY_MANAGE,
            Action.CASHBOOK_VIEW,
            Action.REFERRAL_CREATE,
            Action.ANALYTICS_VIEW,
            Action.PARTICIPANT_IMPORT,
            Action.PARTICIPANT_EXPORT,
        }
    ),
    Role.MENTOR: frozenset(
        {
            Action.PARTICIPANT_VIEW,
            Action.STAGE_TRANSITION,
            Action.LICENCE_APPLY,
            Action.CASHBOOK_VIEW,
            Action.REFERRAL_CREATE,
        }
    ),
}
ALL_STAGES = frozenset({"P1", "P2", "P3", "P4", "P5", "P6", "P7"})
PARTICIPANT_ACTIONS = frozenset(
    {
        Action.PARTICIPANT_VIEW,
        Action.PARTICIPANT_REGISTER,
        Action.PARTICIPANT_EDIT,
        Action.PARTICIPANT_MERGE,
        Action.PARTICIPANT_NIK,
        Action.STAGE_TRANSITION,
        Action.DATA_REQUEST_ANSWER,
        Action.LICENCE_APPLY,
        Action.CASHBOOK_VIEW,
        Action.REFERRAL_CREATE,
        Action.PARTICIPANT_IMPORT,
        Action.PARTICIPANT_EXPORT,
    }
)
# Which stages a role may move a participant through (within what it may otherwise see).
STAGE_ROLES: dict[str, frozenset[str]] = {
    Role.PROGRAMME_MANAGER: ALL_STAGES,
    Role.KECAMATAN_STAFF: ALL_STAGES,
    Role.MENTOR: frozenset({"P3", "P6"}),
    Role.PARTNER_STAFF: frozenset({"P2", "P5"}),
    Role.PTSP_OFFICER: frozenset({"P4"}),
    Role.KELURAHAN_STAFF: frozenset({"P4"}),
    Role.LURAH: frozenset({"P4"}),
    Role.BANK_OFFICER: frozenset({"P7"}),
    Role.COMMUNITY_STAFF: frozenset({"P3"}),
}
# Partner roles reach participants only through relationships of these kinds.
RELATIONSHIP_ROLES: dict[str, frozenset[str]] = {
    Role.PARTNER_STAFF: frozenset({RelationshipKind.TRAINING, RelationshipKind.MARKETING}),
    Role.PTSP_OFFICER: frozenset({RelationshipKind.LICENSING}),
    Role.KELURAHAN_STAFF: frozenset({RelationshipKind.LICENSING}),
    Role.LURAH: frozenset({RelationshipKind.LICENSING}),
    Role.BANK_OFFICER: frozenset({RelationshipKind.FINANCING}),
    Role.COMMUNITY_STAFF: frozenset({RelationshipKind.MENTORING}),
    Role.MENTOR: frozenset({RelationshipKind.MENTORING}),
}
KIND_STAGE = {
    RelationshipKind.TRAINING: "P2",
    RelationshipKind.MENTORING: "P3",
    RelationshipKind.LICENSING: "P4",
    RelationshipKind.MARKETING: "P5",
    RelationshipKind.FINANCING: "P7",
}
# Roles whose work needs the full NIK (identity checks for registration, licences and credit).
NIK_ROLES = frozenset({Role.KECAMATAN_STAFF, Role.PTSP_OFFICER, Role.BANK_OFFICER})
GOVERNMENT_TYPES = frozenset(
    {
        OrganisationType.GOVERNMENT_AGENCY,
        OrganisationType.KECAMATAN_SECRETARIAT,
        OrganisationType.PTSP_UNIT,
        OrganisationType.KELURAHAN_OFFICE,
    }
)
MEMBER_GRANTS = frozenset({Action.ORGANISATION_VIEW, Action.AGREEMENT_VIEW})

_CACHE_ATTR = "_kolabora_memberships"
_REACH_ATTR = "_kolabora_partner_reach"


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
    """Drop the cached memberships and partner reach after they change."""
    for attr in (_CACHE_ATTR, _REACH_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)


def is_system_admin(user: AnyUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_superuser) or any(m.role == Role.SYSTEM_ADMIN for m in memberships(user))


def _region_grant(m: Membership, action: Action) -> bool:
    """Does this membership grant ``action`` over its organisation's whole region?

    Over participants only government offices hold region-wide grants; a community organisation's
    mentor reaches participants through mentoring relationships, like any partner.
    """
    if action not in ROLE_GRANTS.get(m.role, ()):
        return False
    return action not in PARTICIPANT_ACTIONS or m.organisation.type in GOVERNMENT_TYPES


def region_codes(user: AnyUser, action: Action) -> list[str]:
    """Region codes over which the user holds ``action`` through a role."""
    return sorted({m.organisation.region_id for m in memberships(user) if _region_grant(m, action)})


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
        return (
            bool(region_codes(user, action))
            or (action in MEMBER_GRANTS and bool(member_organisation_ids(user)))
            or (action in _RELATIONSHIP_ACTIONS and bool(_partner_reach(user)))
        )
    if isinstance(obj, Organisation):
        return _can_organisation(user, action, obj)
    if isinstance(obj, Agreement):
        return _can_agreement(user, action, obj)
    if isinstance(obj, Participant):
        return _can_participant(user, action, obj)
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
    if model is Participant:
        return queryset.filter(_participant_q(user, action))
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


# --- participants ---------------------------------------------------------------------------------


def participant_region_q(codes: Iterable[str]) -> Q:
    """Participants living inside any of ``codes``, on the indexed region columns (no LIKE)."""
    column = {1: "province_code", 2: "kota_code", 3: "kecamatan_code", 4: "kelurahan_id"}
    q = Q(pk__in=[])
    for c in codes:
        q |= Q(**{column[c.count(".") + 1]: c})
    return q


def _partner_reach(user: AnyUser) -> list[tuple[int, str]]:
    """(organisation id, relationship kind) pairs through which the user may reach participants.

    A non-government partner reaches them only while an agreement covering the kind's stage is in force.
    """
    cached = getattr(user, _REACH_ATTR, None)
    if cached is not None:
        return cached
    reach: list[tuple[int, str]] = []
    for m in memberships(user):
        for kind in RELATIONSHIP_ROLES.get(m.role, ()):
            org = m.organisation
            if org.type in GOVERNMENT_TYPES or organisation_serves_stage(
                org, KIND_STAGE[RelationshipKind(kind)]
            ):
                reach.append((org.pk, kind))
    if user.is_authenticated:
        setattr(user, _REACH_ATTR, reach)
    return reach


def _relationship_q(reach: list[tuple[int, str]]) -> Q:
    q = Q(pk__in=[])
    for org_id, kind in reach:
        rel = Relationship.objects.filter(
            participant=OuterRef("pk"), organisation_id=org_id, kind=kind, ended_at__isnull=True
        )
        consent = Consent.objects.filter(
            participant=OuterRef("pk"),
            purpose=CONSENT_FOR_RELATIONSHIP[RelationshipKind(kind)],
            withdrawn_at__isnull=True,
        )
        q |= Q(Exists(rel)) & Q(Exists(consent))
    return q


_RELATIONSHIP_ACTIONS = frozenset({Action.PARTICIPANT_VIEW, Action.STAGE_TRANSITION, Action.PARTICIPANT_NIK})


def _participant_q(user: AnyUser, action: Action) -> Q:
    q = participant_region_q(region_codes(user, action))
    if action in _RELATIONSHIP_ACTIONS:
        q |= _relationship_q(_partner_reach(user))
    if action == Action.PARTICIPANT_VIEW and not memberships(user):
        # A participant sees their own record; staff (who have memberships) reach records by the rules above.
        q |= Q(user_id=user.pk)
    return q


def _reaching_kinds(user: AnyUser, participant: Participant) -> set[str]:
    """Relationship kinds through which the user reaches this participant right now."""
    reach = _partner_reach(user)
    if not reach:
        return set()
    open_rels = set(
        Relationship.objects.filter(
            participant=participant, organisation_id__in={o for o, _k in reach}, ended_at__isnull=True
        ).values_list("organisation_id", "kind")
    )
    if not open_rels:
        return set()
    consented = set(
        Consent.objects.filter(participant=participant, withdrawn_at__isnull=True).values_list(
            "purpose", flat=True
        )
    )
    return {
        k
        for o, k in reach
        if (o, k) in open_rels and CONSENT_FOR_RELATIONSHIP[RelationshipKind(k)] in consented
    }


def is_self(user: AnyUser, participant: Participant) -> bool:
    return user.is_authenticated and participant.user_id == user.pk


def _can_participant(user: AnyUser, action: Action, participant: Participant) -> bool:
    if action == Action.PARTICIPANT_VIEW and is_self(user, participant):
        return True
    if region_covers(region_codes(user, action), participant.kelurahan_id):
        return True
    if action == Action.PARTICIPANT_NIK:
        return bool({m.role for m in memberships(user)} & NIK_ROLES) and bool(
            _reaching_kinds(user, participant)
        )
    return action in _RELATIONSHIP_ACTIONS and bool(_reaching_kinds(user, participant))


def can_transition(user: AnyUser, participant: Participant, stage_code: str) -> bool:
    """May the user move this participant through this stage?"""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_system_admin(user):
        return True
    kinds: set[str] | None = None
    for m in memberships(user):
        if stage_code not in STAGE_ROLES.get(m.role, ()):
            continue
        if _region_grant(m, Action.STAGE_TRANSITION) and region_covers(
            [m.organisation.region_id], participant.kelurahan_id
        ):
            return True
        if m.role in RELATIONSHIP_ROLES:
            kinds = _reaching_kinds(user, participant) if kinds is None else kinds
            if any(KIND_STAGE[RelationshipKind(k)] == stage_code for k in kinds):
                return True
    return False


def transitionable_stages(user: AnyUser, participant: Participant) -> set[str]:
    return {code for code in ALL_STAGES if can_transition(user, participant, code)}


def participant_data_categories(user: AnyUser, participant: Participant) -> set[str]:
    """Which categories of the participant's data the user may receive (``DataCategory`` codes)."""
    everything = set(DataCategory.values)
    if is_system_admin(user) or is_self(user, participant):
        return everything
    if region_covers(region_codes(user, Action.PARTICIPANT_VIEW), participant.kelurahan_id):
        return everything
    kinds = _reaching_kinds(user, participant)
    if not kinds:
        return set()
    categories: set[str] = {DataCategory.IDENTITY}
    stages = {KIND_STAGE[RelationshipKind(k)] for k in kinds}
    for m in memberships(user):
        if m.organisation.type in GOVERNMENT_TYPES:
            return everything
        for agreement in agreements_in_force(m.organisation):
            if any(agreement.covers_stage(stage) for stage in stages):
                categories |= set(agreement.data_categories)
    return categories


def access_participant(user: AnyUser, pk: int, action: Action) -> Participant:
    participant = Participant.objects.select_related("kelurahan", "user").filter(pk=pk).first()
    if participant is None:
        raise Http404
    require(user, action, participant)
    return participant


def member_with_role(user: AnyUser, organisation_id: int, roles: Iterable[str]) -> bool:
    """Does the user act for this organisation in one of these roles?"""
    wanted = set(roles)
    return any(m.organisation_id == organisation_id and m.role in wanted for m in memberships(user))


def can_apply_for(user: AnyUser, participant: Participant) -> bool:
    """The participant themselves, or staff of their area who help with licensing (mentor, kecamatan)."""
    if is_self(user, participant) or is_system_admin(user):
        return True
    return region_covers(region_codes(user, Action.LICENCE_APPLY), participant.kelurahan_id)


def consent_is_open(participant: Participant, purpose: ConsentPurpose) -> bool:
    return Consent.objects.filter(
        participant=participant, purpose=purpose, withdrawn_at__isnull=True
    ).exists()


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
