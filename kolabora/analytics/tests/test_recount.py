"""The aggregates equal a full recount after any mix of writes.

A seeded random mix of registrations (one at a time and in bulk with history), stage transitions (levels,
drops, skips, reopenings, prerequisites broken as imported history), history imports and merges; after
every step the live figures (folded cells plus pending deltas, at every region and cohort level) must
equal two recounts: the rebuild's SQL and an independent count written here from the definitions in
words. Compactions happen at random in between, and a rebuild at the end changes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections import defaultdict
from typing import Any

import pytest
from django.utils import timezone

from kolabora.analytics import columns, counters
from kolabora.analytics.services import live_cells, recount_cells
from kolabora.core.testing import make_user
from kolabora.participants.bulk import ParticipantImport, participants_bulk_create
from kolabora.participants.models import Participant
from kolabora.participants.services import (
    BusinessInput,
    RegistrationInput,
    participant_merge,
    participant_register,
)
from kolabora.pathway.bulk import ParticipantHistory, StageTarget, stage_history_import
from kolabora.pathway.choices import ALLOWED, StageStatus
from kolabora.pathway.models import ParticipantStage, StageDefinition
from kolabora.pathway.services import TransitionRefused, programme_default, stage_transition

pytestmark = pytest.mark.django_db

KELURAHAN = ["31.75.10.1001", "31.75.10.1002", "31.75.01.1001", "31.74.10.1005", "31.71.01.1001"]
NOW = timezone.now()
STAGE_CODES = ["P1", "P2", "P3", "P4", "P5", "P6", "P7"]


class People:
    """Structurally valid, unique NIKs of adults in the kelurahan's kecamatan."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.serial = 0

    def nik(self, kelurahan: str) -> str:
        self.serial += 1
        female = self.rng.random() < 0.5
        day = self.rng.randint(1, 28) + (40 if female else 0)
        month = self.rng.randint(1, 12)
        year = self.rng.randint(60, 99)
        return f"{kelurahan[:8].replace('.', '')}{day:02d}{month:02d}{year:02d}{self.serial:04d}"

    def data(self, kelurahan: str, *, naik_kelas: bool = False) -> RegistrationInput:
        nik = self.nik(kelurahan)
        return RegistrationInput(
            nik=nik,
            full_name=f"Peserta {self.serial}",
            phone=f"0812{nik[-8:]}",
            kelurahan_code=kelurahan,
            entry_track="naik_kelas" if naik_kelas else "pemula",
            consents=["programme"],
            business=BusinessInput(
                name=f"Usaha {self.serial}",
                sector="kuliner",
                nib=f"91203{self.serial:08d}" if naik_kelas else "",
            ),
        )


def _when(rng: random.Random) -> dt.datetime:
    # Spread over about two years so that several months and years are cohorts.
    return NOW - dt.timedelta(
        days=rng.randint(0, 700), seconds=rng.randint(0, 86399), microseconds=rng.randint(0, 999999)
    )


def _target(rng: random.Random, code: str, at: dt.datetime) -> StageTarget:
    status = rng.choice(["in_progress", "completed", "dropped", "skipped"])
    level = rng.randint(1, 3) if code == "P2" and status in ("in_progress", "completed") else None
    reason = "riwayat" if status in ("dropped", "skipped") else ""
    started = (
        at - dt.timedelta(days=rng.choice([0, 1, 2, 6, 13, 29, 44, 80, 200, 400]))
        if rng.random() < 0.5
        else None
    )
    return StageTarget(status=status, level=level, at=at, started_at=started, reason=reason)


# --- the independent recount ------------------------------------------------------------------------------


