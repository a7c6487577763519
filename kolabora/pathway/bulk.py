"""Imported stage history, written in batches.

``pathway.services.stage_transition`` is the only writer of *live* stage changes: one participant, one
stage, a row lock, one audit row, one transaction. Importing history (the demo's participants today, a
kecamatan's spreadsheet tomorrow) means thousands of participants with up to seven stages each, and
doing that one call at a time costs a dozen queries per stage. ``stage_history_import`` is its batch
counterpart for history that happened elsewhere. It records exactly what
``stage_transition(imported=True)`` records for the same history applied stage by stage in the
programme's order (the tests pin this).

Invariants, the same as ``stage_transition``'s:
- every target is judged by the same rule function, ``services._check`` (allowed moves, reasons for
  skipping and dropping, levels that never go down, P2 completion at the required level, P1 completion
  only with verified eligibility and the programme consent, which is read once per batch here instead
  of once per participant); a target the rules refuse aborts the whole import with ``ImportRefused``,
  which names the participant and the stage;
- history that breaks today's prerequisites (a stage in progress or completed while a prerequisite is
  not completed, e.g. marketing before licensing) is kept, never refused: the stage row gets
  ``rule_exception`` and the participant a flag such as ``"P5_before_P4"``;
- a target equal to the current state changes nothing and writes nothing;
- each changed stage writes exactly one audit row (action ``STAGE_CHANGED[code]``, before/after as
  ``stage_transition`` writes them, with ``"imported": True``), in one transaction with the changes;
- the participants' stage rows are locked (``SELECT … FOR UPDATE`` on PostgreSQL) for the length of that
  transaction, so a live ``stage_transition`` on the same participant waits for the import or the
  import for it.

``stages_create_with_history`` gives participants created by the same import (``participants.bulk``)
their seven stage rows already at their history, by the same rules, so no row is written twice.

Writes go through ``rows_insert``/``rows_update``: one prepared statement executed for many rows.
Django's ``bulk_update`` builds a ``CASE`` expression per row and field (about a millisecond per row),
and ``bulk_create`` re-renders every row's SQL; for tens of thousands of rows that is most of the time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import connections, models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kolabora.core import access, context
from kolabora.core.choices import STAGE_CHANGED
from kolabora.core.models import AuditEvent
from kolabora.participants.choices import ConsentPurpose
from kolabora.participants.models import Consent, Participant

from .choices import ALLOWED, StageStatus
from .models import ParticipantStage, StageDefinition
from .services import TransitionRefused, _check

if TYPE_CHECKING:
    from kolabora.accounts.models import User
    from kolabora.organisations.models import Organisation

PARTICIPANT_TYPE = "participants.participant"
STAGE_FIELDS = ("status", "level", "since", "started_at", "completed_at", "reason", "rule_exception")
CHUNK = 5000


@dataclass(frozen=True, slots=True)
class StageTarget:
    """Where one stage stood in the imported history.

    ``at``: when it reached ``status`` (the call's ``at`` when None). ``started_at``: when work on it
    began, if the history knows; otherwise the stage counts as started when it first went in progress
    or completed, as with ``stage_transition``. ``reason`` is required for skipped and dropped.
    """

    status: str
    level: int | None = None
    at: dt.datetime | None = None
    started_at: dt.datetime | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ParticipantHistory:
    participant_id: int
    stages: Mapping[str, StageTarget]


@dataclass(frozen=True, slots=True)
class HistoryImportResult:
    changed: int  # stage rows written, and audit rows
    unchanged: int  # targets that matched the current state
    flagged: int  # changed stage rows that break today's prerequisites


class ImportRefused(TransitionRefused):
    """A target that the programme's rules refuse even as history; names the participant and stage."""

    def __init__(self, rule: str, code: str, *, participant_id: int, stage: str) -> None:
        super().__init__(rule, code)
        self.participant_id = participant_id
        self.stage = stage

    def __str__(self) -> str:
        return f"participant {self.participant_id} {self.stage}: {self.rule}"


# --- many rows, one statement ------------------------------------------------------------------------


# Values whose database form is the value itself, by field type; everything else (dates and times,
# JSON, decimals, enum members) goes through the field's own ``get_db_prep_save``.
_SAME_IN_DB: dict[str, type] = {
    "CharField": str,
    "TextField": str,
    "SlugField": str,
    "EmailField": str,
    "BooleanField": bool,
    "IntegerField": int,
    "SmallIntegerField": int,
    "BigIntegerField": int,
    "PositiveIntegerField": int,
    "PositiveSmallIntegerField": int,
    "PositiveBigIntegerField": int,
    "ForeignKey": int,
}
Converter = Callable[[Any], Any]


def _converter(f: models.Field[Any, Any], conn: Any) -> Converter:
    same = _SAME_IN_DB.get(f.get_internal_type())
    if same is not None:
        return lambda v: v if type(v) is same or (v is None and f.null) else f.get_db_prep_save(v, conn)
    if f.get_internal_type() == "DateTimeField":
        # What DateTimeField.get_db_prep_value does for an aware datetime, without the checks around it.
        return lambda v: (
            conn.ops.adapt_datetimefield_value(v)
            if isinstance(v, dt.datetime) and timezone.is_aware(v)
            else f.get_db_prep_save(v, conn)
        )
    return lambda v: f.get_db_prep_save(v, conn)


def _db_values(
    plan: list[tuple[models.Field[Any, Any], Converter]], obj: models.Model, add: bool
) -> list[Any]:
    return [convert(f.pre_save(obj, add)) for f, convert in plan]


def rows_insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """INSERT ``objs`` with one prepared statement; for rows whose ids the caller does not need.

    Like ``bulk_create``: no ``save()``, no signals; ``auto_now``/``auto_now_add`` fields are filled.
    """
    if not objs:
        return
    conn = connections[router.db_for_write(model)]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    q = conn.ops.quote_name
    # Only quoted table and column names from the model's own metadata; every value is a parameter.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        q(model._meta.db_table), ", ".join(q(str(f.column)) for f in fields), ", ".join(["%s"] * len(fields))
    )
    plan = [(f, _converter(f, conn)) for f in fields]
    with conn.cursor() as cursor:
        for start in range(0, len(objs), CHUNK):
            cursor.executemany(sql, [_db_values(plan, o, True) for o in objs[start : start + CHUNK]])


