"""Mentoring sessions, readiness assessments and completing P3 (through the pathway engine)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.core.files import file_kind
from kolabora.core.timeutils import today
from kolabora.participants.models import Participant
from kolabora.participants.services import business_figures_update
from kolabora.pathway.choices import StageStatus
from kolabora.pathway.models import ParticipantStage
from kolabora.pathway.services import TransitionRefused, stage_transition

from .. import selectors
from ..choices import AssignmentMethod, SessionMode, Topic
from ..models import PHOTO_MAX_BYTES, MentorAssignment, MentoringSession, ReadinessAssessment
from .assignments import assign_locked, lock_participant, mentor_name

if TYPE_CHECKING:
    from kolabora.accounts.models import User

# How far back a session may be recorded (a mentor catching up on paper notes).
BACKDATE_DAYS = 366


# --- sessions --------------------------------------------------------------------------------------------


@dataclass
class SessionInput:
    held_on: dt.date
    mode: str
    topics: list[str] = field(default_factory=list)
    notes: str = ""
    next_step: str = ""
    next_step_due: dt.date | None = None
    monthly_turnover: int | None = None
    photo: File | None = None


def photo_check(upload: File) -> str:
    """A JPEG or PNG by its content (not its name), at most 5 MB; returns the extension it really has."""
    if (upload.size or 0) > PHOTO_MAX_BYTES:
        raise ValidationError(_("The photo is larger than 5 MB."), code="photo_size")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    ext = file_kind(head)
    if ext not in ("jpg", "png"):
        raise ValidationError(_("The photo must be a JPEG or PNG image."), code="photo_type")
    return ext


def session_validate(data: SessionInput, *, day: dt.date | None = None) -> None:
    """Every problem with a session's input at once, as a ValidationError keyed by field."""
    day = day or today()
    errors: dict[str, str] = {}
    if data.held_on > day:
        errors["held_on"] = _("The session date cannot be in the future.")
    elif data.held_on < day - dt.timedelta(days=BACKDATE_DAYS):
        errors["held_on"] = _("Sessions older than a year cannot be recorded.")
    if data.mode not in SessionMode.values:
        errors["mode"] = _("Choose how the session took place.")
    unknown = [t for t in data.topics if t not in Topic.values]
    if not data.topics:
        errors["topics"] = _("Choose at least one topic.")
    elif unknown:
        errors["topics"] = _("Unknown topic: %(codes)s") % {"codes": ", ".join(unknown)}
    if data.next_step_due is not None and not data.next_step.strip():
        errors["next_step"] = _("Write the next step that is due on that date.")
    if data.next_step_due is not None and data.next_step_due < data.held_on:
        errors["next_step_due"] = _("The next step cannot be due before the session.")
    if data.monthly_turnover is not None and data.monthly_turnover < 0:
        errors["monthly_turnover"] = _("Turnover cannot be negative.")
    if data.photo is not None:
        try:
            photo_check(data.photo)
        except ValidationError as exc:
            errors["photo"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)


def _start_p3(participant: Participant, actor: User, now: dt.datetime) -> None:
    status = selectors.p3_status(participant)
    if status not in (StageStatus.NOT_STARTED, StageStatus.DROPPED):
        return
    try:
        stage_transition(
            participant=participant,
            stage="P3",
            to_status=StageStatus.IN_PROGRESS,
            # A mentor of the area moves P3 as themselves; a mentor reaching the participant only through
            # their assignment starts it as the platform, on the strength of that assignment.
            actor=actor if access.can_transition(actor, participant, "P3") else None,
            reason=_("Mentoring session logged by %(mentor)s") % {"mentor": mentor_name(actor)},
            at=now,
        )
    except TransitionRefused as exc:
        raise ValidationError(exc.rule, code="p3_refused") from None


