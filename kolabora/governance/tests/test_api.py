"""The governance API for partner systems: scoped like the pages, one error shape."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from kolabora.core.testing import World
from kolabora.governance import indicators
from kolabora.governance.models import Feedback

from .factories import ago, attended, handoff, participant

pytestmark = pytest.mark.django_db
API = "/api/v1"


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(data), content_type="application/json")


def test_indicators_for_ones_own_regions(world: World) -> None:
    client = world.client("permitted")
    body = client.get(f"{API}/governance/indicators").json()
    assert body["scope"]["regions"] == ["31.75"]
    assert [i["code"] for i in body["indicators"]] == [i.code for i in indicators.REGISTRY]
    targets = next(i for i in body["indicators"] if i["code"] == "targets_met")
    assert targets["value"] is None and targets["note"] and targets["definition"]
    narrowed = client.get(
        f"{API}/governance/indicators", {"region": "31.75.10", "since": "2026-01-01"}
    ).json()
    assert narrowed["scope"] == {"regions": ["31.75.10"], "since": "2026-01-01"}
    outside = client.get(f"{API}/governance/indicators", {"region": "31.74"})
    assert outside.status_code == 403 and outside.json()["detail"]
    unknown = client.get(f"{API}/governance/indicators", {"region": "99.99"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "region"
    assert world.client("other_org").get(f"{API}/governance/indicators").status_code == 403
    assert world.client("anonymous").get(f"{API}/governance/indicators").status_code == 401


def test_network_and_accountability(world: World) -> None:
    p = participant(kelurahan="31.75.10.1001")
    handoff(world.cipayung, received=ago(5), done=ago(4.9), participant=p)
    client = world.client("permitted")
    net = client.get(f"{API}/governance/network").json()
    assert net["classification"]["model"] in {"lead_organisation", "nao", "self_governance"}
    assert {n["name"] for n in net["nodes"]} >= {world.dinas.name, world.trainer.name}
    rows = client.get(f"{API}/governance/accountability").json()
    row = next(r for r in rows if r["organisation_id"] == world.cipayung.pk)
    assert (row["steps_received"], row["steps_within_service_level"], row["within_service_level_share"]) == (
        1,
        1,
        100.0,
    )
    mine = (
        world.client("kecamatan")
        .get(f"{API}/governance/organisations/{world.cipayung.pk}/accountability")
        .json()
    )
    assert mine["accountability"]["steps_done"] == 1 and mine["steps"][0]["step"] == "langkah"
    denied = world.client("other_org").get(
        f"{API}/governance/organisations/{world.cipayung.pk}/accountability"
    )
    assert denied.status_code == 403


def test_feedback_given_and_answered_through_the_api(world: World) -> None:
    enrolment = attended(world.participant, world.cipayung)
    me = world.client("participant")
    services = me.get(f"{API}/feedback/services").json()
    assert [(s["kind"], s["subject_id"], s["feedback_id"]) for s in services] == [
        ("training", enrolment.pk, None)
    ]
    bad = post(me, f"{API}/feedback", {"kind": "training", "subject_id": enrolment.pk, "rating": 0})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "rating"
    created = post(
        me,
        f"{API}/feedback",
        {"kind": "training", "subject_id": enrolment.pk, "rating": 4, "comment": "Jadwal pas."},
    )
    assert created.status_code == 201
    fb = created.json()
    assert fb["organisation_id"] == world.cipayung.pk and fb["status"] == "open" and fb["due_on"]
    again = post(me, f"{API}/feedback", {"kind": "training", "subject_id": enrolment.pk, "rating": 4})
    assert again.status_code == 422
    staff_try = post(
        world.client("kecamatan"),
        f"{API}/feedback",
        {"kind": "training", "subject_id": enrolment.pk, "rating": 4},
    )
    assert staff_try.status_code == 403

    answer = {"answer": "Terima kasih, sampai jumpa di kelas berikutnya."}
    assert post(world.client("other_org"), f"{API}/feedback/{fb['id']}/answer", answer).status_code == 403
    assert post(world.client("permitted"), f"{API}/feedback/{fb['id']}/answer", answer).status_code == 403
    answered = post(world.client("kecamatan"), f"{API}/feedback/{fb['id']}/answer", answer)
    assert answered.status_code == 200 and answered.json()["within_service_level"] is True
    assert me.get(f"{API}/feedback/{fb['id']}").json()["answer"] == answer["answer"]
    assert [f["id"] for f in world.client("permitted").get(f"{API}/feedback").json()] == [fb["id"]]
    assert world.client("other_org").get(f"{API}/feedback").json() == []
    assert world.client("out_of_region").get(f"{API}/feedback/{fb['id']}").status_code == 403
    assert Feedback.objects.count() == 1
