"""Reading the file: its format confirmed by its first bytes, then one sheet's cells (CSV with its
delimiter guessed, or a workbook read with calamine)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..choices import FileFormat

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
MAX_COLUMNS = 60
ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def detect_format(name: str, head: bytes) -> str:
    """The file's format from its extension, confirmed by its first bytes."""
    ext = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    allowed = "CSV, XLSX, XLS, ODS"
    if ext == "txt":
        ext = FileFormat.CSV
    if ext not in FileFormat.values:
        raise ValidationError(_("Upload a file of type %(types)s.") % {"types": allowed}, code="type")
    ok = {
        FileFormat.XLSX: head.startswith(ZIP),
        FileFormat.ODS: head.startswith(ZIP),
        FileFormat.XLS: head.startswith(OLE),
        FileFormat.CSV: not head.startswith((ZIP, OLE, b"%PDF")) and b"\x00" not in head,
    }[FileFormat(ext)]
    if not ok:
        raise ValidationError(
            _("The file's content is not a real %(type)s file; export it again from the application.")
            % {"type": ext.upper()},
            code="content",
        )
    return ext


@dataclass
class Table:
    """One sheet's cells; ``rows[i]`` is spreadsheet row ``i + 1``."""

    sheets: list[str]
    sheet: str
    rows: list[list[Any]]

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:30])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in (";", ",", "\t", "|")}
        return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _trim(rows: list[list[Any]]) -> list[list[Any]]:
    def empty(v: Any) -> bool:
        return v is None or (isinstance(v, str) and not v.strip())

    while rows and all(empty(v) for v in rows[-1]):
        rows.pop()
    width = 0
    for r in rows:
        for i in range(len(r) - 1, -1, -1):
            if not empty(r[i]):
                width = max(width, i + 1)
                break
    return [list(r[:width]) + [""] * (width - len(r[:width])) for r in rows]


def read_table(fileobj: IO[bytes], fmt: str, *, sheet: str | None = None) -> Table:
    """The cells of the file (the chosen sheet, or the first sheet with content)."""
    fileobj.seek(0)
    raw = fileobj.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ValidationError(_("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
    if fmt == FileFormat.CSV:
        text = _decode(raw)
        rows = [list(r) for r in csv.reader(io.StringIO(text), delimiter=_delimiter(text))]
        table = Table(sheets=[""], sheet="", rows=_trim(rows))
    else:
        table = _read_workbook(raw, sheet)
    if len(table.rows) > MAX_ROWS + 20:
        raise ValidationError(
            _("The file has more than %(n)s rows; split it, e.g. one file per year.") % {"n": MAX_ROWS}
        )
    if table.width > MAX_COLUMNS:
        raise ValidationError(_("The file has more than %(n)s columns.") % {"n": MAX_COLUMNS})
    if not table.rows:
        raise ValidationError(_("The file is empty."))
    return table


def _read_workbook(raw: bytes, sheet: str | None) -> Table:
    import python_calamine as calamine

    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(raw))
        names = list(book.sheet_names)
        chosen: list[list[Any]] = []
        chosen_name = ""
        for name in [sheet] if sheet in names else names:
            assert name is not None
            rows = _trim(book.get_sheet_by_name(name).to_python(skip_empty_area=False))
            if rows:
                chosen, chosen_name = rows, name
                break
    except ValidationError:
        raise
    except Exception as exc:  # calamine raises its own errors and plain ones for damaged files
        raise ValidationError(
            _("The file cannot be read. If it has a password, save it again without one."), code="read"
        ) from exc
    return Table(sheets=names, sheet=chosen_name or (names[0] if names else ""), rows=chosen)
