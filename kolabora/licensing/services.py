"""The licensing case: every write is one function that locks the application, checks its state and
the actor, moves the hand-offs, and writes one audit row. Issuing completes P4 through the pathway."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kolabora.core import access
from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.handoffs.choices import HandoffStatus
from kolabora.handoffs.models import Handoff
from kolabora.handoffs.services import handoff_finish, handoff_open
from kolabora.organisations.choices import OrganisationType, Role
from kolabora.organisations.models import Organisation
from kolabora.participants.choices import ConsentPurpose, RelationshipKind
from kolabora.participants.models import Business, Participant
from kolabora.participants.services import relationship_open
from kolabora.pathway.choices import StageStatus
from kolabora.pathway.models import ParticipantStage
from kolabora.pathway.services import stage_transition
from kolabora.regions.models import Region

from .choices import (
    FORBIDDEN_ZONES,
    OPEN_STATUSES,
    STATUS_STEP,
    ApplicationStatus,
    ItemReview,
    LicenceStatus,
    RiskLevel,
    Zoning,
)
from .models import (
    ApplicationItem,
    Licence,
    LicenceApplication,
    LicenceType,
    Recommendation,
    RequirementDefinition,
    SiteSurvey,
    StepDefinition,
    SurveyPhoto,
)
from .uploads import check_upload

if TYPE_CHECKING:
    from kolabora.accounts.models import User
    from kolabora.core.access import AnyUser

SUBJECT = "licensing.licenceapplication"
STEP_STATUS = {step: status for status, step in STATUS_STEP.items()}
# Who may act on each step, as roles of the organisation holding it.
STEP_ROLES = {
    "verification": {Role.PTSP_OFFICER},
    "survey": {Role.KELURAHAN_STAFF, Role.LURAH, Role.PTSP_OFFICER},
    "recommendation": {Role.LURAH},
    "issuance": {Role.PTSP_OFFICER},
}


def _holder(holder_type: str, kelurahan: Region) -> Organisation:
    """The organisation of ``holder_type`` serving the kelurahan (or, failing that, its kecamatan)."""
    for code in (kelurahan.code, kelurahan.code[:8]):
        org = (
            Organisation.objects.filter(type=holder_type, region_id=code, is_active=True)
            .order_by("pk")
            .first()
        )
        if org is not None:
            return org
    label = OrganisationType(holder_type).label if holder_type in OrganisationType.values else holder_type
    raise ValidationError(
        _("No %(holder)s serves kelurahan %(kelurahan)s in Kolabora yet; ask the kecamatan secretariat.")
        % {"holder": label, "kelurahan": kelurahan.name}
    )


def _steps(licence_type: LicenceType) -> list[StepDefinition]:
    return list(licence_type.steps.order_by("order"))


def _lock(application: LicenceApplication) -> LicenceApplication:
    return (
        LicenceApplication.objects.select_for_update()
        .select_related("licence_type", "kelurahan", "participant", "ptsp")
        .get(pk=application.pk)
    )


def _open_handoff(app: LicenceApplication) -> Handoff | None:
    return Handoff.objects.filter(subject_type=SUBJECT, subject_id=app.pk, status=HandoffStatus.OPEN).first()


def _require_step(actor: User, app: LicenceApplication, step: str) -> Handoff:
    """The actor must belong, in a role that may act on ``step``, to the organisation holding it now."""
    if STATUS_STEP.get(ApplicationStatus(app.status)) != step:
        raise ValidationError(
            _("This application is no longer at this step (now: %(status)s).")
            % {"status": ApplicationStatus(app.status).label}
        )
    handoff = _open_handoff(app)
    if handoff is None:
        raise ValidationError(_("This step has already been handled."))
    if not may_act_on(actor, handoff):
        raise PermissionDenied
    return handoff


def may_act_on(user: AnyUser, handoff: Handoff | None) -> bool:
    """Does the user act, in a role for this step, for the organisation holding it?"""
    if handoff is None:
        return False
    return access.is_system_admin(user) or access.member_with_role(
        user, handoff.organisation_id, STEP_ROLES.get(handoff.step, set())
    )


def _hand_to(app: LicenceApplication, step: StepDefinition, actor: User | None, at: dt.datetime) -> Handoff:
    org = _holder(step.holder_type, app.kelurahan)
    relationship_open(
        participant=app.participant,
        organisation=org,
        kind=RelationshipKind.LICENSING,
        source=f"licence_application:{app.pk}",
        actor=actor,
    )
    return handoff_open(
        subject_type=SUBJECT,
        subject_id=app.pk,
        step=step.code,
        step_name=step.name_id,
        organisation=org,
        service_days=step.service_days,
        participant=app.participant,
        actor=actor,
        at=at,
    )


def _advance(app: LicenceApplication, after: str, actor: User | None, at: dt.datetime) -> None:
    """Move to the step after ``after`` (or to issued when none is left is handled by the caller)."""
    steps = _steps(app.licence_type)
    codes = [s.code for s in steps]
    nxt = steps[codes.index(after) + 1]
    app.status = STEP_STATUS[nxt.code]
    app.save(update_fields=["status", "updated_at"])
    _hand_to(app, nxt, actor, at)


def _p4(participant: Participant, to: str, actor: User | None, reason: str) -> None:
    row = ParticipantStage.objects.filter(participant=participant, code="P4").first()
    if row is None or row.status == to or row.status == StageStatus.COMPLETED:
        return
    stage_transition(participant=participant, stage="P4", to_status=to, actor=actor, reason=reason)


def application_open(
    *,
    participant: Participant,
    business: Business,
    licence_type: LicenceType,
    actor: User,
    location_address: str = "",
    kelurahan: Region | None = None,
) -> LicenceApplication:
    """Start an application (the participant, or their mentor or kecamatan staff on their behalf).

    Needs the participant's consent to sharing with licensing offices: the PTSP receives their data.
    """
    if not access.can_apply_for(actor, participant):
        raise PermissionDenied
    if business.participant_id != participant.pk:
        raise ValidationError({"business": _("This business belongs to someone else.")})
    if not licence_type.issued_here or not licence_type.is_active:
        raise ValidationError(
            {
                "licence_type": _(
                    "This licence is not issued through Kolabora; record it as an existing licence."
                )
            }
        )
    if not access.consent_is_open(participant, ConsentPurpose.LICENSING_OFFICES):
        raise ValidationError(
            {"consent": _("The participant must first agree to share their data with licensing offices.")}
        )
    place = kelurahan or participant.kelurahan
    if LicenceApplication.objects.filter(
        business=business, licence_type=licence_type, status__in=OPEN_STATUSES
    ).exists():
        raise ValidationError(_("This business already has an open application for this licence."))
    ptsp = _holder(OrganisationType.PTSP_UNIT, place)
    with transaction.atomic():
        app = LicenceApplication.objects.create(
            participant=participant,
            business=business,
            licence_type=licence_type,
            kelurahan=place,
            location_address=(location_address or participant.address).strip(),
            ptsp=ptsp,
            opened_by=actor,
        )
        relationship_open(
            participant=participant,
            organisation=ptsp,
            kind=RelationshipKind.LICENSING,
            source=f"licence_application:{app.pk}",
            actor=actor,
        )
        audit_record(
            actor=actor,
            action=AuditAction.LICENCE_APPLICATION_OPENED,
            obj=app,
            after={"participant": participant.pk, "licence_type": licence_type.code, "ptsp": ptsp.pk},
        )
    return app


def checklist(app: LicenceApplication) -> list[tuple[RequirementDefinition, ApplicationItem | None]]:
    """Every requirement of the licence type with what has been supplied for it."""
    items = {i.requirement_id: i for i in app.items.all()}
    return [(r, items.get(r.pk)) for r in app.licence_type.requirements.order_by("order")]


def item_upload(
    *, application: LicenceApplication, requirement: RequirementDefinition, upload: File, actor: User
) -> ApplicationItem:
    """Supply (or replace) the document for one requirement while the application is with the applicant."""
    if not access.can_apply_for(actor, application.participant):
        raise PermissionDenied
    if requirement.licence_type_id != application.licence_type_id:
        raise ValidationError(_("This requirement belongs to another licence type."))
    check_upload(upload, extensions=list(requirement.extensions), max_mb=requirement.max_mb)
    with transaction.atomic():
        app = _lock(application)
        if app.status not in (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED):
            raise ValidationError(_("Documents can be changed only while the application is with you."))
        item = ApplicationItem.objects.filter(application=app, requirement=requirement).first()
        if item is None:
            item = ApplicationItem(application=app, requirement=requirement)
        item.file = upload
        item.review = ItemReview.PENDING
        item.review_reason = ""
        item.save()
        audit_record(
            actor=actor,
            action=AuditAction.LICENCE_DOCUMENT_UPLOADED,
            obj=app,
            after={"requirement": requirement.code},
        )
    return item


def application_submit(
    *, application: LicenceApplication, actor: User, at: dt.datetime | None = None
) -> LicenceApplication:
    """Hand the application to the PTSP; refused while a required item is missing or still to be fixed."""
    if not access.can_apply_for(actor, application.participant):
        raise PermissionDenied
    now = at or timezone.now()
    with transaction.atomic():
        app = _lock(application)
        if app.status not in (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED):
            raise ValidationError(_("This application has already been submitted."))
        missing = [
            r.name
            for r, item in checklist(app)
            if r.required and (item is None or item.review == ItemReview.RETURNED)
        ]
        if missing:
            raise ValidationError(
                _("Still needed before submitting: %(items)s.") % {"items": "; ".join(missing)}
            )
        first = _steps(app.licence_type)[0]
        app.status = STEP_STATUS[first.code]
        app.submitted_at = now
        app.first_submitted_at = app.first_submitted_at or now
        app.submissions += 1
        app.save()
        _hand_to(app, first, actor, now)
        audit_record(
            actor=actor,
            action=AuditAction.LICENCE_APPLICATION_SUBMITTED,
            obj=app,
            after={"submission": app.submissions},
        )
        _p4(app.participant, StageStatus.IN_PROGRESS, None, _("Licence application submitted"))
    return app


def application_verify(
    *, application: LicenceApplication, actor: User, returns: dict[int, str], at: dt.datetime | None = None
) -> LicenceApplication:
    """PTSP checks completeness in one pass: ``returns`` maps item ids to what must be fixed. With any
    return the whole list goes back to the applicant at once; otherwise the case moves to the next step."""
    now = at or timezone.now()
    with transaction.atomic():
        app = _lock(application)
        handoff = _require_step(actor, app, "verification")
        items = {i.pk: i for i in app.items.all()}
        unknown = [pk for pk in returns if pk not in items]
        if unknown:
            raise ValidationError(_("Unknown item in the review."))
        if any(not reason.strip() for reason in returns.values()):
            raise ValidationError(_("Say what must be fixed for every returned item."))
        for pk, item in items.items():
            item.review = ItemReview.RETURNED if pk in returns else ItemReview.ACCEPTED
            item.review_reason = returns.get(pk, "").strip()
            item.save(update_fields=["review", "review_reason", "updated_at"])
        if returns:
            handoff_finish(handoff=handoff, actor=actor, outcome=_("Returned for missing items"), at=now)
            app.status = ApplicationStatus.RETURNED
            app.save(update_fields=["status", "updated_at"])
            audit_record(
                actor=actor,
                action=AuditAction.LICENCE_APPLICATION_RETURNED,
                obj=app,
                organisation=handoff.organisation,
                after={"returned": {items[pk].requirement.code: reason for pk, reason in returns.items()}},
            )
            return app
        handoff_finish(handoff=handoff, actor=actor, outcome=_("Complete"), at=now)
        steps = [s.code for s in _steps(app.licence_type)]
        if steps.index("verification") == len(steps) - 1:
            _issue(app, actor, now)
            return app
        _advance(app, "verification", actor, now)
    return app


def survey_schedule(
    *, application: LicenceApplication, actor: User, on: dt.date, surveyor: User | None = None
) -> SiteSurvey:
    with transaction.atomic():
        app = _lock(application)
        _require_step(actor, app, "survey")
        if on < timezone.localdate():
            raise ValidationError({"scheduled_on": _("The survey date cannot be in the past.")})
        survey, _created = SiteSurvey.objects.get_or_create(application=app)
        survey.scheduled_on = on
        survey.surveyor = surveyor or actor
        survey.save()
        audit_record(
            actor=actor,
            action=AuditAction.LICENCE_SURVEY_SCHEDULED,
            obj=app,
            after={"scheduled_on": on, "surveyor": survey.surveyor_id},
        )
    return survey


def survey_record(
    *,
    application: LicenceApplication,
    actor: User,
    zoning: str,
    notes: str = "",
    photos: list[File] | None = None,
    at: dt.datetime | None = None,
) -> LicenceApplication:
    """Record the visit. A location whose zoning forbids business is refused, with what the applicant can do."""
    if zoning not in Zoning.values:
        raise ValidationError({"zoning": _("Choose the zoning of the location.")})
    for photo in photos or []:
        check_upload(photo, extensions=["jpg", "jpeg", "png"], max_mb=8)
    now = at or timezone.now()
    with transaction.atomic():
        app = _lock(application)
        handoff = _require_step(actor, app, "survey")
        survey, _created = SiteSurvey.objects.get_or_create(application=app)
        survey.zoning = zoning
        survey.allowed = zoning not in FORBIDDEN_ZONES
        survey.notes = notes.strip()
        survey.recorded_at = now
        survey.recorded_by = actor
        survey.scheduled_on = survey.scheduled_on or timezone.localdate(now)
        survey.save()
        for photo in photos or []:
            SurveyPhoto.objects.create(survey=survey, image=photo)
        audit_record(
            actor=actor,
            action=AuditAction.LICENCE_SURVEY_RECORDED,
            obj=app,
            organisation=handoff.organisation,
            after={"zoning": zoning, "allowed": survey.allowed, "photos": len(photos or [])},
        )
        if not survey.allowed:
            handoff_finish(handoff=handoff, actor=actor, outcome=_("Location refused"), at=now)
            return _refuse(
                app,
                actor,
                now,
                reason=_("The location lies in a zone where no business may be licensed (%(zone)s).")
                % {"zone": Zoning(zoning).label},
                advice=_(
                    "Move the business to a location zoned for trade or mixed use and apply again with the new "
                    "address, or ask the kelurahan which nearby locations are allowed."
                ),
            )
        handoff_finish(handoff=handoff, actor=actor, outcome=_("Location allowed"), at=now)
        _advance(app, "survey", actor, now)
    return app


def recommendation_sign(
    *,
    application: LicenceApplication,
    actor: User,
    approve: bool,
    reason: str = "",
    at: dt.datetime | None = None,
) -> LicenceApplication:
    """The lurah's signed decision; a decline needs its reason."""
    if not approve and not reason.strip():
        raise ValidationError({"reason": _("Give the reason for not recommending.")})
    now = at or timezone.now()
    with transaction.atomic():
        app = _lock(application)
        handoff = _require_step(actor, app, "recommendation")
        Recommendation.objects.create(
            application=app, approved=approve, reason=reason.strip(), signed_by=actor, signed_at=now
        )
        audit_record(
            actor=actor,
            action=AuditAction.LICENCE_RECOMMENDATION,
            obj=app,
            organisation=handoff.organisation,
            after={"approved": approve},
            reason=reason.strip(),
        )
        handoff_finish(
            handoff=handoff,
            actor=actor,
            outcome=_("Recommended") if approve else _("Not recommended"),
            at=now,
        )
        if not approve:
            return _refuse(
                app,
                actor,
                now,
                reason=reason.strip(),
                advice=_("Ask the kelurahan what would change the decision, then apply again."),
            )
        _advance(app, "recommendation", actor, now)
    return app