def rows_update(model: type[models.Model], objs: Sequence[models.Model], names: Sequence[str]) -> None:
    """UPDATE the ``names`` columns of ``objs`` (saved rows) with one prepared statement by primary key."""
    if not objs:
        return
    conn = connections[router.db_for_write(model)]
    fields = [model._meta.get_field(n) for n in names]
    assert all(isinstance(f, models.Field) for f in fields)
    concrete: list[models.Field[Any, Any]] = [f for f in fields if isinstance(f, models.Field)]
    pk = model._meta.pk
    assert pk is not None
    q = conn.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608  (names from the model, values as parameters)
        q(model._meta.db_table), ", ".join(f"{q(str(f.column))} = %s" for f in concrete), q(str(pk.column))
    )
    plan = [(f, _converter(f, conn)) for f in concrete]
    with conn.cursor() as cursor:
        for start in range(0, len(objs), CHUNK):
            cursor.executemany(
                sql, [[*_db_values(plan, o, False), o.pk] for o in objs[start : start + CHUNK]]
            )


# --- the import ---------------------------------------------------------------------------------------


def _p1_completes_cleanly(
    row: ParticipantStage, target: StageTarget, participant: Participant, consented: bool
) -> bool:
    """Whether P1 → completed passes every rule of ``_check``, judged without its consent query."""
    return (
        StageStatus.COMPLETED in ALLOWED[StageStatus(row.status)]
        and target.level is None
        and not row.stage.levels
        and participant.eligibility_verified_at is not None
        and consented
    )


def _targets_check(history: Sequence[ParticipantHistory], now: dt.datetime) -> None:
    seen: set[int] = set()
    for h in history:
        if h.participant_id in seen:
            raise ValueError(f"Participant {h.participant_id} appears twice in one import.")
        seen.add(h.participant_id)
        for code, target in h.stages.items():
            if target.status not in StageStatus.values:
                raise ImportRefused(
                    _("Unknown status: %(status)s") % {"status": target.status},
                    "status",
                    participant_id=h.participant_id,
                    stage=code,
                )
            if target.started_at is not None and target.started_at > (target.at or now):
                raise ValueError(f"Participant {h.participant_id} {code}: started_at is after at.")


