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
import json
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import connections, models, router, transaction
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _

from kolabora.analytics import counters
from kolabora.core import access, context
from kolabora.core.choices import STAGE_CHANGED
from kolabora.core.models import AuditEvent
from kolabora.participants.choices import ConsentPurpose
from kolabora.participants.models import Consent, Participant

from .choices import ALLOWED, StageStatus
from .models import ParticipantStage, Programme, StageDefinition
from .services import TransitionRefused, _check

if TYPE_CHECKING:
    from kolabora.accounts.models import User
    from kolabora.organisations.models import Organisation

M = TypeVar("M", bound=models.Model)
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

# How a value reaches the database, by field type, decided once per model and connection:
# "same" values go as they are; dates, times and JSON are adapted the way the backend's own operations
# adapt them, without the per-value checks around them; anything else through the field's
# ``get_db_prep_save``.
_INTS = frozenset(
    {
        "IntegerField",
        "SmallIntegerField",
        "BigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "PositiveBigIntegerField",
        "BigAutoField",
        "AutoField",
    }
)
_STRS = frozenset({"CharField", "TextField", "SlugField", "EmailField"})
_SAME_IN_DB = _INTS | _STRS | {"BooleanField", "ForeignKey", "OneToOneField"}
Converter = Callable[[Any], Any]
_UTC = dt.UTC


def _sqlite_datetime(cache: dict[dt.datetime, str]) -> Converter:
    # What the SQLite backend's adapt_datetimefield_value writes (UTC, naive, ``str``), memoised: an
    # import writes the same few moments into many rows.
    def convert(v: Any) -> Any:
        if v is None:
            return None
        text = cache.get(v)
        if text is None:
            text = cache[v] = str(v.astimezone(_UTC).replace(tzinfo=None)) if v.tzinfo else str(v)
        return text

    return convert


def _converter(f: models.Field[Any, Any], conn: Any, cache: dict[dt.datetime, str]) -> Converter | None:
    kind = f.get_internal_type()
    if kind in _SAME_IN_DB:
        # Written as they are: the database drivers take ints, bools and strs (and their enum
        # subclasses, TextChoices and IntegerChoices members) without help.
        return None
    if kind == "DateTimeField":
        if conn.vendor == "sqlite":
            return _sqlite_datetime(cache)
        return lambda v: (
            v if v is None or (type(v) is dt.datetime and v.tzinfo) else f.get_db_prep_save(v, conn)
        )
    if kind == "DateField" and conn.vendor in ("sqlite", "postgresql"):
        if conn.vendor == "sqlite":
            return lambda v: None if v is None else str(v)
        return None
    if kind == "JSONField":
        encoder = getattr(f, "encoder", None)
        if conn.vendor == "sqlite":
            encode = _json_encoder(f)
            return lambda v: (None if f.null else "null") if v is None else encode(v)
        return lambda v: conn.ops.adapt_json_value(v, encoder)
    return lambda v: f.get_db_prep_save(v, conn)


def _json_encoder(f: models.Field[Any, Any]) -> Callable[[Any], str]:
    """``json.dumps(v, cls=f.encoder)`` for one column of many rows. An import's audit rows repeat a few
    shapes ({"stage": "P1", "status": "not_started", …}): each flat dict of hashable values is encoded
    once."""
    encode = (getattr(f, "encoder", None) or json.JSONEncoder)().encode
    empty = encode({})
    known: dict[tuple[Any, ...], str] = {}

    def as_json(v: Any) -> str:
        if v == {}:
            return empty
        if type(v) is dict and len(known) < 10_000:
            try:
                # With the types: True and 1 are equal keys, but not the same JSON.
                key = (*v.items(), *map(type, v.values()))
                text = known.get(key)
            except TypeError:  # a value that cannot be a key (a list): encoded every time
                return encode(v)
            if text is None:
                text = known[key] = encode(v)
            return text
        return encode(v)

    return as_json


@dataclass(frozen=True)
class _Plan:
    attnames: tuple[str, ...]
    get: Callable[[dict[str, Any]], tuple[Any, ...]]  # an object's raw values, read in one C call
    converters: tuple[tuple[int, Converter], ...]  # positions whose values need adapting
    auto_now: tuple[int, ...]  # positions of auto_now / auto_now_add fields


