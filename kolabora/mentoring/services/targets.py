"""Mentors' targets per period."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction

from .. import selectors
from ..choices import TargetMeasure
from ..models import MentorTarget

if TYPE_CHECKING:
    from kolabora.accounts.models import User


# --- targets ---------------------------------------------------------------------------------------------


def mentor_target_set(
    *,
    mentor: User,
    period_start: dt.date,
    period_end: dt.date,
    target: int,
    measure: str = TargetMeasure.MENTORED,
    actor: User,
) -> MentorTarget:
    """Set (or change) a mentor's target for a period. The actor manages the mentor's organisation's area
    (its secretariat or a programme manager). Audited with the previous value."""
    errors: dict[str, str] = {}
    if period_end < period_start:
        errors["period_end"] = _("The period cannot end before it starts.")
    if target < 1:
        errors["target"] = _("The target must be at least 1.")
    if measure not in TargetMeasure.values:
        errors["measure"] = _("Choose what the target counts.")
    if errors:
        raise ValidationError(errors)
    membership = next(
        (m for m in selectors.managed_mentors(actor).filter(user=mentor)),
        None,
    )
    if membership is None:
        raise PermissionDenied
    with transaction.atomic():
        existing = (
            MentorTarget.objects.select_for_update().filter(mentor=mentor, period_start=period_start).first()
        )
        before = (
            {"period_end": existing.period_end, "target": existing.target, "measure": existing.measure}
            if existing
            else {}
        )
        row = existing or MentorTarget(mentor=mentor, period_start=period_start)
        row.organisation = membership.organisation
        row.period_end = period_end
        row.target = target
        row.measure = measure
        row.set_by = actor
        row.save()
        audit_record(
            actor=actor,
            action=AuditAction.MENTOR_TARGET_SET,
            obj=row,
            organisation=access.acting_organisation(
                actor, Action.PARTICIPANT_EDIT, membership.organisation.region_id
            ),
            before=before,
            after={
                "mentor": mentor.pk,
                "period_start": period_start,
                "period_end": period_end,
                "target": target,
                "measure": measure,
            },
        )
    return row
