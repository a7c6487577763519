"""Writing an export as a stream of bytes, and the audit row that records it.

``ExportStream`` is what the page, the API (as a ``StreamingHttpResponse``) and the command line (into a
file) all consume. It reads participants in keyset chunks (``selectors.participant_chunks``) and, per chunk,
each chosen table's rows, so memory stays flat however many participants there are:

- CSV (one table): a UTF-8 file with a byte-order mark (so Excel reads ``•`` and Indonesian names right),
  header row of the columns' machine names, sent chunk by chunk as it is written.
- xlsx (one sheet per table, and an ``about`` sheet first with the filters, the row counts and every
  column's meaning): written with xlsxwriter in ``constant_memory`` mode into a temporary file, then sent in
  pieces. A table longer than a sheet (1,048,575 rows) continues on ``<table>_2``.

The NIK is masked (``3175••••••••0012``) except where the user's role needs it (``PARTICIPANT_NIK`` over the
participant's region); the birth date, which the NIK contains, is left empty wherever the NIK is masked.

Audit: exactly one ``BULK_EXPORT`` row per export, written when the stream is closed, i.e. when the last
byte has been handed to the client, or when the client went away, or when writing failed. It records the
filters, the tables, the rows written per table, the participants, whether the NIKs were full, the bytes
sent, and ``complete``: true only when the whole file was handed over. A disconnected download is recorded
too (``complete`` false, with the rows written so far), because those rows may have left the server. The
web server closes a streamed response in both cases (WSGI ``close()``); the command line closes it itself.
A bulk export is not added to each participant's own record of processing (a million audit rows per
export); the filters and the time in the one row say who was in it.

Time (benchmarks/bench_export.py, a million participants on PostgreSQL): CSV about 40,000 rows per CPU
second and its first byte at once; xlsx about 4,500 rows per CPU second (xlsxwriter's per-cell work), all
before its first byte. A request that runs minutes needs a server that lets it: gunicorn's sync workers are
killed after ``--timeout`` (30 s by default) even while streaming, so serve with ``--worker-class gthread``
or a longer timeout, and give a reverse proxy a read timeout to match; province-wide xlsx files are best
made with ``kolabora export``. A kecamatan's export (tens of thousands) takes seconds.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import tempfile
import time
import zoneinfo
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kolabora.core import access, context
from kolabora.core.access import Action
from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.participants.models import mask_nik

from .forms import CSV, XLSX, ExportForm
from .registry import ExportTable
from .selectors import CHUNK, ExportFilters, export_participants, participant_chunks

if TYPE_CHECKING:
    from kolabora.accounts.models import User
    from kolabora.core.access import AnyUser

logger = logging.getLogger("kolabora.exports")

JAKARTA = zoneinfo.ZoneInfo(settings.TIME_ZONE)
XLSX_MAX_ROWS = 1_048_576  # rows per sheet, the header included
PIECE = 256 * 1024  # bytes per streamed piece of an xlsx file
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# What a spreadsheet would run as a formula when a cell starts with it (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportRequest:
    """What to export and for whom.

    ``user`` is whose access applies (scope, full NIK, tables). ``actor`` is who the audit row names; None
    for the command line run without ``--as``, which exports as the system (everything, NIKs masked).
    ``nik_full`` forces the NIK rule (False: always masked); None lets the user's role decide per row.
    """

    user: AnyUser
    actor: User | None
    filters: ExportFilters
    tables: tuple[ExportTable, ...]
    format: str
    via: str
    nik_full: bool | None = None


@dataclass
class Progress:
    participants: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    nik_full: int = 0
    nik_masked: int = 0
    bytes: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started


def _local(value: dt.datetime) -> dt.datetime:
    """Asia/Jakarta wall-clock time, without a zone (what a spreadsheet shows)."""
    return value.astimezone(JAKARTA).replace(tzinfo=None)


def _csv_datetime(value: dt.datetime) -> str:
    return _local(value).isoformat(sep=" ", timespec="seconds")


def _csv_bool(value: bool) -> str:
    return "true" if value else "false"


def _joined(value: Any) -> str:
    return "; ".join(str(v) for v in value)


def _neutralised(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def _csv_transforms(table: ExportTable) -> list[tuple[int, Callable[[Any], Any]]]:
    """Per column index, how a value becomes CSV text (columns written as they are are left out)."""
    out: list[tuple[int, Callable[[Any], Any]]] = []
    for i, column in enumerate(table.all_columns):
        if column.kind == "datetime":
            out.append((i, _csv_datetime))
        elif column.kind == "bool":
            out.append((i, _csv_bool))
        elif column.kind == "list":
            out.append((i, _joined))
        elif column.free_text:
            out.append((i, _neutralised))
    return out


def export_filename(fmt: str, tables: tuple[ExportTable, ...], when: dt.datetime | None = None) -> str:
    stamp = timezone.localtime(when or timezone.now()).strftime("%Y%m%d-%H%M")
    what = tables[0].key if fmt == CSV else "peserta"
    return f"kolabora-{what}-{stamp}.{fmt}"


class ExportStream:
    """The export's bytes, produced lazily. Iterate it once, then ``close()`` it (a WSGI server does both
    with a ``StreamingHttpResponse``); closing writes the audit row. See the module docstring."""

    def __init__(
        self, request: ExportRequest, *, on_progress: Callable[[Progress], None] | None = None
    ) -> None:
        self.request = request
        self.on_progress = on_progress
        self.progress = Progress(rows={t.key: 0 for t in request.tables})
        self.complete = False
        self.error = ""
        self.audit: AuditEvent | None = None
        self.filename = export_filename(request.format, request.tables)
        self.content_type = CONTENT_TYPES[request.format]
        # The request's id, address and language end with the view; the stream runs after it returned.
        self._context = context.current()
        self._language = translation.get_language() or settings.LANGUAGE_CODE
        self._inner: Generator[bytes, None, None] | None = None
        self._closed = False

    # --- iteration ---------------------------------------------------------------------------------

    def __iter__(self) -> ExportStream:
        if self._inner is None:
            self._inner = self._generate()
        return self

    def __next__(self) -> bytes:
        if self._inner is None:
            self._inner = self._generate()
        try:
            piece = next(self._inner)
        except StopIteration:
            self.complete = True
            raise
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"[:300]
            logger.exception("Export failed after %s rows", self.progress.total_rows)
            raise
        self.progress.bytes += len(piece)
        return piece

    def close(self) -> None:
        """Stop producing (freeing temporary files) and write the audit row, once."""
        if self._closed:
            return
        self._closed = True
        if self._inner is not None:
            self._inner.close()
        token = context.activate(self._context)
        try:
            self.audit = export_record(stream=self)
        finally:
            context.reset(token)

    # --- producing rows ------------------------------------------------------------------------------

    def _batches(self) -> Iterator[tuple[ExportTable, list[list[Any]]]]:
        """Per chunk of participants, per table: the rows, with the NIK filled in as the user may see it."""
        req = self.request
        user = req.user
        forced = req.nik_full
        nik_rule: Callable[[str], bool]
        if forced is None:
            nik_rule = access.export_reach(user, Action.PARTICIPANT_NIK)
        else:

            def nik_rule(code: str) -> bool:
                return forced

        reach = {t.key: (access.export_reach(user, t.action) if t.action else None) for t in req.tables}
        bound = {t.key: [i for i, c in enumerate(t.all_columns) if c.nik_bound] for t in req.tables}
        progress = self.progress
        qs = export_participants(user=user, filters=req.filters)
        for chunk in participant_chunks(qs, size=CHUNK):
            who: dict[int, tuple[str, bool, str]] = {}
            for pid, nik, kelurahan in chunk:
                full = nik_rule(kelurahan)
                who[pid] = (nik if full else mask_nik(nik), full, kelurahan)
                if full:
                    progress.nik_full += 1
                else:
                    progress.nik_masked += 1
            progress.participants += len(chunk)
            ids = list(who)
            for table in req.tables:
                allowed = reach[table.key]
                blank = bound[table.key]
                rows: list[list[Any]] = []
                for record in table.rows(ids):
                    found = who.get(record[0])
                    # Only the chunk's participants: a table's query may reach wider (registry.among).
                    if found is None:
                        continue
                    nik, full, kelurahan = found
                    if allowed is not None and not allowed(kelurahan):
                        continue
                    row = [record[0], nik, *record[1:]]
                    if not full:
                        for i in blank:
                            row[i] = None
                    rows.append(row)
                progress.rows[table.key] += len(rows)
                yield table, rows
            if self.on_progress is not None:
                self.on_progress(progress)

    def _generate(self) -> Generator[bytes, None, None]:
        with translation.override(self._language):
            if self.request.format == CSV:
                yield from self._csv()
            else:
                yield from self._xlsx()

    # --- CSV -----------------------------------------------------------------------------------------

    def _csv(self) -> Iterator[bytes]:
        (table,) = self.request.tables
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(table.header)
        yield ("\ufeff" + buffer.getvalue()).encode()
        transforms = _csv_transforms(table)
        for _table, rows in self._batches():
            buffer.seek(0)
            buffer.truncate()
            for row in rows:
                for i, transform in transforms:
                    value = row[i]
                    if value is not None:
                        row[i] = transform(value)
            writer.writerows(rows)
            if rows:
                yield buffer.getvalue().encode()

    # --- xlsx ----------------------------------------------------------------------------------------

    def _xlsx(self) -> Iterator[bytes]:
        with tempfile.TemporaryFile(prefix="kolabora-export-", suffix=".xlsx") as file:
            self._xlsx_write(file)
            file.seek(0)
            while piece := file.read(PIECE):
                yield piece

    def _xlsx_write(self, file: IO[bytes]) -> None:
        import xlsxwriter

        book = xlsxwriter.Workbook(
            file,
            {
                "constant_memory": True,
                # Text stays text: a NIK or a phone number is never turned into a number, formula or link.
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        try:
            bold = book.add_format({"bold": True, "bg_color": "#E3F2EC", "bottom": 1})
            date_format = book.add_format({"num_format": "yyyy-mm-dd"})
            datetime_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
            about = book.add_worksheet("about")
            sheets: dict[str, _Sheet] = {}
            for table in self.request.tables:
                sheets[table.key] = _Sheet(book, table, bold, date_format, datetime_format)
            for table, rows in self._batches():
                sheets[table.key].write(rows)
            self._xlsx_about(about, bold)
        finally:
            book.close()

    def _xlsx_about(self, sheet: Any, bold: Any) -> None:
        req = self.request
        progress = self.progress
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, 1, 34)
        sheet.set_column(2, 3, 48)
        if progress.nik_full and not progress.nik_masked:
            nik = _("full")
        elif progress.nik_full:
            nik = _("full where your role needs it, masked elsewhere")
        else:
            nik = _("masked")
        lines: list[tuple[str, str]] = [
            (_("Exported from Kolabora"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
            (
                _("Exported by"),
                req.actor.username if req.actor is not None else _("the system (command line)"),
            ),
            (_("Participants"), str(progress.participants)),
            (_("NIK"), nik),
        ]
        for key, value in req.filters.as_dict().items():
            field = ExportForm.base_fields.get(key)
            lines.append((_("Filter: %(name)s") % {"name": field.label if field else key}, str(value)))
        for table in req.tables:
            lines.append((_("Rows in %(table)s") % {"table": table.key}, str(progress.rows[table.key])))
        row = 0
        for name, value in lines:
            sheet.write_string(row, 0, str(name), bold)
            sheet.write_string(row, 1, value)
            row += 1
        row += 1
        for col, title in enumerate((_("Table"), _("Column"), _("Meaning"), _("Kind"))):
            sheet.write_string(row, col, str(title), bold)
        for table in req.tables:
            for column in table.all_columns:
                row += 1
                sheet.write_string(row, 0, table.key)
                sheet.write_string(row, 1, column.name)
                sheet.write_string(row, 2, str(column.label))
                sheet.write_string(row, 3, column.kind)


EXCEL_EPOCH = dt.date(1899, 12, 30)
EXCEL_LEAP_BUG = 60.0  # 1900-02-29 in Excel's count, a day that never was


def _excel_day(value: dt.date) -> float:
    """Excel's serial day number of a date (what ``write_datetime`` stores, for dates after February 1900)."""
    if isinstance(value, dt.datetime):
        value = value.date()
    return float((value - EXCEL_EPOCH).days)