def _plan(model: type[models.Model], conn: Any, fields: Sequence[models.Field[Any, Any]], add: bool) -> _Plan:
    cache: dict[dt.datetime, str] = {}
    attnames = tuple(str(f.attname) for f in fields)
    getter = operator.itemgetter(*attnames)
    converters = tuple(
        (i, c) for i, c in enumerate(_converter(f, conn, cache) for f in fields) if c is not None
    )
    return _Plan(
        attnames=attnames,
        get=(lambda d: (getter(d),)) if len(attnames) == 1 else getter,
        converters=converters,
        auto_now=tuple(
            i
            for i, f in enumerate(fields)
            if getattr(f, "auto_now", False) or (add and getattr(f, "auto_now_add", False))
        ),
    )


def _values(plan: _Plan, objs: Sequence[models.Model], now: dt.datetime) -> list[list[Any]]:
    """Each object's values in database form. ``auto_now`` fields get ``now`` (one moment per statement,
    set on the objects too, as ``pre_save`` would)."""
    names = plan.attnames
    get = plan.get
    converters = plan.converters
    out = []
    for o in objs:
        d = o.__dict__
        for i in plan.auto_now:
            d[names[i]] = now
        row = list(get(d))
        for i, convert in converters:
            row[i] = convert(row[i])
        out.append(row)
    return out


# COPY's text format: a tab between columns, ``\\N`` for NULL, and backslash, tab, newline and carriage
# return escaped inside a value.
_COPY_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")


def copy_text(value: str) -> str:
    """A text value as COPY's text format carries it."""
    return value.translate(_COPY_ESCAPE) if _COPY_SPECIAL.search(value) else value


def _copy_formatter(f: models.Field[Any, Any], conn: Any) -> Converter:
    """How one column's value becomes COPY text, chosen once per column: the per-value work is a type
    check or two, where the driver's own ``write_row`` looks up a dumper for every value."""
    kind = f.get_internal_type()
    while kind in ("ForeignKey", "OneToOneField"):
        target = f.target_field  # type: ignore[attr-defined]
        kind = target.get_internal_type()
    if kind in _INTS:
        return lambda v: "\\N" if v is None else str(int(v))
    if kind in _STRS:
        return lambda v: "\\N" if v is None else copy_text(v if type(v) is str else str(v))
    if kind == "BooleanField":
        return lambda v: "\\N" if v is None else ("t" if v else "f")
    if kind == "DateTimeField":
        cache: dict[dt.datetime, str] = {}

        def moment(v: Any) -> str:
            if v is None:
                return "\\N"
            if isinstance(v, str):
                return copy_text(v)
            text = cache.get(v)
            if text is None:
                if v.tzinfo is None:
                    v = f.get_db_prep_save(v, conn)
                text = cache[v] = v.isoformat()
            return text

        return moment
    if kind == "DateField":
        return lambda v: "\\N" if v is None else (copy_text(v) if isinstance(v, str) else v.isoformat())
    if kind == "JSONField":
        encode = _json_encoder(f)
        null = "\\N" if f.null else "null"
        return lambda v: null if v is None else copy_text(encode(v))

    def other(v: Any) -> str:
        v = f.get_db_prep_save(v, conn)
        return "\\N" if v is None else copy_text(str(v))

    return other


def _copy_lines(
    fields: Sequence[models.Field[Any, Any]], conn: Any, auto: tuple[int, ...]
) -> Callable[[Sequence[models.Model], dt.datetime], str]:
    """A function turning objects into COPY text, one line each."""
    formatters = tuple(_copy_formatter(f, conn) for f in fields)
    attnames = tuple(str(f.attname) for f in fields)
    getter = operator.itemgetter(*attnames)
    single = len(attnames) == 1
    auto_names = tuple(attnames[i] for i in auto)
    join = "\t".join

    def lines(objs: Sequence[models.Model], now: dt.datetime) -> str:
        out = []
        for o in objs:
            d = o.__dict__
            for name in auto_names:
                d[name] = now
            values = (getter(d),) if single else getter(d)
            out.append(join([fmt(v) for fmt, v in zip(formatters, values, strict=True)]))
        out.append("")
        return "\n".join(out)

    return lines


