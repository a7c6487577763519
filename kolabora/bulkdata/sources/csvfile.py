"""CSV files: UTF-8 (with or without a byte-order mark) or Windows-1252, separated by commas, semicolons
(what Excel writes where the decimal sign is a comma, as in Indonesia) or tabs."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from typing import IO

from django.utils.translation import gettext as _

from . import Row, SourceInfo, SourceRefused
from .limits import Limits

SAMPLE = 256 * 1024
CHUNK = 1024 * 1024
DELIMITERS = (",", ";", "\t")
# Control characters other than tab, line feed and carriage return: text files hardly have any.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _decode_sample(sample: bytes) -> tuple[str, str]:
    """(encoding, text) of the sample; UTF-8 unless its bytes are not, then Windows-1252."""
    encoding = "utf-8-sig" if sample.startswith(codecs.BOM_UTF8) else "utf-8"
    try:
        # Not final: the sample may end in the middle of a character.
        return encoding, codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError:
        pass
    try:
        return "cp1252", sample.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise SourceRefused(
            _(
                "The file is neither UTF-8 nor Windows-1252 text (byte 0x%(byte)02X at position %(pos)s). "
                "Save it as “CSV UTF-8” or as an Excel workbook."
            )
            % {"byte": sample[exc.start], "pos": exc.start}
        ) from None


def _delimiter(line: str) -> str:
    unquoted = re.sub(r'"[^"]*"', "", line)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def csv_inspect(file: IO[bytes], lim: Limits) -> SourceInfo:
    file.seek(0)
    sample = file.read(SAMPLE)
    file.seek(0)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise SourceRefused(
            _("The file is saved as UTF-16 (“Unicode text”). Save it as “CSV UTF-8” or as an Excel workbook.")
        )
    if b"\x00" in sample:
        raise SourceRefused(
            _("This is not a spreadsheet: it holds binary data. Upload the participants as .xlsx or .csv.")
        )
    encoding, text = _decode_sample(sample)
    if len(_CONTROL.findall(text)) > max(3, len(text) // 1000):
        raise SourceRefused(
            _("This is not a spreadsheet: it holds binary data. Upload the participants as .xlsx or .csv.")
        )
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    if not first.strip():
        raise SourceRefused(_("The first row of the file is empty; it must hold the column names."))
    delimiter = _delimiter(first)
    try:
        header = next(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter))
    except (csv.Error, StopIteration):
        raise SourceRefused(_("The first row of the file cannot be read as CSV column names.")) from None
    header = [h.strip() for h in header]
    if len(header) < 2:
        raise SourceRefused(
            _(
                "The first row has only one column. Separate the columns with commas or semicolons, or "
                "upload the Excel workbook (.xlsx)."
            )
        )
    if len(header) > lim.max_columns:
        raise SourceRefused(
            _("The file has %(n)s columns; at most %(max)s can be imported.")
            % {"n": len(header), "max": lim.max_columns}
        )
    return SourceInfo(format="csv", header=header, encoding=encoding, delimiter=delimiter)


def _reader(file: IO[bytes], info: SourceInfo) -> Iterator[list[str]]:
    file.seek(0)
    stream = io.TextIOWrapper(file, encoding=info.encoding, errors="strict", newline="")
    try:
        yield from csv.reader(stream, delimiter=info.delimiter or ",")
    finally:
        stream.detach()


def csv_rows(file: IO[bytes], info: SourceInfo, lim: Limits, *, skip: int = 0) -> Iterator[Row]:
    records = _reader(file, info)
    n = 0
    try:
        next(records, None)  # the header
        for n, cells in enumerate(records, start=1):
            if n > lim.max_rows:
                raise SourceRefused(
                    _("The file has more than %(max)s rows; split it into smaller files.")
                    % {"max": f"{lim.max_rows:,}".replace(",", ".")}
                )
            if n > skip:
                yield Row(n + 1, cells)
    except UnicodeDecodeError:
        # Text is decoded a block at a time, so the failing block starts at the row after the last one
        # read, and the bad bytes lie there or a little further on.
        raise SourceRefused(
            _(
                "Row %(row)s or one shortly after holds bytes that are not %(encoding)s text; save the file "
                "as “CSV UTF-8”."
            )
            % {"row": n + 2, "encoding": info.encoding.upper().replace("-SIG", "")}
        ) from None
    except csv.Error as exc:
        raise SourceRefused(
            _("Row %(row)s cannot be read as CSV (%(problem)s).") % {"row": n + 2, "problem": str(exc)}
        ) from None


def csv_count(file: IO[bytes], info: SourceInfo, lim: Limits) -> int:
    """Data rows (lines after the header, a quoted line break counted as a line), after checking that
    every byte decodes; a file that is UTF-8 only at its start is read as Windows-1252 when it all is."""
    candidates = [info.encoding] + (["cp1252"] if info.encoding != "cp1252" else [])
    decoders = {name: codecs.getincrementaldecoder(name)() for name in candidates}
    failed: dict[str, int] = {}
    lines = 0
    last = b""
    offset = 0
    file.seek(0)
    while chunk := file.read(CHUNK):
        lines += chunk.count(b"\n")
        last = chunk[-1:]
        for name, decoder in decoders.items():
            if name in failed:
                continue
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                failed[name] = offset + exc.start
        offset += len(chunk)
    for name, decoder in decoders.items():
        if name not in failed:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                failed[name] = offset
    usable = [name for name in candidates if name not in failed]
    if not usable:
        raise SourceRefused(
            _(
                "The file is neither UTF-8 nor Windows-1252 text (a byte at position %(pos)s). Save it as "
                "“CSV UTF-8” or as an Excel workbook."
            )
            % {"pos": failed[candidates[0]]}
        )
    info.encoding = usable[0]
    if last and last != b"\n":
        lines += 1
    rows = max(0, lines - 1)
    if rows > lim.max_rows:
        # Line breaks inside quoted cells inflate the line count: count records before refusing.
        rows = sum(1 for _row in csv_rows(file, info, Limits(max_rows=2**62)))
        if rows > lim.max_rows:
            raise SourceRefused(
                _("The file has %(n)s rows; at most %(max)s can be imported. Split it into smaller files.")
                % {"n": f"{rows:,}".replace(",", "."), "max": f"{lim.max_rows:,}".replace(",", ".")}
            )
    return rows
