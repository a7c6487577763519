"""Reads for licensing: the case timeline, inboxes, and public verification."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.handoffs.choices import HandoffStatus
from kolabora.handoffs.models import Handoff
from kolabora.participants.models import Participant

from .choices import ApplicationStatus, ItemReview, LicenceStatus
from .models import Licence, LicenceApplication
from .services import SUBJECT

if TYPE_CHECKING:
    from kolabora.core.access import AnyUser


@dataclass(frozen=True)
class TimelineStep:
    code: str
    name: str
    state: str  # done | current | waiting_on_you | upcoming | refused
    holder: str
    due_on: dt.date | None
    done_at: dt.datetime | None
    outcome: str
    within_service_level: bool | None
    assignee: str


def application_timeline(application: LicenceApplication) -> list[TimelineStep]:
    """The case as the applicant sees it: done steps, the current step with who has it and by when, and
    what (if anything) waits on the applicant."""
    handoffs = list(
        Handoff.objects.filter(subject_type=SUBJECT, subject_id=application.pk)
        .select_related("organisation", "assignee")
        .order_by("received_at", "pk")
    )
    steps: list[TimelineStep] = []
    for h in handoffs:
        state = "current" if h.status == HandoffStatus.OPEN else "done"
        steps.append(
            TimelineStep(
                code=h.step,
                name=h.step_name,
                state=state,
                holder=h.organisation.name,
                due_on=h.due_on,
                done_at=h.done_at,
                outcome=h.outcome,
                within_service_level=h.within_service_level,
                assignee=str(h.assignee) if h.assignee else "",
            )
        )
    if application.status in (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED):
        steps.append(
            TimelineStep(
                code="applicant",
                name="",
                state="waiting_on_you",
                holder="",
                due_on=None,
                done_at=None,
                outcome="",
                within_service_level=None,
                assignee="",
            )
        )
    done_or_current = {s.code for s in steps if s.state in ("done", "current")}
    if application.status not in (
        ApplicationStatus.REFUSED,
        ApplicationStatus.ISSUED,
        ApplicationStatus.WITHDRAWN,
    ):
        for definition in application.licence_type.steps.order_by("order"):
            if definition.code not in done_or_current:
                steps.append(
                    TimelineStep(
                        code=definition.code,
                        name=definition.name_id,
                        state="upcoming",
                        holder="",
                        due_on=None,
                        done_at=None,
                        outcome="",
                        within_service_level=None,
                        assignee="",
                    )
                )
    return steps


def returned_items(application: LicenceApplication) -> list[tuple[str, str]]:
    """What the applicant must fix: (requirement name, reason), all at once."""
    return [
        (i.requirement.name, i.review_reason)
        for i in application.items.filter(review=ItemReview.RETURNED).select_related("requirement")
    ]


def inbox(*, user: AnyUser, organisation_id: int | None = None) -> QuerySet[Handoff]:
    """Open hand-offs of the organisations the user acts for, overdue first, then by due date."""
    orgs = access.member_organisation_ids(user)
    if organisation_id is not None:
        orgs = orgs & {organisation_id}
    return (
        Handoff.objects.filter(organisation_id__in=orgs, status=HandoffStatus.OPEN)
        .select_related("organisation", "assignee", "participant")
        .order_by("due_on", "received_at")
    )


def application_list(*, user: AnyUser) -> QuerySet[LicenceApplication]:
    """Applications of the participants the user may see."""
    participants = access.scope(user, Participant.objects.all(), Action.PARTICIPANT_VIEW)
    return (
        LicenceApplication.objects.filter(participant__in=participants)
        .select_related("licence_type", "business", "participant", "kelurahan")
        .order_by("-created_at")
    )


@dataclass(frozen=True)
class PublicLicence:
    valid: bool
    status: str
    licence_type: str
    business_name: str
    kelurahan: str
    number: str
    issued_on: dt.date
    valid_until: dt.date | None


def licence_verify(*, code: str) -> PublicLicence | None:
    """What the public may learn from a certificate's QR code: no personal data."""
    lic = (
        Licence.objects.filter(verification_code=code)
        .select_related("licence_type", "business", "participant__kelurahan")
        .first()
    )
    if lic is None:
        return None
    today = timezone.localdate()
    valid = lic.status == LicenceStatus.VALID and (lic.valid_until is None or lic.valid_until >= today)
    return PublicLicence(
        valid=valid,
        status=lic.status,
        licence_type=lic.licence_type.name,
        business_name=lic.business.name,
        kelurahan=lic.participant.kelurahan.name,
        number=lic.number,
        issued_on=lic.issued_on,
        valid_until=lic.valid_until,
    )