def _oracle() -> dict[tuple[int, str, int], list[int]]:
    """The definitions of ``columns``' docstring, counted the plain way from every stage row."""
    prerequisites = {
        (pid, code): tuple(pre or ())
        for pid, code, pre in StageDefinition.objects.values_list("programme_id", "code", "prerequisites")
    }
    per_person: dict[int, dict[str, Any]] = defaultdict(dict)
    place: dict[int, tuple[str, int]] = {}
    programme_of: dict[int, int] = {}
    for row in ParticipantStage.objects.filter(participant__status="active").select_related(
        "participant", "stage"
    ):
        per_person[row.participant_id][row.code] = row
        p = row.participant
        place[p.pk] = (p.kelurahan_id, p.registered_on.year * 100 + p.registered_on.month)
        programme_of[p.pk] = row.stage.programme_id
    out: dict[tuple[int, str, int], list[int]] = {}
    edges = [d * 86400 for d in columns.EDGES_DAYS]
    for pid, rows in per_person.items():
        vector = [0] * len(columns.FIELDS)

        def bump(name: str, vector: list[int] = vector) -> None:
            vector[columns.FIELDS.index(name)] += 1

        for code, r in rows.items():
            if r.status in ("in_progress", "completed"):
                if code == "P2":
                    for k in range(1, (r.level or 1) + 1):
                        bump(f"r_t{k}")
                else:
                    bump(f"r_{code.lower()}")
                pre = prerequisites[(programme_of[pid], code)]
                if any(q not in rows or rows[q].status != "completed" for q in pre):
                    bump(f"a_{code.lower()}")
            if r.status == "completed":
                bump(f"c_{code.lower()}")
                if r.started_at and r.completed_at:
                    seconds = int(r.completed_at.timestamp() // 1) - int(r.started_at.timestamp() // 1)
                    bucket = sum(1 for e in edges if seconds >= e)
                    bump(f"h_{code.lower()}_{bucket}")
            if r.status == "dropped":
                bump(f"d_{code.lower()}")
        kelurahan, month = place[pid]
        for width in (2, 5, 8, 13):
            for cohort in (month, month // 100 * 100, 0):
                key = (programme_of[pid], kelurahan[:width], cohort)
                cell = out.setdefault(key, [0] * len(columns.FIELDS))
                for i, v in enumerate(vector):
                    cell[i] += v
    return {k: v for k, v in out.items() if any(v)}


def _assert_equal(step: str) -> None:
    live = live_cells()
    expected = _oracle()
    assert live == expected, (
        f"after {step}: live figures differ from the recount ({_first_difference(live, expected)})"
    )
    recount = recount_cells()
    assert recount == expected, (
        f"after {step}: the rebuild's SQL differs ({_first_difference(recount, expected)})"
    )


def _assert_reads_equal(step: str, rng: random.Random) -> None:
    """What the pages read (cells plus pending deltas, summed by the selector) equals the recount, for
    regions at every level and cohorts of every kind (including a year that is also the target year)."""
    from kolabora.analytics.selectors import Cohort, funnel_get

    expected = _oracle()
    programme_id = programme_default().pk
    month = rng.choice([k for (_p, _r, k) in expected if k % 100] or [NOW.year * 100 + NOW.month])
    for region, level in (("31", 2), ("31", 4), ("31.75", 3), ("31.75.10", 4), ("31.75.10.1001", 4)):
        for cohort in (Cohort(), Cohort(NOW.year * 100), Cohort(month // 100 * 100), Cohort(month)):
            f = funnel_get(
                programme_id=programme_id, region=region, level=level, cohort=cohort, day=NOW.date()
            )
            zero = [0] * len(columns.FIELDS)
            assert f.total.vector == expected.get((programme_id, region, cohort.key), zero), (
                f"after {step}: {region} {cohort.key} total"
            )
            for r in f.rows:  # rows carry Tabel 2's columns and the success of the target year
                want = expected.get((programme_id, r.place.code, cohort.key), zero)
                assert r.counts == {
                    c: want[columns.INDEX[columns.reached_field(c)]] for c in columns.COLUMNS
                }, f"after {step}: {r.place.code} {cohort.key}"
                assert r.licensed == want[columns.INDEX["c_p4"]], f"after {step}: {r.place.code} licensed"
                in_year = expected.get((programme_id, r.place.code, f.year * 100), zero)
                assert r.success == in_year[columns.INDEX["c_p4"]], f"after {step}: {r.place.code} licensed"
            year = expected.get((programme_id, region, f.year * 100), zero)
            assert f.total.success == year[columns.INDEX["c_p4"]], (
                f"after {step}: {region} licensed in {f.year}"
            )
            for month_key, registered, licensed in f.trend:
                m = expected.get((programme_id, region, month_key), zero)
                assert (registered, licensed) == (m[columns.INDEX["r_p1"]], m[columns.INDEX["c_p4"]]), (
                    f"after {step}: {region} trend {month_key}"
                )


def _first_difference(a: dict[Any, list[int]], b: dict[Any, list[int]]) -> str:
    for key in sorted(set(a) | set(b)):
        x, y = a.get(key), b.get(key)
        if x != y:
            x = x or [0] * len(columns.FIELDS)
            y = y or [0] * len(columns.FIELDS)
            return f"{key}: " + ", ".join(
                f"{columns.FIELDS[i]} live {x[i]} recount {y[i]}" for i in range(len(x)) if x[i] != y[i]
            )
    return "none"


# --- the mix ----------------------------------------------------------------------------------------------


def _transition(rng: random.Random, p: Participant) -> None:
    code = rng.choice(STAGE_CODES)
    row = ParticipantStage.objects.get(participant=p, code=code)
    choices = sorted(ALLOWED[StageStatus(row.status)])
    to = rng.choice(choices)
    level = None
    if code == "P2" and (to in (StageStatus.IN_PROGRESS, StageStatus.COMPLETED) or rng.random() < 0.3):
        level = rng.randint(row.level or 1, 3)
    at = NOW - dt.timedelta(days=rng.randint(0, 400), seconds=rng.randint(0, 86399))
    with contextlib.suppress(TransitionRefused):  # refused by the rules: nothing written, nothing counted
        stage_transition(
            participant=p,
            stage=code,
            to_status=to,
            actor=None,
            reason="uji",
            level=level,
            imported=True,
            at=at,
        )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_aggregates_equal_a_full_recount_after_a_random_mix(seed: int) -> None:
    rng = random.Random(seed)
    people = People(rng)
    programme_default()
    admin = make_user(f"admin.uji.{seed}", superuser=True)
    counters.definitions_forget()
    alive: list[Participant] = []
    for step in range(40):
        action = rng.choices(
            ["register", "bulk", "transition", "import", "merge", "compact"], weights=[3, 2, 8, 2, 1, 1]
        )[0]
        if action == "register" or not alive:
            alive.append(
                participant_register(
                    data=people.data(rng.choice(KELURAHAN), naik_kelas=rng.random() < 0.3),
                    actor=None,
                    channel="api",
                    at=_when(rng),
                )
            )
        elif action == "bulk":
            rows = []
            for _i in range(rng.randint(1, 6)):
                when = _when(rng)
                history = {
                    code: _target(rng, code, when + dt.timedelta(days=rng.randint(0, 60)))
                    for code in rng.sample(STAGE_CODES[1:], rng.randint(0, 4))
                }
                rows.append(
                    ParticipantImport(
                        data=people.data(rng.choice(KELURAHAN), naik_kelas=rng.random() < 0.2),
                        registered_at=when,
                        stages=history,
                    )
                )
            alive.extend(participants_bulk_create(rows=rows, at=NOW))
        elif action == "transition":
            for _i in range(rng.randint(1, 5)):
                _transition(rng, rng.choice(alive))
        elif action == "import":
            chosen = rng.sample(alive, min(len(alive), rng.randint(1, 4)))
            imported = [
                ParticipantHistory(
                    participant_id=p.pk,
                    stages={
                        c: _target(rng, c, NOW - dt.timedelta(days=rng.randint(0, 30)))
                        for c in rng.sample(STAGE_CODES[1:], 2)
                    },
                )
                for p in chosen
            ]
            with contextlib.suppress(TransitionRefused):  # all or nothing
                stage_history_import(rows=imported, at=NOW)
        elif action == "merge" and len(alive) >= 2:
            keep, duplicate = rng.sample(alive, 2)
            participant_merge(
                keep=Participant.objects.get(pk=keep.pk),
                duplicate=Participant.objects.get(pk=duplicate.pk),
                actor=admin,
                reason="data ganda",
            )
            alive.remove(duplicate)
        elif action == "compact":
            counters.counters_compact(batch=rng.choice([1, 3, 1000]))
        alive = [Participant.objects.get(pk=p.pk) for p in alive]
        _assert_equal(f"step {step} ({action})")
        if step % 8 == 7:
            _assert_reads_equal(f"step {step} ({action})", rng)
    assert Participant.objects.filter(status="merged").exists() or seed != 1  # the mix did merge
    _assert_reads_equal("the mix", rng)
    counters.counters_compact()
    _assert_equal("the final compaction")
    _assert_reads_equal("the final compaction", rng)
    counters.counters_rebuild()
    _assert_equal("a rebuild")


def test_moving_a_participant_moves_their_counts() -> None:
    """A change of kelurahan or registration month (no service does it yet) through the hook."""
    people = People(random.Random(9))
    p = participant_register(data=people.data("31.75.10.1001"), actor=None, channel="api", at=NOW)
    p.kelurahan_id = "31.74.10.1005"
    p.registered_on = dt.date(NOW.year - 1, 3, 15)
    counters.participants_changed([p])
    Participant.objects.filter(pk=p.pk).update(kelurahan_id=p.kelurahan_id, registered_on=p.registered_on)
    _assert_equal("a move")
    counters.participants_deleting([p.pk])
    Participant.objects.filter(pk=p.pk).delete()
    _assert_equal("a deletion")
