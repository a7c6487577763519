"""Who mentors whom and who may read mentoring rows, composed from the access gate
(``kolabora.core.access``): candidates, assignments, visibility and the programme's criteria."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.organisations.choices import Role
from kolabora.organisations.models import Membership, Organisation
from kolabora.participants.choices import CONSENT_FOR_RELATIONSHIP, RelationshipKind
from kolabora.participants.models import Participant
from kolabora.pathway.choices import StageStatus
from kolabora.pathway.models import ParticipantStage, Programme

from ..models import MentorAssignment, MentoringCriteria, MentoringSession

if TYPE_CHECKING:
    from kolabora.accounts.models import User
    from kolabora.core.access import AnyUser

# P3 statuses in which a participant still needs their mentor (the caseload).
OPEN_P3 = (StageStatus.NOT_STARTED, StageStatus.IN_PROGRESS)
# P3 statuses in which a mentor can no longer be assigned.
CLOSED_P3 = (StageStatus.COMPLETED, StageStatus.SKIPPED)


# --- programme rules ------------------------------------------------------------------------------------


def criteria_get(*, programme: Programme) -> MentoringCriteria:
    """The programme's completion criteria; an unsaved row with the defaults when none is recorded."""
    found = MentoringCriteria.objects.filter(programme=programme).first()
    return found or MentoringCriteria(programme=programme)


def participant_programme(participant: Participant) -> Programme:
    """The programme whose P3 the participant is in."""
    row = (
        ParticipantStage.objects.filter(participant=participant, code="P3")
        .select_related("stage__programme")
        .first()
    )
    if row is not None:
        return row.stage.programme
    from kolabora.pathway.services import programme_default

    return programme_default()


def p3_status(participant: Participant) -> str:
    return (
        ParticipantStage.objects.filter(participant=participant, code="P3")
        .values_list("status", flat=True)
        .first()
        or StageStatus.NOT_STARTED
    )


def open_p3() -> Exists:
    return Exists(
        ParticipantStage.objects.filter(participant=OuterRef("participant"), code="P3", status__in=OPEN_P3)
    )


# --- mentors ---------------------------------------------------------------------------------------------


def mentor_memberships(user: AnyUser) -> list[Membership]:
    """The user's active memberships in the mentor role (from the gate's per-request cache)."""
    return [m for m in access.memberships(user) if m.role == Role.MENTOR]


def is_mentor(user: AnyUser) -> bool:
    return bool(mentor_memberships(user))


def _is_government(org: Organisation) -> bool:
    return org.type in access.GOVERNMENT_TYPES


def _ancestors(kelurahan_code: str) -> list[str]:
    parts = kelurahan_code.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


@dataclass(frozen=True)
class Candidate:
    """A mentor who may take a participant, through one organisation, with their current caseload."""

    user: User
    organisation: Organisation
    caseload: int

    @property
    def is_community(self) -> bool:
        return not _is_government(self.organisation)


