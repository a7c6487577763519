"""The tables an export can hold, registered by the domains that own the records.

An export selects participants (through the access gate and the filters) and writes, for those
participants, one or more *tables*: the participants themselves with their P1–P7 statuses, and the stage
records of each domain (training enrolments, mentoring sessions, licence applications, licences, …). Every
table starts with the same two columns, ``participant_id`` and ``nik``, which the export fills in itself:
the NIK is masked there unless the exporting user's role needs it, so no table ever handles NIKs.

Plugging a new stage's records in (P5 marketing products, P6 cash-book entries, P7 financing referrals) is
one registration in a module named ``export_tables.py`` in the domain's app, which is imported at
start-up (``ExportsConfig.ready`` autodiscovers ``kolabora.<app>.export_tables``). See
``kolabora/bookkeeping/export_tables.py`` (cash-book entries), ``kolabora/marketing/export_tables.py``
(products) and ``kolabora/financing/export_tables.py`` (financing referrals): each is one ``register`` call
with the table's key, title, stage, data category, an optional further action the exporting user must hold
over each participant (the cash book asks ``Action.CASHBOOK_VIEW``), its columns and a ``rows`` function.

Rules a table follows:
- ``rows(participant_ids)`` returns an iterable of tuples for those participants (ascending ids), ordered
  by participant id and then by a stable key of the record; the first element of each tuple is the
  participant's id, the rest are the values of ``columns`` in order. It is called once per chunk, so it
  loads only the chunk's records (filter with ``among(participant_ids, "<path to participant id>")``), and
  it must not read NIKs. Rows of participants outside the chunk are dropped by the export, so a table can
  never add anyone the user may not export.
- ``columns`` give a stable machine name (snake_case, never renamed once published: partner systems read
  it), a label for people (gettext_lazy) and a kind (``text``, ``int``, ``date``, ``datetime``, ``bool``,
  ``list``). Datetimes are written in Asia/Jakarta time; lists are joined with ``; ``. ``free_text`` marks
  what users typed (names, notes): in CSV a leading ``= + - @`` is neutralised so a spreadsheet never runs it.
  Enumerations are exported as their codes (``completed``, ``in_progress``), which the export page lists.
- ``action``: a further action the exporting user must hold over the participant's region for the table's
  rows to be included (``None``: exporting participants is enough). A table whose action the user does
  not hold at all is not offered.
- ``category`` names the agreement data category the records belong to (``DataCategory``), for the export
  page and for any future rule that lets a partner export within its agreement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from django.db.models import Q
from django.utils.functional import Promise, lazy

from kolabora.core import access
from kolabora.core.access import Action

if TYPE_CHECKING:
    from kolabora.core.access import AnyUser

ColumnKind = Literal["text", "int", "date", "datetime", "bool", "list"]
RowsFn = Callable[[Sequence[int]], Iterable[Sequence[Any]]]


@dataclass(frozen=True)
class Column:
    """One column of a table: its stable machine name, a label for people and how its values are typed."""

    name: str
    label: str | Promise
    kind: ColumnKind = "text"
    free_text: bool = False
    # Derived from the NIK (birth date): left empty wherever the NIK is masked.
    nik_bound: bool = False


def label(text: str | Promise, **params: object) -> Any:
    """A lazily translated label with %-placeholders, e.g. ``label(_("%(stage)s status"), stage="P4")``."""
    return lazy(lambda: str(text) % params, str)()


# The two columns every table starts with; the export fills them in (the NIK masked unless needed).
LEADING = (
    Column("participant_id", "participant_id", "int"),
    Column("nik", "NIK", "text"),
)


@dataclass(frozen=True)
class ExportTable:
    """A kind of record an export can hold, per participant. See the module docstring."""

    key: str
    title: str | Promise
    columns: tuple[Column, ...]
    rows: RowsFn
    stage: str = ""
    category: str = ""
    action: Action | None = None
    order: int = 100

    @property
    def header(self) -> list[str]:
        return [c.name for c in (*LEADING, *self.columns)]

    @property
    def all_columns(self) -> tuple[Column, ...]:
        return (*LEADING, *self.columns)


def among(ids: Sequence[int], field: str = "participant_id") -> Q:
    """The filter for a chunk's participants (ascending ids): a range when they are dense, as in an
    unfiltered export (cheaper to plan and run than two thousand parameters), else the list itself.

    A range may also hold participants that are not in the chunk; the export drops every row whose
    participant is not in the chunk, so a table can never add anyone the user may not export.
    """
    if ids and ids[-1] - ids[0] < len(ids) + len(ids) // 4:
        return Q(**{f"{field}__gte": ids[0], f"{field}__lte": ids[-1]})
    return Q(**{f"{field}__in": ids})


_TABLES: dict[str, ExportTable] = {}


def register(table: ExportTable) -> ExportTable:
    """Add a table to the exports. Keys are unique; a sheet name is the key, so at most 31 characters."""
    if not table.key.replace("_", "").isalnum() or not table.key.islower() or len(table.key) > 31:
        raise ValueError(
            f"An export table key is lower-case snake_case of at most 31 characters: {table.key!r}"
        )
    existing = _TABLES.get(table.key)
    if existing is not None and existing is not table:
        raise ValueError(f"An export table {table.key!r} is registered already")
    names = [c.name for c in table.all_columns]
    if len(set(names)) != len(names):
        raise ValueError(f"Export table {table.key!r} repeats a column name")
    _TABLES[table.key] = table
    return table


def tables() -> list[ExportTable]:
    """Every registered table, in their order."""
    return sorted(_TABLES.values(), key=lambda t: (t.order, t.key))


def tables_for(user: AnyUser) -> list[ExportTable]:
    """The tables ``user`` may export: all those without a further action, and those whose action the user
    holds somewhere."""
    return [t for t in tables() if t.action is None or access.can(user, t.action)]


def table_get(key: str) -> ExportTable | None:
    return _TABLES.get(key)
