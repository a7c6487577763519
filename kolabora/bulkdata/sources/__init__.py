"""Reading an uploaded spreadsheet safely and as a stream.

``inspect(file)`` tells what the file really is from its content (never its name), refuses what is not
a CSV or xlsx file, or is too large, a zip bomb or absurdly dimensioned, and reads the header row.
``rows(file, info, skip=n)`` then yields the data rows one at a time after the first ``n``, holding only
a bounded part of the file in memory, whatever its size.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from kolabora.core.files import file_kind

from .limits import Limits


class SourceRefused(Exception):
    """The file cannot be imported; ``message`` says why in words for the person who uploaded it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class SourceInfo:
    format: str  # "xlsx" or "csv"
    header: list[str]
    encoding: str = ""
    delimiter: str = ""
    # Data rows in the file, when known without reading it all (xlsx: its dimension); else None.
    rows_estimate: int | None = None
    date1904: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Row:
    number: int  # the row's number as a spreadsheet shows it (the header is row 1)
    cells: list[Any]


def limits() -> Limits:
    conf = getattr(settings, "KOLABORA_IMPORT", {})
    return Limits(**{k.lower(): v for k, v in conf.items()}) if conf else Limits()


ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def inspect(file: IO[bytes], *, size: int | None = None) -> SourceInfo:
    """What ``file`` is, from its first bytes; raises ``SourceRefused`` with a specific reason."""
    lim = limits()
    file.seek(0, 2)
    size = file.tell() if size is None else size
    file.seek(0)
    if size == 0:
        raise SourceRefused(_("The file is empty."))
    if size > lim.max_upload_bytes:
        raise SourceRefused(
            _("The file is %(size)s MB; files up to %(max)s MB can be imported. Split it into smaller files.")
            % {"size": round(size / 1_048_576), "max": lim.max_upload_bytes // 1_048_576}
        )
    head = file.read(8)
    file.seek(0)
    if head.startswith(ZIP_MAGIC):
        from .xlsx import xlsx_inspect

        return xlsx_inspect(file, lim)
    if head.startswith(OLE2_MAGIC):
        raise SourceRefused(
            _(
                "This is an old Excel 97–2003 (.xls) file or a password-protected workbook. Open it in a "
                "spreadsheet program and save it as Excel Workbook (.xlsx) without a password, or as CSV."
            )
        )
    kind = file_kind(head)
    if kind:
        raise SourceRefused(
            _("This is a %(kind)s file, not a spreadsheet. Upload the participants as .xlsx or .csv.")
            % {"kind": kind.upper()}
        )
    from .csvfile import csv_inspect

    return csv_inspect(file, lim)


def rows(file: IO[bytes], info: SourceInfo, *, skip: int = 0) -> Iterator[Row]:
    """The data rows after the header, from the ``skip``-th on; raises ``SourceRefused`` mid-way when
    the file turns out to break a limit (more rows than allowed, bytes that are not text)."""
    if info.format == "xlsx":
        from .xlsx import xlsx_rows

        return xlsx_rows(file, info, limits(), skip=skip)
    from .csvfile import csv_rows

    return csv_rows(file, info, limits(), skip=skip)


def count_rows(file: IO[bytes], info: SourceInfo) -> int:
    """The number of data rows, read from the whole file (a fast pass that also checks it throughout)."""
    if info.format == "xlsx":
        from .xlsx import xlsx_count

        return xlsx_count(file, info, limits())
    from .csvfile import csv_count

    return csv_count(file, info, limits())
