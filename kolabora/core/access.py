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
from collections.abc import Callable, Iterable
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


# --- financing (P7) ---------------------------------------------------------------------------------------
# A referral goes from the participant, their mentor, a community organisation mentoring them or kecamatan
# staff to a financial institution. Only that institution's bank officers see and decide it, and only while
# the participant consents to sharing with financial institutions and an agreement covering P7 is in force.
# Programme staff who may see the participant (their region, or a mentoring relationship) follow it.

FINANCIAL_TYPES = frozenset({OrganisationType.BANK, OrganisationType.FINANCIAL_INSTITUTION})
# Partner roles that refer through a mentoring relationship (a community organisation, its mentors).
REFERRAL_MENTORING_ROLES = frozenset({Role.MENTOR, Role.COMMUNITY_STAFF})
_BANKS_ATTR = "_kolabora_referral_banks"


def referral_institution_ids(user: AnyUser) -> set[int]:
    """Financial institutions the user acts for as a bank officer while an agreement covering P7 is in force."""
    if not user.is_authenticated or not user.is_active:
        return set()
    found = memberships(user)
    cached = getattr(user, _BANKS_ATTR, None)
    # Kept with the membership list it was computed from, so ``forget`` (which drops that list) drops it too.
    if cached is None or cached[0] is not found:
        ids = {
            m.organisation_id
            for m in found
            if m.role == Role.BANK_OFFICER
            and m.organisation.type in FINANCIAL_TYPES
            and organisation_serves_stage(m.organisation, "P7")
        }
        cached = (found, ids)
        setattr(user, _BANKS_ATTR, cached)
    return set(cached[1])


def _follows_as_programme(user: AnyUser, participant: Participant) -> bool:
    """Programme staff (not as a bank) who may see the participant: their region or a mentoring relationship."""
    if region_covers(region_codes(user, Action.PARTICIPANT_VIEW), participant.kelurahan_id):
        return True
    return RelationshipKind.MENTORING in _reaching_kinds(user, participant)


def can_refer(user: AnyUser, participant: Participant) -> bool:
    """May the user refer this participant to a financial institution? The participant themselves, staff
    holding ``REFERRAL_CREATE`` over their area (kecamatan staff, mentors of the secretariat, programme
    managers), or a community organisation's staff or mentor mentoring them under an agreement in force."""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_self(user, participant) or is_system_admin(user):
        return True
    if region_covers(region_codes(user, Action.REFERRAL_CREATE), participant.kelurahan_id):
        return True
    if not {m.role for m in memberships(user)} & REFERRAL_MENTORING_ROLES:
        return False
    return RelationshipKind.MENTORING in _reaching_kinds(user, participant)


def can_view_referral(user: AnyUser, referral: Any) -> bool:
    """The participant, the institution's bank officers (with the participant's consent), and programme
    staff who may see the participant. A bank never sees another institution's referral."""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_system_admin(user):
        return True
    participant = referral.participant
    if is_self(user, participant):
        return True
    if referral.institution_id in referral_institution_ids(user) and consent_is_open(
        participant, ConsentPurpose.FINANCIAL_INSTITUTIONS
    ):
        return True
    return _follows_as_programme(user, participant)


def can_decide_referral(user: AnyUser, referral: Any) -> bool:
    """Only a bank officer of the referral's institution moves it (review, approve, decline, disburse),
    while the agreement is in force and the participant consents. Not even a system administrator: the
    credit decision is the institution's."""
    if not user.is_authenticated or not user.is_active:
        return False
    return referral.institution_id in referral_institution_ids(user) and consent_is_open(
        referral.participant, ConsentPurpose.FINANCIAL_INSTITUTIONS
    )


def can_follow_referrals(user: AnyUser) -> bool:
    """Programme staff with participants to follow: a region (government offices) or a mentoring relationship."""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_system_admin(user) or region_codes(user, Action.PARTICIPANT_VIEW):
        return True
    return any(k == RelationshipKind.MENTORING for _o, k in _partner_reach(user))


def can_view_referral_figures(user: AnyUser) -> bool:
    """Per-institution figures: analysts of a region, and bank officers (for their own institution)."""
    return can(user, Action.ANALYTICS_VIEW) or bool(referral_institution_ids(user))


