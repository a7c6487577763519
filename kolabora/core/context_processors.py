from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kolabora.organisations.choices import OrganisationType, Role

from . import access
from .access import Action

CASE_HOLDERS = frozenset({OrganisationType.PTSP_UNIT, OrganisationType.KELURAHAN_OFFICE})
MENTORING_ROLES = frozenset(
    {
        Role.MENTOR,
        Role.KECAMATAN_STAFF,
        Role.PROGRAMME_MANAGER,
        Role.REGIONAL_COORDINATOR,
        Role.COMMUNITY_STAFF,
    }
)


def kolabora(request: HttpRequest) -> dict[str, Any]:
    """Navigation entries the user may open, decided by the access gate (no extra queries per page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    memberships = access.memberships(user)
    staff = bool(memberships)
    roles = {m.role for m in memberships}
    return {
        "nav": {
            # Staff use the staff pages; checking the reverse relation costs a query, so only for others.
            "participant": not staff and hasattr(user, "participant"),
            "participants": access.can(user, Action.PARTICIPANT_VIEW),
            "licensing_inbox": any(m.organisation.type in CASE_HOLDERS for m in memberships),
            "mentoring": bool(roles & MENTORING_ROLES),
            "training": staff,
            "organisations": access.can(user, Action.ORGANISATION_VIEW),
            "agreements": access.can(user, Action.AGREEMENT_VIEW),
            "admin": user.is_staff and access.is_system_admin(user),
            "marketing": staff,
            "curation": staff and access.is_curator(user),
            "bookkeeping": access.can(user, Action.CASHBOOK_VIEW),
            "financing_inbox": bool(access.referral_institution_ids(user)),
            "financing_referrals": staff and access.can_follow_referrals(user),
            "analytics": access.can(user, Action.ANALYTICS_VIEW),
            "governance": staff and access.can_view_governance(user),
            "feedback": staff,
            "imports": access.can_import(user),
            "exports": access.can(user, Action.PARTICIPANT_EXPORT),
        }
    }
