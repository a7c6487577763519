"""Keeping the aggregates current: the hooks every writer of stage rows or of a participant's placement
calls, the compaction that folds pending changes into the cells, and the full recount.

The contract for writers (one call each, inside the writer's transaction):
- ``stage_changed(row)`` / ``stages_changed(rows, participants=...)``: call with stage rows already
  changed **in memory** and **not yet written**. Stored rows (with a primary key) are compared with their
  stored state, read here in one query; new rows (without one) count from nothing, and their
  participants (saved, with kelurahan and registration date) must be passed.
- ``participants_changed(participants)``: call with participants whose kelurahan, registration date or
  status (active or merged) changed in memory, before they are saved.
- ``participants_deleting(ids)``: call before deleting participants.
Rows written at *not started* (``pathway.services.participant_stages_create``) count nowhere and need no
call. Each call appends at most one ``Delta`` row per kelurahan and month it touches; it never updates a
shared row, so concurrent writers do not wait for each other. A write made without the call (a raw
UPDATE, a shell session) is repaired by ``counters_rebuild`` (``kolabora analytics rebuild``).

Changing a stage's prerequisites (the programme's rules, as data) changes what "ahead" counts: rebuild
afterwards.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connections, router, transaction
from django.utils import timezone

from . import columns
from .columns import FIELDS, STAGES, StageState, Vector, add, cohort_of, contribution, subtract
from .models import Cell, Delta, HandoffTally

if TYPE_CHECKING:
    from kolabora.participants.models import Participant
    from kolabora.pathway.models import ParticipantStage

CHUNK = 1000
COMPACT_BATCH = 100_000
# Writers queue a compaction after about this many pending rows (the sweep compacts too).
COMPACT_EVERY = 2000
TALLY_MAX_AGE = dt.timedelta(minutes=5)
# Region code widths by depth: "31", "31.75", "31.75.10", "31.75.10.1001" (Kemendagri).
WIDTHS = {1: 2, 2: 5, 3: 8, 4: 13}
CellKey = tuple[int, str, int]  # programme, kelurahan, cohort month


# --- the programmes' stages (rules as data), read once per process ---------------------------------------


@dataclass(frozen=True)
class ProgrammeStages:
    programme_id: int
    order: tuple[str, ...]
    prerequisites: dict[str, tuple[str, ...]]
    names_id: dict[str, str]
    names_en: dict[str, str]
    levels: dict[str, int]

    def name(self, code: str, language: str | None) -> str:
        names = self.names_en if language == "en" else self.names_id
        return names.get(code, code)


@dataclass
class _Definitions:
    programmes: dict[int, ProgrammeStages] = field(default_factory=dict)
    stage_programme: dict[int, int] = field(default_factory=dict)
    stage_code: dict[int, str] = field(default_factory=dict)


_definitions: _Definitions | None = None
_lock = threading.Lock()


def _load() -> _Definitions:
    from kolabora.pathway.models import StageDefinition

    found = _Definitions()
    rows = StageDefinition.objects.order_by("programme_id", "order").values_list(
        "pk", "programme_id", "code", "prerequisites", "name_id", "name_en", "levels"
    )
    grouped: dict[int, list[Any]] = defaultdict(list)
    for pk, programme_id, code, prerequisites, name_id, name_en, levels in rows:
        found.stage_programme[pk] = programme_id
        found.stage_code[pk] = code
        grouped[programme_id].append((code, prerequisites, name_id, name_en, levels))
    for programme_id, stages in grouped.items():
        found.programmes[programme_id] = ProgrammeStages(
            programme_id=programme_id,
            order=tuple(s[0] for s in stages),
            prerequisites={s[0]: tuple(s[1] or ()) for s in stages},
            names_id={s[0]: s[2] for s in stages},
            names_en={s[0]: s[3] for s in stages},
            levels={s[0]: s[4] for s in stages},
        )
    return found


def _definitions_with(stage_ids: Iterable[int] = (), programme_ids: Iterable[int] = ()) -> _Definitions:
    """The cached definitions, reloaded when a stage or programme is not in them yet."""
    global _definitions
    with _lock:
        defs = _definitions
        if (
            defs is None
            or any(s not in defs.stage_programme for s in stage_ids)
            or any(p not in defs.programmes for p in programme_ids)
        ):
            defs = _definitions = _load()
    return defs


def programme_stages(programme_id: int) -> ProgrammeStages:
    """Stage names, order and prerequisites of a programme (cached per process)."""
    defs = _definitions_with(programme_ids=[programme_id])
    return defs.programmes.get(programme_id, ProgrammeStages(programme_id, (), {}, {}, {}, {}))


def definitions_forget() -> None:
    """Drop the cached stage definitions (after an administrator changed them)."""
    global _definitions
    with _lock:
        _definitions = None


# --- the hooks ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Placement:
    kelurahan: str
    cohort: int
    active: bool


def _placement_of(participant: Participant) -> _Placement:
    return _Placement(
        kelurahan=participant.kelurahan_id,
        cohort=cohort_of(participant.registered_on),
        active=participant.status == columns.ACTIVE,
    )


def _state(row: ParticipantStage) -> StageState:
    return StageState(
        status=str(row.status), level=row.level, started_at=row.started_at, completed_at=row.completed_at
    )


@dataclass
class _Stored:
    """A participant's stored placement and stage rows (by programme, code), read in one query."""

    placement: _Placement
    rows: dict[int, dict[str, tuple[int, StageState]]] = field(default_factory=dict)


