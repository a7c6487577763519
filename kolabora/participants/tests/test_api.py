"""The participant API: registration, lists, detail and the pathway, as a partner system uses them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.testing import World, make_participant
from kolabora.participants.models import Consent, Participant
from kolabora.participants.services import consent_grant

pytestmark = pytest.mark.django_db

NEW: dict[str, Any] = {
    "nik": "3175100101900031",
    "full_name": "Budi Santoso",
    "phone": "0812-9876-5432",
    "email": "budi@example.test",
    "kelurahan_code": "31.75.10.1002",
    "address": "Jl. Bambu Apus Raya 7",
    "domicile_basis": "ktp_dki",
    "entry_track": "pemula",
    "business": {
        "name": "Bengkel Budi",
        "sector": "jasa_reparasi",
        "started_on": "2024-02-01",
        "workers": 2,
        "monthly_turnover": 8500000,
    },
    "consents": ["programme", "training_partners"],
}


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_register_returns_201_with_masked_nik_and_pathway(world: World) -> None:
    response = post(world.client("kecamatan"), "/api/v1/participants", NEW)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["nik_masked"] == "3175••••••••0031"
    assert body["nik"] == "3175100101900031"  # kecamatan staff need the NIK
    assert [s["code"] for s in body["pathway"]] == ["P1", "P2", "P3", "P4", "P5", "P6", "P7"]
    assert body["pathway"][0]["status"] == "completed"
    p = Participant.objects.get(pk=body["id"])
    assert p.phone == "+6281298765432" and p.sex == "L" and str(p.birth_date) == "1990-01-01"
    assert p.businesses.get().scale == "mikro"


def test_programme_manager_gets_the_nik_masked(world: World) -> None:
    body = world.client("permitted").get(f"/api/v1/participants/{world.participant.pk}").json()
    assert body["nik"] is None and body["nik_masked"] == "3175••••••••0012"


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"nik": "31751001019000"}, "nik", "16"),
        ({"nik": "3199100101900031"}, "nik", "31.99.10"),
        ({"nik": "3175103302900031"}, "nik", "330290"),
        ({"nik": "3175100101900000"}, "nik", "0000"),
        ({"nik": "3175100101150031"}, "nik", "17"),
        ({"nik": "3273100101900031"}, "domicile_basis", "2 tahun"),
        (
            {"nik": "3273100101900031", "domicile_basis": "domicile_letter", "domicile_since": "2025-06-01"},
            "domicile_since",
            "2 tahun",
        ),
        ({"phone": "12345"}, "phone", "12345"),
        ({"kelurahan_code": "31.75.10.9999"}, "kelurahan_code", "31.75.10.9999"),
        ({"kelurahan_code": " "}, "kelurahan_code", "kelurahan tempat"),
        ({"consents": []}, "consents", "persetujuan"),
        ({"business": {"name": "", "sector": "tambang"}}, "business.sector", "sektor"),
    ],
)
def test_each_invalid_input_gets_its_own_indonesian_message(
    world: World, change: dict[str, Any], field: str, text: str
) -> None:
    before = Participant.objects.count()
    response = post(world.client("kecamatan"), "/api/v1/participants", {**NEW, **change})
    assert response.status_code == 422, response.content
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert field in errors, errors
    assert text.lower() in errors[field].lower()
    assert Participant.objects.count() == before


def test_known_nik_is_409_with_recovery_advice(world: World) -> None:
    response = post(world.client("kecamatan"), "/api/v1/participants", {**NEW, "nik": world.participant.nik})
    assert response.status_code == 409
    assert "sudah terdaftar" in response.json()["detail"]
    assert Participant.objects.filter(nik=world.participant.nik).count() == 1


def test_schema_errors_are_422_not_500(world: World) -> None:
    client = world.client("kecamatan")
    assert post(client, "/api/v1/participants", {"nik": 123}).status_code == 422
    bad = client.post("/api/v1/participants", data="{not json", content_type="application/json")
    assert bad.status_code in (400, 422)
    assert set(bad.json()) == {"detail", "errors"}


def test_registering_outside_own_region_is_forbidden(world: World) -> None:
    response = post(
        world.client("kecamatan"), "/api/v1/participants", {**NEW, "kelurahan_code": "31.74.10.1005"}
    )
    assert response.status_code == 403
    assert not Participant.objects.filter(nik=NEW["nik"]).exists()


def test_list_filters_and_cursor_pages(world: World) -> None:
    for i in range(5):
        make_participant(nik=f"31751001019{i + 1:01d}0031"[:16].ljust(16, "1"), full_name=f"Peserta {i}")
    client = world.client("permitted")
    first = client.get("/api/v1/participants?limit=3").json()
    assert len(first["results"]) == 3 and first["next_cursor"]
    second = client.get(f"/api/v1/participants?limit=3&cursor={first['next_cursor']}").json()
    ids = [r["id"] for r in first["results"]] + [r["id"] for r in second["results"]]
    assert len(ids) == len(set(ids)) == 6
    assert second["next_cursor"] is None
    completed_p1 = client.get("/api/v1/participants?stage=P1&status=completed").json()["results"]
    assert len(completed_p1) == 6
    assert client.get("/api/v1/participants?stage=P4").json()["results"] == []
    assert client.get("/api/v1/participants?region=31.74").json()["results"] == []
    assert client.get("/api/v1/participants?cursor=%%%").status_code == 422


def test_partner_sees_participant_only_with_consent_and_only_granted_categories(world: World) -> None:
    client = world.client("no_consent")
    assert client.get(f"/api/v1/participants/{world.participant.pk}").status_code == 403
    consent_grant(participant=world.participant, purpose="training_partners", actor=world.user("participant"))
    body = client.get(f"/api/v1/participants/{world.participant.pk}").json()
    assert body["full_name"] == "Siti Aminah"
    assert body["phone"] is None and body["nik"] is None  # the agreement grants identity and pathway only
    assert body["pathway"] is not None and body["businesses"] is None
    Consent.objects.filter(participant=world.participant, purpose="training_partners").update(
        withdrawn_at="2026-01-01T00:00Z"
    )
    assert client.get(f"/api/v1/participants/{world.participant.pk}").status_code == 403


def test_detail_reads_are_audited(world: World) -> None:
    world.client("permitted").get(f"/api/v1/participants/{world.participant.pk}")
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.PERSONAL_DATA_VIEWED, object_id=str(world.participant.pk)
        ).count()
        == 1
    )


def test_pathway_and_transitions(world: World) -> None:
    client = world.client("permitted")
    url = f"/api/v1/participants/{world.participant.pk}/pathway"
    body = client.get(url).json()
    assert body["programme"] == "JakPreneur"
    assert body["stages"][0] == {**body["stages"][0], "code": "P1", "status": "completed", "level": None}
    refused = post(client, url + "/P5/transitions", {"to_status": "in_progress"})
    assert refused.status_code == 409
    assert "P4" in refused.json()["detail"]
    ok = post(client, url + "/P2/transitions", {"to_status": "in_progress", "level": 1})
    assert ok.status_code == 200 and ok.json()["level"] == 1
    again = post(client, url + "/P2/transitions", {"to_status": "in_progress", "level": 1})
    assert again.status_code == 409
    assert post(client, url + "/P9/transitions", {"to_status": "completed"}).status_code == 404
    no_reason = post(client, url + "/P3/transitions", {"to_status": "dropped"})
    assert no_reason.status_code == 409 and no_reason.json()["errors"][0]["field"] == "reason"


def test_mentor_may_not_move_licensing(world: World) -> None:
    from kolabora.core.testing import make_member
    from kolabora.organisations.choices import Role

    mentor = make_member("pendamping.uji", world.cipayung, Role.MENTOR)
    client = Client()
    client.force_login(mentor)
    url = f"/api/v1/participants/{world.participant.pk}/pathway"
    assert post(client, url + "/P4/transitions", {"to_status": "in_progress"}).status_code == 403
    assert post(client, url + "/P3/transitions", {"to_status": "in_progress"}).status_code == 200
