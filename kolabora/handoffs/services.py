"""Opening, finishing and reassigning hand-offs, and the overdue sweep."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import lokal
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kolabora.core import access
from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction

from .choices import HandoffStatus
from .models import Handoff

if TYPE_CHECKING:
    from kolabora.accounts.models import User
    from kolabora.organisations.models import Organisation
    from kolabora.participants.models import Participant


def due_date(received: dt.datetime, service_days: int) -> dt.date:
    """The date ``service_days`` working days after the local date of ``received`` (holidays skipped)."""
    day = timezone.localdate(received)
    result = lokal.add_working_days(day, service_days)
    assert isinstance(result, dt.date)
    return result


def handoff_open(
    *,
    subject_type: str,
    subject_id: int,
    step: str,
    step_name: str,
    organisation: Organisation,
    service_days: int,
    participant: Participant | None = None,
    assignee: User | None = None,
    actor: User | None = None,
    at: dt.datetime | None = None,
) -> Handoff:
    """Hand a step to an organisation. Call inside the transaction that moves the case."""
    received = at or timezone.now()
    handoff = Handoff.objects.create(
        subject_type=subject_type,
        subject_id=subject_id,
        participant=participant,
        step=step,
        step_name=step_name,
        organisation=organisation,
        assignee=assignee,
        received_at=received,
        service_days=service_days,
        due_on=due_date(received, service_days),
    )
    audit_record(
        actor=actor,
        action=AuditAction.HANDOFF_OPENED,
        obj=handoff,
        organisation=organisation,
        after={"subject": f"{subject_type}:{subject_id}", "step": step, "due_on": handoff.due_on},
    )
    return handoff


def handoff_finish(
    *, handoff: Handoff, actor: User | None, outcome: str, at: dt.datetime | None = None
) -> Handoff:
    """Close the open hand-off; records whether it was done within its service level."""
    done = at or timezone.now()
    h = Handoff.objects.select_for_update().get(pk=handoff.pk)
    if h.status != HandoffStatus.OPEN:
        raise ValidationError(_("This step has already been handled."))
    h.status = HandoffStatus.DONE
    h.done_at = done
    h.outcome = outcome[:200]
    h.within_service_level = timezone.localdate(done) <= h.due_on
    h.save()
    audit_record(
        actor=actor,
        action=AuditAction.HANDOFF_DONE,
        obj=h,
        organisation=h.organisation,
        after={"step": h.step, "outcome": h.outcome, "within_service_level": h.within_service_level},
    )
    return h


def handoff_cancel(*, handoff: Handoff, actor: User | None, reason: str) -> Handoff:
    h = Handoff.objects.select_for_update().get(pk=handoff.pk)
    if h.status == HandoffStatus.OPEN:
        h.status = HandoffStatus.CANCELLED
        h.done_at = timezone.now()
        h.outcome = reason[:200]
        h.save()
    return h


def handoff_reassign(*, handoff: Handoff, assignee: User | None, actor: User) -> Handoff:
    """Give the step to another person of the same organisation (audited)."""
    from kolabora.organisations.models import Membership

    with transaction.atomic():
        h = Handoff.objects.select_for_update().get(pk=handoff.pk)
        if not (access.is_system_admin(actor) or h.organisation_id in access.member_organisation_ids(actor)):
            raise PermissionDenied
        if h.status != HandoffStatus.OPEN:
            raise ValidationError(_("This step has already been handled."))
        if (
            assignee is not None
            and not Membership.objects.filter(
                user=assignee, organisation_id=h.organisation_id, is_active=True
            ).exists()
        ):
            raise ValidationError(
                {"assignee": _("Choose someone who works for the organisation holding this step.")}
            )
        before = h.assignee_id
        h.assignee = assignee
        h.save(update_fields=["assignee", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.HANDOFF_REASSIGNED,
            obj=h,
            organisation=h.organisation,
            before={"assignee": before},
            after={"assignee": assignee.pk if assignee else None},
        )
    return h


def handoffs_mark_overdue(*, today: dt.date | None = None) -> list[int]:
    """Note every open hand-off past its due date (once each) and return the ids this run noted."""
    day = today or timezone.localdate()
    noted: list[int] = []
    ids = list(
        Handoff.objects.filter(
            status=HandoffStatus.OPEN, due_on__lt=day, overdue_noted_at__isnull=True
        ).values_list("pk", flat=True)
    )
    now = timezone.now()
    for pk in ids:
        with transaction.atomic():
            h = Handoff.objects.select_for_update().get(pk=pk)
            if h.status == HandoffStatus.OPEN and h.overdue_noted_at is None:
                h.overdue_noted_at = now
                h.save(update_fields=["overdue_noted_at", "updated_at"])
                audit_record(
                    actor=None,
                    action=AuditAction.HANDOFF_OVERDUE,
                    obj=h,
                    organisation=h.organisation,
                    after={"due_on": h.due_on, "step": h.step},
                )
                noted.append(pk)
    return noted
