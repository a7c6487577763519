"""Permission-matrix rows for the licensing API (the public verification endpoint included)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kolabora.core.testing import MatrixRow, World
from kolabora.licensing.models import LicenceApplication

from .matrix_licensing import PNG, case


def _app(w: World) -> int:
    return case(w).application.pk


def _state(w: World) -> tuple[str, int, int]:
    app = LicenceApplication.objects.get(pk=_app(w))
    return app.status, app.items.count(), LicenceApplication.objects.count()


def _new(w: World) -> dict[str, object]:
    case(w)
    p = w.participant
    return {"participant_id": p.pk, "business_id": p.businesses.get().pk, "licence_type": "pirt"}


def _upload(w: World) -> dict[str, object]:
    return {"file": SimpleUploadedFile("kk.png", PNG, content_type="image/png")}


ROWS = [
    MatrixRow(
        "api:list_applications",
        lambda w: (case(w), reverse("api:list_applications"))[1],
        api=True,
        marker=lambda w: f'"id": {_app(w)}, "participant_id"',
    ),
    MatrixRow("api:get_application", lambda w: reverse("api:get_application", args=[_app(w)]), api=True),
    MatrixRow(
        "api:create_application",
        lambda w: reverse("api:create_application"),
        method="post",
        api=True,
        data=_new,
        allowed=201,
        permitted_as="participant",
        effect=_state,
    ),
    MatrixRow(
        "api:upload_item",
        lambda w: reverse("api:upload_item", args=[_app(w), "kk"]),
        method="post",
        api=True,
        multipart=True,
        data=_upload,
        permitted_as="participant",
        effect=_state,
    ),
    MatrixRow(
        "api:submit",
        lambda w: reverse("api:submit", args=[_app(w)]),
        method="post",
        api=True,
        permitted_as="participant",
        allowed=422,
        effect=_state,
    ),
    MatrixRow(
        "api:verify_completeness",
        lambda w: reverse("api:verify_completeness", args=[_app(w)]),
        method="post",
        api=True,
        data=lambda w: {"returns": {}},
        permitted_as="ptsp",
        allowed=422,
        effect=_state,
    ),
    MatrixRow(
        "api:schedule_survey",
        lambda w: reverse("api:schedule_survey", args=[_app(w)]),
        method="post",
        api=True,
        data=lambda w: {"scheduled_on": "2030-01-02"},
        permitted_as="ptsp",
        allowed=422,
        effect=_state,
    ),
    MatrixRow(
        "api:record_survey",
        lambda w: reverse("api:record_survey", args=[_app(w)]),
        method="post",
        api=True,
        data=lambda w: {"zoning": "mixed"},
        permitted_as="ptsp",
        allowed=422,
        effect=_state,
    ),
    MatrixRow(
        "api:recommend",
        lambda w: reverse("api:recommend", args=[_app(w)]),
        method="post",
        api=True,
        data=lambda w: {"approve": True},
        permitted_as="ptsp",
        allowed=422,
        effect=_state,
    ),
    MatrixRow(
        "api:issue",
        lambda w: reverse("api:issue", args=[_app(w)]),
        method="post",
        api=True,
        permitted_as="ptsp",
        allowed=422,
        effect=_state,
    ),
    MatrixRow(
        "api:verify_licence",
        lambda w: reverse("api:verify_licence", args=[case(w).issued.verification_code]),
        public=True,
    ),
]