def licence_issue(*, application: LicenceApplication, actor: User, at: dt.datetime | None = None) -> Licence:
    """Issue the licence: number, dates, certificate; completes P4 through stage_transition."""
    now = at or timezone.now()
    with transaction.atomic():
        app = _lock(application)
        handoff = _require_step(actor, app, "issuance")
        handoff_finish(handoff=handoff, actor=actor, outcome=_("Issued"), at=now)
        return _issue(app, actor, now)


def _issue(app: LicenceApplication, actor: User | None, now: dt.datetime) -> Licence:
    issued_on = timezone.localdate(now)
    years = app.licence_type.validity_years
    sequence = (
        Licence.objects.filter(licence_type=app.licence_type, issued_on__year=issued_on.year).count() + 1
    )
    licence = Licence.objects.create(
        participant=app.participant,
        business=app.business,
        licence_type=app.licence_type,
        application=app,
        number=f"{app.licence_type.number_prefix}/{app.kelurahan_id}/{issued_on.year}/{sequence:05d}",
        issued_on=issued_on,
        valid_until=issued_on.replace(year=issued_on.year + years) if years else None,
        status=LicenceStatus.VALID,
        verified_by=actor,
        verified_at=now,
    )
    app.status = ApplicationStatus.ISSUED
    app.decided_at = now
    app.save(update_fields=["status", "decided_at", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.LICENCE_ISSUED,
        obj=app,
        organisation=app.ptsp,
        after={"licence": licence.pk, "number": licence.number},
    )
    _p4(
        app.participant,
        StageStatus.COMPLETED,
        None,
        _("%(type)s %(number)s issued") % {"type": app.licence_type.name_id, "number": licence.number},
    )
    return licence


def _refuse(
    app: LicenceApplication, actor: User | None, now: dt.datetime, *, reason: str, advice: str
) -> LicenceApplication:
    app.status = ApplicationStatus.REFUSED
    app.decided_at = now
    app.refusal_reason = reason
    app.refusal_advice = advice
    app.save(update_fields=["status", "decided_at", "refusal_reason", "refusal_advice", "updated_at"])
    audit_record(
        actor=actor, action=AuditAction.LICENCE_REFUSED, obj=app, reason=reason, after={"advice": advice}
    )
    return app


def existing_licence_record(
    *,
    participant: Participant,
    business: Business,
    licence_type: LicenceType,
    number: str,
    issued_on: dt.date,
    proof: File,
    actor: User,
    risk_level: str = "",
    valid_until: dt.date | None = None,
) -> Licence:
    """Record a licence the business already holds (a naik kelas entrant's NIB, a halal certificate …) with
    proof; the PTSP verifies it, and verification of a business licence completes P4."""
    if not access.can_apply_for(actor, participant):
        raise PermissionDenied
    number = number.strip()
    errors: dict[str, str] = {}
    if licence_type.code == "nib" and (not number.isdigit() or len(number) != 13):
        errors["number"] = _("An NIB has exactly 13 digits.")
    if not number:
        errors["number"] = _("Give the licence number.")
    if issued_on > timezone.localdate():
        errors["issued_on"] = _("The issue date cannot be in the future.")
    if risk_level and risk_level not in RiskLevel.values:
        errors["risk_level"] = _("Choose a risk level.")
    if Licence.objects.filter(licence_type=licence_type, number=number).exists():
        errors["number"] = _("This licence number is already recorded.")
    if errors:
        raise ValidationError(errors)
    check_upload(proof, extensions=["pdf", "jpg", "jpeg", "png"], max_mb=5)
    ptsp = _holder(OrganisationType.PTSP_UNIT, participant.kelurahan)
    with transaction.atomic():
        licence = Licence.objects.create(
            participant=participant,
            business=business,
            licence_type=licence_type,
            number=number,
            issued_on=issued_on,
            valid_until=valid_until,
            risk_level=risk_level,
            status=LicenceStatus.PENDING_VERIFICATION,
            existing=True,
            proof=proof,
        )
        relationship_open(
            participant=participant,
            organisation=ptsp,
            kind=RelationshipKind.LICENSING,
            source=f"licence:{licence.pk}",
            actor=actor,
        )
        handoff_open(
            subject_type="licensing.licence",
            subject_id=licence.pk,
            step="verification",
            step_name=_("Verify an existing licence"),
            organisation=ptsp,
            service_days=1,
            participant=participant,
            actor=actor,
        )
        audit_record(
            actor=actor,
            action=AuditAction.LICENCE_EXISTING_RECORDED,
            obj=licence,
            after={"type": licence_type.code, "number": number},
        )
    return licence


def existing_licence_verify(*, licence: Licence, actor: User, accept: bool, reason: str = "") -> Licence:
    if not accept and not reason.strip():
        raise ValidationError({"reason": _("Say why the licence is not accepted.")})
    with transaction.atomic():
        lic = (
            Licence.objects.select_for_update()
            .select_related("participant", "licence_type")
            .get(pk=licence.pk)
        )
        if lic.status != LicenceStatus.PENDING_VERIFICATION:
            raise ValidationError(_("This licence has already been checked."))
        handoff = Handoff.objects.filter(
            subject_type="licensing.licence", subject_id=lic.pk, status=HandoffStatus.OPEN
        ).first()
        if handoff is None or not (
            access.is_system_admin(actor)
            or access.member_with_role(actor, handoff.organisation_id, {Role.PTSP_OFFICER})
        ):
            raise PermissionDenied
        lic.status = LicenceStatus.VALID if accept else LicenceStatus.REJECTED
        lic.status_reason = reason.strip()
        lic.verified_by = actor
        lic.verified_at = timezone.now()
        lic.save()
        handoff_finish(handoff=handoff, actor=actor, outcome=_("Accepted") if accept else _("Not accepted"))
        audit_record(
            actor=actor,
            action=AuditAction.LICENCE_EXISTING_VERIFIED,
            obj=lic,
            after={"accepted": accept},
            reason=reason.strip(),
        )
        if accept and lic.licence_type.code in BUSINESS_LICENCES:
            _p4(
                lic.participant,
                StageStatus.COMPLETED,
                None,
                _("Existing %(type)s %(number)s verified")
                % {"type": lic.licence_type.name_id, "number": lic.number},
            )
    return lic


# Licences that make a business legal (P4); product permits (halal, P-IRT, BPOM, merek) do not on their own.
BUSINESS_LICENCES = frozenset({"nib", "iumk"})


def valid_licences(participant: Participant) -> list[Licence]:
    today = timezone.localdate()
    return list(
        Licence.objects.filter(participant=participant, status=LicenceStatus.VALID)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .select_related("licence_type", "business")
    )