def caseload_counts(mentor_ids: list[int]) -> Counter[int]:
    """Participants each mentor currently mentors whose P3 is still open."""
    rows = (
        MentorAssignment.objects.filter(mentor_id__in=mentor_ids, ended_at__isnull=True)
        .filter(open_p3())
        .values("mentor_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return Counter({r["mentor_id"]: r["n"] for r in rows})


def _mentor_memberships_covering(code: str, *, kecamatan_only: bool) -> QuerySet[Membership]:
    regions = _ancestors(code)
    if kecamatan_only:
        regions = [c for c in regions if c.count(".") >= 2]
    return (
        Membership.objects.filter(
            role=Role.MENTOR,
            is_active=True,
            organisation__is_active=True,
            user__is_active=True,
            organisation__region_id__in=regions,
        )
        .select_related("user", "organisation")
        .order_by("user_id", "organisation_id")
    )


def mentor_candidates(
    *, participant: Participant, kecamatan_only: bool = False, on: dt.date | None = None
) -> list[Candidate]:
    """Mentors who may take this participant, lightest caseload first.

    Ties go to government mentors before community ones, then to the lowest user id, so the same data
    always gives the same choice. ``kecamatan_only`` keeps the mentors of the participant's kecamatan (or
    kelurahan), as automatic assignment does. A community organisation counts only while an agreement
    in force covers P3 and the participant consents to the sharing mentoring needs.
    """
    consent = CONSENT_FOR_RELATIONSHIP[RelationshipKind.MENTORING]
    consented: bool | None = None
    serves: dict[int, bool] = {}
    chosen: dict[int, Membership] = {}
    for m in _mentor_memberships_covering(participant.kelurahan_id, kecamatan_only=kecamatan_only):
        org = m.organisation
        if not _is_government(org):
            if org.pk not in serves:
                serves[org.pk] = access.organisation_serves_stage(org, "P3", on=on)
            if not serves[org.pk]:
                continue
            if consented is None:
                consented = access.consent_is_open(participant, consent)
            if not consented:
                continue
        held = chosen.get(m.user_id)
        if held is None or (not _is_government(held.organisation) and _is_government(org)):
            chosen[m.user_id] = m
    loads = caseload_counts(list(chosen))
    found = [Candidate(m.user, m.organisation, loads[uid]) for uid, m in chosen.items()]
    return sorted(found, key=lambda c: (c.caseload, c.is_community, c.user.pk, c.organisation.pk))


def candidate_for(user: AnyUser, participant: Participant) -> Candidate | None:
    """The user as a possible mentor of this participant, or None."""
    if not is_mentor(user):
        return None
    return next((c for c in mentor_candidates(participant=participant) if c.user.pk == user.pk), None)


def community_refusal(user: User, participant: Participant) -> Organisation | None:
    """A community organisation through which ``user`` would mentor this participant but for a missing
    P3 agreement (for saying why an assignment is refused)."""
    for m in _mentor_memberships_covering(participant.kelurahan_id, kecamatan_only=False).filter(user=user):
        if not _is_government(m.organisation) and not access.organisation_serves_stage(m.organisation, "P3"):
            return m.organisation
    return None


# --- assignments ------------------------------------------------------------------------------------------


def current_assignment(*, participant: Participant) -> MentorAssignment | None:
    return (
        MentorAssignment.objects.filter(participant=participant, ended_at__isnull=True)
        .select_related("mentor", "organisation")
        .first()
    )


def assignment_history(*, participant: Participant) -> QuerySet[MentorAssignment]:
    return (
        MentorAssignment.objects.filter(participant=participant)
        .select_related("mentor", "organisation", "assigned_by")
        .order_by("-started_at", "-id")
    )


def visible_participants(user: AnyUser) -> QuerySet[Participant]:
    return access.scope(user, Participant.objects.all(), Action.PARTICIPANT_VIEW)


def _own_rows_q(user: AnyUser) -> Q:
    """Mentoring rows the user may read among participants they see: all of them in a region the user
    covers, or those of their own organisation (a partner reaching the participant by a relationship sees
    what it wrote, not other organisations' notes), or the participant's own."""
    regional = Participant.objects.filter(
        access.participant_region_q(access.region_codes(user, Action.PARTICIPANT_VIEW))
    )
    return (
        Q(participant__in=regional)
        | Q(organisation_id__in=access.member_organisation_ids(user))
        | Q(participant__user_id=user.pk)
    )


def session_list(*, user: AnyUser) -> QuerySet[MentoringSession]:
    """Sessions the user may read, newest first."""
    qs = MentoringSession.objects.filter(participant__in=visible_participants(user))
    if not access.is_system_admin(user):
        qs = qs.filter(_own_rows_q(user))
    return qs.select_related("participant", "mentor", "organisation").order_by("-held_on", "-id")


def assignment_list(*, user: AnyUser, current: bool = True) -> QuerySet[MentorAssignment]:
    """Assignments the user may read (current ones by default), newest first."""
    qs = MentorAssignment.objects.filter(participant__in=visible_participants(user))
    if current:
        qs = qs.filter(ended_at__isnull=True)
    if not access.is_system_admin(user):
        qs = qs.filter(_own_rows_q(user))
    return qs.select_related("participant", "mentor", "organisation").order_by("-started_at", "-id")


def can_see_mentoring(user: AnyUser, participant: Participant) -> bool:
    """Staff who may see the participant see their mentoring record; the participant's own account does
    not use these staff pages."""
    if not access.can(user, Action.PARTICIPANT_VIEW, participant):
        return False
    return access.is_system_admin(user) or bool(access.member_organisation_ids(user))


def can_manage_mentors(user: AnyUser, participant: Participant) -> bool:
    """The secretariat (and programme managers) of the participant's area assign and change mentors."""
    return access.can(user, Action.PARTICIPANT_EDIT, participant)


def manageable_kecamatan(user: AnyUser) -> list[str]:
    """Kecamatan codes whose mentors the user manages (a secretariat's own, or those inside a city or
    province the user covers)."""
    from kolabora.regions.choices import RegionLevel
    from kolabora.regions.models import Region

    qs = Region.objects.filter(level=RegionLevel.KECAMATAN)
    if not access.is_system_admin(user):
        within = Q(pk__in=[])
        for c in access.region_codes(user, Action.PARTICIPANT_EDIT):
            within |= Q(code=c) | Q(code__startswith=c + ".")
        qs = qs.filter(within)
    return list(qs.order_by("code").values_list("code", flat=True))


def mentors_in(codes: list[str] | None) -> QuerySet[Membership]:
    """Active mentor memberships in organisations inside these regions (everywhere when None)."""
    qs = Membership.objects.filter(
        role=Role.MENTOR, is_active=True, organisation__is_active=True, user__is_active=True
    )
    if codes is not None:
        qs = qs.filter(access.region_q(codes, "organisation__region"))
    return qs.select_related("user", "organisation").order_by(
        "organisation__name", "user__first_name", "user__last_name", "user_id"
    )


def managed_mentors(user: AnyUser) -> QuerySet[Membership]:
    """Mentors whose targets and caseloads the user manages (those of organisations inside the regions
    where the user may edit participants)."""
    if access.is_system_admin(user):
        return mentors_in(None)
    return mentors_in(access.region_codes(user, Action.PARTICIPANT_EDIT))