def scope_referrals(user: AnyUser, queryset: QuerySet[M]) -> QuerySet[M]:
    """The referrals the user may see (the same rule as ``can_view_referral``, as one filter)."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if is_system_admin(user):
        return queryset
    q = Q(participant__user_id=user.pk)
    banks = referral_institution_ids(user)
    if banks:
        consent = Consent.objects.filter(
            participant=OuterRef("participant"),
            purpose=ConsentPurpose.FINANCIAL_INSTITUTIONS,
            withdrawn_at__isnull=True,
        )
        q |= Q(institution_id__in=banks) & Q(Exists(consent))
    codes = region_codes(user, Action.PARTICIPANT_VIEW)
    if codes:
        q |= Q(participant__in=Participant.objects.filter(participant_region_q(codes)).values("pk"))
    mentoring = [(o, k) for o, k in _partner_reach(user) if k == RelationshipKind.MENTORING]
    if mentoring:
        q |= Q(participant__in=Participant.objects.filter(_relationship_q(mentoring)).values("pk"))
    return queryset.filter(q)


def access_referral(user: AnyUser, pk: int) -> Any:
    """The referral, for those who may see it (404 when absent, 403 when not allowed)."""
    from kolabora.financing.models import Referral

    referral = (
        Referral.objects.select_related(
            "participant__kelurahan", "participant__user", "business", "institution", "agreement", "product"
        )
        .filter(pk=pk)
        .first()
    )
    if referral is None:
        raise Http404
    if not can_view_referral(user, referral):
        raise PermissionDenied
    return referral


# --- exports ---
# Bulk exports (kolabora/exports) copy many participants' records out of the platform at once. They reach
# participants only through region grants of PARTICIPANT_EXPORT (``scope(user, qs, PARTICIPANT_EXPORT)``),
# which only government offices hold: the action is in PARTICIPANT_ACTIONS and not in
# _RELATIONSHIP_ACTIONS. Partner staff (training, marketplace, bank, community) and mentors therefore export
# nothing, whatever their relationships, consents and agreements: a partner's consented access is to one
# participant at a time for one purpose, and a file copy would escape consent withdrawal and agreement
# expiry. They use their own pages and the per-participant API, where both still apply.


def export_reach(user: AnyUser, action: Action) -> Callable[[str], bool]:
    """For a bulk export: does ``action`` reach a participant living in kelurahan ``code``?

    Only region grants count (exports hold no relationship-based rows). Used per row for the full NIK
    (``PARTICIPANT_NIK``) and for tables that need a further action (e.g. ``CASHBOOK_VIEW``); the answer is
    memoised per kelurahan, so a million rows cost a few hundred region checks.
    """
    if is_system_admin(user):
        return lambda code: True
    codes = region_codes(user, action)
    if not codes:
        return lambda code: False
    known: dict[str, bool] = {}

    def reaches(code: str) -> bool:
        found = known.get(code)
        if found is None:
            found = known[code] = region_covers(codes, code)
        return found

    return reaches


# --- marketing (P5) ---------------------------------------------------------------------------------------
# Products: the participant and the staff who help them in their area (kecamatan staff, mentors and programme
# managers of a government office) add, change and publish them; whoever may see the participant sees them.
# Curation: each level is curated by one role over the product's area, through a government office:
# kecamatan staff (kecamatan level), the regional coordinator (city), the programme manager (province).
# Opportunities: a government office's kecamatan staff or programme managers run the office's opportunities;
# a partner's staff run their organisation's only while an agreement covering P5 is in force; staff holding
# OPPORTUNITY_MANAGE over an opportunity's region oversee it too (allocate places, record attendance).
# Partners reach applicants through the marketing relationship that applying opens, with the participant's
# consent to sharing with marketplaces (the participant rules above).

MARKETING_HELPER_ROLES = frozenset({Role.KECAMATAN_STAFF, Role.MENTOR, Role.PROGRAMME_MANAGER})
CURATION_LEVEL_ROLES: dict[str, frozenset[str]] = {
    "kecamatan": frozenset({Role.KECAMATAN_STAFF}),
    "kota": frozenset({Role.REGIONAL_COORDINATOR}),
    "province": frozenset({Role.PROGRAMME_MANAGER}),
}
OPPORTUNITY_GOVERNMENT_ROLES = frozenset({Role.KECAMATAN_STAFF, Role.PROGRAMME_MANAGER})
OPPORTUNITY_PARTNER_ROLES = frozenset({Role.PARTNER_STAFF})


def _marketing_user(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active)


def marketing_helper_codes(user: AnyUser) -> list[str]:
    """Region codes over which the user helps participants with their products and applications."""
    return sorted(
        {
            m.organisation.region_id
            for m in memberships(user)
            if m.role in MARKETING_HELPER_ROLES and m.organisation.type in GOVERNMENT_TYPES
        }
    )


def can_market_for(user: AnyUser, participant: Participant) -> bool:
    """May the user add, change and publish this participant's products and apply for places for them?"""
    if not _marketing_user(user):
        return False
    if is_self(user, participant) or is_system_admin(user):
        return True
    return region_covers(marketing_helper_codes(user), participant.kelurahan_id)