class _Recorder:
    """Applies one participant's history to their (locked or new) stage rows in memory and collects
    the rows, participants and audit events to write."""

    def __init__(self, *, actor: User | None, now: dt.datetime) -> None:
        self.actor = actor
        self.actor_id = actor.pk if actor is not None and actor.is_authenticated else None
        self.now = now
        self.request = context.current()
        self.names: dict[int, dict[str, str]] = {}
        self.organisations: dict[str, Organisation | None] = {}
        self.stage_writes: list[ParticipantStage] = []
        self.people_writes: list[Participant] = []
        self.events: list[AuditEvent] = []
        self.unchanged = 0
        self.flagged = 0

    def _names(self, stage: StageDefinition) -> dict[str, str]:
        if stage.programme_id not in self.names:
            self.names[stage.programme_id] = {
                s.code: f"{s.code} {s.name}" for s in stage.programme.stages.all()
            }
        return self.names[stage.programme_id]

    def apply(
        self,
        participant: Participant,
        rows: Mapping[str, ParticipantStage],
        targets: Mapping[str, StageTarget],
        *,
        consented: bool,
    ) -> None:
        pid = participant.pk
        todo: list[tuple[ParticipantStage, StageTarget]] = []
        for code, target in targets.items():
            row = rows.get(code)
            if row is None:
                raise ImportRefused(
                    _("Unknown stage: %(stage)s") % {"stage": code}, "stage", participant_id=pid, stage=code
                )
            if target.status == row.status and target.level in (None, row.level):
                self.unchanged += 1
            else:
                todo.append((row, target))
        if not todo:
            return
        actor = self.actor
        if actor is not None and not all(access.can_transition(actor, participant, r.code) for r, _t in todo):
            raise PermissionDenied
        # The history as a whole: the targets over the statuses this import leaves alone.
        statuses = {code: r.status for code, r in rows.items()} | {r.code: t.status for r, t in todo}
        flags = list(participant.rule_flags)
        latest = participant.last_activity_at
        for row, target in sorted(todo, key=lambda item: item[0].stage.order):
            to = StageStatus(target.status)
            reason = target.reason.strip()
            if (
                row.code == "P1"
                and to == StageStatus.COMPLETED
                and _p1_completes_cleanly(row, target, participant, consented)
            ):
                missing = [p for p in row.stage.prerequisites if statuses.get(p) != StageStatus.COMPLETED]
            else:
                try:
                    missing = _check(
                        row=row,
                        to=to,
                        level=target.level,
                        reason=reason,
                        participant=participant,
                        programme=row.stage.programme,
                        statuses=statuses,
                        names=self._names(row.stage),
                    )
                except TransitionRefused as exc:
                    raise ImportRefused(exc.rule, exc.code, participant_id=pid, stage=row.code) from None
            when = target.at or self.now
            before = {"stage": row.code, "status": row.status, "level": row.level}
            row.status = to
            if target.level is not None:
                row.level = max(target.level, row.level or 0)
            row.since = when
            row.reason = reason
            if row.started_at is None and target.started_at is not None:
                row.started_at = target.started_at
            if to == StageStatus.IN_PROGRESS and row.started_at is None:
                row.started_at = when
            if to == StageStatus.COMPLETED:
                row.completed_at = when
                row.started_at = row.started_at or when
            if missing:
                row.rule_exception = True
                self.flagged += 1
                flag = f"{row.code}_before_{'_'.join(missing)}"
                if flag not in flags:
                    flags.append(flag)
            latest = max(latest, when)
            self.stage_writes.append(row)
            self.events.append(self._event(participant, row, before, reason, bool(missing)))
        participant.rule_flags = flags
        participant.last_activity_at = latest
        self.people_writes.append(participant)

    def _event(
        self,
        participant: Participant,
        row: ParticipantStage,
        before: dict[str, Any],
        reason: str,
        broke: bool,
    ) -> AuditEvent:
        region = participant.kelurahan_id
        if self.actor is not None and region not in self.organisations:
            self.organisations[region] = access.acting_organisation(
                self.actor, access.Action.STAGE_TRANSITION, region
            )
        return AuditEvent(
            actor_id=self.actor_id,
            organisation=self.organisations.get(region),
            action=STAGE_CHANGED[row.code],
            object_type=PARTICIPANT_TYPE,
            object_id=str(participant.pk),
            before=before,
            after={
                "stage": row.code,
                "status": str(row.status),
                "level": row.level,
                "imported": True,
                "rule_exception": broke,
            },
            reason=reason,
            request_id=self.request.request_id,
            ip_address=self.request.ip_address,
        )

    def result(self) -> HistoryImportResult:
        return HistoryImportResult(
            changed=len(self.stage_writes), unchanged=self.unchanged, flagged=self.flagged
        )