def session_log(
    *, participant: Participant, actor: User, data: SessionInput, at: dt.datetime | None = None
) -> MentoringSession:
    """Record a mentoring session held by ``actor``, the participant's mentor.

    A mentor of the area who logs a session with a participant who has no mentor becomes their mentor
    (audited as an assignment). Starts P3 through the engine when it has not started (or had dropped).
    Counts as the participant's activity, so they leave the at-risk list. A turnover given with the
    session is recorded on the participant's business (their figures history). All or nothing.
    """
    now = at or timezone.now()
    if not access.can(actor, Action.PARTICIPANT_VIEW, participant):
        raise PermissionDenied
    session_validate(data, day=timezone.localdate(now))
    with transaction.atomic():
        p = lock_participant(participant)
        assignment = (
            MentorAssignment.objects.select_related("organisation")
            .filter(participant=p, ended_at__isnull=True)
            .first()
        )
        if assignment is None:
            candidate = selectors.candidate_for(actor, p)
            if candidate is None:
                raise PermissionDenied
            assignment = assign_locked(
                participant=p,
                candidate=candidate,
                method=AssignmentMethod.FIRST_SESSION,
                actor=actor,
                now=now,
            )
        elif assignment.mentor_id != actor.pk:
            if not selectors.is_mentor(actor):
                raise PermissionDenied
            raise ValidationError(
                _("%(mentor)s is this participant's mentor; ask the secretariat to change the mentor first.")
                % {"mentor": mentor_name(assignment.mentor)},
                code="other_mentor",
            )
        _start_p3(p, actor, now)
        session = MentoringSession(
            participant=p,
            mentor=actor,
            organisation=assignment.organisation,
            assignment=assignment,
            held_on=data.held_on,
            mode=data.mode,
            topics=list(dict.fromkeys(data.topics)),
            notes=data.notes.strip(),
            next_step=data.next_step.strip(),
            next_step_due=data.next_step_due,
            monthly_turnover=data.monthly_turnover,
        )
        if data.photo is not None:
            # The device's file name is not kept: it may carry personal data or a misleading extension.
            session.photo.save(f"foto.{photo_check(data.photo)}", data.photo, save=False)
        session.save()
        if data.monthly_turnover is not None:
            business = p.businesses.order_by("created_at", "id").first()
            if business is None:
                raise ValidationError(
                    {
                        "monthly_turnover": _(
                            "The participant has no business recorded to put the turnover on."
                        )
                    }
                )
            if business.monthly_turnover != data.monthly_turnover:
                business_figures_update(
                    business=business,
                    actor=actor,
                    assets=business.assets,
                    monthly_turnover=data.monthly_turnover,
                    workers=business.workers,
                )
        moment = now if data.held_on >= timezone.localdate(now) else _noon(data.held_on)
        # Last activity is the participant's denormalised "last seen" that the at-risk lists read; the
        # pathway engine moves it the same way on a stage change. It never goes back.
        Participant.objects.filter(pk=p.pk, last_activity_at__lt=moment).update(last_activity_at=moment)
        audit_record(
            actor=actor,
            action=AuditAction.MENTORING_SESSION_LOGGED,
            obj=session,
            organisation=assignment.organisation,
            after={
                "participant": p.pk,
                "held_on": session.held_on,
                "mode": session.mode,
                "topics": session.topics,
                "next_step_due": session.next_step_due,
                "photo": bool(session.photo),
                "turnover_recorded": data.monthly_turnover is not None,
            },
        )
    return session


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=timezone.get_current_timezone())


# --- readiness and completion ----------------------------------------------------------------------------


@dataclass
class ReadinessInput:
    ready: bool
    product: str = ""
    customers: str = ""
    price: int | None = None
    price_unit: str = ""
    next_step: str = ""
    notes: str = ""
    assessed_on: dt.date | None = None


def _require_current_mentor(actor: User, participant: Participant) -> MentorAssignment:
    assignment = selectors.current_assignment(participant=participant)
    if assignment is None or assignment.mentor_id != actor.pk:
        raise PermissionDenied
    if not access.can(actor, Action.PARTICIPANT_VIEW, participant):
        raise PermissionDenied
    return assignment


def readiness_assess(*, participant: Participant, actor: User, data: ReadinessInput) -> ReadinessAssessment:
    """The current mentor records whether the business is ready to move on, with its short business plan
    (product, customers, price, next step). Each assessment is kept; the latest one counts."""
    day = today()
    errors: dict[str, str] = {}
    assessed_on = data.assessed_on or day
    if assessed_on > day:
        errors["assessed_on"] = _("The assessment date cannot be in the future.")
    if data.price is not None and data.price < 1:
        errors["price"] = _("Give the price in whole Rupiah, more than zero.")
    if data.ready and not data.product.strip():
        errors["product"] = _("Say which product or service is ready.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        p = lock_participant(participant)
        assignment = _require_current_mentor(actor, p)
        assessment = ReadinessAssessment.objects.create(
            participant=p,
            mentor=actor,
            assessed_on=assessed_on,
            product=data.product.strip(),
            customers=data.customers.strip(),
            price=data.price,
            price_unit=data.price_unit.strip(),
            next_step=data.next_step.strip(),
            ready=data.ready,
            notes=data.notes.strip(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.READINESS_ASSESSED,
            obj=assessment,
            organisation=assignment.organisation,
            after={
                "participant": p.pk,
                "ready": assessment.ready,
                "plan_missing": assessment.plan_missing(),
            },
        )
    return assessment


def p3_complete(*, participant: Participant, actor: User) -> ParticipantStage:
    """The current mentor completes P3 once the programme's criteria are met (by default two sessions and
    a readiness assessment judged ready with a short business plan). A refusal is a ValidationError that
    lists what is missing. The change itself is the engine's, with its audit row."""
    with transaction.atomic():
        p = lock_participant(participant)
        _require_current_mentor(actor, p)
        check = selectors.completion_check(participant=p)
        if not check.ok:
            raise ValidationError([ValidationError(m, code="criteria") for m in check.missing])
        try:
            return stage_transition(
                participant=p,
                stage="P3",
                to_status=StageStatus.COMPLETED,
                actor=actor,
                reason=_("Mentoring criteria met: %(n)d sessions and a readiness assessment.")
                % {"n": check.sessions},
            )
        except TransitionRefused as exc:
            raise ValidationError(exc.rule, code="p3_refused") from None
