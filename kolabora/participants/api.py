"""Participants and their pathway for partner systems, scoped by the access gate.

NIK is masked unless the caller's role needs it; a partner receives only the data categories its
agreement grants (contact, business, pathway, …). Every detail read is recorded in the audit log.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import TYPE_CHECKING, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kolabora.api.errors import ApiError
from kolabora.api.schemas import ERRORS, FieldError
from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.organisations.choices import DataCategory
from kolabora.pathway.models import ParticipantStage
from kolabora.pathway.services import TransitionRefused, programme_default, stage_transition

from . import selectors, services
from .bulk import BATCH_MAX, outside_region_message, participants_register_batch
from .choices import RegistrationChannel
from .models import Participant

if TYPE_CHECKING:
    from kolabora.accounts.models import User
    from kolabora.core.access import AnyUser

router = Router(tags=["participants"])
MAX_LIMIT = 200


class BusinessIn(Schema):
    name: str
    sector: str
    started_on: dt.date | None = None
    workers: int = 0
    monthly_turnover: int = 0
    assets: int = 0
    nib: str = ""
    kbli_code: str = ""


class ParticipantIn(Schema):
    nik: str
    full_name: str
    phone: str
    email: str = ""
    kelurahan_code: str
    address: str = ""
    domicile_basis: str = ""
    domicile_since: dt.date | None = None
    entry_track: str
    business: BusinessIn | None = None
    consents: list[str] = []


class BatchIn(Schema):
    # The bounds are checked by the endpoint, which answers in the caller's language; the schema shows them.
    participants: list[ParticipantIn] = Field(json_schema_extra={"minItems": 1, "maxItems": BATCH_MAX})


class BatchItemOut(Schema):
    index: int
    status: int
    id: int | None
    nik_masked: str | None
    errors: list[FieldError]


class BatchOut(Schema):
    created: int
    refused: int
    results: list[BatchItemOut]


class RegionRef(Schema):
    code: str
    name: str


class StageOut(Schema):
    code: str
    status: str
    level: int | None
    since: dt.datetime
    rule_exception: bool


class BusinessOut(Schema):
    id: int
    name: str
    sector: str
    scale: str
    started_on: dt.date | None
    workers: int
    nib: str
    monthly_turnover: int | None
    assets: int | None


class ParticipantOut(Schema):
    id: int
    nik_masked: str
    nik: str | None
    full_name: str
    sex: str | None
    birth_date: dt.date | None
    phone: str | None
    email: str | None
    address: str | None
    kelurahan: RegionRef
    entry_track: str
    domicile_basis: str
    registered_on: dt.date
    status: str
    rule_flags: list[str]
    pathway: list[StageOut] | None
    businesses: list[BusinessOut] | None


class ParticipantRow(Schema):
    id: int
    nik_masked: str
    full_name: str
    kelurahan_code: str
    entry_track: str
    registered_on: dt.date
    last_activity_at: dt.datetime


class ParticipantPage(Schema):
    results: list[ParticipantRow]
    next_cursor: str | None


class ParticipantFiltersIn(Schema):
    region: str = ""
    stage: str = ""
    status: str = ""
    entry_track: str = ""
    sector: str = ""
    inactive_days: int | None = None
    cursor: str = ""
    limit: int = 50


class PathwayOut(Schema):
    programme: str
    stages: list[StageOut]


class TransitionIn(Schema):
    to_status: str
    reason: str = ""
    level: int | None = None


def _cursor_encode(pk: int | None) -> str | None:
    return base64.urlsafe_b64encode(f"id:{pk}".encode()).decode().rstrip("=") if pk is not None else None


def _cursor_decode(raw: str) -> int | None:
    if not raw:
        return None
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        kind, _sep, value = text.partition(":")
        if kind != "id":
            raise ValueError(kind)
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(
            422,
            _("The request has invalid fields."),
            [{"field": "cursor", "message": _("This cursor is not valid; start again without it.")}],
        ) from None


def _stages(participant: Participant) -> list[StageOut]:
    return [
        StageOut(code=s.code, status=s.status, level=s.level, since=s.since, rule_exception=s.rule_exception)
        for s in ParticipantStage.objects.filter(participant=participant).order_by("stage__order")
    ]


def participant_out(user: AnyUser, participant: Participant) -> ParticipantOut:
    """The participant as ``user`` may receive it: categories per agreement, NIK only if needed."""
    cats = access.participant_data_categories(user, participant)
    contact = DataCategory.CONTACT in cats
    business = DataCategory.BUSINESS in cats
    financial = DataCategory.FINANCIAL in cats
    identity = DataCategory.IDENTITY in cats
    return ParticipantOut(
        id=participant.pk,
        nik_masked=participant.nik_masked,
        nik=participant.nik
        if access.can(user, Action.PARTICIPANT_NIK, participant) or access.is_self(user, participant)
        else None,
        full_name=participant.full_name,
        sex=participant.sex if identity else None,
        birth_date=participant.birth_date if contact else None,
        phone=participant.phone if contact else None,
        email=participant.email if contact else None,
        address=participant.address if contact else None,
        kelurahan=RegionRef(code=participant.kelurahan_id, name=participant.kelurahan.name),
        entry_track=participant.entry_track,
        domicile_basis=participant.domicile_basis,
        registered_on=participant.registered_on,
        status=participant.status,
        rule_flags=list(participant.rule_flags),
        pathway=_stages(participant) if DataCategory.PATHWAY in cats else None,
        businesses=[
            BusinessOut(
                id=b.pk,
                name=b.name,
                sector=b.sector,
                scale=b.scale,
                started_on=b.started_on,
                workers=b.workers,
                nib=b.nib,
                monthly_turnover=b.monthly_turnover if financial else None,
                assets=b.assets if financial else None,
            )
            for b in participant.businesses.all()
        ]
        if business
        else None,
    )


@router.post("/participants", response={201: ParticipantOut, **ERRORS})
def register_participant(request: HttpRequest, payload: ParticipantIn) -> Status[ParticipantOut]:
    """Register a participant (kecamatan staff or their systems). 409 when the NIK is known."""
    user = request.user
    if not access.can(user, Action.PARTICIPANT_REGISTER):
        raise PermissionDenied
    # Decided on the code itself (region codes nest by prefix); whether it exists is validated below, as
    # is a missing one (422 with the field, not 403).
    code = payload.kelurahan_code.strip()
    if code and not access.can_in_region(user, Action.PARTICIPANT_REGISTER, code):
        raise ApiError(403, outside_region_message())
    data = _registration_input(payload)
    try:
        participant = services.participant_register(data=data, actor=user, channel=RegistrationChannel.API)  # type: ignore[arg-type]
    except services.DuplicateNik as exc:
        raise ApiError(409, str(exc), [{"field": "nik", "message": str(exc)}]) from None
    # The service's own instance (kelurahan attached) answers; its stages and businesses are read below.
    return Status(201, participant_out(user, participant))


def _registration_input(payload: ParticipantIn) -> services.RegistrationInput:
    b = payload.business
    return services.RegistrationInput(
        nik=payload.nik,
        full_name=payload.full_name,
        phone=payload.phone,
        email=payload.email,
        kelurahan_code=payload.kelurahan_code,
        address=payload.address,
        domicile_basis=payload.domicile_basis,
        domicile_since=payload.domicile_since,
        entry_track=payload.entry_track,
        consents=list(payload.consents),
        business=services.BusinessInput(**b.dict()) if b is not None else None,
    )


# What became of a batch item, as the status the single registration endpoint would have answered.
BATCH_STATUS = {"created": 201, "duplicate": 409, "invalid": 422, "outside": 403}


@router.post("/participants/batch", response={200: BatchOut, **ERRORS})
def register_participants_batch(request: HttpRequest, payload: BatchIn) -> BatchOut:
    """Register up to 500 participants in one request (a kecamatan's own registration app, the
    JakPreneur portal). Body: `{"participants": [<the body of POST /participants>, ...]}`, 1 to 500 items;
    more or none is 422 for the whole request, as is an item that does not fit the schema.

    Each item is judged on its own, as `POST /participants` would judge it if the items were sent one
    after another, and a refused item does not hold the others back: nothing of it is written. The
    answer is 200 with `created` and `refused` counts and one result per item, in the order sent:
    `{"index": i, "status": 201|409|422|403, "id": ..., "nik_masked": ..., "errors": [{"field": ...,
    "message": ...}]}`.

    - **201**: registered; `id` and `nik_masked` are the new participant's.
    - **409**: the NIK is registered already, or an earlier item of this batch registers it (the message
      names that item). The existing participant's id is not given.
    - **422**: the item's fields fail the registration checks; `errors` names each field with its message.
    - **403**: the kelurahan lies outside the caller's region.

    `id` and `nik_masked` are null except for 201. A registration through a batch writes exactly what
    `POST /participants` writes (channel `api`). The caller needs the right to register participants
    (403 for the whole request otherwise).
    """
    user = request.user
    if not access.can(user, Action.PARTICIPANT_REGISTER):
        raise PermissionDenied
    count = len(payload.participants)
    if count > BATCH_MAX:
        message = _(
            "A batch holds at most %(max)s registrations; this one has %(count)s. Send the rest in "
            "another batch."
        ) % {"max": BATCH_MAX, "count": count}
        raise ApiError(422, message, [{"field": "participants", "message": message}])
    if count == 0:
        message = _("A batch needs at least one registration.")
        raise ApiError(422, message, [{"field": "participants", "message": message}])
    outcomes = participants_register_batch(
        items=[_registration_input(item) for item in payload.participants],
        actor=cast("User", user),
        channel=RegistrationChannel.API,
        # Decided on the code itself (region codes nest by prefix), as for a single registration.
        may_register=lambda code: access.can_in_region(user, Action.PARTICIPANT_REGISTER, code),
    )
    # Answered from the service's own instances: no query per participant.
    results = [
        BatchItemOut(
            index=i,
            status=BATCH_STATUS[o.result],
            id=o.participant.pk if o.participant is not None else None,
            nik_masked=o.participant.nik_masked if o.participant is not None else None,
            errors=[FieldError(field=name, message=message) for name, message in o.errors.items()],
        )
        for i, o in enumerate(outcomes)
    ]
    created = sum(1 for r in results if r.status == 201)
    return BatchOut(created=created, refused=len(results) - created, results=results)


@router.get("/participants", response={200: ParticipantPage, **ERRORS})
def list_participants(request: HttpRequest, filters: Query[ParticipantFiltersIn]) -> ParticipantPage:
    """Participants the caller may see, newest first, with cursor pagination (``next_cursor``)."""
    if not access.can(request.user, Action.PARTICIPANT_VIEW):
        raise PermissionDenied
    qs = selectors.participant_list(
        user=request.user,
        filters=selectors.ParticipantFilters(
            region=filters.region,
            stage=filters.stage,
            status=filters.status,
            entry_track=filters.entry_track,
            sector=filters.sector,
            inactive_days=filters.inactive_days,
        ),
    )
    rows, after = selectors.page_after(
        qs, after=_cursor_decode(filters.cursor), size=min(max(filters.limit, 1), MAX_LIMIT)
    )
    return ParticipantPage(
        results=[
            ParticipantRow(
                id=p.pk,
                nik_masked=p.nik_masked,
                full_name=p.full_name,
                kelurahan_code=p.kelurahan_id,
                entry_track=p.entry_track,
                registered_on=p.registered_on,
                last_activity_at=p.last_activity_at,
            )
            for p in rows
        ],
        next_cursor=_cursor_encode(after),
    )


def _viewed(request: HttpRequest, participant: Participant) -> None:
    audit_record(
        actor=request.user,  # type: ignore[arg-type]
        action=AuditAction.PERSONAL_DATA_VIEWED,
        obj=participant,
        organisation=access.acting_organisation(
            request.user, Action.PARTICIPANT_VIEW, participant.kelurahan_id
        ),
        after={"via": "api"},
    )


@router.get("/participants/{participant_id}", response={200: ParticipantOut, **ERRORS})
def get_participant(request: HttpRequest, participant_id: int) -> ParticipantOut:
    participant = access.access_participant(request.user, participant_id, Action.PARTICIPANT_VIEW)
    _viewed(request, participant)
    return participant_out(request.user, participant)


@router.get("/participants/{participant_id}/pathway", response={200: PathwayOut, **ERRORS})
def get_pathway(request: HttpRequest, participant_id: int) -> PathwayOut:
    participant = access.access_participant(request.user, participant_id, Action.PARTICIPANT_VIEW)
    first = (
        ParticipantStage.objects.filter(participant=participant).select_related("stage__programme").first()
    )
    programme = first.stage.programme if first else programme_default()
    return PathwayOut(programme=programme.name, stages=_stages(participant))


@router.post("/participants/{participant_id}/pathway/{code}/transitions", response={200: StageOut, **ERRORS})
def transition(request: HttpRequest, participant_id: int, code: str, payload: TransitionIn) -> StageOut:
    """Move one stage. 409 with the rule in words when the programme's rules refuse it."""
    participant = access.access_participant(request.user, participant_id, Action.PARTICIPANT_VIEW)
    if not ParticipantStage.objects.filter(participant=participant, code=code.upper()).exists():
        raise ApiError(404, _("Unknown stage: %(stage)s") % {"stage": code})
    try:
        row = stage_transition(
            participant=participant,
            stage=code.upper(),
            to_status=payload.to_status,
            actor=cast("User", request.user),
            reason=payload.reason,
            level=payload.level,
        )
    except TransitionRefused as exc:
        if exc.code == "stage":
            raise ApiError(404, exc.rule) from None
        field = {"status": "to_status", "reason": "reason", "level": "level"}.get(exc.code, "")
        raise ApiError(409, exc.rule, [{"field": field, "message": exc.rule}] if field else []) from None
    except ValidationError as exc:  # pragma: no cover - defensive: services speak ValidationError too
        raise ApiError(422, " ".join(exc.messages)) from None
    return StageOut(
        code=row.code, status=row.status, level=row.level, since=row.since, rule_exception=row.rule_exception
    )
