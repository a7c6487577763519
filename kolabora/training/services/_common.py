"""Helpers shared by the training services: locking, the acting organisation, and feeding P2."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.pathway.choices import StageStatus
from kolabora.pathway.models import ParticipantStage
from kolabora.pathway.services import TransitionRefused, stage_transition

from ..models import TrainingSession

if TYPE_CHECKING:
    from kolabora.accounts.models import User
    from kolabora.organisations.models import Organisation
    from kolabora.participants.models import Participant

    from ..models import Course

logger = logging.getLogger("kolabora.training")


def lock_session(session: TrainingSession) -> TrainingSession:
    """Lock the session row: every change to its seats, waiting list or attendance starts here, so two
    people taking the last seat at once are served one after the other."""
    return (
        TrainingSession.objects.select_for_update(of=("self",))
        .select_related("course", "course__provider", "region")
        .get(pk=session.pk)
    )


def acting_organisation(actor: User | None, session: TrainingSession) -> Organisation | None:
    """For the audit row: the provider when the actor acts for it, else their office over the kecamatan."""
    if actor is None or not actor.is_authenticated:
        return None
    provider = session.course.provider
    if provider.pk in access.member_organisation_ids(actor):
        return provider
    if not access.memberships(actor):
        return None  # a participant acting for themselves
    return access.acting_organisation(actor, Action.PARTICIPANT_EDIT, session.region_id)


def p2_advance(*, participant: Participant, course: Course, reason: str) -> str | None:
    """Feed a finished course into the pathway, through the engine (actor None: the platform).

    Finishing level n moves P2 to in progress at level n, never lowering the level; reaching the
    programme's required level completes P2. Returns the engine's refusal in words, or None when P2 now
    stands where it should (including when it already did).
    """
    row = (
        ParticipantStage.objects.select_related("stage__programme")
        .filter(participant_id=participant.pk, code="P2")
        .first()
    )
    if row is None:
        return _("This participant has no training stage.")
    level = course.level
    required = row.stage.programme.required_training_level
    reached = max(level, row.level or 0)
    to = (
        StageStatus.COMPLETED
        if reached >= required or row.status == StageStatus.COMPLETED
        else StageStatus.IN_PROGRESS
    )
    try:
        stage_transition(
            participant=participant,
            stage="P2",
            to_status=to,
            actor=None,
            reason=reason,
            level=level if level > (row.level or 0) else None,
        )
    except TransitionRefused as exc:
        if exc.code == "unchanged":
            return None
        logger.warning("P2 not advanced for participant %s: %s", participant.pk, exc.rule)
        return exc.rule
    return None
