"""The batch registration endpoint: many registrations in one request, each judged on its own, each
written exactly as ``POST /api/v1/participants`` writes it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from kolabora.core.choices import STAGE_CHANGED, AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.testing import World, make_member, make_org, make_participant
from kolabora.organisations.choices import OrganisationType, Role
from kolabora.participants.bulk import BATCH_MAX, repeated_message
from kolabora.participants.models import Business, BusinessFigures, Consent, Participant
from kolabora.pathway.models import ParticipantStage

from .test_api import NEW, post

pytestmark = pytest.mark.django_db

URL = "/api/v1/participants/batch"
SINGLE = "/api/v1/participants"
OUTSIDE = "31.74.10.1005"  # a kelurahan of Jakarta Selatan, beyond Cipayung's secretariat


def nik(serial: int) -> str:
    """A valid NIK of a man born 1 January 1990 in Cipayung; only the serial differs."""
    return f"317510010190{serial:04d}"


def person(serial: int, **change: Any) -> dict[str, Any]:
    """The single endpoint's test registration (``test_api.NEW``), made unique by ``serial``."""
    return {
        **NEW,
        "nik": nik(serial),
        "full_name": f"Budi Santoso {serial}",
        "phone": f"0812-9876-{serial:04d}",
        "email": f"budi{serial}@example.test",
        "business": {**NEW["business"], "name": f"Bengkel Budi {serial}"},
        **change,
    }


def batch(client: Client, items: list[dict[str, Any]]) -> Any:
    return post(client, URL, {"participants": items})


