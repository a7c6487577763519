"""Feeding P5 into the pathway. ``stage_transition`` stays the only writer of stage statuses; these call it
as the platform (actor None), the way licensing completes P4 when a licence is issued."""

from __future__ import annotations

import logging

from django.db import transaction

from kolabora.participants.models import Participant
from kolabora.pathway.choices import StageStatus
from kolabora.pathway.models import ParticipantStage
from kolabora.pathway.services import TransitionRefused, stage_transition

logger = logging.getLogger("kolabora.marketing")


def p5_complete(*, participant: Participant, reason: str) -> str | None:
    """Complete P5 (a first published product, or a place taken at an opportunity).

    Returns None when P5 is now complete (also when it already was, e.g. from imported history), or the
    programme's rule in words when the engine refuses: P5 needs P4, licensing, complete first. The caller's
    own change stands either way (the engine's refusal rolls back only its savepoint); the daily sweep
    (``p5_catch_up``) completes P5 once P4 is done.
    """
    row = ParticipantStage.objects.filter(participant_id=participant.pk, code="P5").first()
    if row is None or row.status == StageStatus.COMPLETED:
        return None
    try:
        with transaction.atomic():
            stage_transition(
                participant=participant,
                stage="P5",
                to_status=StageStatus.COMPLETED,
                actor=None,
                reason=reason,
            )
    except TransitionRefused as refused:
        logger.info("P5 not completed for participant %s: %s", participant.pk, refused.code)
        return refused.rule
    return None


def p5_start(*, participant: Participant, reason: str) -> None:
    """Mark P5 in progress when a participant starts on marketing (a first product, a first application).

    Quietly does nothing when P5 has begun already or the rules do not allow it yet (P4 not complete): the
    participant's work is kept, and P5 completes later through ``p5_complete``.
    """
    row = ParticipantStage.objects.filter(participant_id=participant.pk, code="P5").first()
    if row is None or row.status != StageStatus.NOT_STARTED:
        return
    try:
        with transaction.atomic():
            stage_transition(
                participant=participant,
                stage="P5",
                to_status=StageStatus.IN_PROGRESS,
                actor=None,
                reason=reason,
            )
    except TransitionRefused:
        return