class _Sheet:
    """One table's sheet(s) in a constant-memory workbook: rows in order, continued on a new sheet when full."""

    TEXT, NUMBER, DATE, DATETIME, BOOL, LIST = range(6)
    KINDS = {"text": TEXT, "int": NUMBER, "date": DATE, "datetime": DATETIME, "bool": BOOL, "list": LIST}

    def __init__(
        self, book: Any, table: ExportTable, bold: Any, date_format: Any, datetime_format: Any
    ) -> None:
        self.book = book
        self.table = table
        self.bold = bold
        self.date_format = date_format
        self.datetime_format = datetime_format
        self.kinds = [self.KINDS[c.kind] for c in table.all_columns]
        self.free = [c.free_text for c in table.all_columns]
        self.count = 0
        # A few thousand distinct dates in a million rows: their Excel day numbers, worked out once each.
        self.serials: dict[dt.date, float] = {}
        self._new_sheet()

    def _new_sheet(self) -> None:
        self.count += 1
        name = self.table.key if self.count == 1 else f"{self.table.key[:27]}_{self.count}"
        self.sheet = self.book.add_worksheet(name)
        self.sheet.write_row(0, 0, self.table.header, self.bold)
        self.sheet.freeze_panes(1, 2)
        self.sheet.set_column(0, len(self.kinds) - 1, 14)
        self.row = 0

    def write(self, rows: list[list[Any]]) -> None:
        kinds = self.kinds
        serials = self.serials
        for values in rows:
            if self.row == XLSX_MAX_ROWS - 1:
                self._new_sheet()
            self.row += 1
            r = self.row
            sheet = self.sheet
            for c, value in enumerate(values):
                if value is None or value == "":
                    continue
                kind = kinds[c]
                if kind == 0:
                    sheet.write_string(r, c, value if isinstance(value, str) else str(value))
                elif kind == 1:
                    sheet.write_number(r, c, value)
                elif kind == 2:
                    serial = serials.get(value)
                    if serial is None:
                        serial = serials[value] = _excel_day(value)
                    if serial > EXCEL_LEAP_BUG:
                        sheet.write_number(r, c, serial, self.date_format)
                    else:  # before March 1900, where Excel's phantom 29 February shifts the count
                        sheet.write_datetime(r, c, value, self.date_format)
                elif kind == 3:
                    sheet.write_datetime(r, c, _local(value), self.datetime_format)
                elif kind == 4:
                    sheet.write_boolean(r, c, bool(value))
                else:
                    sheet.write_string(r, c, _joined(value))


