"""Who may do what in training, composed from the one gate (``kolabora.core.access``).

Nothing here decides on its own what a person may see about a participant: names, attendance and
follow-ups of a participant are shown only when ``access`` lets the user view that participant (for a
training partner: an open training relationship, the participant's consent to sharing with training
partners, and the partner's agreement in force covering P2). What this module adds is who *offers*
training, in the words of the programme:

- a training partner's staff (role partner_staff) offer courses for their organisation, and only while it
  has an agreement in force covering P2;
- a kecamatan secretariat's or government agency's staff (kecamatan staff, programme managers) offer
  courses for their office, in its region;
- programme managers over the provider's region oversee its courses (drafts, application rates);
- staff who hold participant editing over a session's kecamatan (the kecamatan secretariat, programme
  managers) run its attendance and enrolments for the participants they may see, so a participant who
  did not consent to sharing with training partners is recorded by the kecamatan, not by the partner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.organisations.choices import Role
from kolabora.organisations.models import Organisation

if TYPE_CHECKING:
    from kolabora.core.access import AnyUser
    from kolabora.participants.models import Participant

    from .models import Course, TrainingSession

GOVERNMENT_OFFER_ROLES = frozenset({Role.KECAMATAN_STAFF, Role.PROGRAMME_MANAGER})
PARTNER_OFFER_ROLES = frozenset({Role.PARTNER_STAFF})
FOLLOW_UP_ROLES = frozenset({Role.MENTOR})


def _active(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active)


def is_government(organisation: Organisation) -> bool:
    return organisation.type in access.GOVERNMENT_TYPES


def can_offer(user: AnyUser, organisation: Organisation) -> bool:
    """Does ``user`` act for ``organisation`` in a role that offers training?

    Whether the organisation may offer training *now* is ``serves_training``; the services check both, so
    a partner whose agreement has ended is told why instead of being shown a bare refusal.
    """
    if not _active(user) or not organisation.is_active:
        return False
    if access.is_system_admin(user):
        return True
    roles = GOVERNMENT_OFFER_ROLES if is_government(organisation) else PARTNER_OFFER_ROLES
    return access.member_with_role(user, organisation.pk, roles)


def serves_training(organisation: Organisation) -> bool:
    """Government offices offer training in their region; a partner only under an agreement covering P2."""
    return is_government(organisation) or access.organisation_serves_stage(organisation, "P2")


def offering_organisations(user: AnyUser) -> list[Organisation]:
    """The organisations for which the user acts in a role that offers courses."""
    seen: dict[int, Organisation] = {}
    for m in access.memberships(user):
        if m.organisation_id not in seen and can_offer(user, m.organisation):
            seen[m.organisation_id] = m.organisation
    return sorted(seen.values(), key=lambda o: o.name)


def can_oversee(user: AnyUser, organisation: Organisation) -> bool:
    """Programme managers over the provider's region see its drafts and its application rates."""
    return access.can(user, Action.ORGANISATION_MANAGE, organisation)


def can_see_course(user: AnyUser, course: Course) -> bool:
    """Published courses: every participant and staff member. Drafts: those who offer or oversee them."""
    if not _active(user):
        return False
    if course.is_published and is_programme_user(user):
        return True
    return can_offer(user, course.provider) or can_oversee(user, course.provider)


def can_see_results(user: AnyUser, course: Course) -> bool:
    """The application rate is for the provider and the programme managers."""
    return can_offer(user, course.provider) or can_oversee(user, course.provider)


def is_programme_user(user: AnyUser) -> bool:
    """A participant with an active record, or staff acting for an organisation."""
    if not _active(user):
        return False
    participant = getattr(user, "participant", None)
    return (participant is not None and participant.status == "active") or bool(access.memberships(user))


def can_run(user: AnyUser, session: TrainingSession) -> bool:
    """May the user take attendance and enrol or cancel others in this session (for those they see)?"""
    return can_offer(user, session.course.provider) or access.can_in_region(
        user, Action.PARTICIPANT_EDIT, session.region_id
    )


def can_view_session(user: AnyUser, session: TrainingSession) -> bool:
    """The staff page of a session: those who run it, oversee its provider, or see its kecamatan."""
    return (
        can_run(user, session)
        or can_oversee(user, session.course.provider)
        or access.can_in_region(user, Action.PARTICIPANT_VIEW, session.region_id)
    )


def can_act_for(user: AnyUser, participant: Participant, session: TrainingSession) -> bool:
    """Staff acting on one participant's enrolment: they run the session and may see the participant."""
    return can_run(user, session) and access.can(user, Action.PARTICIPANT_VIEW, participant)


def can_answer_follow_up(user: AnyUser, participant: Participant) -> bool:
    """The participant, or a mentor (pendamping) whose area covers the participant."""
    if not _active(user):
        return False
    if access.is_self(user, participant) or access.is_system_admin(user):
        return True
    return any(
        m.role in FOLLOW_UP_ROLES
        and access.region_covers([m.organisation.region_id], participant.kelurahan_id)
        for m in access.memberships(user)
    )