def _consented(participant_ids: Iterable[int]) -> set[int]:
    return set(
        Consent.objects.filter(
            participant_id__in=list(participant_ids),
            purpose=ConsentPurpose.PROGRAMME,
            withdrawn_at__isnull=True,
        ).values_list("participant_id", flat=True)
    )


def stage_history_import(
    *,
    rows: Iterable[ParticipantHistory],
    actor: User | None = None,
    at: dt.datetime | None = None,
    batch_size: int = 2000,
) -> HistoryImportResult:
    """Bring many participants' stages to the imported history, all or nothing.

    Prerequisites are judged on the history as a whole (the targets over the current statuses), which
    is what ``stage_transition(imported=True)`` sees when the stages are applied in the programme's
    order. ``last_activity_at`` moves to the latest ``at`` of a changed stage and never back. ``actor``
    None means the platform itself; otherwise the actor must be allowed to move every changed stage
    (``PermissionDenied``). Raises ``ImportRefused`` for a target the rules refuse.
    """
    now = at or timezone.now()
    history = list(rows)
    _targets_check(history, now)
    recorder = _Recorder(actor=actor, now=now)
    defs: dict[int, StageDefinition] = {}
    with transaction.atomic():
        for start in range(0, len(history), batch_size):
            batch = history[start : start + batch_size]
            ids = [h.participant_id for h in batch]
            locked = list(
                ParticipantStage.objects.select_for_update(of=("self",))
                .filter(participant_id__in=ids)
                .order_by("participant_id", "stage_id")
            )
            unknown = {r.stage_id for r in locked} - defs.keys()
            defs |= {
                d.pk: d for d in StageDefinition.objects.select_related("programme").filter(pk__in=unknown)
            }
            by_participant: dict[int, dict[str, ParticipantStage]] = {}
            for r in locked:
                r.stage = defs[r.stage_id]
                by_participant.setdefault(r.participant_id, {})[r.code] = r
            people = Participant.objects.filter(pk__in=ids).only(
                "id", "kelurahan_id", "eligibility_verified_at", "rule_flags", "last_activity_at"
            )
            found = {p.pk: p for p in people}
            consented = _consented(
                h.participant_id
                for h in batch
                if "P1" in h.stages and h.stages["P1"].status == StageStatus.COMPLETED
            )
            first_write = len(recorder.stage_writes), len(recorder.people_writes), len(recorder.events)
            for h in batch:
                participant = found.get(h.participant_id)
                if participant is None:
                    raise ValueError(f"Participant {h.participant_id} does not exist.")
                recorder.apply(
                    participant,
                    by_participant.get(h.participant_id, {}),
                    h.stages,
                    consented=participant.pk in consented,
                )
            rows_update(ParticipantStage, recorder.stage_writes[first_write[0] :], STAGE_FIELDS)
            rows_update(
                Participant, recorder.people_writes[first_write[1] :], ("rule_flags", "last_activity_at")
            )
            rows_insert(AuditEvent, recorder.events[first_write[2] :])
    return recorder.result()


def stages_create_with_history(
    *,
    participants: Sequence[Participant],
    histories: Sequence[Mapping[str, StageTarget]],
    at: dt.datetime | None = None,
) -> HistoryImportResult:
    """Give newly created participants their programme's stage rows already at their imported history.

    Writes what ``participant_stages_create`` followed by ``stage_history_import`` would (the same rows,
    flags and audit rows, by the same rules), without writing each stage row twice. The participants
    must be saved, have no stage rows yet, and belong to the default programme. System actor only.
    """
    from .services import programme_default

    now = at or timezone.now()
    _targets_check(
        [
            ParticipantHistory(participant_id=p.pk, stages=h)
            for p, h in zip(participants, histories, strict=True)
        ],
        now,
    )
    stages = list(programme_default().stages.select_related("programme").order_by("order"))
    recorder = _Recorder(actor=None, now=now)
    new_rows: list[ParticipantStage] = []
    consented = _consented(p.pk for p, h in zip(participants, histories, strict=True) if "P1" in h)
    for p, targets in zip(participants, histories, strict=True):
        # A new participant's last activity is still their registration, when their rows begin.
        rows = {
            s.code: ParticipantStage(participant_id=p.pk, stage=s, code=s.code, since=p.last_activity_at)
            for s in stages
        }
        new_rows.extend(rows.values())
        recorder.apply(p, rows, targets, consented=p.pk in consented)
    rows_insert(ParticipantStage, new_rows)
    rows_update(Participant, recorder.people_writes, ("rule_flags", "last_activity_at"))
    rows_insert(AuditEvent, recorder.events)
    return recorder.result()
