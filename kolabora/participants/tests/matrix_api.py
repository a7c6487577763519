"""Permission-matrix rows for the participant API."""

from __future__ import annotations

from django.urls import reverse

from kolabora.core.testing import MatrixRow, World
from kolabora.participants.models import Participant
from kolabora.pathway.models import ParticipantStage


def _count(w: World) -> int:
    return Participant.objects.count()


def _p3(w: World) -> str:
    return ParticipantStage.objects.get(participant=w.participant, code="P3").status


def _new(w: World) -> dict[str, object]:
    return {
        "nik": "3175100101900031",
        "full_name": "Budi Santoso",
        "phone": "081298765432",
        "kelurahan_code": "31.75.10.1002",
        "entry_track": "pemula",
        "consents": ["programme"],
    }


ROWS = [
    MatrixRow(
        "api:list_participants",
        lambda w: reverse("api:list_participants"),
        api=True,
        marker=lambda w: w.participant.full_name,
    ),
    MatrixRow(
        "api:get_participant", lambda w: reverse("api:get_participant", args=[w.participant.pk]), api=True
    ),
    MatrixRow("api:get_pathway", lambda w: reverse("api:get_pathway", args=[w.participant.pk]), api=True),
    MatrixRow(
        "api:transition",
        lambda w: reverse("api:transition", args=[w.participant.pk, "P3"]),
        method="post",
        api=True,
        data=lambda w: {"to_status": "in_progress"},
        effect=_p3,
    ),
    MatrixRow(
        "api:register_participant",
        lambda w: reverse("api:register_participant"),
        method="post",
        api=True,
        data=_new,
        allowed=201,
        permitted_as="kecamatan",
        effect=_count,
    ),
    MatrixRow(
        "api:register_participants_batch",
        lambda w: reverse("api:register_participants_batch"),
        method="post",
        api=True,
        data=lambda w: {"participants": [_new(w)]},
        allowed=200,
        permitted_as="kecamatan",
        effect=_count,
    ),
]
