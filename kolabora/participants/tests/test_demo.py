"""Demo participants and the bulk registration they are made with."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from kolabora.accounts.models import User
from kolabora.core.choices import STAGE_CHANGED, AuditAction
from kolabora.core.demo import DemoAccount, DemoContext
from kolabora.core.models import AuditEvent
from kolabora.participants import demo
from kolabora.participants.bulk import ParticipantImport, participants_bulk_create
from kolabora.participants.models import Business, BusinessFigures, Consent, Participant
from kolabora.participants.services import BusinessInput, RegistrationInput, participant_register
from kolabora.participants.validation import age_on, nik_check, phone_check
from kolabora.pathway.bulk import StageTarget
from kolabora.pathway.models import ParticipantStage

pytestmark = pytest.mark.django_db

N = 300


@pytest.fixture
def seeded() -> DemoContext:
    ctx = DemoContext(password="rahasia-demo-123", options={"participants": N})
    demo.seed(ctx)
    return ctx


def _reached(code: str) -> int:
    return ParticipantStage.objects.filter(code=code, status__in=["in_progress", "completed"]).count()


def test_the_stages_follow_east_jakartas_funnel(seeded: DemoContext) -> None:
    want = demo.scaled(N)
    assert Participant.objects.count() == N
    levels = Counter(ParticipantStage.objects.filter(code="P2").values_list("level", flat=True))
    got = {
        "P1": ParticipantStage.objects.filter(code="P1", status="completed").count(),
        "T1": levels[1] + levels[2] + levels[3],
        "T2": levels[2] + levels[3],
        "T3": levels[3],
        **{code: _reached(code) for code in ("P3", "P4", "P5", "P6", "P7")},
    }
    assert got == want
    # P2 is completed from T1 on, or still running; nobody without a level completed it.
    assert not ParticipantStage.objects.filter(code="P2", status="completed", level__isnull=True).exists()
    # Some dropped out along the way, with a reason.
    dropped = ParticipantStage.objects.filter(status="dropped")
    assert dropped.exists() and not dropped.filter(reason="").exists()


def test_marketing_before_licensing_is_flagged_not_refused(seeded: DemoContext) -> None:
    licensed = ParticipantStage.objects.filter(code="P4", status="completed").values("participant_id")
    early = ParticipantStage.objects.filter(code="P5", status__in=["in_progress", "completed"]).exclude(
        participant_id__in=licensed
    )
    assert early.exists()
    assert not early.filter(rule_exception=False).exists()
    for p in Participant.objects.filter(stages__in=early):
        assert "P5_before_P4" in p.rule_flags
    # Everyone flagged really did market early; capital always came after licence and books.
    assert Participant.objects.exclude(rule_flags=[]).count() == early.count()
    assert not ParticipantStage.objects.filter(code="P7", rule_exception=True).exists()


def test_identities_are_valid_and_fictitious(seeded: DemoContext) -> None:
    rows = list(
        Participant.objects.values_list(
            "nik", "sex", "birth_date", "kecamatan_code", "kelurahan_id", "phone", "registered_on"
        )
    )
    assert len({r[0] for r in rows}) == N
    for nik, sex, birth, kecamatan, kelurahan, phone, registered in rows:
        facts = nik_check(nik, today=registered)
        assert (facts.sex, facts.birth_date, facts.kecamatan_code) == (sex, birth, kecamatan)
        assert kelurahan.startswith(kecamatan + ".") and kelurahan.startswith("31.")
        assert 18 <= age_on(birth, registered) <= 65
        assert nik[-4:] != "0000"
        assert phone_check(phone) == phone and phone.startswith("+628")
    kecamatan_seen = {r[3] for r in rows}
    assert len(kecamatan_seen) > 30  # spread over Jakarta, not one office
    tracks = Counter(Participant.objects.values_list("entry_track", flat=True))
    assert 0.7 < tracks["pemula"] / N < 0.9
    days = [r[6] for r in rows]
    assert (max(days) - min(days)).days > 2 * 365
    assert Business.objects.count() == BusinessFigures.objects.count() == N


def test_peserta_demo_can_log_in_and_is_in_training(seeded: DemoContext) -> None:
    user = User.objects.get(username="peserta.demo")
    assert user.check_password("rahasia-demo-123")
    p = Participant.objects.get(user=user)
    assert p.kelurahan_id == "31.74.10.1005"
    stages = dict(p.stages.values_list("code", "status"))
    assert stages["P1"] == "completed" and stages["P2"] == "in_progress"
    assert p.stages.get(code="P2").level == 1
    assert {c for c, s in stages.items() if s != "not_started"} == {"P1", "P2"}
    assert DemoAccount("peserta.demo", "Peserta", "—") in seeded.accounts


def test_every_change_is_audited_once(seeded: DemoContext) -> None:
    registered = AuditEvent.objects.filter(action=AuditAction.PARTICIPANT_REGISTERED)
    assert registered.count() == N
    assert {e.after["channel"] for e in registered} == {"import"}
    changed = ParticipantStage.objects.exclude(status="not_started").count()
    assert AuditEvent.objects.filter(action__in=STAGE_CHANGED.values()).count() == changed
    assert not AuditEvent.objects.filter(action__in=STAGE_CHANGED.values(), after__imported=False).exists()


def test_a_second_run_creates_nothing(seeded: DemoContext) -> None:
    counts = (Participant.objects.count(), AuditEvent.objects.count(), User.objects.count())
    again = DemoContext(password="rahasia-demo-123", options={"participants": N})
    demo.seed(again)
    assert (Participant.objects.count(), AuditEvent.objects.count(), User.objects.count()) == counts
    assert DemoAccount("peserta.demo", "Peserta", "—") in again.accounts


def test_the_demo_is_the_same_every_time(db: None) -> None:
    moment = timezone.now()
    first = demo.build(60, now=moment)
    second = demo.build(60, now=moment)
    assert [(r.data.nik, r.data.full_name, r.data.kelurahan_code) for r in first] == [
        (r.data.nik, r.data.full_name, r.data.kelurahan_code) for r in second
    ]


# --- participants_bulk_create ----------------------------------------------------------------------


def _input(nik: str, **extra: object) -> RegistrationInput:
    data = {
        "nik": nik,
        "full_name": "  siti   aminah ",
        "phone": "0812-3456-7890",
        "kelurahan_code": "31.75.10.1001",
        "entry_track": "naik_kelas",
        "consents": ["programme", "statistics"],
        "business": BusinessInput(
            name="Dapur Bu Siti", sector="kuliner", nib="1234567890123", monthly_turnover=5_000_000
        ),
    }
    return RegistrationInput(**(data | extra))  # type: ignore[arg-type]


def test_bulk_registration_keeps_the_invariants_of_a_single_registration() -> None:
    at = timezone.now() - dt.timedelta(days=3)
    one = participant_register(data=_input("3175104512900201"), actor=None, channel="import", at=at)
    [two] = participants_bulk_create(
        rows=[ParticipantImport(data=_input("3175104512900202"), registered_at=at)]
    )
    fields = [
        "full_name",
        "name_key",
        "sex",
        "birth_date",
        "phone",
        "kelurahan_id",
        "kecamatan_code",
        "kota_code",
        "province_code",
        "domicile_basis",
        "entry_track",
        "eligibility_verified_at",
        "channel",
        "registered_on",
        "last_activity_at",
        "rule_flags",
    ]
    a, b = (Participant.objects.values(*fields).get(pk=p.pk) for p in (one, two))
    assert a == b
    assert b["name_key"] == "SITI AMINAH" and b["kota_code"] == "31.75" and b["phone"] == "+6281234567890"

    def stages(p: Participant) -> list[tuple[object, ...]]:
        return list(
            p.stages.order_by("stage__order").values_list(
                "code", "status", "since", "started_at", "completed_at", "reason"
            )
        )

    assert stages(one) == stages(two)  # P1 completed, and P4 completed by the recorded NIB
    assert stages(two)[3][:2] == ("P4", "completed")

    def audit(p: Participant) -> list[tuple[Any, ...]]:
        return list(
            AuditEvent.objects.filter(object_id=str(p.pk))
            .order_by("id")
            .values_list("action", "before", "after")
        )

    assert [row[0] for row in audit(one)] == [row[0] for row in audit(two)]
    assert audit(two)[0][2]["channel"] == "import"
    assert set(Consent.objects.filter(participant=two).values_list("purpose", flat=True)) == {
        "programme",
        "statistics",
    }
    business = Business.objects.get(participant=two)
    assert (business.scale, business.figures.get().measured_on) == ("mikro", timezone.localdate(at))


def test_bulk_registration_names_every_bad_row_and_writes_nothing() -> None:
    participant_register(data=_input("3175104512900301"), actor=None, channel="import")
    rows = [
        ParticipantImport(data=_input("3175104512900302")),
        ParticipantImport(data=_input("3175104512900301")),  # already registered
        ParticipantImport(data=_input("3175104512900302")),  # twice in this file
        ParticipantImport(data=_input("3175100000000000", phone="12")),
    ]
    with pytest.raises(ValidationError) as exc:
        participants_bulk_create(rows=rows)
    errors = exc.value.message_dict
    assert {"1.nik", "2.nik", "3.nik", "3.phone"} <= set(errors)
    assert "0.nik" not in errors
    assert not Participant.objects.filter(nik="3175104512900302").exists()


def test_bulk_registration_carries_the_imported_history() -> None:
    at = timezone.now() - dt.timedelta(days=30)
    [p] = participants_bulk_create(
        rows=[
            ParticipantImport(
                data=_input("3175104512900401", entry_track="pemula", business=None),
                registered_at=at,
                stages={
                    "P2": StageTarget(status="completed", level=1, at=at + dt.timedelta(days=10)),
                    "P5": StageTarget(status="in_progress", at=at + dt.timedelta(days=20)),
                },
            )
        ]
    )
    p.refresh_from_db()
    assert p.rule_flags == ["P5_before_P4"]
    assert p.last_activity_at == at + dt.timedelta(days=20)
    assert ParticipantStage.objects.filter(participant=p).count() == 7
    assert ParticipantStage.objects.filter(Q(participant=p), ~Q(status="not_started")).count() == 3
