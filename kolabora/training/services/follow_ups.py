"""The follow-up: weeks after a course, three questions on whether it is being applied (seed 003)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction

from .. import permissions
from ..models import Course, FollowUp

if TYPE_CHECKING:
    from kolabora.accounts.models import User


def follow_up_answer(
    *,
    follow_up: FollowUp,
    actor: User,
    applied: bool,
    bookkeeping: bool,
    selling_online: bool,
    note: str = "",
    now: dt.datetime | None = None,
) -> FollowUp:
    """Record the answers (the participant or their mentor), once, from the due date. The course's
    counters move in the same transaction, so its application rate is always current."""
    at = now or timezone.now()
    with transaction.atomic():
        f = (
            FollowUp.objects.select_for_update(of=("self",))
            .select_related("enrolment__participant", "enrolment__session__course")
            .get(pk=follow_up.pk)
        )
        if not permissions.can_answer_follow_up(actor, f.enrolment.participant):
            raise PermissionDenied
        if f.answered_at is not None:
            raise ValidationError(_("These questions have already been answered."))
        if timezone.localdate(at) < f.due_on:
            raise ValidationError(
                _("These questions open on %(date)s, when there has been time to put the course to use.")
                % {"date": date_format(f.due_on, "j F Y")}
            )
        f.applied, f.bookkeeping, f.selling_online = applied, bookkeeping, selling_online
        f.note = note.strip()
        f.answered_at = at
        f.answered_by = actor
        f.save()
        Course.objects.filter(pk=f.enrolment.session.course_id).update(
            follow_ups_answered=F("follow_ups_answered") + 1,
            follow_ups_applied=F("follow_ups_applied") + int(applied),
            follow_ups_bookkeeping=F("follow_ups_bookkeeping") + int(bookkeeping),
            follow_ups_selling_online=F("follow_ups_selling_online") + int(selling_online),
        )
        audit_record(
            actor=actor,
            action=AuditAction.FOLLOW_UP_ANSWERED,
            obj=f,
            after={
                "participant": f.enrolment.participant_id,
                "course": f.enrolment.session.course_id,
                "applied": applied,
                "bookkeeping": bookkeeping,
                "selling_online": selling_online,
            },
        )
    return f