# --- the audit row ---------------------------------------------------------------------------------


def export_record(*, stream: ExportStream) -> AuditEvent:
    """The one ``BULK_EXPORT`` audit row of an export, written when its stream closes (see module docstring)."""
    req = stream.request
    progress = stream.progress
    if progress.nik_full and progress.nik_masked:
        nik = "mixed"
    elif progress.nik_full:
        nik = "full"
    else:
        nik = "masked"
    reason = ""
    if stream.error:
        reason = _("Stopped by an error after %(rows)s rows.") % {"rows": progress.total_rows}
    elif not stream.complete:
        reason = _("The download was interrupted after %(rows)s rows had been written.") % {
            "rows": progress.total_rows
        }
    organisation = None
    if req.actor is not None:
        organisation = access.acting_organisation(
            req.user, Action.PARTICIPANT_EXPORT, req.filters.region or None
        )
    with transaction.atomic():
        return audit_record(
            actor=req.actor,
            action=AuditAction.BULK_EXPORT,
            organisation=organisation,
            object_type="exports.export",
            after={
                "via": req.via,
                "format": req.format,
                "tables": [t.key for t in req.tables],
                "filters": req.filters.as_dict(),
                "rows": dict(progress.rows),
                "row_count": progress.total_rows,
                "participants": progress.participants,
                # Not "nik": audit_record drops keys of that name (SECRET_FIELDS).
                "nik_shown": nik,
                "complete": stream.complete,
                "bytes": progress.bytes,
                **({"error": stream.error} if stream.error else {}),
            },
            reason=reason,
        )