def rows_insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """INSERT ``objs`` in one go; for rows whose ids the caller does not need, or which carry them
    (``ids_reserve``). PostgreSQL gets them through ``COPY`` in its text format, written here (a few
    times faster than the driver's per-value adaptation); SQLite through one prepared statement.

    Like ``bulk_create``: no ``save()``, no signals; ``auto_now``/``auto_now_add`` fields are filled.
    """
    if not objs:
        return
    conn = connections[router.db_for_write(model)]
    with_ids = objs[0].pk is not None
    fields = [f for f in model._meta.concrete_fields if with_ids or not f.primary_key]
    q = conn.ops.quote_name
    table = q(model._meta.db_table)
    columns = ", ".join(q(str(f.column)) for f in fields)
    now = timezone.now()
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql" and len(objs) > 50:
            auto = tuple(
                i
                for i, f in enumerate(fields)
                if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            )
            lines = _copy_lines(fields, conn, auto)
            # Only quoted table and column names from the model's own metadata; values go as data. The
            # driver's COPY raises its own errors: wrapped, a unique key clash is an ``IntegrityError``
            # as from any other statement.
            with (
                conn.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for start in range(0, len(objs), CHUNK):
                    copy.write(lines(objs[start : start + CHUNK], now))
            return
        plan = _plan(model, conn, fields, True)
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
        for start in range(0, len(objs), CHUNK):
            cursor.executemany(sql, _values(plan, objs[start : start + CHUNK], now))


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
    plan = _plan(model, conn, concrete, False)
    now = timezone.now()
    with conn.cursor() as cursor:
        for start in range(0, len(objs), CHUNK):
            chunk = objs[start : start + CHUNK]
            values = _values(plan, chunk, now)
            cursor.executemany(sql, [[*v, o.pk] for v, o in zip(values, chunk, strict=True)])


_DEFAULTS: dict[type[models.Model], tuple[dict[str, Any], tuple[tuple[str, Callable[[], Any]], ...]]] = {}


def instance(model: type[M], values: Mapping[str, Any], related: Mapping[str, Any] | None = None) -> M:
    """A new, unsaved ``model`` object from ``values`` keyed by attribute name (``participant_id``), the
    other fields at their defaults; ``related`` pre-fills related objects (``{"stage": definition}``).

    What ``Model.__init__`` builds, without its per-field work: it costs about a tenth, which matters for
    hundreds of thousands of rows. No signals (neither does ``bulk_create`` send ``post_init``-dependent
    ones that this code relies on).
    """
    defaults = _DEFAULTS.get(model)
    if defaults is None:
        static: dict[str, Any] = {}
        dynamic: list[tuple[str, Callable[[], Any]]] = []
        for f in model._meta.concrete_fields:
            if f.has_default() and callable(f.default):
                dynamic.append((str(f.attname), f.default))
            else:
                static[str(f.attname)] = f.get_default()
        defaults = _DEFAULTS[model] = (static, tuple(dynamic))
    obj = model.__new__(model)
    d = obj.__dict__
    d.update(defaults[0])
    for name, make in defaults[1]:
        d[name] = make()
    d.update(values)
    state = ModelState()
    if related:
        state.fields_cache = dict(related)
    d["_state"] = state
    return obj


def ids_reserve(model: type[models.Model], n: int) -> list[int]:
    """``n`` primary keys for rows the caller is about to insert, so dependent rows can be built first.

    PostgreSQL: from the table's own sequence (safe beside concurrent inserts). SQLite: after the largest
    key ever handed out, taken under the write lock, which the caller's transaction then holds to its
    end (SQLite has one writer at a time), so nobody else can take them.
    """
    if n <= 0:
        return []
    conn = connections[router.db_for_write(model)]
    table = model._meta.db_table
    pk = model._meta.pk
    assert pk is not None
    column = str(pk.column)
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, n],
            )
            return [row[0] for row in cursor.fetchall()]
        q = conn.ops.quote_name
        # A write that touches nothing: it takes the write lock for the rest of the transaction.
        cursor.execute(f"UPDATE {q(table)} SET {q(column)} = {q(column)} WHERE 0")  # noqa: S608
        cursor.execute(f"SELECT MAX({q(column)}) FROM {q(table)}")  # noqa: S608
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        top = max(top, found[0] if found else 0)
        return list(range(top + 1, top + n + 1))


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


_STATUSES = frozenset(StageStatus.values)