def can_view_products_of(user: AnyUser, participant: Participant) -> bool:
    """A participant's products (drafts included): whoever may see the participant."""
    return can(user, Action.PARTICIPANT_VIEW, participant)


def curation_reach(user: AnyUser) -> dict[str, list[str]]:
    """Per curation level, the region codes over which the user curates."""
    reach: dict[str, list[str]] = {level: [] for level in CURATION_LEVEL_ROLES}
    for m in memberships(user):
        if m.organisation.type not in GOVERNMENT_TYPES or Action.PRODUCT_CURATE not in ROLE_GRANTS.get(
            m.role, ()
        ):
            continue
        for level, roles in CURATION_LEVEL_ROLES.items():
            if m.role in roles:
                reach[level].append(m.organisation.region_id)
    return reach


def can_curate(user: AnyUser, level: str, kelurahan_code: str) -> bool:
    """May the user curate, at ``level``, a product of a participant living in ``kelurahan_code``?"""
    if not _marketing_user(user):
        return False
    if is_system_admin(user):
        return True
    return region_covers(curation_reach(user).get(level, []), kelurahan_code)


def is_curator(user: AnyUser) -> bool:
    return _marketing_user(user) and (is_system_admin(user) or any(curation_reach(user).values()))


def scope_curation(user: AnyUser, queryset: QuerySet[M]) -> QuerySet[M]:
    """Curation reviews (of ``marketing.CurationReview``) at the levels and areas the user curates."""
    if not _marketing_user(user):
        return queryset.none()
    if is_system_admin(user):
        return queryset
    q = Q(pk__in=[])
    for level, codes in curation_reach(user).items():
        if codes:
            people = Participant.objects.filter(participant_region_q(codes)).values("pk")
            q |= Q(level=level) & Q(product__participant__in=people)
    return queryset.filter(q)


def can_organise(user: AnyUser, organisation: Organisation) -> bool:
    """May the user run marketing opportunities for ``organisation`` now?"""
    if not _marketing_user(user) or not organisation.is_active:
        return False
    if is_system_admin(user):
        return True
    if organisation.type in GOVERNMENT_TYPES:
        return member_with_role(user, organisation.pk, OPPORTUNITY_GOVERNMENT_ROLES)
    return member_with_role(user, organisation.pk, OPPORTUNITY_PARTNER_ROLES) and organisation_serves_stage(
        organisation, "P5"
    )


def organising_organisations(user: AnyUser) -> list[Organisation]:
    """The organisations for which the user may run marketing opportunities now."""
    seen: dict[int, Organisation] = {}
    for m in memberships(user):
        if m.organisation_id not in seen and can_organise(user, m.organisation):
            seen[m.organisation_id] = m.organisation
    return sorted(seen.values(), key=lambda o: o.name)


def can_manage_opportunity(user: AnyUser, opportunity: Any) -> bool:
    """Its organiser's staff (while the organiser may run P5), and staff overseeing its region."""
    if not _marketing_user(user):
        return False
    if can_organise(user, opportunity.organiser):
        return True
    return region_covers(region_codes(user, Action.OPPORTUNITY_MANAGE), opportunity.region_id)


