"""Permission-matrix rows for the licensing pages and the two public licence addresses.

The World has no licensing objects, so ``case(w)`` builds them once per world (kept on it): the PTSP unit
in the participant's kelurahan, the participant's consent to licensing offices, an IUMK application with
one document, a survey photo, an existing NIB waiting for the PTSP, and an issued IUMK.

``run_row`` logs the persona in before it builds the URL, so an account created here cannot play
"permitted". The PTSP officer is therefore the world's kecamatan staff member, who also joins the PTSP
unit as its officer (a kecamatan employee staffing the PTSP desk); ``w.users["ptsp"]`` names the same
account. Without that membership the kecamatan account gets 403 on the step pages: membership of an
organisation in the case is what opens them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kolabora.core.testing import MatrixRow, World, make_org, pdf_bytes
from kolabora.core.timeutils import today
from kolabora.handoffs.models import Handoff
from kolabora.licensing import services
from kolabora.licensing.choices import LicenceStatus
from kolabora.licensing.models import (
    ApplicationItem,
    Licence,
    LicenceApplication,
    LicenceType,
    SiteSurvey,
    SurveyPhoto,
)
from kolabora.organisations.choices import OrganisationType, Role
from kolabora.organisations.models import Membership, Organisation
from kolabora.participants.services import consent_grant

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
NIB = "9120301234567"


@dataclass
class Case:
    ptsp: Organisation
    application: LicenceApplication
    item: ApplicationItem
    photo: SurveyPhoto
    existing: Licence
    issued: Licence
    handoff: Handoff


def case(w: World) -> Case:
    found: Case | None = getattr(w, "_licensing_case", None)
    if found is not None:
        return found
    p = w.participant
    business = p.businesses.get()
    ptsp = make_org("PTSP Kelurahan Matriks", p.kelurahan_id, OrganisationType.PTSP_UNIT)
    officer = w.user("kecamatan")
    Membership.objects.create(user=officer, organisation=ptsp, role=Role.PTSP_OFFICER)
    w.users["ptsp"] = officer
    applicant = w.user("participant")
    consent_grant(participant=p, purpose="licensing_offices", actor=applicant)
    iumk = LicenceType.objects.get(code="iumk")
    app = services.application_open(participant=p, business=business, licence_type=iumk, actor=applicant)
    item = services.item_upload(
        application=app,
        requirement=iumk.requirements.get(code="ktp"),
        upload=ContentFile(PNG, name="ktp.png"),
        actor=applicant,
    )
    survey = SiteSurvey.objects.create(application=app)
    photo = SurveyPhoto.objects.create(survey=survey, image=ContentFile(JPEG, name="lokasi.jpg"))
    existing = services.existing_licence_record(
        participant=p,
        business=business,
        licence_type=LicenceType.objects.get(code="nib"),
        number=NIB,
        risk_level="low",
        issued_on=dt.date(2024, 1, 5),
        proof=ContentFile(pdf_bytes(), name="nib.pdf"),
        actor=applicant,
    )
    issued = Licence.objects.create(
        participant=p,
        business=business,
        licence_type=iumk,
        number="IUMK/MATRIKS/00001",
        issued_on=today(),
        status=LicenceStatus.VALID,
    )
    handoff = Handoff.objects.get(subject_type="licensing.licence", subject_id=existing.pk)
    found = Case(ptsp, app, item, photo, existing, issued, handoff)
    setattr(w, "_licensing_case", found)  # noqa: B010  (World is a dataclass without this field)
    return found


def _app_url(name: str, *extra: Any) -> Any:
    return lambda w: reverse(name, args=[case(w).application.pk, *[e(w) for e in extra]])


def _participant_url(name: str) -> Any:
    return lambda w: (case(w), reverse(name, args=[w.participant.pk]))[1]


def _application_state(w: World) -> tuple[Any, ...]:
    app = LicenceApplication.objects.get(pk=case(w).application.pk)
    items = sorted(
        ApplicationItem.objects.filter(application=app).values_list("pk", "file", "review", "review_reason")
    )
    survey = SiteSurvey.objects.filter(application=app).values_list("scheduled_on", "zoning").first()
    return app.status, items, survey, Handoff.objects.filter(subject_id=app.pk).count()


def _counts(w: World) -> tuple[int, int]:
    return LicenceApplication.objects.count(), Licence.objects.count()


def _existing_state(w: World) -> tuple[str, Any]:
    c = case(w)
    return Licence.objects.get(pk=c.existing.pk).status, Handoff.objects.get(pk=c.handoff.pk).assignee_id


def _mine(name: str, url: Any, **kwargs: Any) -> MatrixRow:
    return MatrixRow(name, url, permitted_as="participant", **kwargs)


def _ptsp(name: str, url: Any, **kwargs: Any) -> MatrixRow:
    return MatrixRow(name, url, permitted_as="kecamatan", **kwargs)


ROWS = [
    # The applicant's side.
    _mine(
        "licensing:mine",
        lambda w: (case(w), reverse("licensing:mine"))[1],
        marker=lambda w: w.participant.businesses.get().name,
    ),
    MatrixRow("licensing:participant", _participant_url("licensing:participant")),
    _mine(
        "licensing:apply",
        _participant_url("licensing:apply"),
        method="post",
        data=lambda w: {
            "business": w.participant.businesses.get().pk,
            "licence_type": LicenceType.objects.get(code="pirt").pk,
        },
        allowed=302,
        effect=_counts,
    ),
    _mine(
        "licensing:existing_record",
        _participant_url("licensing:existing_record"),
        method="post",
        data=lambda w: {
            "business": w.participant.businesses.get().pk,
            "licence_type": LicenceType.objects.get(code="halal").pk,
            "number": "ID00110012345670424",
            "issued_on": "2024-04-02",
            "proof": SimpleUploadedFile("halal.pdf", pdf_bytes(), content_type="application/pdf"),
        },
        allowed=302,
        effect=_counts,
    ),
    _mine("licensing:application", _app_url("licensing:application")),
    _mine(
        "licensing:item_upload",
        _app_url(
            "licensing:item_upload", lambda w: case(w).application.licence_type.requirements.get(code="kk").pk
        ),
        method="post",
        data=lambda w: {"file": SimpleUploadedFile("kk.png", PNG, content_type="image/png")},
        allowed=302,
        effect=_application_state,
    ),
    _mine(
        "licensing:submit",
        _app_url("licensing:submit"),
        method="post",
        allowed=302,
        effect=_application_state,
    ),
    _mine("licensing:item_download", _app_url("licensing:item_download", lambda w: case(w).item.pk)),
    _mine("licensing:photo", _app_url("licensing:photo", lambda w: case(w).photo.pk)),
    # The organisations' side.
    _ptsp("licensing:inbox", lambda w: (case(w), reverse("licensing:inbox"))[1], marker=lambda w: NIB),
    _ptsp(
        "licensing:reassign",
        lambda w: reverse("licensing:reassign", args=[case(w).handoff.pk]),
        method="post",
        data=lambda w: {"assignee": w.user("kecamatan").pk},
        allowed=302,
        effect=_existing_state,
    ),
    _ptsp("licensing:step", _app_url("licensing:step")),
    _ptsp(
        "licensing:verify",
        _app_url("licensing:verify"),
        method="post",
        data=lambda w: {f"decision_{case(w).item.pk}": "accept"},
        allowed=302,
        effect=_application_state,
    ),
    _ptsp(
        "licensing:survey_schedule",
        _app_url("licensing:survey_schedule"),
        method="post",
        data=lambda w: {"scheduled_on": (today() + dt.timedelta(days=2)).isoformat()},
        allowed=302,
        effect=_application_state,
    ),
    _ptsp(
        "licensing:survey_record",
        _app_url("licensing:survey_record"),
        method="post",
        data=lambda w: {"zoning": "mixed", "notes": "Ruko"},
        allowed=302,
        effect=_application_state,
    ),
    _ptsp(
        "licensing:recommend",
        _app_url("licensing:recommend"),
        method="post",
        data=lambda w: {"decision": "approve"},
        allowed=302,
        effect=_application_state,
    ),
    _ptsp(
        "licensing:issue", _app_url("licensing:issue"), method="post", allowed=302, effect=_application_state
    ),
    _ptsp(
        "licensing:licence_check", lambda w: reverse("licensing:licence_check", args=[case(w).existing.pk])
    ),
    _ptsp(
        "licensing:licence_check",
        lambda w: reverse("licensing:licence_check", args=[case(w).existing.pk]),
        method="post",
        data=lambda w: {"decision": "accept"},
        allowed=302,
        effect=_existing_state,
    ),
    _ptsp(
        "licensing:licence_proof", lambda w: reverse("licensing:licence_proof", args=[case(w).existing.pk])
    ),
    # Public verification (anyone) and the certificate (the holder and staff who may see them).
    MatrixRow(
        "licensing_public:verify",
        lambda w: reverse("licensing_public:verify", args=[case(w).issued.verification_code]),
        public=True,
        marker=lambda w: case(w).issued.number,
    ),
    _mine(
        "licensing_public:certificate",
        lambda w: reverse("licensing_public:certificate", args=[case(w).issued.pk]),
    ),
]