def _stored(participant_ids: Sequence[int]) -> dict[int, _Stored]:
    from kolabora.pathway.models import ParticipantStage

    found: dict[int, _Stored] = {}
    raw: list[tuple[Any, ...]] = []
    for start in range(0, len(participant_ids), CHUNK):
        raw.extend(
            ParticipantStage.objects.filter(participant_id__in=participant_ids[start : start + CHUNK])
            .order_by()
            .values_list(
                "participant_id",
                "pk",
                "stage_id",
                "code",
                "status",
                "level",
                "started_at",
                "completed_at",
                "participant__kelurahan_id",
                "participant__registered_on",
                "participant__status",
            )
        )
    defs = _definitions_with(stage_ids={r[2] for r in raw})
    for pid, pk, stage_id, code, status, level, started, completed, kel, registered, pstatus in raw:
        stored = found.get(pid)
        if stored is None:
            stored = found[pid] = _Stored(_Placement(kel, cohort_of(registered), pstatus == columns.ACTIVE))
        programme = defs.stage_programme[stage_id]
        stored.rows.setdefault(programme, {})[code] = (pk, StageState(status, level, started, completed))
    return found


def _vector(programme_id: int, states: Mapping[str, StageState]) -> Vector:
    return contribution(states, programme_stages(programme_id).prerequisites)


def stage_changed(row: ParticipantStage) -> None:
    """``row`` (a stored stage row) changed in memory and is about to be written: count the change."""
    stages_changed([row])