def scope_opportunities(user: AnyUser, queryset: QuerySet[M]) -> QuerySet[M]:
    """The opportunities (of ``marketing.Opportunity``) the user manages (``can_manage_opportunity``)."""
    if not _marketing_user(user):
        return queryset.none()
    if is_system_admin(user):
        return queryset
    organisers = [o.pk for o in organising_organisations(user)]
    return queryset.filter(
        Q(organiser_id__in=organisers) | region_q(region_codes(user, Action.OPPORTUNITY_MANAGE), "region")
    )


def can_view_opportunity(user: AnyUser, opportunity: Any) -> bool:
    """Those who manage it, participants living in its region, and helpers whose area overlaps it."""
    if not _marketing_user(user):
        return False
    if can_manage_opportunity(user, opportunity):
        return True
    participant: Participant | None = getattr(user, "participant", None)
    if participant is not None and participant.status == "active" and not memberships(user):
        return region_covers([opportunity.region_id], participant.kelurahan_id)
    return any(
        region_covers([code], opportunity.region_id) or region_covers([opportunity.region_id], code)
        for code in marketing_helper_codes(user)
    )


# --- governance (accountability, assessments, feedback) -------------------------------------------
# Aggregate figures of a region (indicators, network, accountability) are for holders of ANALYTICS_VIEW
# over it; an organisation's members always see their own accountability row and the feedback sent to
# it. Assessment rounds are run by holders of ASSESSMENT_MANAGE over the round's region and answered by
# the members invited; results are read by holders of ANALYTICS_VIEW or ASSESSMENT_MANAGE over the round's
# region (or, for a part of it, over their own part). Feedback is seen by the participant who gave it, the
# organisation it was sent to, and holders of FEEDBACK_VIEW over the participant's area.


def governance_codes(user: AnyUser, action: Action = Action.ANALYTICS_VIEW) -> list[str] | None:
    """Region codes over which the user reads governance figures; None means everywhere (system admin)."""
    if is_system_admin(user):
        return None
    return region_codes(user, action)


def can_view_governance(user: AnyUser) -> bool:
    return user.is_authenticated and user.is_active and (governance_codes(user) != [])


def can_view_accountability(user: AnyUser, organisation: Organisation) -> bool:
    """An organisation's accountability row: its own members, or ANALYTICS_VIEW over its region."""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_system_admin(user) or organisation.pk in member_organisation_ids(user):
        return True
    return region_covers(region_codes(user, Action.ANALYTICS_VIEW), organisation.region_id)


def scope_accountability_organisations(
    user: AnyUser, queryset: QuerySet[Organisation]
) -> QuerySet[Organisation]:
    """Organisations whose accountability rows the user may read."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if is_system_admin(user):
        return queryset
    return queryset.filter(
        Q(pk__in=member_organisation_ids(user))
        | region_q(region_codes(user, Action.ANALYTICS_VIEW), "region")
    )


def can_manage_assessment(user: AnyUser, region_code: str | None = None) -> bool:
    """May the user run assessment rounds (anywhere, or for a round over ``region_code``)?"""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_system_admin(user):
        return True
    codes = region_codes(user, Action.ASSESSMENT_MANAGE)
    return bool(codes) if region_code is None else region_covers(codes, region_code)


def _assessment_reader_codes(user: AnyUser) -> list[str]:
    return sorted(
        set(region_codes(user, Action.ANALYTICS_VIEW)) | set(region_codes(user, Action.ASSESSMENT_MANAGE))
    )


def assessment_result_codes(user: AnyUser, region_code: str) -> list[str] | None:
    """Which part of a round over ``region_code`` the user may read: None for all of it, the user's own
    regions inside it for a part, or [] for nothing."""
    if is_system_admin(user):
        return None
    codes = _assessment_reader_codes(user)
    if region_covers(codes, region_code):
        return None
    return [c for c in codes if region_covers([region_code], c)]


def can_view_assessment_results(user: AnyUser, region_code: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return assessment_result_codes(user, region_code) != []


def scope_assessment_rounds(user: AnyUser, queryset: QuerySet[M], *, invited_q: Q) -> QuerySet[M]:
    """Rounds the user may see: those over or around their regions (readers), plus those they are invited
    to answer (``invited_q``, the caller's filter for the user's invitations)."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if is_system_admin(user):
        return queryset
    codes = _assessment_reader_codes(user)
    ancestors = {".".join(c.split(".")[:i]) for c in codes for i in range(1, c.count(".") + 1)}
    return queryset.filter(region_q(codes, "region") | Q(region_id__in=sorted(ancestors)) | invited_q)