def written() -> dict[str, int]:
    """How many rows a registration writes, table by table."""
    return {
        "participants": Participant.objects.count(),
        "businesses": Business.objects.count(),
        "figures": BusinessFigures.objects.count(),
        "consents": Consent.objects.count(),
        "stages": ParticipantStage.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def repeated(index: int) -> str:
    """The message for a NIK repeated within the batch, in Indonesian (the catalogue's, once translated)."""
    with translation.override("id"):
        return repeated_message(index)


def test_each_item_is_judged_on_its_own(world: World) -> None:
    client = world.client("kecamatan")  # logging in is audited
    before = written()
    items = [
        person(31),
        person(32, nik="31751001019000"),  # 14 digits
        person(33, phone="12345"),
        person(34),
        person(35, nik=nik(31), full_name="Budi Lagi"),  # the same person as item 0
        person(36, nik=world.participant.nik),  # registered already
        person(37, kelurahan_code=OUTSIDE),
        person(38, nik=world.participant.nik, phone="12345"),  # known NIK and a bad field: the NIK first
    ]
    response = batch(client, items)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [r["index"] for r in body["results"]] == list(range(8))
    assert [r["status"] for r in body["results"]] == [201, 422, 422, 201, 409, 409, 403, 409]
    assert (body["created"], body["refused"]) == (2, 6)
    errors = [{e["field"]: e["message"] for e in r["errors"]} for r in body["results"]]
    assert errors[0] == errors[3] == {}
    assert list(errors[1]) == ["nik"] and "16 digit" in errors[1]["nik"]
    assert list(errors[2]) == ["phone"] and "bukan nomor telepon Indonesia yang sah" in errors[2]["phone"]
    assert errors[4] == {"nik": repeated(0)}
    assert errors[5] == errors[7] == {"nik": errors[5]["nik"]}
    assert errors[5]["nik"].startswith("NIK ini sudah terdaftar.")
    assert errors[6] == {"kelurahan_code": "Kelurahan ini berada di luar wilayah organisasi Anda."}

    created = {r["index"]: r for r in body["results"] if r["status"] == 201}
    for i, r in created.items():
        p = Participant.objects.get(pk=r["id"])
        assert p.nik == items[i]["nik"] and r["nik_masked"] == p.nik_masked == f"3175••••••••{i + 31:04d}"
        assert p.full_name == items[i]["full_name"] and p.channel == "api"
    # Refused items say nothing of anyone already registered, and nothing of them is written.
    for r in body["results"]:
        if r["status"] != 201:
            assert r["id"] is None and r["nik_masked"] is None
    assert Participant.objects.filter(nik=nik(31)).get().full_name == "Budi Santoso 31"
    assert not Participant.objects.filter(nik__in=[nik(33), nik(37)]).exists()
    assert Participant.objects.filter(nik=world.participant.nik).count() == 1
    after = written()
    # Two registrations: a participant, a business with its first figures, two consents, seven stage
    # rows and two audit rows (registered, P1 opened) each.
    assert {k: after[k] - before[k] for k in after} == {
        "participants": 2,
        "businesses": 2,
        "figures": 2,
        "consents": 4,
        "stages": 14,
        "audit": 4,
    }


def test_a_repeat_of_an_invalid_item_may_register(world: World) -> None:
    """As if sent one after another: the first is refused, so the second is the one that registers."""
    body = batch(world.client("kecamatan"), [person(31, phone="12345"), person(31)]).json()
    assert [r["status"] for r in body["results"]] == [422, 201]
    assert Participant.objects.get(nik=nik(31)).pk == body["results"][1]["id"]


def test_an_invalid_repeat_of_a_registered_item_is_a_duplicate(world: World) -> None:
    body = batch(world.client("kecamatan"), [person(31), person(31, phone="12345")]).json()
    assert [r["status"] for r in body["results"]] == [201, 409]
    assert body["results"][1]["errors"] == [{"field": "nik", "message": repeated(0)}]


def _fields(obj: Any, *skip: str) -> dict[str, Any]:
    """Every column of ``obj`` but its ids and bookkeeping times, and ``skip``."""
    left_out = {"id", "participant_id", "business_id", "created_at", "updated_at", *skip}
    return {
        f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname not in left_out
    }


def _snapshot(p: Participant) -> dict[str, Any]:
    """What a registration wrote for ``p``: every row, without ids, the NIK's serial and the moment
    itself (each moment is compared with the registration's)."""
    registered = p.last_activity_at
    fields = _fields(p, "nik", "last_activity_at", "eligibility_verified_at")
    fields["eligibility_verified_at"] = (
        None if p.eligibility_verified_at is None else p.eligibility_verified_at == registered
    )
    stages = [
        (
            s.code,
            s.status,
            s.level,
            s.reason,
            s.rule_exception,
            s.since == registered,
            None if s.started_at is None else s.started_at == registered,
            None if s.completed_at is None else s.completed_at == registered,
        )
        for s in ParticipantStage.objects.filter(participant=p).order_by("stage__order")
    ]
    consents = sorted(
        (c.purpose, c.text_version, c.granted_at == registered, c.withdrawn_at)
        for c in Consent.objects.filter(participant=p)
    )
    businesses = [
        (_fields(b), [_fields(f) for f in BusinessFigures.objects.filter(business=b)])
        for b in Business.objects.filter(participant=p)
    ]
    audit = [
        (e.action, e.object_type, e.actor_id, e.organisation_id, e.before, e.after, e.reason)
        for e in AuditEvent.objects.filter(object_id=str(p.pk)).order_by("pk")
    ]
    return {
        "participant": fields,
        "stages": stages,
        "consents": consents,
        "businesses": businesses,
        "audit": audit,
    }


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({}, id="dki-ktp-pemula"),
        pytest.param(
            {
                "entry_track": "naik_kelas",
                "business": {
                    "name": "Katering Sari",
                    "sector": "kuliner",
                    "kbli_code": "56210",
                    "workers": 6,
                    "monthly_turnover": 60_000_000,
                    "assets": 300_000_000,
                    "nib": "9120 0012 3456 7",
                },
                "consents": ["programme"],
            },
            id="naik-kelas-with-nib",
        ),
        pytest.param(
            {
                "nik": "327310010190{serial}",
                "domicile_basis": "domicile_letter",
                "domicile_since": "2019-06-01",
                "business": None,
                "consents": ["programme", "financial_institutions", "training_partners", "programme"],
            },
            id="domicile-letter",
        ),
    ],
)
def test_a_batch_registration_writes_what_a_single_one_writes(world: World, change: dict[str, Any]) -> None:
    client = world.client("kecamatan")

    def body(serial: int) -> dict[str, Any]:
        b = {**person(31), **change}
        b["nik"] = b["nik"].format(serial=f"{serial:04d}") if "{" in b["nik"] else nik(serial)
        return b

    single = post(client, SINGLE, body(41))
    assert single.status_code == 201, single.content
    many = batch(client, [body(42)])
    assert many.status_code == 200 and many.json()["results"][0]["status"] == 201, many.content
    one = Participant.objects.get(pk=single.json()["id"])
    other = Participant.objects.get(pk=many.json()["results"][0]["id"])
    assert one.nik[:12] == other.nik[:12] and one.nik != other.nik
    expected, got = _snapshot(one), _snapshot(other)
    assert got == expected
    assert got["participant"]["channel"] == "api"
    opened = [s[0] for s in got["stages"] if s[1] != "not_started"]
    assert [a[0] for a in got["audit"]] == [
        AuditAction.PARTICIPANT_REGISTERED,
        *(STAGE_CHANGED[code] for code in opened),
    ]
    assert all(a[5]["imported"] is False for a in got["audit"][1:])
    assert got["audit"][0][3] == world.cipayung.pk  # the secretariat that registered


def test_more_than_500_is_refused_whole(world: World) -> None:
    client = world.client("kecamatan")
    before = written()
    items = [person(i + 1) for i in range(BATCH_MAX + 1)]
    response = batch(client, items)
    assert response.status_code == 422
    body = response.json()
    with translation.override("id"):
        expected = gettext(
            "A batch holds at most %(max)s registrations; this one has %(count)s. Send the rest in "
            "another batch."
        ) % {"max": 500, "count": 501}
    assert body["detail"] == expected
    assert body["errors"] == [{"field": "participants", "message": body["detail"]}]
    assert written() == before


