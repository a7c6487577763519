"""The stage engine's rules, as the programme states them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kolabora.core.models import AuditEvent
from kolabora.core.testing import World, make_participant
from kolabora.participants.models import Participant
from kolabora.pathway.models import ParticipantStage
from kolabora.pathway.selectors import at_risk_list, next_stage, pathway_get
from kolabora.pathway.services import TransitionRefused, programme_default, stage_transition

pytestmark = pytest.mark.django_db


def status(p: Participant, code: str) -> str:
    return ParticipantStage.objects.get(participant=p, code=code).status


def move(p: Participant, code: str, to: str, **kw: object) -> ParticipantStage:
    return stage_transition(participant=p, stage=code, to_status=to, actor=None, **kw)  # type: ignore[arg-type]


def test_training_and_mentoring_run_at_the_same_time(world: World) -> None:
    p = world.participant
    move(p, "P2", "in_progress", level=1)
    move(p, "P3", "in_progress")
    assert (status(p, "P2"), status(p, "P3")) == ("in_progress", "in_progress")


def test_marketing_needs_licensing_first(world: World) -> None:
    with pytest.raises(TransitionRefused) as exc:
        move(world.participant, "P5", "in_progress")
    assert "P4" in exc.value.rule and "Legalitas sebelum pemasaran" in exc.value.rule
    assert status(world.participant, "P5") == "not_started"


def test_capital_needs_licensing_and_bookkeeping(world: World) -> None:
    p = world.participant
    move(p, "P4", "completed")
    with pytest.raises(TransitionRefused) as exc:
        move(p, "P7", "in_progress")
    assert "P6" in exc.value.rule and "P4" not in exc.value.rule.split("memerlukan")[1]
    move(p, "P6", "completed")
    move(p, "P7", "completed")
    assert status(p, "P7") == "completed"


def test_training_levels_only_go_up_and_t1_completes_p2(world: World) -> None:
    p = world.participant
    with pytest.raises(TransitionRefused):
        move(p, "P2", "completed")  # no level reached yet
    move(p, "P2", "in_progress", level=2)
    with pytest.raises(TransitionRefused, match="turun"):
        move(p, "P2", "in_progress", level=1)
    with pytest.raises(TransitionRefused):
        move(p, "P2", "in_progress", level=4)
    with pytest.raises(TransitionRefused, match="tingkat"):
        move(p, "P3", "in_progress", level=1)
    row = move(p, "P2", "completed")
    assert row.level == 2 and row.completed_at is not None
    row = move(p, "P2", "completed", level=3)  # reaching T3 later is recorded
    assert row.level == 3


def test_skipping_and_dropping_need_a_reason_and_people_can_come_back(world: World) -> None:
    p = world.participant
    with pytest.raises(TransitionRefused, match="alasan"):
        move(p, "P3", "dropped")
    move(p, "P3", "dropped", reason="Pindah domisili")
    move(p, "P3", "in_progress")
    with pytest.raises(TransitionRefused, match="alasan"):
        move(p, "P3", "skipped", reason="  ")
    move(p, "P3", "completed")
    with pytest.raises(TransitionRefused, match="alasan"):
        move(p, "P3", "in_progress")
    move(p, "P3", "in_progress", reason="Izin dicabut, pendampingan ulang")


def test_one_audit_row_per_change_with_from_and_to(world: World) -> None:
    p = world.participant
    before = AuditEvent.objects.count()
    move(p, "P3", "in_progress")
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("id")
    assert event.action == 301
    assert event.before["status"] == "not_started" and event.after["status"] == "in_progress"
    with pytest.raises(TransitionRefused):
        move(p, "P3", "in_progress")
    assert AuditEvent.objects.count() == before + 1


def test_imported_history_that_breaks_rules_is_kept_and_flagged(world: World) -> None:
    p = world.participant
    row = move(p, "P5", "completed", imported=True)
    assert row.rule_exception
    assert Participant.objects.get(pk=p.pk).rule_flags == ["P5_before_P4"]


def test_domicile_letter_route_waits_for_verification(world: World) -> None:
    from django.core.files.base import ContentFile

    from kolabora.core.testing import pdf_bytes
    from kolabora.participants.services import (
        BusinessInput,
        RegistrationInput,
        eligibility_verify,
        participant_register,
    )

    p = participant_register(
        data=RegistrationInput(
            nik="3273100101900031",
            full_name="Asep Sunandar",
            phone="081311112222",
            kelurahan_code="31.75.10.1003",
            entry_track="pemula",
            domicile_basis="domicile_letter",
            domicile_since=dt.date(2019, 1, 1),
            consents=["programme"],
            business=BusinessInput(name="Warung Asep", sector="kuliner"),
            documents={"domicile_letter": ContentFile(pdf_bytes(), name="surat.pdf")},
        ),
        actor=world.user("kecamatan"),
        channel="walk_in",
    )
    assert status(p, "P1") == "in_progress"
    with pytest.raises(PermissionDenied):
        eligibility_verify(participant=p, actor=world.user("out_of_region"))
    eligibility_verify(participant=p, actor=world.user("kecamatan"))
    assert status(p, "P1") == "completed"


def test_naik_kelas_with_nib_completes_licensing_at_once(world: World) -> None:
    from kolabora.participants.services import BusinessInput

    p = make_participant(
        nik="3175100202910047",
        full_name="Rudi Hartono",
        entry_track="naik_kelas",
        business=BusinessInput(
            name="Konveksi Rudi", sector="fashion", nib="1234567890123", monthly_turnover=60_000_000
        ),
    )
    assert status(p, "P4") == "completed"
    assert p.businesses.get().scale == "mikro"


def test_permission_for_transitions_follows_role_and_region(world: World) -> None:
    with pytest.raises(PermissionDenied):
        stage_transition(
            participant=world.participant,
            stage="P3",
            to_status="in_progress",
            actor=world.user("out_of_region"),
        )
    with pytest.raises(PermissionDenied):
        stage_transition(
            participant=world.participant,
            stage="P2",
            to_status="in_progress",
            level=1,
            actor=world.user("no_consent"),
        )
    stage_transition(
        participant=world.participant, stage="P3", to_status="in_progress", actor=world.user("kecamatan")
    )


def test_progress_shows_what_is_next_and_what_blocks(world: World) -> None:
    stages = pathway_get(participant=world.participant)
    p5 = next(s for s in stages if s.code == "P5")
    assert p5.blocked_by == ["P4"] and "P4" in p5.requirements
    nxt = next_stage(stages)
    assert nxt is not None and nxt.code == "P2"


def test_at_risk_lists_inactive_participants_with_an_open_stage_oldest_first(world: World) -> None:
    old = make_participant(nik="3175100202910047", full_name="Lama Sekali")
    older = make_participant(nik="3175100303920056", full_name="Paling Lama")
    for p, days in ((old, 40), (older, 90)):
        move(p, "P3", "in_progress")
        Participant.objects.filter(pk=p.pk).update(last_activity_at=timezone.now() - dt.timedelta(days=days))
    Participant.objects.filter(pk=world.participant.pk).update(
        last_activity_at=timezone.now() - dt.timedelta(days=90)
    )
    names = [p.full_name for p in at_risk_list(user=world.user("kecamatan"), programme=programme_default())]
    assert names == ["Paling Lama", "Lama Sekali"]  # the world participant has no open stage
    assert list(at_risk_list(user=world.user("out_of_region"), programme=programme_default())) == []
