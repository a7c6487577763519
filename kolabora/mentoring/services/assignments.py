"""Assigning and changing mentors: automatic (lightest caseload of the kecamatan), chosen by the
secretariat, or the mentor who logs a first session. Community organisations only under an agreement
covering P3, through a mentoring relationship."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.participants.choices import RelationshipKind
from kolabora.participants.models import Participant
from kolabora.participants.services import relationship_end, relationship_open
from kolabora.pathway.choices import StageStatus

from .. import selectors
from ..choices import AssignmentMethod
from ..models import MentorAssignment
from ..selectors import CLOSED_P3, Candidate

if TYPE_CHECKING:
    from kolabora.accounts.models import User


def lock_participant(participant: Participant) -> Participant:
    return Participant.objects.select_for_update().get(pk=participant.pk)


def mentor_name(user: User) -> str:
    return user.get_full_name() or user.username


# --- assignment ------------------------------------------------------------------------------------------


def assign_locked(
    *,
    participant: Participant,
    candidate: Candidate,
    method: str,
    actor: User | None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> MentorAssignment:
    """Make ``candidate`` the participant's current mentor (ending the current one) inside the caller's
    transaction, with the participant row already locked. One audit row: assigned or changed."""
    now = now or timezone.now()
    status = selectors.p3_status(participant)
    if status in CLOSED_P3:
        raise ValidationError(
            _("Mentoring (P3) is already “%(status)s”; no mentor can be assigned.")
            % {"status": StageStatus(status).label},
            code="p3_closed",
        )
    current = (
        MentorAssignment.objects.select_for_update(of=("self",))
        .select_related("mentor", "organisation", "relationship")
        .filter(participant=participant, ended_at__isnull=True)
        .first()
    )
    if current is not None and current.mentor_id == candidate.user.pk:
        raise ValidationError(
            _("%(mentor)s is already this participant's mentor.") % {"mentor": mentor_name(candidate.user)},
            code="unchanged",
        )
    if current is not None:
        current.ended_at = max(now, current.started_at)
        current.ended_by = actor
        current.save(update_fields=["ended_at", "ended_by", "updated_at"])
        if current.relationship is not None:
            relationship_end(relationship=current.relationship, actor=actor)
    try:
        with transaction.atomic():
            assignment = MentorAssignment.objects.create(
                participant=participant,
                mentor=candidate.user,
                organisation=candidate.organisation,
                method=method,
                started_at=now,
                assigned_by=actor,
                reason=reason,
            )
    except IntegrityError:
        raise ValidationError(
            _("Someone else assigned a mentor at the same moment; reload and try again."), code="conflict"
        ) from None
    if candidate.is_community:
        # A community organisation reaches the participant only through this relationship (and consent).
        assignment.relationship = relationship_open(
            participant=participant,
            organisation=candidate.organisation,
            kind=RelationshipKind.MENTORING,
            source=f"mentoring:{assignment.pk}",
            actor=actor,
        )
        assignment.save(update_fields=["relationship", "updated_at"])
    after = {
        "mentor": candidate.user.pk,
        "organisation": candidate.organisation.pk,
        "method": method,
        "caseload": candidate.caseload,
    }
    audit_record(
        actor=actor,
        action=AuditAction.MENTOR_CHANGED if current else AuditAction.MENTOR_ASSIGNED,
        obj=participant,
        organisation=(
            candidate.organisation
            if actor is None or actor.pk == candidate.user.pk
            else access.acting_organisation(actor, Action.PARTICIPANT_EDIT, participant.kelurahan_id)
        ),
        before={"mentor": current.mentor_id, "organisation": current.organisation_id} if current else {},
        after=after,
        reason=reason,
    )
    return assignment


def require_manager(actor: User | None, participant: Participant) -> None:
    if actor is not None and not selectors.can_manage_mentors(actor, participant):
        raise PermissionDenied


def mentor_assign(
    *, participant: Participant, mentor: User, actor: User, reason: str = ""
) -> MentorAssignment:
    """The secretariat assigns (or changes to) a chosen mentor.

    The mentor must serve the participant's area: through a government office covering it, or a
    community organisation with an agreement in force covering P3 (refused otherwise, saying so). A
    change ends the current assignment and keeps it as history. Audited as assigned or changed.
    """
    require_manager(actor, participant)
    reason = reason.strip()
    with transaction.atomic():
        p = lock_participant(participant)
        candidate = next(
            (c for c in selectors.mentor_candidates(participant=p) if c.user.pk == mentor.pk), None
        )
        if candidate is None:
            community = selectors.community_refusal(mentor, p)
            if community is not None:
                raise ValidationError(
                    {
                        "mentor": _(
                            "%(org)s has no agreement in force covering mentoring (P3), so its mentors "
                            "cannot take participants."
                        )
                        % {"org": community.name}
                    },
                    code="no_agreement",
                )
            raise ValidationError(
                {
                    "mentor": _("%(mentor)s is not a mentor serving this participant's area.")
                    % {"mentor": mentor_name(mentor)}
                },
                code="not_a_mentor",
            )
        current = selectors.current_assignment(participant=p)
        if current is not None and not reason:
            raise ValidationError(
                {"reason": _("Say why the mentor changes; the participant's history keeps it.")},
                code="reason",
            )
        return assign_locked(
            participant=p, candidate=candidate, method=AssignmentMethod.CHOSEN, actor=actor, reason=reason
        )


def mentor_assign_auto(
    *, participant: Participant, actor: User | None, at: dt.datetime | None = None
) -> MentorAssignment:
    """Give a participant without a mentor the mentor of their kecamatan with the lightest caseload (ties:
    government before community, then the lowest user id). ``actor`` None is the platform itself; ``at``
    dates the assignment (recorded history, e.g. when P3 started)."""
    require_manager(actor, participant)
    with transaction.atomic():
        p = lock_participant(participant)
        if selectors.current_assignment(participant=p) is not None:
            raise ValidationError(_("This participant already has a mentor."), code="assigned")
        candidates = selectors.mentor_candidates(participant=p, kecamatan_only=True)
        if not candidates:
            raise ValidationError(
                _("No mentor serves kecamatan %(code)s yet.") % {"code": p.kecamatan_code}, code="no_mentor"
            )
        return assign_locked(
            participant=p, candidate=candidates[0], method=AssignmentMethod.AUTOMATIC, actor=actor, now=at
        )


def mentors_assign_unmentored(*, kecamatan_code: str, actor: User | None, limit: int = 500) -> int:
    """Assign a mentor, automatically, to every participant of the kecamatan whose P3 is in progress
    without one (P3 started elsewhere, or their mentor left). Each assignment is its own transaction and
    audit row; returns how many were assigned."""
    if actor is not None and not access.can_in_region(actor, Action.PARTICIPANT_EDIT, kecamatan_code):
        raise PermissionDenied
    done = 0
    for p in list(selectors.unmentored(kecamatan_code=kecamatan_code)[:limit]):
        try:
            mentor_assign_auto(participant=p, actor=actor)
        except ValidationError as exc:
            if exc.code == "no_mentor":
                break
            continue
        done += 1
    return done


def mentors_assign_everywhere() -> dict[str, int]:
    """The daily sweep: in every kecamatan, give participants whose P3 is in progress without a mentor the
    lightest-loaded mentor (as the platform). Returns the count assigned per kecamatan."""
    done = {}
    for code in selectors.unmentored_kecamatan():
        n = mentors_assign_unmentored(kecamatan_code=code, actor=None)
        if n:
            done[code] = n
    return done
