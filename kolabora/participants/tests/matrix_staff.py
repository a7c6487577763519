"""Permission-matrix rows for the staff pages on participants (discovered by core's matrix test)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from kolabora.core.testing import MatrixRow, World, make_participant, pdf_bytes
from kolabora.participants import services
from kolabora.participants.models import DataRequest, Participant, ParticipantDocument
from kolabora.pathway.models import ParticipantStage
from kolabora.pathway.services import stage_transition

TWIN_NIK = "3175104512900013"  # the world participant's birth date and kelurahan, another serial
LETTER_NIK = "3273010101900031"  # a Bandung NIK: eligible only with the lurah's domicile letter
WALK_IN_NIK = "3175100101900031"


def twin(w: World) -> Participant:
    """A second record of the world participant (same name, birth date and kelurahan, another NIK)."""
    found = Participant.objects.filter(nik=TWIN_NIK).first()
    return found or make_participant(
        nik=TWIN_NIK, full_name=w.participant.full_name, kelurahan=w.participant.kelurahan_id
    )


def letter_participant(w: World) -> Participant:
    """Someone from outside DKI registered with a domicile letter that nobody has verified yet."""
    found = Participant.objects.filter(nik=LETTER_NIK).first()
    return found or services.participant_register(
        data=services.RegistrationInput(
            nik=LETTER_NIK,
            full_name="Budi Santoso",
            phone="081311112222",
            kelurahan_code=w.participant.kelurahan_id,
            entry_track="pemula",
            domicile_basis="domicile_letter",
            domicile_since=dt.date(2020, 1, 1),
            consents=["programme"],
            documents={"domicile_letter": ContentFile(pdf_bytes(), name="surat.pdf")},
        ),
        actor=None,
        channel="walk_in",
    )


def document(w: World) -> ParticipantDocument:
    found = ParticipantDocument.objects.filter(participant=w.participant).first()
    return found or ParticipantDocument.objects.create(
        participant=w.participant, kind="ktp", file=ContentFile(pdf_bytes(), name="ktp.pdf")
    )


def make_at_risk(participant: Participant, *, days: int = 60) -> Participant:
    """An open stage (P2 in progress) and no activity for ``days``."""
    if not ParticipantStage.objects.filter(participant=participant, code="P2", status="in_progress").exists():
        stage_transition(participant=participant, stage="P2", to_status="in_progress", actor=None)
    Participant.objects.filter(pk=participant.pk).update(
        last_activity_at=timezone.now() - dt.timedelta(days=days)
    )
    return participant


def data_request(w: World) -> DataRequest:
    found = DataRequest.objects.filter(participant=w.participant, status="open").first()
    return found or services.data_request_create(
        participant=w.participant,
        kind="access",
        details="Minta salinan data saya.",
        actor=w.user("participant"),
    )


def walk_in_data(w: World) -> dict[str, Any]:
    return {
        "nik": WALK_IN_NIK,
        "full_name": "Agus Salim",
        "phone": "0812-3456-7801",
        "kelurahan": w.participant.kelurahan_id,
        "entry_track": "pemula",
        "domicile_basis": "ktp_dki",
        "business_name": "Warung Agus",
        "business_sector": "kuliner",
        "business_monthly_turnover": "1.500.000",
        "consents": ["programme"],
    }


def _stages(w: World) -> list[tuple[str, str]]:
    return list(
        ParticipantStage.objects.filter(participant=w.participant)
        .order_by("code")
        .values_list("code", "status")
    )


def _letter_state(w: World) -> Any:
    return (
        Participant.objects.filter(nik=LETTER_NIK).values_list("eligibility_verified_at", flat=True).first()
    )


def _participant_count(w: World) -> int:
    return Participant.objects.count()


def _twin_state(w: World) -> tuple[str, Any]:
    t = twin(w)
    t.refresh_from_db()
    return t.status, t.merged_into_id


def _request_state(w: World) -> tuple[str, str]:
    r = DataRequest.objects.get(pk=data_request(w).pk)
    return r.status, r.answer


def _name(w: World) -> str:
    return w.participant.full_name


ROWS = [
    MatrixRow("participants:list", lambda w: reverse("participants:list"), marker=_name),
    MatrixRow("participants:detail", lambda w: reverse("participants:detail", args=[w.participant.pk])),
    MatrixRow(
        "participants:stage_change",
        lambda w: reverse("participants:stage_change", args=[w.participant.pk, "P2"]),
        method="post",
        data=lambda w: {"to_status": "in_progress", "reason": ""},
        allowed=302,
        effect=_stages,
    ),
    MatrixRow(
        "participants:eligibility_verify",
        lambda w: reverse("participants:eligibility_verify", args=[letter_participant(w).pk]),
        method="post",
        allowed=302,
        effect=_letter_state,
    ),
    MatrixRow(
        "participants:document",
        lambda w: reverse("participants:document", args=[w.participant.pk, document(w).pk]),
    ),
    MatrixRow("participants:register", lambda w: reverse("participants:register"), permitted_as="kecamatan"),
    MatrixRow(
        "participants:register",
        lambda w: reverse("participants:register"),
        method="post",
        data=walk_in_data,
        allowed=302,
        effect=_participant_count,
        permitted_as="kecamatan",
    ),
    MatrixRow(
        "participants:duplicates",
        lambda w: (twin(w), reverse("participants:duplicates"))[1],
        marker=lambda w: f'value="{twin(w).pk}"',
    ),
    MatrixRow(
        "participants:merge",
        lambda w: reverse("participants:merge"),
        method="post",
        data=lambda w: {"keep": w.participant.pk, "duplicate": twin(w).pk, "reason": "KTP sama"},
        allowed=302,
        effect=_twin_state,
    ),
    MatrixRow(
        "participants:at_risk",
        lambda w: (make_at_risk(w.participant), reverse("participants:at_risk"))[1],
        marker=_name,
    ),
    MatrixRow(
        "participants:data_requests",
        lambda w: (data_request(w), reverse("participants:data_requests"))[1],
        marker=_name,
    ),
    MatrixRow(
        "participants:data_request_answer",
        lambda w: reverse("participants:data_request_answer", args=[data_request(w).pk]),
        method="post",
        data=lambda w: {"answer": "Salinan data dikirim lewat email."},
        allowed=302,
        effect=_request_state,
    ),
]