def test_an_empty_batch_is_refused(world: World) -> None:
    response = batch(world.client("kecamatan"), [])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "participants"


def test_an_item_that_does_not_fit_the_schema_refuses_the_request(world: World) -> None:
    response = batch(world.client("kecamatan"), [person(31), {"nik": nik(32)}])
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert "participants.1.full_name" in fields
    assert not Participant.objects.filter(nik=nik(31)).exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 401), ("other_org", 403), ("out_of_region", 403), ("no_consent", 403), ("permitted", 403)],
)
def test_only_those_who_register_participants_may_send_a_batch(
    world: World, persona: str, status: int
) -> None:
    # A programme manager ("permitted" elsewhere) oversees participants but does not register them.
    response = batch(world.client(persona), [person(31)])
    assert response.status_code == status
    assert set(response.json()) == {"detail", "errors"}
    assert not Participant.objects.filter(nik=nik(31)).exists()


def test_another_kecamatan_registers_only_in_its_own_region(world: World) -> None:
    jagakarsa = make_org(
        "Sekretariat Uji Jagakarsa",
        "31.74.09",
        OrganisationType.KECAMATAN_SECRETARIAT,
        parent=world.sudin_jaksel,
    )
    staff = make_member("kecamatan.jagakarsa", jagakarsa, Role.KECAMATAN_STAFF)
    client = Client()
    client.force_login(staff)
    jagakarsa_kelurahan = "31.74.09.1001"
    body = batch(
        client,
        [person(31), person(32, kelurahan_code=jagakarsa_kelurahan), person(33, kelurahan_code=OUTSIDE)],
    ).json()
    assert [r["status"] for r in body["results"]] == [403, 201, 403]
    assert set(Participant.objects.filter(nik__startswith=nik(0)[:12]).values_list("nik", flat=True)) == {
        nik(32)
    }
    registered = AuditEvent.objects.get(
        action=AuditAction.PARTICIPANT_REGISTERED, object_id=str(body["results"][1]["id"])
    )
    assert registered.organisation_id == jagakarsa.pk and registered.actor_id == staff.pk


def test_the_answer_costs_no_query_per_participant(world: World) -> None:
    client = world.client("kecamatan")
    batch(client, [person(1)])  # the first request of a client loads what every later one reuses
    counts = []
    # At most 7 people (49 stage rows): PostgreSQL writes more than 50 rows through COPY, which the query
    # log does not see.
    for start, size in ((10, 2), (20, 7)):
        with CaptureQueriesContext(connection) as queries:
            response = batch(client, [person(start + i) for i in range(size)])
        assert response.json()["created"] == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("size", [2, 60])  # 60: past the size at which PostgreSQL inserts through COPY
def test_a_nik_registered_meanwhile_is_a_duplicate_and_the_rest_is_written_once(
    world: World, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    """Another registration of one of the NIKs commits after the batch looked them up: the unique index
    refuses the batch's write, and the second judgement answers that item with 409."""
    real = Participant.objects
    raced: list[str] = []

    class Racing:
        def filter(self, *args: Any, **kwargs: Any) -> Any:
            if "nik__in" in kwargs and not raced:
                raced.append(nik(31))
                make_participant(nik=nik(31), full_name="Pendaftar Lain", kelurahan="31.75.10.1003")
                return real.none()  # what the batch saw before that registration
            return real.filter(*args, **kwargs)

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

    client = world.client("kecamatan")
    before = written()
    monkeypatch.setattr(Participant, "objects", Racing())
    body = batch(client, [person(31 + i) for i in range(size)]).json()
    monkeypatch.undo()
    assert raced
    assert [r["status"] for r in body["results"]] == [409] + [201] * (size - 1)
    assert body["results"][0]["id"] is None
    assert Participant.objects.get(nik=nik(31)).full_name == "Pendaftar Lain"
    assert Participant.objects.filter(nik__in=[nik(31 + i) for i in range(size)]).count() == size
    # Every participant has exactly one registration audit row, and the batch wrote its people once.
    assert AuditEvent.objects.filter(action=AuditAction.PARTICIPANT_REGISTERED).count() == (
        Participant.objects.count()
    )
    assert written()["participants"] == before["participants"] + size


def test_openapi_describes_the_batch_endpoint() -> None:
    doc = Client().get("/api/v1/openapi.json").json()
    operation = doc["paths"]["/api/v1/participants/batch"]["post"]
    assert "500" in operation["description"] and "409" in operation["description"]
    body_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    items = doc["components"]["schemas"][body_ref]["properties"]["participants"]
    assert (items["minItems"], items["maxItems"]) == (1, BATCH_MAX)
    out_ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    assert set(doc["components"]["schemas"][out_ref]["properties"]) == {"created", "refused", "results"}