def stages_changed(rows: Sequence[ParticipantStage], *, participants: Iterable[Participant] = ()) -> None:
    """Stage rows changed in memory (or new), about to be written: count the changes.

    Stored rows are compared with the stored state of their participant's rows; new rows (no primary
    key) are a new participant's rows, counted from nothing at the placement of ``participants``.
    """
    if not rows:
        return
    deltas: dict[CellKey, Vector] = {}
    # ``id`` rather than ``pk``: the property costs a call per row, and an import hands over millions.
    fresh = [r for r in rows if r.id is None]
    if fresh:
        people = {p.id: p for p in participants}
        defs = _definitions_with(stage_ids={r.stage_id for r in fresh})
        grouped: dict[tuple[int, int], dict[str, StageState]] = defaultdict(dict)
        for r in fresh:
            grouped[(r.participant_id, defs.stage_programme[r.stage_id])][r.code] = _state(r)
        for (pid, programme_id), states in grouped.items():
            placement = _placement_of(people[pid])
            if placement.active:
                add(
                    deltas.setdefault((programme_id, placement.kelurahan, placement.cohort), {}),
                    _vector(programme_id, states),
                )
    changed = {r.id: r for r in rows if r.id is not None}
    if changed:
        stored = _stored(sorted({r.participant_id for r in changed.values()}))
        for person in stored.values():
            if not person.placement.active:
                continue
            for programme_id, by_code in person.rows.items():
                if not any(pk in changed for pk, _s in by_code.values()):
                    continue
                before = {code: s for code, (_pk, s) in by_code.items()}
                after = {
                    code: _state(changed[pk]) if pk in changed else s for code, (pk, s) in by_code.items()
                }
                vector = deltas.setdefault(
                    (programme_id, person.placement.kelurahan, person.placement.cohort), {}
                )
                add(vector, _vector(programme_id, after))
                subtract(vector, _vector(programme_id, before))
    _write(deltas)


def participants_changed(participants: Sequence[Participant]) -> None:
    """Participants whose kelurahan, registration date or status changed in memory, about to be saved:
    move their counts from where they are stored to where they are going."""
    if not participants:
        return
    stored = _stored(sorted(p.pk for p in participants))
    deltas: dict[CellKey, Vector] = {}
    for p in participants:
        person = stored.get(p.pk)
        if person is None:
            continue
        new = _placement_of(p)
        for programme_id, by_code in person.rows.items():
            vector = _vector(programme_id, {code: s for code, (_pk, s) in by_code.items()})
            if person.placement.active:
                subtract(
                    deltas.setdefault(
                        (programme_id, person.placement.kelurahan, person.placement.cohort), {}
                    ),
                    vector,
                )
            if new.active:
                add(deltas.setdefault((programme_id, new.kelurahan, new.cohort), {}), vector)
    _write(deltas)


def participants_deleting(participant_ids: Sequence[int]) -> None:
    """Participants about to be deleted (with their stage rows): take their counts out."""
    stored = _stored(sorted(participant_ids))
    deltas: dict[CellKey, Vector] = {}
    for person in stored.values():
        if not person.placement.active:
            continue
        for programme_id, by_code in person.rows.items():
            subtract(
                deltas.setdefault((programme_id, person.placement.kelurahan, person.placement.cohort), {}),
                _vector(programme_id, {code: s for code, (_pk, s) in by_code.items()}),
            )
    _write(deltas)


_written = itertools.count(1)


