"""Enrolments: a seat when there is one, the waiting list when not; a cancelled seat goes to the first
in line in the same transaction."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kolabora.core import access
from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.participants.choices import ParticipantStatus, RelationshipKind
from kolabora.participants.models import Relationship
from kolabora.participants.services import relationship_end, relationship_open
from kolabora.pathway.choices import StageStatus
from kolabora.pathway.models import ParticipantStage

from .. import permissions
from ..choices import CANCELLABLE, HOLDS_SEAT, OPEN, EnrolmentStatus
from ..models import Enrolment, TrainingSession
from ._common import acting_organisation, lock_session

if TYPE_CHECKING:
    from kolabora.accounts.models import User
    from kolabora.participants.models import Participant


def relationship_source(enrolment: Enrolment) -> str:
    return f"enrolment:{enrolment.pk}"


def _p2_blocked_by(participant: Participant) -> list[str]:
    """P2's prerequisites (from the programme's rules) that the participant has not completed."""
    row = ParticipantStage.objects.select_related("stage").filter(participant=participant, code="P2").first()
    if row is None:
        return ["P2"]
    done = set(
        ParticipantStage.objects.filter(
            participant=participant, code__in=row.stage.prerequisites, status=StageStatus.COMPLETED
        ).values_list("code", flat=True)
    )
    return [code for code in row.stage.prerequisites if code not in done]


def _notify_promoted(enrolment_id: int) -> None:
    from kolabora.notifications.services import notify

    e = Enrolment.objects.select_related("participant__user", "session__course").get(pk=enrolment_id)
    user = e.participant.user
    if user is None:
        return
    s = e.session
    with translation.override(settings.LANGUAGE_CODE):
        notify(
            users=[user],
            subject=_("You have a seat: %(course)s") % {"course": s.course.title},
            body=_("A seat became free and it is yours: %(course)s on %(when)s, %(where)s.")
            % {
                "course": s.course.title,
                "when": timezone.localtime(s.starts_at).strftime("%d-%m-%Y %H:%M"),
                "where": s.where,
            },
            link=reverse("training:session_detail", args=[s.pk]),
            kind="training_seat",
        )


def waitlist_promote(
    *, session: TrainingSession, reason: str, now: dt.datetime | None = None
) -> list[Enrolment]:
    """Give free seats to the waiting list, first come first served. Call with the session row locked.

    Nobody moves up once the session has started. Each move writes one audit row (actor: the platform)
    and tells the participant after the commit.
    """
    if session.has_started(now):
        return []
    free = session.capacity - Enrolment.objects.filter(session=session, status__in=HOLDS_SEAT).count()
    if free <= 0:
        return []
    moved = list(
        Enrolment.objects.select_for_update()
        .filter(session=session, status=EnrolmentStatus.WAITLISTED)
        .order_by("id")[:free]
    )
    at = now or timezone.now()
    for e in moved:
        e.status = EnrolmentStatus.ENROLLED
        e.promoted_at = at
        e.save(update_fields=["status", "promoted_at", "updated_at"])
        audit_record(
            actor=None,
            action=AuditAction.WAITLIST_PROMOTED,
            obj=e,
            before={"status": EnrolmentStatus.WAITLISTED},
            after={"status": EnrolmentStatus.ENROLLED, "session": session.pk},
            reason=reason,
        )
        transaction.on_commit(partial(_notify_promoted, e.pk))
    return moved


def enrolment_create(
    *, session: TrainingSession, participant: Participant, actor: User, now: dt.datetime | None = None
) -> Enrolment:
    """Enrol a participant (themselves, or staff who run the session and may see them).

    A seat when one is free, else the waiting list. Needs a published course, a session not yet
    started, an active participant whose P2 prerequisites are met, and no other open enrolment in the
    session. Opens a training relationship with the provider (what a partner may see still depends on
    the participant's consent).
    """
    if not access.is_self(actor, participant) and not permissions.can_act_for(actor, participant, session):
        raise PermissionDenied
    with transaction.atomic():
        s = lock_session(session)
        if not s.course.is_published:
            raise ValidationError(_("This course is not open for enrolment yet."))
        if s.has_started(now):
            raise ValidationError(_("This session has already started; enrolment is closed."))
        if participant.status != ParticipantStatus.ACTIVE:
            raise ValidationError(_("This participant record is no longer active."))
        blocked = _p2_blocked_by(participant)
        if blocked:
            raise ValidationError(
                _("Training starts once %(stages)s is completed.") % {"stages": ", ".join(blocked)}
            )
        if Enrolment.objects.filter(session=s, participant=participant, status__in=OPEN).exists():
            raise ValidationError(_("Already enrolled in this session."))
        taken = Enrolment.objects.filter(session=s, status__in=HOLDS_SEAT).count()
        status = EnrolmentStatus.ENROLLED if taken < s.capacity else EnrolmentStatus.WAITLISTED
        e = Enrolment.objects.create(session=s, participant=participant, status=status, enrolled_by=actor)
        relationship_open(
            participant=participant,
            organisation=s.course.provider,
            kind=RelationshipKind.TRAINING,
            source=relationship_source(e),
            actor=actor,
        )
        audit_record(
            actor=actor,
            action=AuditAction.ENROLLED,
            obj=e,
            organisation=acting_organisation(actor, s),
            after={"session": s.pk, "participant": participant.pk, "status": status},
        )
    return e


def enrolment_cancel(*, enrolment: Enrolment, actor: User, now: dt.datetime | None = None) -> Enrolment:
    """Cancel before the session starts. A freed seat goes to the first on the waiting list at once,
    in the same transaction (the session row is locked throughout)."""
    at = now or timezone.now()
    with transaction.atomic():
        s = lock_session(enrolment.session)
        e = (
            Enrolment.objects.select_for_update(of=("self",))
            .select_related("participant")
            .get(pk=enrolment.pk)
        )
        if not access.is_self(actor, e.participant) and not permissions.can_act_for(actor, e.participant, s):
            raise PermissionDenied
        if e.status not in CANCELLABLE:
            raise ValidationError(_("Only an enrolment or a place on the waiting list can be cancelled."))
        if s.has_started(at):
            raise ValidationError(_("The session has started, so the enrolment can no longer be cancelled."))
        was = e.status
        e.status = EnrolmentStatus.CANCELLED
        e.cancelled_at = at
        e.save(update_fields=["status", "cancelled_at", "updated_at"])
        rel = Relationship.objects.filter(
            participant=e.participant,
            organisation=s.course.provider,
            kind=RelationshipKind.TRAINING,
            source=relationship_source(e),
        ).first()
        if rel is not None:
            relationship_end(relationship=rel, actor=actor)
        audit_record(
            actor=actor,
            action=AuditAction.ENROLMENT_CANCELLED,
            obj=e,
            organisation=acting_organisation(actor, s),
            before={"status": was},
            after={"status": EnrolmentStatus.CANCELLED, "session": s.pk},
        )
        if was == EnrolmentStatus.ENROLLED:
            waitlist_promote(session=s, reason=_("A seat was freed by a cancellation."), now=at)
    return e
