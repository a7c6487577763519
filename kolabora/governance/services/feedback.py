"""Participants' feedback on a service they received, and the responsible organisation's answer.

Giving feedback hands it to the organisation as a hand-off with a service level (working days,
``KOLABORA["FEEDBACK_ANSWER_DAYS"]``, 3 by default), so it shows in their accountability figures and the
overdue sweep; answering closes that hand-off (recording whether it was within the service level) and
notifies the participant.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from kolabora.accounts.models import User
from kolabora.core import access
from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.handoffs.services import handoff_finish, handoff_open
from kolabora.notifications.services import notify

from ..choices import FeedbackStatus
from ..feedback_kinds import KINDS
from ..models import Feedback
from ..themes import tag

if TYPE_CHECKING:
    from kolabora.participants.models import Participant

SUBJECT = "governance.feedback"
STEP = "feedback_answer"
TEXT_MAX = 2000
ANSWER_MIN = 10


def answer_days() -> int:
    """The service level for answering feedback, in working days."""
    return int(getattr(settings, "KOLABORA", {}).get("FEEDBACK_ANSWER_DAYS", 3))


def feedback_give(
    *,
    participant: Participant,
    kind: str,
    subject_id: int,
    rating: int,
    comment: str,
    actor: User,
    at: dt.datetime | None = None,
) -> Feedback:
    """The participant rates (1–5) and comments on a service they received; the responsible organisation
    gets it as a hand-off to answer. Only the participant themselves gives their feedback, once per service."""
    if not access.is_self(actor, participant) or participant.status != "active":
        raise PermissionDenied
    handler = KINDS.get(kind)
    if handler is None:
        raise ValidationError({"kind": _("Unknown kind of service: %(kind)s.") % {"kind": kind}})
    errors: dict[str, str] = {}
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        errors["rating"] = _("Choose a rating from 1 (very poor) to 5 (very good).")
    comment = (comment or "").strip()
    if len(comment) > TEXT_MAX:
        errors["comment"] = _("Keep the comment under %(n)s characters.") % {"n": TEXT_MAX}
    if errors:
        raise ValidationError(errors)
    service = handler.get(participant, subject_id)
    if service is None:
        raise ValidationError(
            _("You can only give feedback on a service you received: this %(kind)s is not among yours.")
            % {"kind": str(handler.label).lower()}
        )
    if Feedback.objects.filter(
        participant=participant, subject_type=handler.subject_type, subject_id=subject_id
    ).exists():
        raise ValidationError(_("You have already given feedback on this service."))
    now = at or timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                fb = Feedback.objects.create(
                    participant=participant,
                    kind=handler.code,
                    subject_type=handler.subject_type,
                    subject_id=subject_id,
                    organisation=service.organisation,
                    service_title=service.title[:200],
                    service_date=service.date,
                    rating=rating,
                    comment=comment,
                    themes=tag(comment),
                )
        except IntegrityError:
            raise ValidationError(_("You have already given feedback on this service.")) from None
        if at is not None:
            Feedback.objects.filter(pk=fb.pk).update(created_at=now)
            fb.created_at = now
        with translation.override(settings.LANGUAGE_CODE):
            step_name = _("Answer a participant's feedback")
        fb.handoff = handoff_open(
            subject_type=SUBJECT,
            subject_id=fb.pk,
            step=STEP,
            step_name=step_name,
            organisation=service.organisation,
            service_days=answer_days(),
            participant=participant,
            actor=actor,
            at=now,
        )
        fb.save(update_fields=["handoff", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.FEEDBACK_GIVEN,
            obj=fb,
            organisation=service.organisation,
            after={
                "subject": f"{handler.subject_type}:{subject_id}",
                "rating": rating,
                "themes": fb.themes,
                "due_on": fb.handoff.due_on,
            },
        )
        _notify_organisation(fb)
    return fb


def _notify_organisation(fb: Feedback) -> None:
    members = User.objects.filter(
        memberships__organisation_id=fb.organisation_id, memberships__is_active=True, is_active=True
    ).distinct()
    assert fb.handoff is not None
    with translation.override(settings.LANGUAGE_CODE):
        notify(
            users=list(members),
            subject=_("Feedback to answer: %(service)s (%(rating)s/5)")
            % {"service": fb.service_title, "rating": fb.rating},
            body=_(
                "A participant rated “%(service)s” %(rating)s out of 5 and is waiting for your answer. "
                "Answer by %(due)s (service level: %(days)s working days)."
            )
            % {
                "service": fb.service_title,
                "rating": fb.rating,
                "due": formats.date_format(fb.handoff.due_on, "j F Y"),
                "days": fb.handoff.service_days,
            },
            link=reverse("governance:feedback_detail", args=[fb.pk]),
            kind="feedback_received",
        )


def feedback_answer(
    *, feedback: Feedback, actor: User, answer: str, at: dt.datetime | None = None
) -> Feedback:
    """The responsible organisation answers; closes the hand-off and notifies the participant."""
    answer = (answer or "").strip()
    if len(answer) < ANSWER_MIN:
        raise ValidationError(
            {
                "answer": _("Write an answer of at least %(n)s characters to the participant.")
                % {"n": ANSWER_MIN}
            }
        )
    if len(answer) > TEXT_MAX:
        raise ValidationError({"answer": _("Keep the answer under %(n)s characters.") % {"n": TEXT_MAX}})
    now = at or timezone.now()
    with transaction.atomic():
        fb = (
            Feedback.objects.select_for_update(of=("self",))
            .select_related("participant", "participant__user", "organisation", "handoff")
            .get(pk=feedback.pk)
        )
        if not access.can_answer_feedback(actor, fb):
            raise PermissionDenied
        if fb.status != FeedbackStatus.OPEN:
            raise ValidationError(_("This feedback has already been answered."))
        fb.status = FeedbackStatus.ANSWERED
        fb.answer = answer
        fb.answered_at = now
        fb.answered_by = actor
        fb.save(update_fields=["status", "answer", "answered_at", "answered_by", "updated_at"])
        within = None
        if fb.handoff is not None:
            with translation.override(settings.LANGUAGE_CODE):
                outcome = _("Answered")
            fb.handoff = handoff_finish(handoff=fb.handoff, actor=actor, outcome=outcome, at=now)
            within = fb.handoff.within_service_level
        audit_record(
            actor=actor,
            action=AuditAction.FEEDBACK_ANSWERED,
            obj=fb,
            organisation=fb.organisation,
            after={"within_service_level": within},
        )
        if fb.participant.user is not None:
            with translation.override(settings.LANGUAGE_CODE):
                notify(
                    users=[fb.participant.user],
                    subject=_("%(organisation)s answered your feedback")
                    % {"organisation": fb.organisation.name},
                    body=_("About “%(service)s”: %(answer)s")
                    % {"service": fb.service_title, "answer": answer},
                    link=reverse("governance:my_feedback"),
                    kind="feedback_answered",
                )
    return fb
