"""Imported history in batches: the same record as stage_transition, flagged not refused, all or nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kolabora.core.choices import STAGE_CHANGED, AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.testing import World, make_participant
from kolabora.participants.models import Consent, Participant
from kolabora.participants.services import RegistrationInput, participant_register
from kolabora.pathway.bulk import (
    ImportRefused,
    ParticipantHistory,
    StageTarget,
    stage_history_import,
)
from kolabora.pathway.models import ParticipantStage
from kolabora.pathway.services import stage_transition

pytestmark = pytest.mark.django_db

STAGE_ACTIONS = [STAGE_CHANGED[f"P{n}"] for n in range(1, 8)]


BASE = timezone.now() - dt.timedelta(days=100)


def _day(n: int) -> dt.datetime:
    return BASE + dt.timedelta(days=n)


# One history touching every kind of change: levels, a reason, a drop, and two prerequisites broken
# (marketing before licensing, capital before licensing and bookkeeping).
HISTORY = {
    "P2": StageTarget(status="completed", level=2, at=_day(10)),
    "P3": StageTarget(status="in_progress", at=_day(20), reason="Sesi pertama"),
    "P4": StageTarget(status="dropped", at=_day(30), reason="Lokasi di jalur hijau"),
    "P5": StageTarget(status="completed", at=_day(40)),
    "P6": StageTarget(status="in_progress", at=_day(50)),
    "P7": StageTarget(status="in_progress", at=_day(60)),
}


def _stages(p: Participant) -> list[tuple[Any, ...]]:
    return list(
        ParticipantStage.objects.filter(participant=p)
        .order_by("stage__order")
        .values_list(
            "code", "status", "level", "since", "started_at", "completed_at", "reason", "rule_exception"
        )
    )


def _audit(p: Participant) -> list[tuple[Any, ...]]:
    return list(
        AuditEvent.objects.filter(object_id=str(p.pk), action__in=STAGE_ACTIONS)
        .order_by("id")
        .values_list("action", "actor_id", "organisation_id", "object_type", "before", "after", "reason")
    )


def _registered(nik: str, name: str) -> Participant:
    return participant_register(
        data=RegistrationInput(
            nik=nik,
            full_name=name,
            phone=f"0812{nik[-8:]}",
            kelurahan_code="31.75.10.1001",
            entry_track="pemula",
            consents=["programme"],
        ),
        actor=None,
        channel="api",
        at=_day(0),
    )


def _pair() -> tuple[Participant, Participant]:
    """Two people registered at the same moment, before the history below."""
    return _registered("3175104512900101", "Siti Satu"), _registered("3175104512900102", "Siti Dua")


def test_import_records_what_stage_transition_records_for_the_same_history() -> None:
    one, two = _pair()
    for code, target in HISTORY.items():
        stage_transition(
            participant=one,
            stage=code,
            to_status=target.status,
            actor=None,
            reason=target.reason,
            level=target.level,
            imported=True,
            at=target.at,
        )
    result = stage_history_import(rows=[ParticipantHistory(participant_id=two.pk, stages=HISTORY)])

    assert result.changed == len(HISTORY) and result.flagged == 2
    assert _stages(one) == _stages(two)
    assert _audit(one) == _audit(two)
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.rule_flags == two.rule_flags == ["P5_before_P4", "P7_before_P4_P6"]
    assert one.last_activity_at == two.last_activity_at == _day(60)


def test_the_same_with_a_staff_actor_records_their_organisation(world: World) -> None:
    staff = world.user("kecamatan")
    one, two = _pair()
    for code in ("P2", "P3"):
        t = HISTORY[code]
        stage_transition(
            participant=one,
            stage=code,
            to_status=t.status,
            actor=staff,
            reason=t.reason,
            level=t.level,
            imported=True,
            at=t.at,
        )
    stage_history_import(
        rows=[ParticipantHistory(participant_id=two.pk, stages={c: HISTORY[c] for c in ("P2", "P3")})],
        actor=staff,
    )
    assert _audit(one) == _audit(two)
    assert {row[2] for row in _audit(two) if row[0] != AuditAction.P1_CHANGED} == {world.cipayung.pk}


def test_history_that_breaks_todays_rules_is_kept_and_flagged() -> None:
    p = make_participant(nik="3175104512900103")
    stage_history_import(
        rows=[ParticipantHistory(participant_id=p.pk, stages={"P5": StageTarget(status="completed")})]
    )
    row = ParticipantStage.objects.get(participant=p, code="P5")
    assert (row.status, row.rule_exception) == ("completed", True)
    p.refresh_from_db()
    assert p.rule_flags == ["P5_before_P4"]
    event = AuditEvent.objects.get(object_id=str(p.pk), action=AuditAction.P5_CHANGED)
    assert event.after == {
        "stage": "P5",
        "status": "completed",
        "level": None,
        "imported": True,
        "rule_exception": True,
    }
    assert event.before == {"stage": "P5", "status": "not_started", "level": None}


def test_a_second_import_of_the_same_history_writes_nothing() -> None:
    p = make_participant(nik="3175104512900104")
    rows = [ParticipantHistory(participant_id=p.pk, stages=HISTORY)]
    stage_history_import(rows=rows)
    before = (_stages(p), AuditEvent.objects.count())
    result = stage_history_import(rows=rows)
    assert (result.changed, result.unchanged) == (0, len(HISTORY))
    assert (_stages(p), AuditEvent.objects.count()) == before


def test_one_refused_target_aborts_the_whole_import() -> None:
    good, bad = _pair()
    audit_rows = AuditEvent.objects.count()
    with pytest.raises(ImportRefused) as exc:
        stage_history_import(
            rows=[
                ParticipantHistory(participant_id=good.pk, stages={"P3": StageTarget(status="completed")}),
                ParticipantHistory(participant_id=bad.pk, stages={"P3": StageTarget(status="dropped")}),
            ]
        )
    assert (exc.value.participant_id, exc.value.stage, exc.value.code) == (bad.pk, "P3", "reason")
    assert "alasan" in exc.value.rule  # the engine's own words, in Indonesian
    assert ParticipantStage.objects.get(participant=good, code="P3").status == "not_started"
    assert AuditEvent.objects.count() == audit_rows


@pytest.mark.parametrize(
    ("target", "code"),
    [
        (StageTarget(status="in_progress", level=4), "level"),
        (StageTarget(status="completed"), "level"),  # P2 completes at T1 or above
        (StageTarget(status="finished"), "status"),
    ],
)
def test_the_engines_rules_still_hold_for_imports(target: StageTarget, code: str) -> None:
    p = make_participant(nik="3175104512900105")
    with pytest.raises(ImportRefused) as exc:
        stage_history_import(rows=[ParticipantHistory(participant_id=p.pk, stages={"P2": target})])
    assert exc.value.code == code


def test_a_level_never_goes_down_in_an_import() -> None:
    p = make_participant(nik="3175104512900106")
    stage_history_import(
        rows=[
            ParticipantHistory(participant_id=p.pk, stages={"P2": StageTarget(status="in_progress", level=2)})
        ]
    )
    with pytest.raises(ImportRefused) as exc:
        stage_history_import(
            rows=[
                ParticipantHistory(
                    participant_id=p.pk, stages={"P2": StageTarget(status="in_progress", level=1)}
                )
            ]
        )
    assert exc.value.code == "level"


def test_registration_completes_only_with_the_programme_consent() -> None:
    # A domicile-letter registrant waits for verification: P1 stays in progress.
    p = make_participant(nik="3175104512900107")
    ParticipantStage.objects.filter(participant=p, code="P1").update(status="in_progress", completed_at=None)
    Consent.objects.filter(participant=p).update(withdrawn_at=timezone.now())
    with pytest.raises(ImportRefused) as exc:
        stage_history_import(
            rows=[ParticipantHistory(participant_id=p.pk, stages={"P1": StageTarget(status="completed")})]
        )
    assert exc.value.code == "consent"
    Participant.objects.filter(pk=p.pk).update(eligibility_verified_at=None)
    with pytest.raises(ImportRefused) as exc:
        stage_history_import(
            rows=[ParticipantHistory(participant_id=p.pk, stages={"P1": StageTarget(status="completed")})]
        )
    assert exc.value.code == "eligibility"


def test_known_start_dates_are_kept() -> None:
    p = make_participant(nik="3175104512900108")
    started, done = _day(5), _day(25)
    stage_history_import(
        rows=[
            ParticipantHistory(
                participant_id=p.pk,
                stages={"P3": StageTarget(status="completed", started_at=started, at=done)},
            )
        ]
    )
    row = ParticipantStage.objects.get(participant=p, code="P3")
    assert (row.started_at, row.completed_at, row.since) == (started, done, done)
    with pytest.raises(ValueError, match="started_at"):
        stage_history_import(
            rows=[
                ParticipantHistory(
                    participant_id=p.pk,
                    stages={"P6": StageTarget(status="completed", started_at=done, at=started)},
                )
            ]
        )


def test_last_activity_never_moves_back() -> None:
    p = make_participant(nik="3175104512900109")
    registered = Participant.objects.get(pk=p.pk).last_activity_at
    stage_history_import(
        rows=[
            ParticipantHistory(
                participant_id=p.pk, stages={"P3": StageTarget(status="in_progress", at=_day(1))}
            )
        ]
    )
    assert Participant.objects.get(pk=p.pk).last_activity_at == registered


def test_an_actor_must_be_allowed_to_move_every_stage(world: World) -> None:
    outsider = world.user("out_of_region")
    p = world.participant
    with pytest.raises(PermissionDenied):
        stage_history_import(
            rows=[ParticipantHistory(participant_id=p.pk, stages={"P3": StageTarget(status="in_progress")})],
            actor=outsider,
        )
    assert ParticipantStage.objects.get(participant=p, code="P3").status == "not_started"


def test_batches_cover_every_participant() -> None:
    people = [make_participant(nik=f"31751045129002{i:02d}", full_name=f"Peserta {i}") for i in range(1, 6)]
    result = stage_history_import(
        rows=[
            ParticipantHistory(participant_id=p.pk, stages={"P2": StageTarget(status="in_progress", level=1)})
            for p in people
        ],
        batch_size=2,
    )
    assert result.changed == 5
    assert (
        ParticipantStage.objects.filter(code="P2", status="in_progress", participant__in=people).count() == 5
    )
    assert AuditEvent.objects.filter(action=AuditAction.P2_CHANGED).count() == 5