def _write(deltas: Mapping[CellKey, Vector]) -> None:
    # Vectors are sparse (a participant moves a handful of the counters): each row starts as zeros.
    zeros: list[int | str] = [0] * len(FIELDS)
    rows: list[list[int | str]] = []
    for (programme_id, kelurahan, cohort), vector in deltas.items():
        if not any(vector.values()):
            continue
        counts = zeros.copy()
        for i, n in vector.items():
            counts[i] = n
        rows.append([programme_id, kelurahan, cohort, *counts])
    if not rows:
        return
    db = router.db_for_write(Delta)
    conn = connections[db]
    q = conn.ops.quote_name
    names = ["programme_id", "kelurahan", "cohort", *FIELDS]
    # Table and column names come from the model's definitions; every value is a parameter or COPY data.
    table, columns = q(Delta._meta.db_table), ", ".join(q(n) for n in names)
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql" and len(rows) > 50:
            # An import's batch writes thousands of these: COPY takes them in one stream. Every value is
            # an integer or a kelurahan code (digits and dots, never empty), so the text needs no escaping.
            with (
                conn.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                copy.write("".join("\t".join(map(str, row)) + "\n" for row in rows))
        else:
            placeholders = ", ".join(["%s"] * len(names))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)  # noqa: S608
    count = next(_written)
    if count % max(1, COMPACT_EVERY // max(1, len(rows))) == 0:
        transaction.on_commit(_enqueue_compaction, using=db)


def _enqueue_compaction() -> None:
    from .tasks import compact_counters

    compact_counters.enqueue()


# --- compaction -------------------------------------------------------------------------------------------

_LEVELS_SQL = " UNION ALL ".join(
    f"SELECT {level} AS level, {width} AS width" if level == 1 else f"SELECT {level}, {width}"
    for level, width in WIDTHS.items()
)
# A month's change also changes its year (YYYY00) and all time (0).
_KINDS_SQL = "SELECT 0 AS kind UNION ALL SELECT 1 UNION ALL SELECT 2"
_ROLLED_COHORT = "CASE k.kind WHEN 0 THEN m.cohort WHEN 1 THEN (m.cohort / 100) * 100 ELSE 0 END"
_LOCK_KEY = 72947294  # the advisory lock that keeps two compactions from interleaving on PostgreSQL


def _fold_sql(source: str, where: str) -> str:
    """INSERT … SELECT that adds the rows of ``source`` (alias m) to the cells of every level."""
    fields = ", ".join(FIELDS)
    sums = ", ".join(f"SUM(m.{f})" for f in FIELDS)
    updates = ", ".join(f"{f} = analytics_cell.{f} + excluded.{f}" for f in FIELDS)
    return (
        f"INSERT INTO analytics_cell (programme_id, region, level, cohort, {fields}) "  # noqa: S608
        f"SELECT m.programme_id, substr(m.kelurahan, 1, w.width), w.level, {_ROLLED_COHORT}, {sums} "
        f"FROM {source} m CROSS JOIN ({_LEVELS_SQL}) w CROSS JOIN ({_KINDS_SQL}) k {where} "
        f"GROUP BY m.programme_id, substr(m.kelurahan, 1, w.width), w.level, {_ROLLED_COHORT} "
        f"ON CONFLICT (programme_id, region, cohort) DO UPDATE SET {updates}"
    )


def counters_compact(*, batch: int = COMPACT_BATCH) -> int:
    """Fold pending ``Delta`` rows into the cells of every level and delete them, ``batch`` rows per
    transaction, until none are left. Returns how many were folded.

    Safe beside writers and readers: on PostgreSQL each batch is one statement (``DELETE … RETURNING``
    feeding the upsert), so a row committed meanwhile is folded next time, never lost or counted twice;
    readers see the cells and deltas before or after a batch, never between. On SQLite writers are
    serialised and row ids only grow, so "up to the largest id seen" is exact.
    """
    conn = connections[router.db_for_write(Delta)]
    folded = 0
    while True:
        with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
            if conn.vendor == "postgresql":
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_LOCK_KEY])
                if not cursor.fetchone()[0]:
                    return folded  # another compaction is running; it will fold these
                fields = ", ".join(FIELDS)
                cursor.execute(
                    "WITH moved AS (DELETE FROM analytics_delta WHERE id IN "  # noqa: S608
                    "(SELECT id FROM analytics_delta ORDER BY id LIMIT %s) "
                    f"RETURNING programme_id, kelurahan, cohort, {fields}), "
                    f"folded AS ({_fold_sql('moved', '')} RETURNING 1) "
                    "SELECT (SELECT COUNT(*) FROM moved), (SELECT COUNT(*) FROM folded)",
                    [batch],
                )
                count = int(cursor.fetchone()[0])
            else:
                cursor.execute(
                    "SELECT MAX(id), COUNT(*) FROM (SELECT id FROM analytics_delta ORDER BY id LIMIT %s) t",
                    [batch],
                )
                top, count = cursor.fetchone()
                if top is not None:
                    cursor.execute(_fold_sql("analytics_delta", "WHERE m.id <= %s"), [top])
                    cursor.execute("DELETE FROM analytics_delta WHERE id <= %s", [top])
                count = int(count or 0)
        folded += count
        if count < batch:
            return folded


