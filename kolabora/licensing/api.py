"""Licence applications and public licence verification for partner systems."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from kolabora.api.errors import ApiError
from kolabora.api.schemas import ERRORS
from kolabora.core import access
from kolabora.core.access import Action
from kolabora.participants.models import Business

from . import selectors, services
from .choices import ApplicationStatus
from .models import LicenceApplication, LicenceType

if TYPE_CHECKING:
    from kolabora.accounts.models import User

router = Router(tags=["licensing"])


class ApplicationIn(Schema):
    participant_id: int
    business_id: int
    licence_type: str
    location_address: str = ""


class ChecklistItemOut(Schema):
    requirement: str
    name: str
    required: bool
    extensions: list[str]
    max_mb: int
    supplied: bool
    review: str | None
    review_reason: str


class TimelineOut(Schema):
    code: str
    name: str
    state: str
    holder: str
    due_on: dt.date | None
    done_at: dt.datetime | None
    outcome: str
    within_service_level: bool | None


class ApplicationOut(Schema):
    id: int
    participant_id: int
    business_id: int
    licence_type: str
    status: str
    status_label: str
    kelurahan: str
    ptsp_id: int
    refusal_reason: str
    refusal_advice: str
    licence_id: int | None
    checklist: list[ChecklistItemOut]
    timeline: list[TimelineOut]


class VerifyIn(Schema):
    returns: dict[int, str] = {}


class SurveyIn(Schema):
    zoning: str
    notes: str = ""


class ScheduleIn(Schema):
    scheduled_on: dt.date


class RecommendationIn(Schema):
    approve: bool
    reason: str = ""


class PublicLicenceOut(Schema):
    valid: bool
    status: str
    licence_type: str
    business_name: str
    kelurahan: str
    number: str
    issued_on: dt.date
    valid_until: dt.date | None


def _out(app: LicenceApplication) -> ApplicationOut:
    licence = getattr(app, "licence", None)
    return ApplicationOut(
        id=app.pk,
        participant_id=app.participant_id,
        business_id=app.business_id,
        licence_type=app.licence_type.code,
        status=app.status,
        status_label=str(ApplicationStatus(app.status).label),
        kelurahan=app.kelurahan_id,
        ptsp_id=app.ptsp_id,
        refusal_reason=app.refusal_reason,
        refusal_advice=app.refusal_advice,
        licence_id=licence.pk if licence else None,
        checklist=[
            ChecklistItemOut(
                requirement=r.code,
                name=r.name,
                required=r.required,
                extensions=list(r.extensions),
                max_mb=r.max_mb,
                supplied=item is not None,
                review=item.review if item else None,
                review_reason=item.review_reason if item else "",
            )
            for r, item in services.checklist(app)
        ],
        timeline=[
            TimelineOut(**{k: getattr(s, k) for k in TimelineOut.model_fields})
            for s in selectors.application_timeline(app)
        ],
    )


def _get(request: HttpRequest, application_id: int) -> LicenceApplication:
    app = (
        LicenceApplication.objects.select_related("licence_type", "participant", "kelurahan")
        .filter(pk=application_id)
        .first()
    )
    if app is None:
        raise ApiError(404, _("Not found."))
    access.require(request.user, Action.PARTICIPANT_VIEW, app.participant)
    return app


def _actor(request: HttpRequest) -> User:
    return cast("User", request.user)


@router.post("/licence-applications", response={201: ApplicationOut, **ERRORS})
def create_application(request: HttpRequest, payload: ApplicationIn) -> Status[ApplicationOut]:
    """Start an application; the checklist in the answer says exactly what is needed before submitting."""
    business = (
        Business.objects.select_related("participant__kelurahan")
        .filter(pk=payload.business_id, participant_id=payload.participant_id)
        .first()
    )
    licence_type = LicenceType.objects.filter(code=payload.licence_type).first()
    if business is None:
        raise ApiError(
            404,
            _("Not found."),
            [{"field": "business_id", "message": _("No such business for this participant.")}],
        )
    if licence_type is None:
        raise ApiError(
            422,
            _("The request has invalid fields."),
            [{"field": "licence_type", "message": _("Unknown licence type.")}],
        )
    app = services.application_open(
        participant=business.participant,
        business=business,
        licence_type=licence_type,
        actor=_actor(request),
        location_address=payload.location_address,
    )
    return Status(201, _out(app))


@router.get("/licence-applications", response={200: list[ApplicationOut], **ERRORS})
def list_applications(request: HttpRequest, status: str = "", limit: int = 50) -> list[ApplicationOut]:
    if not access.can(request.user, Action.PARTICIPANT_VIEW):
        raise PermissionDenied
    qs = selectors.application_list(user=request.user)
    if status:
        qs = qs.filter(status=status)
    return [_out(a) for a in qs[: min(max(limit, 1), 200)]]


@router.get("/licence-applications/{application_id}", response={200: ApplicationOut, **ERRORS})
def get_application(request: HttpRequest, application_id: int) -> ApplicationOut:
    return _out(_get(request, application_id))


@router.post(
    "/licence-applications/{application_id}/items/{requirement}", response={200: ApplicationOut, **ERRORS}
)
def upload_item(
    request: HttpRequest, application_id: int, requirement: str, file: File[UploadedFile]
) -> ApplicationOut:
    app = _get(request, application_id)
    definition = app.licence_type.requirements.filter(code=requirement).first()
    if definition is None:
        raise ApiError(404, _("Unknown requirement: %(code)s") % {"code": requirement})
    services.item_upload(application=app, requirement=definition, upload=file, actor=_actor(request))
    return _out(app)


@router.post("/licence-applications/{application_id}/submit", response={200: ApplicationOut, **ERRORS})
def submit(request: HttpRequest, application_id: int) -> ApplicationOut:
    return _out(services.application_submit(application=_get(request, application_id), actor=_actor(request)))


@router.post("/licence-applications/{application_id}/verification", response={200: ApplicationOut, **ERRORS})
def verify_completeness(request: HttpRequest, application_id: int, payload: VerifyIn) -> ApplicationOut:
    """PTSP: accept, or return items with reasons in one go (``returns``: item id → what to fix)."""
    return _out(
        services.application_verify(
            application=_get(request, application_id), actor=_actor(request), returns=payload.returns
        )
    )


@router.post(
    "/licence-applications/{application_id}/survey-schedule", response={200: ApplicationOut, **ERRORS}
)
def schedule_survey(request: HttpRequest, application_id: int, payload: ScheduleIn) -> ApplicationOut:
    app = _get(request, application_id)
    services.survey_schedule(application=app, actor=_actor(request), on=payload.scheduled_on)
    return _out(app)


@router.post("/licence-applications/{application_id}/survey", response={200: ApplicationOut, **ERRORS})
def record_survey(request: HttpRequest, application_id: int, payload: SurveyIn) -> ApplicationOut:
    return _out(
        services.survey_record(
            application=_get(request, application_id),
            actor=_actor(request),
            zoning=payload.zoning,
            notes=payload.notes,
        )
    )


@router.post(
    "/licence-applications/{application_id}/recommendation", response={200: ApplicationOut, **ERRORS}
)
def recommend(request: HttpRequest, application_id: int, payload: RecommendationIn) -> ApplicationOut:
    return _out(
        services.recommendation_sign(
            application=_get(request, application_id),
            actor=_actor(request),
            approve=payload.approve,
            reason=payload.reason,
        )
    )


@router.post("/licence-applications/{application_id}/issuance", response={200: ApplicationOut, **ERRORS})
def issue(request: HttpRequest, application_id: int) -> ApplicationOut:
    app = _get(request, application_id)
    services.licence_issue(application=app, actor=_actor(request))
    app.refresh_from_db()
    return _out(app)


@router.get("/licences/verify/{code}", response={200: PublicLicenceOut, **ERRORS}, auth=None)
def verify_licence(request: HttpRequest, code: str) -> PublicLicenceOut:
    """Public: is this licence genuine and valid? No personal data."""
    result = selectors.licence_verify(code=code)
    if result is None:
        raise ApiError(404, _("No licence has this verification code."))
    return PublicLicenceOut(**result.__dict__)