def _targets_check(
    history: list[ParticipantHistory], now: dt.datetime, refused: list[ImportRefused] | None = None
) -> list[ParticipantHistory]:
    """The histories whose statuses exist; an unknown one raises, or with ``refused`` is set aside."""
    seen: set[int] = set()
    kept: list[ParticipantHistory] = []
    for h in history:
        if h.participant_id in seen:
            raise ValueError(f"Participant {h.participant_id} appears twice in one import.")
        seen.add(h.participant_id)
        ok = True
        for code, target in h.stages.items():
            if target.status not in _STATUSES:
                exc = ImportRefused(
                    _("Unknown status: %(status)s") % {"status": target.status},
                    "status",
                    participant_id=h.participant_id,
                    stage=code,
                )
                if refused is None:
                    raise exc
                refused.append(exc)
                ok = False
                break
            if target.started_at is not None and target.started_at > (target.at or now):
                raise ValueError(f"Participant {h.participant_id} {code}: started_at is after at.")
        if ok:
            kept.append(h)
    return kept


class _Recorder:
    """Applies one participant's history to their (locked or new) stage rows in memory and collects
    the rows, participants and audit events to write."""

    def __init__(self, *, actor: User | None, now: dt.datetime, imported: bool = True) -> None:
        self.actor = actor
        self.imported = imported
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
        refused: list[ImportRefused] | None = None,
    ) -> bool:
        """Judge every target first, then change the rows: a refused target leaves this participant
        untouched. Raises ``ImportRefused``, or with ``refused`` appends it there and returns False."""
        pid = participant.pk
        todo: list[tuple[ParticipantStage, StageTarget]] = []
        unchanged = 0
        for code, target in targets.items():
            row = rows.get(code)
            if row is None:
                return self._refuse(
                    ImportRefused(
                        _("Unknown stage: %(stage)s") % {"stage": code},
                        "stage",
                        participant_id=pid,
                        stage=code,
                    ),
                    refused,
                )
            if target.status == row.status and target.level in (None, row.level):
                unchanged += 1
            else:
                todo.append((row, target))
        if not todo:
            self.unchanged += unchanged
            return True
        actor = self.actor
        if actor is not None and not all(access.can_transition(actor, participant, r.code) for r, _t in todo):
            raise PermissionDenied
        # The history as a whole: the targets over the statuses this import leaves alone.
        statuses = {code: r.status for code, r in rows.items()} | {r.code: t.status for r, t in todo}
        judged: list[tuple[ParticipantStage, StageTarget, StageStatus, str, list[str]]] = []
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
                    return self._refuse(
                        ImportRefused(exc.rule, exc.code, participant_id=pid, stage=row.code), refused
                    )
            judged.append((row, target, to, reason, missing))
        self.unchanged += unchanged
        flags = list(participant.rule_flags)
        latest = participant.last_activity_at
        for row, target, to, reason, missing in judged:
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
        return True

    @staticmethod
    def _refuse(exc: ImportRefused, refused: list[ImportRefused] | None) -> bool:
        if refused is None:
            raise exc
        refused.append(exc)
        return False

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
        organisation = self.organisations.get(region)
        return instance(
            AuditEvent,
            {
                "actor_id": self.actor_id,
                "organisation_id": organisation.pk if organisation is not None else None,
                "action": STAGE_CHANGED[row.code],
                "object_type": PARTICIPANT_TYPE,
                "object_id": str(participant.pk),
                "before": before,
                "after": {
                    "stage": row.code,
                    "status": str(row.status),
                    "level": row.level,
                    "imported": self.imported,
                    "rule_exception": broke,
                },
                "reason": reason,
                "request_id": self.request.request_id,
                "ip_address": self.request.ip_address,
            },
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
    refused: list[ImportRefused] | None = None,
) -> HistoryImportResult:
    """Bring many participants' stages to the imported history, all or nothing.

    Prerequisites are judged on the history as a whole (the targets over the current statuses), which
    is what ``stage_transition(imported=True)`` sees when the stages are applied in the programme's
    order. ``last_activity_at`` moves to the latest ``at`` of a changed stage and never back. ``actor``
    None means the platform itself; otherwise the actor must be allowed to move every changed stage
    (``PermissionDenied``). Raises ``ImportRefused`` for a target the rules refuse; with ``refused``, a
    participant with such a target is left as they are and the refusal appended there instead.
    """
    now = at or timezone.now()
    history = _targets_check(list(rows), now, refused)
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
                    refused=refused,
                )
            counters.stages_changed(recorder.stage_writes[first_write[0] :])
            rows_update(ParticipantStage, recorder.stage_writes[first_write[0] :], STAGE_FIELDS)
            rows_update(
                Participant, recorder.people_writes[first_write[1] :], ("rule_flags", "last_activity_at")
            )
            rows_insert(AuditEvent, recorder.events[first_write[2] :])
    return recorder.result()