def pending_count() -> int:
    return Delta.objects.count()


# --- the full recount -------------------------------------------------------------------------------------


def _dialect(vendor: str) -> tuple[str, str]:
    """SQL for (registration month as YYYYMM, whole seconds from started_at to completed_at)."""
    if vendor == "postgresql":
        return (
            "(EXTRACT(YEAR FROM p.registered_on)::integer * 100 + EXTRACT(MONTH FROM p.registered_on)::integer)",
            "(EXTRACT(EPOCH FROM date_trunc('second', ps.completed_at)) "
            "- EXTRACT(EPOCH FROM date_trunc('second', ps.started_at)))",
        )
    return (
        "CAST(strftime('%%Y%%m', p.registered_on) AS INTEGER)",
        "(CAST(strftime('%%s', ps.completed_at) AS INTEGER) - CAST(strftime('%%s', ps.started_at) AS INTEGER))",
    )


def recount_sql(vendor: str, stage_ids: Sequence[int], prerequisites: Mapping[str, Sequence[str]]) -> str:
    """One programme's counters per kelurahan and registration month, recounted from the stage rows
    (the same definitions as ``columns.contribution``). Parameters: none; ids are integers."""
    cohort, seconds = _dialect(vendor)
    codes = sorted(set(STAGES) | {q for qs in prerequisites.values() for q in qs})
    for code in codes:
        if not code.isalnum():
            raise ValueError(f"Unexpected stage code: {code!r}")
    bucket = "CASE " + " ".join(f"WHEN {seconds} < {e} THEN {i}" for i, e in enumerate(columns.EDGES_SECONDS))
    bucket += f" ELSE {columns.BUCKETS - 1} END"
    pivot = [f"MAX(CASE WHEN ps.code = '{c}' THEN ps.status END) AS s_{c.lower()}" for c in codes]
    pivot.append(f"MAX(CASE WHEN ps.code = '{columns.LEVELLED}' THEN ps.level END) AS l_lv")
    pivot += [
        f"MAX(CASE WHEN ps.code = '{s}' AND ps.status = 'completed' AND ps.started_at IS NOT NULL "
        f"AND ps.completed_at IS NOT NULL THEN {bucket} END) AS b_{s.lower()}"
        for s in STAGES
    ]

    def reached(s: str) -> str:
        return f"x.s_{s.lower()} IN ('in_progress', 'completed')"

    def flag(condition: str) -> str:
        return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"

    counts: dict[str, str] = {}
    for c in columns.COLUMNS:
        if c.startswith("T"):
            counts[columns.reached_field(c)] = flag(
                f"{reached(columns.LEVELLED)} AND COALESCE(x.l_lv, 1) >= {int(c[1:])}"
            )
        else:
            counts[columns.reached_field(c)] = flag(reached(c))
    for s in STAGES:
        counts[columns.completed_field(s)] = flag(f"x.s_{s.lower()} = 'completed'")
        counts[columns.dropped_field(s)] = flag(f"x.s_{s.lower()} = 'dropped'")
        pre = prerequisites.get(s, ())
        missing = " OR ".join(f"x.s_{q.lower()} IS NULL OR x.s_{q.lower()} <> 'completed'" for q in pre)
        counts[columns.ahead_field(s)] = flag(f"{reached(s)} AND ({missing})") if pre else "0"
        for b in range(columns.BUCKETS):
            counts[columns.bucket_field(s, b)] = flag(f"x.b_{s.lower()} = {b}")
    ids = ", ".join(str(int(i)) for i in stage_ids)
    return (
        f"SELECT p.kelurahan_id AS kelurahan, {cohort} AS cohort, "  # noqa: S608
        + ", ".join(f"{counts[name]} AS {name}" for name in FIELDS)
        + " FROM (SELECT ps.participant_id AS pid, "
        + ", ".join(pivot)
        + f" FROM pathway_participantstage ps WHERE ps.stage_id IN ({ids}) GROUP BY ps.participant_id) x "
        "JOIN participants_participant p ON p.id = x.pid WHERE p.status = 'active' "
        f"GROUP BY p.kelurahan_id, {cohort}"
    )