def _participant_area_q(codes: Iterable[str], prefix: str) -> Q:
    """Rows whose participant (reached through ``prefix``) lives inside any of ``codes``."""
    column = {1: "province_code", 2: "kota_code", 3: "kecamatan_code", 4: "kelurahan_id"}
    q = Q(pk__in=[])
    for c in codes:
        q |= Q(**{f"{prefix}{column[c.count('.') + 1]}": c})
    return q


def can_view_feedback(user: AnyUser, feedback: Any) -> bool:
    """The participant who gave it, the organisation it was sent to, or FEEDBACK_VIEW over their area."""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_system_admin(user) or feedback.organisation_id in member_organisation_ids(user):
        return True
    if feedback.participant.user_id == user.pk:
        return True
    return region_covers(region_codes(user, Action.FEEDBACK_VIEW), feedback.participant.kelurahan_id)


def can_answer_feedback(user: AnyUser, feedback: Any) -> bool:
    """Only the organisation the feedback was sent to answers it (any of its active members)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return is_system_admin(user) or feedback.organisation_id in member_organisation_ids(user)


def scope_feedback(user: AnyUser, queryset: QuerySet[M]) -> QuerySet[M]:
    """Feedback the user may see (rules of ``can_view_feedback``)."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if is_system_admin(user):
        return queryset
    return queryset.filter(
        Q(organisation_id__in=member_organisation_ids(user))
        | Q(participant__user_id=user.pk)
        | _participant_area_q(region_codes(user, Action.FEEDBACK_VIEW), "participant__")
    )


# --- bookkeeping (P6) ------------------------------------------------------------------------------------
# A cash book holds specific (sensitive) personal data: a business's money. It is read by the participant,
# by staff whose role grants CASHBOOK_VIEW over the participant's area (kecamatan staff and the mentors of
# the kecamatan secretariat; programme managers), by a community mentor reaching the participant through
# an open mentoring relationship (consented), and by a partner organisation reaching the participant
# through an open, consented relationship under an agreement in force that covers that relationship's stage
# and the FINANCIAL data category. It is written by the participant, or by their current mentor on their
# behalf (owners not at ease with a phone); every entry keeps who recorded it.


def _cashbook_pairs(user: AnyUser) -> list[tuple[int, str]]:
    """(organisation id, relationship kind) pairs through which the user may read cash books."""
    mentor_orgs = {m.organisation_id for m in memberships(user) if m.role == Role.MENTOR}
    orgs = {m.organisation_id: m.organisation for m in memberships(user)}
    pairs: list[tuple[int, str]] = []
    for org_id, kind in _partner_reach(user):
        if kind == RelationshipKind.MENTORING and org_id in mentor_orgs:
            pairs.append((org_id, kind))
            continue
        org = orgs[org_id]
        if org.type in GOVERNMENT_TYPES:
            continue  # government offices read cash books by their role's region grant only
        stage = KIND_STAGE[RelationshipKind(kind)]
        if any(DataCategory.FINANCIAL in a.data_categories for a in agreements_in_force(org, stage=stage)):
            pairs.append((org_id, kind))
    return pairs


def cashbook_participant_q(user: AnyUser) -> Q:
    """Participants whose cash books the user may read (not for system administrators: they read all)."""
    q = participant_region_q(region_codes(user, Action.CASHBOOK_VIEW)) | Q(user_id=user.pk)
    pairs = _cashbook_pairs(user)
    if pairs:
        q |= _relationship_q(pairs)
    return q


def can_view_cashbook(user: AnyUser, participant: Participant) -> bool:
    """May the user read this participant's cash books, statements and bankable report?"""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_system_admin(user) or is_self(user, participant):
        return True
    if region_covers(region_codes(user, Action.CASHBOOK_VIEW), participant.kelurahan_id):
        return True
    pairs = _cashbook_pairs(user)
    if not pairs:
        return False
    return Participant.objects.filter(pk=participant.pk).filter(_relationship_q(pairs)).exists()