@dataclass
class StagesBuilt:
    """New participants' stage rows at their imported history, judged and built in memory, not written.

    ``participants`` are those whose history the rules accept, in the order given (their ``rule_flags``
    and ``last_activity_at`` already updated in memory), ``rows`` their seven stage rows each, and
    ``refused`` the refusals of the others (only when the build was asked to collect them).
    """

    participants: list[Participant]
    rows: list[ParticipantStage]
    recorder: _Recorder
    refused: list[ImportRefused]


def stages_build(
    *,
    participants: Sequence[Participant],
    histories: Sequence[Mapping[str, StageTarget]],
    at: dt.datetime | None = None,
    programme: Programme | None = None,
    consented: set[int] | None = None,
    refused: list[ImportRefused] | None = None,
    imported: bool = True,
) -> StagesBuilt:
    """Judge new participants' histories and build their stage rows, writing nothing.

    ``participants`` need a primary key (saved, or reserved with ``ids_reserve``), ``last_activity_at``
    (their registration) and ``rule_flags``. ``consented``: the ids with an open programme consent, when
    the caller knows them (participants not written yet); otherwise they are read. A refused history
    raises ``ImportRefused``, or with ``refused`` leaves that participant out and is appended there.
    ``imported``: whether the audit rows mark the changes as imported history (False for registration's
    own P1 when people register in a batch through the API).
    """
    from .services import programme_default

    now = at or timezone.now()
    pairs = list(zip(participants, histories, strict=True))
    kept = {
        h.participant_id
        for h in _targets_check(
            [ParticipantHistory(participant_id=p.id, stages=h) for p, h in pairs], now, refused
        )
    }
    stages = list((programme or programme_default()).stages.select_related("programme").order_by("order"))
    recorder = _Recorder(actor=None, now=now, imported=imported)
    if consented is None:
        consented = _consented(p.id for p, h in pairs if "P1" in h)
    built = StagesBuilt(
        participants=[], rows=[], recorder=recorder, refused=refused if refused is not None else []
    )
    for p, targets in pairs:
        if p.id not in kept:
            continue
        # A new participant's last activity is still their registration, when their rows begin.
        rows = {
            s.code: instance(
                ParticipantStage,
                {"participant_id": p.id, "stage_id": s.id, "code": s.code, "since": p.last_activity_at},
                {"stage": s},
            )
            for s in stages
        }
        if recorder.apply(p, rows, targets, consented=p.id in consented, refused=refused):
            built.participants.append(p)
            built.rows.extend(rows.values())
    return built


def stages_create_with_history(
    *,
    participants: Sequence[Participant],
    histories: Sequence[Mapping[str, StageTarget]],
    at: dt.datetime | None = None,
    built: StagesBuilt | None = None,
) -> HistoryImportResult:
    """Give newly created participants their programme's stage rows already at their imported history.

    Writes what ``participant_stages_create`` followed by ``stage_history_import`` would (the same rows,
    flags and audit rows, by the same rules), without writing each stage row twice. The participants
    must be saved, have no stage rows yet, and belong to the default programme. System actor only.

    With ``built`` (from ``stages_build``) the rows are written as built there; the caller has written
    those participants itself, after the build, with the flags and last activity it gave them.
    """
    if built is None:
        built = stages_build(participants=participants, histories=histories, at=at)
        people_written = False
    else:
        people_written = True
    recorder = built.recorder
    new_rows = built.rows
    # New rows still at "not started" count nowhere (the hook's contract: a missing row and a not-started
    # one give the same counts), so only the others are handed to it: the same deltas for half the work.
    counters.stages_changed(
        [r for r in new_rows if r.status != StageStatus.NOT_STARTED], participants=built.participants
    )
    rows_insert(ParticipantStage, new_rows)
    if not people_written:
        rows_update(Participant, recorder.people_writes, ("rule_flags", "last_activity_at"))
    rows_insert(AuditEvent, recorder.events)
    return recorder.result()