def counters_rebuild() -> int:
    """Recount every programme's aggregates from the stage rows, replacing the cells and pending deltas.

    Writers wait (on PostgreSQL the pending-change table is locked against inserts) until the new counts
    are committed, so a change is counted either in the recount or in a delta after it, never both.
    Returns the number of cells written.
    """
    from kolabora.pathway.models import Programme, StageDefinition

    definitions_forget()
    conn = connections[router.db_for_write(Cell)]
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("LOCK TABLE analytics_delta IN EXCLUSIVE MODE")
            cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("DELETE FROM analytics_delta")
        cursor.execute("DELETE FROM analytics_cell")
        for programme_id in Programme.objects.order_by("pk").values_list("pk", flat=True):
            stages = list(StageDefinition.objects.filter(programme_id=programme_id).values_list("pk", "code"))
            if not stages:
                continue
            stages_of = programme_stages(programme_id)
            sql = recount_sql(conn.vendor, [pk for pk, _c in stages], stages_of.prerequisites)
            source = f"(SELECT {int(programme_id)} AS programme_id, r.* FROM ({sql}) r)"  # noqa: S608
            cursor.execute(_fold_sql(source, ""), [])  # [] so that "%%" reads as "%" on every backend
        cursor.execute("SELECT COUNT(*) FROM analytics_cell")
        return int(cursor.fetchone()[0])


# --- hand-off service levels ------------------------------------------------------------------------------

# Which stage a hand-off serves, by the app that opened it (``subject_type`` is "<app>.<model>").
HANDOFF_STAGES = {
    "training": "P2",
    "mentoring": "P3",
    "licensing": "P4",
    "marketing": "P5",
    "bookkeeping": "P6",
    "financing": "P7",
}
OTHER = "other"


def handoff_tally_refresh(*, max_age: dt.timedelta | None = None, now: dt.datetime | None = None) -> bool:
    """Recount hand-offs done (and within their service level) and open past their due date, per
    organisation and stage. With ``max_age``, only when the last recount is older. Returns whether it ran."""
    from kolabora.handoffs.models import Handoff
    from kolabora.organisations.models import Organisation

    moment = now or timezone.now()
    if max_age is not None:
        last = HandoffTally.objects.order_by("-refreshed_at").values_list("refreshed_at", flat=True).first()
        if last is not None and moment - last < max_age:
            return False
    conn = connections[router.db_for_write(HandoffTally)]
    stage = (
        "CASE " + " ".join("WHEN h.subject_type LIKE %s THEN %s" for _app in HANDOFF_STAGES) + " ELSE %s END"
    )
    stage_params: list[Any] = []
    for app, code in HANDOFF_STAGES.items():
        stage_params += [f"{app}.%", code]
    stage_params.append(OTHER)
    table = HandoffTally._meta.db_table
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {table} "  # noqa: S608
            "(organisation_id, region, organisation_type, stage, done, within, overdue, refreshed_at) "
            f"SELECT h.organisation_id, o.region_id, o.type, {stage}, "
            "SUM(CASE WHEN h.status = 'done' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN h.status = 'done' AND h.within_service_level THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN h.status = 'open' AND h.due_on < %s THEN 1 ELSE 0 END), %s "
            f"FROM {Handoff._meta.db_table} h JOIN {Organisation._meta.db_table} o ON o.id = h.organisation_id "
            "WHERE h.status IN ('done', 'open') GROUP BY 1, 2, 3, 4",
            [*stage_params, timezone.localdate(moment), moment],
        )
    return True