def can_keep_cashbook(user: AnyUser, participant: Participant) -> bool:
    """May the user record entries, declare assets and liabilities and import files for this participant:
    the participant, or their current mentor (who must also be able to read the cash book)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_system_admin(user) or is_self(user, participant):
        return True
    if not any(m.role == Role.MENTOR for m in memberships(user)):
        return False
    from kolabora.mentoring.models import MentorAssignment

    current = MentorAssignment.objects.filter(
        participant_id=participant.pk, mentor_id=user.pk, ended_at__isnull=True
    ).exists()
    return current and can_view_cashbook(user, participant)


def scope_cashbook_participants(user: AnyUser, queryset: QuerySet[M]) -> QuerySet[M]:
    """The participants of ``queryset`` whose cash books the user may read."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if is_system_admin(user):
        return queryset
    return queryset.filter(cashbook_participant_q(user))


# --- analytics (aggregate figures of a region) ---------------------------------------------------------------
# Aggregates hold no personal data, but a region's figures are its organisations' business: a user sees the
# figures of the regions their role covers (programme managers, regional coordinators, kecamatan staff).
# The participants behind a figure are a participant list, scoped by PARTICIPANT_VIEW like any other.


def analytics_regions(user: AnyUser) -> list[str]:
    """The regions whose figures the user may see, widest first (the programme's province for an admin)."""
    from django.conf import settings

    if is_system_admin(user):
        return [str(settings.KOLABORA["DEFAULT_PROVINCE"])]
    return sorted(region_codes(user, Action.ANALYTICS_VIEW), key=lambda c: (c.count("."), c))


def can_view_analytics(user: AnyUser, region_code: str) -> bool:
    """May the user see the aggregate figures of ``region_code`` (their region or a part of it)?"""
    return can_in_region(user, Action.ANALYTICS_VIEW, region_code)


def can_list_people_behind(user: AnyUser, region_code: str) -> bool:
    """May the user open the list of participants behind a figure of ``region_code``: figures of the region
    and a participant list that reaches into it (the list itself is ``scope``d)."""
    return can_view_analytics(user, region_code) and (
        is_system_admin(user) or region_covers(region_codes(user, Action.PARTICIPANT_VIEW), region_code)
    )


# --- bulk data: imports ---------------------------------------------------------------------------------
# Kecamatan staff and programme managers import participants into their region only (rows elsewhere are
# rejected row by row). An import job, its file and its rejection report are seen by the person who
# started it and by system administrators; a saved column mapping by the members of the organisation it
# was saved for (or its author alone when they act for none).


def can_import(user: AnyUser) -> bool:
    """May the user import participants at all (into some region)?"""
    return can(user, Action.PARTICIPANT_IMPORT)


def can_import_into(user: AnyUser | None, kelurahan_code: str) -> bool:
    """May the user bring participants of this kelurahan in (None: the platform itself, from the CLI)?"""
    return user is None or can_in_region(user, Action.PARTICIPANT_IMPORT, kelurahan_code)


def import_region_codes(user: AnyUser | None) -> list[str]:
    """The region codes a user imports into (the programme's province for administrators and the CLI)."""
    if user is None or is_system_admin(user):
        return ["31"]
    return region_codes(user, Action.PARTICIPANT_IMPORT)


def can_view_import(user: AnyUser, job: Any) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return is_system_admin(user) or (job.created_by_id is not None and job.created_by_id == user.pk)


def scope_imports(user: AnyUser, queryset: QuerySet[M]) -> QuerySet[M]:
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if is_system_admin(user):
        return queryset
    return queryset.filter(created_by_id=user.pk)


def scope_column_mappings(user: AnyUser, queryset: QuerySet[M]) -> QuerySet[M]:
    if not can_import(user):
        return queryset.none()
    return queryset.filter(
        Q(organisation_id__in=member_organisation_ids(user))
        | Q(organisation__isnull=True, created_by_id=user.pk)
    )


def can_manage_mapping(user: AnyUser, mapping: Any) -> bool:
    if not can_import(user):
        return False
    if mapping.organisation_id is None:
        return bool(mapping.created_by_id == user.pk)
    return mapping.organisation_id in member_organisation_ids(user)
