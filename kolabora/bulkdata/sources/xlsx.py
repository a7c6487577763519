"""Excel workbooks (.xlsx), read with python-calamine in bounded slices.

Calamine reads a whole sheet into memory at once: for a 400,000-row sheet that is about half a gigabyte.
So the first sheet's XML is streamed out of the zip and cut at row boundaries into slices of a few
thousand rows; each slice becomes a small workbook of its own (the original styles, so dates stay dates)
that calamine reads, and is dropped before the next. Shared strings, which every slice would otherwise
need in full, are kept once, compactly (one byte string and an offset per string), and the slices' cells
point into them: ``t="s"`` cells are rewritten as text cells holding a private-use marker and the index.

Before anything is unpacked, the zip's own directory is checked: total unpacked size, the packing ratio
of every large part (a zip bomb packs thousands of times), the number of parts, encryption. The sheet's
declared dimension is checked before its rows are read, and every slice again for columns and for row
numbers that jump (a cell at row 1,000,000 after row 5 would make calamine allocate everything between).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from array import array
from collections.abc import Iterator
from typing import IO, Any
from xml.etree import ElementTree as ET

from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from . import Row, SourceInfo, SourceRefused
from .limits import Limits

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
SLICE_ROWS = 5000
SLICE_BYTES = 8 * 1024 * 1024
PIECE = 1024 * 1024
MAX_GAP = 1000  # empty rows allowed between two rows of one slice
HEAD_LIMIT = 1024 * 1024
MARK = "\ue000"  # private use: "the rest is a shared-string index"
MARK_BYTES = MARK.encode()
EXCEL_MAX_ROWS = 1_048_576

_SHEETDATA = re.compile(rb"<(\w+:)?sheetData\b[^>]*?(/?)>")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?"[^>]*/>')
# A cell reference of two letters or more (column AA onwards); rows' references are digits only. Both
# patterns start with a literal, which the regular-expression engine finds fast.
_WIDE_CELL = re.compile(rb' r="([A-Z]{2,})[0-9]')


def column_number(letters: str | bytes) -> int:
    """``A`` → 1, ``Z`` → 26, ``AA`` → 27."""
    n = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        n = n * 26 + ord(ch) - 64
    return n


def _refuse_bomb(name: str, ratio: int) -> SourceRefused:
    return SourceRefused(
        _(
            "The workbook unpacks to far more than it weighs (its part %(part)s is %(ratio)s times its "
            "packed size). It is refused as a possible zip bomb; save the sheet again as .xlsx or CSV."
        )
        % {"part": name, "ratio": ratio}
    )


def _zip_check(zf: zipfile.ZipFile, lim: Limits) -> None:
    infos = zf.infolist()
    if len(infos) > lim.max_zip_members:
        raise SourceRefused(
            _(
                "The workbook has %(n)s parts; a spreadsheet has a few dozen. It is refused as a possible zip bomb."
            )
            % {"n": len(infos)}
        )
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise SourceRefused(_("The workbook is password-protected; save it without a password."))
        total += info.file_size
        if info.file_size > lim.ratio_from_bytes:
            ratio = info.file_size // max(info.compress_size, 1)
            if ratio > lim.max_ratio:
                raise _refuse_bomb(info.filename, ratio)
    if total > lim.max_unpacked_bytes:
        raise SourceRefused(
            _(
                "The workbook unpacks to %(size)s MB, more than the %(max)s MB an import may hold. It is "
                "refused as a possible zip bomb; split it into smaller files."
            )
            % {"size": total // 1_048_576, "max": lim.max_unpacked_bytes // 1_048_576}
        )


def _not_a_workbook(names: set[str]) -> SourceRefused:
    if "word/document.xml" in names:
        return SourceRefused(_("This is a Word document, not a spreadsheet. Upload an .xlsx or .csv file."))
    if any(n.startswith("ppt/") for n in names):
        return SourceRefused(_("This is a PowerPoint file, not a spreadsheet. Upload an .xlsx or .csv file."))
    if "mimetype" in names and "content.xml" in names:
        return SourceRefused(
            _("This is an OpenDocument spreadsheet (.ods). Save it as Excel Workbook (.xlsx) or as CSV.")
        )
    return SourceRefused(_("This is a ZIP archive, not an Excel workbook. Upload an .xlsx or .csv file."))


def _small(zf: zipfile.ZipFile, name: str, lim: Limits) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > lim.max_small_part_bytes:
        raise SourceRefused(
            _("The workbook's part %(part)s is unusually large (%(size)s MB); save the sheet again.")
            % {"part": name, "size": info.file_size // 1_048_576}
        )
    return zf.read(name)


def _parse(data: bytes, what: str) -> ET.Element:
    try:
        return ET.fromstring(data)  # noqa: S314  (a few KB of workbook metadata, size-checked; no DTDs used)
    except ET.ParseError:
        raise SourceRefused(
            _("The workbook is damaged (%(part)s cannot be read). Open it and save it again.")
            % {"part": what}
        ) from None


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _parts(zf: zipfile.ZipFile, lim: Limits) -> dict[str, Any]:
    """Where the first worksheet, the shared strings and the styles are; whether dates count from 1904."""
    names = set(zf.namelist())
    workbook = "xl/workbook.xml"
    if "_rels/.rels" in names:
        for rel in _parse(_small(zf, "_rels/.rels", lim), "_rels/.rels"):
            if rel.get("Type", "").endswith("/officeDocument"):
                workbook = _resolve("_rels/.rels", "/" + rel.get("Target", "").lstrip("/"))
    if workbook not in names:
        raise _not_a_workbook(names)
    book = _parse(_small(zf, workbook, lim), workbook)
    pr = book.find(f"{{{MAIN_NS}}}workbookPr")
    date1904 = pr is not None and pr.get("date1904", "").lower() in ("1", "true")
    sheets = book.find(f"{{{MAIN_NS}}}sheets")
    first = sheets[0] if sheets is not None and len(sheets) else None
    if first is None:
        raise SourceRefused(_("The workbook has no sheet."))
    rid = first.get(f"{{{REL_NS}}}id", "")
    rels_name = posixpath.join(posixpath.dirname(workbook), "_rels", posixpath.basename(workbook) + ".rels")
    targets: dict[str, str] = {}
    shared = styles = ""
    if rels_name in names:
        for rel in _parse(_small(zf, rels_name, lim), rels_name):
            target = _resolve(workbook, rel.get("Target", ""))
            kind = rel.get("Type", "")
            targets[rel.get("Id", "")] = target
            if kind.endswith("/sharedStrings"):
                shared = target
            elif kind.endswith("/styles"):
                styles = target
    sheet = targets.get(rid, "")
    if sheet not in names:
        raise SourceRefused(
            _("The workbook is damaged (its first sheet is missing). Open it and save it again.")
        )
    return {
        "sheet": sheet,
        "sheet_name": first.get("name", ""),
        "shared": shared if shared in names else "",
        "styles": styles if styles in names else "",
        "date1904": date1904,
    }


# --- streaming the sheet --------------------------------------------------------------------------------


class _Sheet:
    """The first sheet's XML as (head, slice of whole rows) pairs, checked as it goes."""

    def __init__(self, zf: zipfile.ZipFile, parts: dict[str, Any], lim: Limits) -> None:
        self.zf = zf
        self.lim = lim
        self.stream = zf.open(parts["sheet"])
        self.head = b""
        self.prefix = b""
        self.empty = False
        self.buffer = b""
        self.done = False
        self._read_head()

    def _read_head(self) -> None:
        buf = b""
        while True:
            piece = self.stream.read(64 * 1024)
            buf += piece
            m = _SHEETDATA.search(buf)
            if m is not None:
                break
            if not piece or len(buf) > HEAD_LIMIT:
                raise SourceRefused(_("The workbook's first sheet has no rows."))
        self.prefix = m.group(1) or b""
        self.row_number = re.compile(b"<" + re.escape(self.prefix) + rb'row\b[^>]*?\sr="(\d+)"')
        self.empty = m.group(2) == b"/"
        head = buf[: m.start()]
        self.dimension = _DIMENSION.search(head)
        # Calamine would size its grid by a declared dimension; the slices declare none.
        head = _DIMENSION.sub(b"", head)
        self.head = head + b"<" + self.prefix + b"sheetData>"
        self.buffer = b"" if self.empty else buf[m.end() :]
        self.done = self.empty

    @property
    def tail(self) -> bytes:
        return b"</" + self.prefix + b"sheetData></" + self.prefix + b"worksheet>"

    def declared(self) -> tuple[int, int] | None:
        """(last row, last column) of the sheet's declared dimension, when it declares one."""
        d = self.dimension
        if d is None or d.group(2) is None:
            return None
        if d.group(3):
            return int(d.group(4)), column_number(d.group(3))
        return int(d.group(2)), column_number(d.group(1) or b"A")

    def slices(self, rows: int = SLICE_ROWS) -> Iterator[bytes]:
        end_tag = b"</" + self.prefix + b"row>"
        last_row = 0
        while not self.done or self.buffer:
            ended = self.buffer.count(end_tag)
            while not self.done and ended < rows and len(self.buffer) < SLICE_BYTES:
                piece = self.stream.read(PIECE)
                if not piece:
                    self.done = True
                    break
                # Count the tags the new piece completes (one may straddle the two).
                ended += (self.buffer[-len(end_tag) :] + piece).count(end_tag)
                self.buffer += piece
            cut = self.buffer.rfind(end_tag)
            if cut < 0:
                if self.done:
                    # Whatever is left closes the sheet (and maybe holds self-closed empty rows).
                    self.buffer = b""
                    return
                if len(self.buffer) > SLICE_BYTES * 4:
                    raise SourceRefused(_("A row of the sheet is unusually large; save the sheet again."))
                continue
            body, self.buffer = self.buffer[: cut + len(end_tag)], self.buffer[cut + len(end_tag) :]
            body, rest, last_row = self._split_at_gap(body, last_row)
            if rest:
                self.buffer = rest + self.buffer
            self._check_columns(body)
            yield body

    def _split_at_gap(self, body: bytes, last_row: int) -> tuple[bytes, bytes, int]:
        """Cut before a row that jumps far ahead, so a slice never spans a huge empty stretch."""
        numbers = [int(n) for n in self.row_number.findall(body)]
        if not numbers:
            return body, b"", last_row
        if max(numbers) > EXCEL_MAX_ROWS:
            raise SourceRefused(
                _("The sheet has a row numbered %(n)s, beyond what a spreadsheet can hold.")
                % {"n": max(numbers)}
            )
        previous = [last_row or numbers[0], *numbers[:-1]]
        if all(n - p <= MAX_GAP for p, n in zip(previous, numbers, strict=True)):
            return body, b"", numbers[-1]
        before = last_row
        for m in self.row_number.finditer(body):
            n = int(m.group(1))
            if before and n - before > MAX_GAP and m.start() > 0:
                return body[: m.start()], body[m.start() :], before
            before = n
        return body, b"", before

    def _check_columns(self, body: bytes) -> None:
        wide = set(_WIDE_CELL.findall(body))
        if wide:
            widest = max(column_number(c) for c in wide)
            if widest > self.lim.max_columns:
                raise SourceRefused(
                    _("The sheet uses column %(col)s; at most %(max)s columns can be imported.")
                    % {"col": max(wide, key=column_number).decode(), "max": self.lim.max_columns}
                )


class SharedStrings:
    """The workbook's shared strings in one byte string with offsets: a few bytes a string, not ~60."""

    def __init__(self) -> None:
        self.blob = bytearray()
        self.offsets = array("Q", [0])

    def append(self, text: str) -> None:
        self.blob += text.encode()
        self.offsets.append(len(self.blob))

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> str:
        return self.blob[self.offsets[i] : self.offsets[i + 1]].decode()


def _si_text(si: ET.Element) -> str:
    t = si.find(f"{{{MAIN_NS}}}t")
    if t is not None:
        return t.text or ""
    # Rich text: the runs' texts, without phonetic guides (rPh).
    return "".join(r.findtext(f"{{{MAIN_NS}}}t") or "" for r in si.iter(f"{{{MAIN_NS}}}r"))


def _shared_strings(zf: zipfile.ZipFile, name: str, until: int | None = None) -> SharedStrings:
    out = SharedStrings()
    if not name:
        return out
    si_tag = f"{{{MAIN_NS}}}si"
    try:
        with zf.open(name) as stream:
            for _event, el in ET.iterparse(stream, events=("end",)):  # noqa: S314  (size-checked zip part)
                if el.tag == si_tag:
                    out.append(_si_text(el))
                    el.clear()
                    if until is not None and len(out) > until:
                        break
    except ET.ParseError:
        raise SourceRefused(
            _("The workbook is damaged (its shared strings cannot be read). Open it and save it again.")
        ) from None
    return out


_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b'<Override PartName="/xl/styles.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
)
_ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_BOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'worksheet" Target="worksheets/sheet1.xml"/>'
    b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'styles" Target="styles.xml"/></Relationships>'
)
_EMPTY_STYLES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
)


def _book(date1904: bool) -> bytes:
    pr = b'<workbookPr date1904="1"/>' if date1904 else b""
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        + pr
        + b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


class _Slicer:
    """Turns slices of sheet XML into rows of Python values."""

    def __init__(self, sheet: _Sheet, styles: bytes, date1904: bool, strings: SharedStrings | None) -> None:
        self.sheet = sheet
        self.styles = styles or _EMPTY_STYLES
        self.book = _book(date1904)
        self.strings = strings
        p = sheet.prefix
        self.shared_cell = b' t="s"><' + p + b"v>"
        self.marked_cell = b' t="str"><' + p + b"v>" + MARK_BYTES
        self.shared_any = re.compile(rb'(<(?:\w+:)?c\b[^>]*?)\st="s"([^>]*>\s*<(?:\w+:)?v>)')

    def mark(self, body: bytes) -> bytes:
        body = body.replace(self.shared_cell, self.marked_cell)
        if b't="s"' in body:
            body = self.shared_any.sub(rb'\1 t="str"\2' + MARK_BYTES, body)
        return body

    def rows(self, body: bytes) -> Iterator[tuple[int, list[Any]]]:
        body = self.mark(body)
        data = io.BytesIO()
        with zipfile.ZipFile(data, "w", zipfile.ZIP_STORED) as mini:
            mini.writestr("[Content_Types].xml", _CONTENT_TYPES)
            mini.writestr("_rels/.rels", _ROOT_RELS)
            mini.writestr("xl/workbook.xml", self.book)
            mini.writestr("xl/_rels/workbook.xml.rels", _BOOK_RELS)
            mini.writestr("xl/styles.xml", self.styles)
            mini.writestr("xl/worksheets/sheet1.xml", self.sheet.head + body + self.sheet.tail)
        data.seek(0)
        try:
            book = CalamineWorkbook.from_filelike(data)
            sheet = book.get_sheet_by_index(0)
            start = sheet.start
            grid = sheet.to_python(skip_empty_area=True) if start is not None else []
            book.close()
        except CalamineError as exc:
            raise SourceRefused(
                _("The workbook's sheet cannot be read (%(problem)s). Open it and save it again.")
                % {"problem": str(exc)[:200]}
            ) from None
        if start is None:
            return
        first_row, first_col = start
        pad = [""] * first_col
        strings = self.strings
        if strings is None or MARK_BYTES not in body:
            # Without the strings table (reading the header), marked cells stay marked for the caller.
            for i, cells in enumerate(grid):
                yield first_row + i + 1, pad + cells if first_col else cells
            return
        for i, cells in enumerate(grid):
            for j, cell in enumerate(cells):
                if type(cell) is str and cell.startswith(MARK):
                    try:
                        cells[j] = strings[int(cell[1:])]
                    except (IndexError, ValueError):
                        raise SourceRefused(
                            _("The workbook is damaged (a cell points to a missing text). Save it again.")
                        ) from None
            yield first_row + i + 1, pad + cells if first_col else cells


def _open(file: IO[bytes], lim: Limits) -> tuple[zipfile.ZipFile, dict[str, Any]]:
    file.seek(0)
    try:
        zf = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError):
        raise SourceRefused(
            _("The file looks like a workbook but is damaged; open it and save it again.")
        ) from None
    _zip_check(zf, lim)
    return zf, _parts(zf, lim)


def _first_row(cells: list[Any]) -> bool:
    return any(c not in ("", None) for c in cells)


def xlsx_inspect(file: IO[bytes], lim: Limits) -> SourceInfo:
    zf, parts = _open(file, lim)
    sheet = _Sheet(zf, parts, lim)
    declared = sheet.declared()
    if declared is not None:
        last_row, last_col = declared
        if last_row - 1 > lim.max_rows:
            raise SourceRefused(
                _("The sheet has %(n)s rows; at most %(max)s can be imported. Split it into smaller files.")
                % {"n": f"{last_row - 1:,}".replace(",", "."), "max": f"{lim.max_rows:,}".replace(",", ".")}
            )
        if last_col > lim.max_columns:
            raise SourceRefused(
                _("The sheet is %(n)s columns wide; at most %(max)s columns can be imported.")
                % {"n": last_col, "max": lim.max_columns}
            )
    styles = _small(zf, parts["styles"], lim) if parts["styles"] else b""
    slicer = _Slicer(sheet, styles, parts["date1904"], None)
    header: list[Any] | None = None
    for body in sheet.slices(rows=50):
        for _number, cells in slicer.rows(body):
            if _first_row(cells):
                header = cells
                break
        if header is not None:
            break
    if header is None:
        raise SourceRefused(_("The workbook's first sheet has no rows."))
    # The header's shared strings: read the strings table only as far as the header needs.
    marked = [c for c in header if isinstance(c, str) and c.startswith(MARK)]
    if marked:
        wanted = max(int(c[1:]) for c in marked)
        strings = _shared_strings(zf, parts["shared"], until=wanted)
        header = [strings[int(c[1:])] if isinstance(c, str) and c.startswith(MARK) else c for c in header]
    from kolabora.bulkdata.fields import text

    names = [text(c) for c in header]
    while names and not names[-1]:
        names.pop()
    if len(names) > lim.max_columns:
        raise SourceRefused(
            _("The sheet is %(n)s columns wide; at most %(max)s columns can be imported.")
            % {"n": len(names), "max": lim.max_columns}
        )
    return SourceInfo(
        format="xlsx",
        header=names,
        rows_estimate=max(0, declared[0] - 1) if declared else None,
        date1904=parts["date1904"],
        extra={"sheet": parts["sheet_name"]},
    )


def xlsx_rows(file: IO[bytes], info: SourceInfo, lim: Limits, *, skip: int = 0) -> Iterator[Row]:
    zf, parts = _open(file, lim)
    strings = _shared_strings(zf, parts["shared"])
    styles = _small(zf, parts["styles"], lim) if parts["styles"] else b""
    sheet = _Sheet(zf, parts, lim)
    slicer = _Slicer(sheet, styles, parts["date1904"], strings)
    seen_header = False
    n = 0
    for body in sheet.slices():
        for number, cells in slicer.rows(body):
            if not seen_header:
                seen_header = _first_row(cells)
                continue
            n += 1
            if n > lim.max_rows:
                raise SourceRefused(
                    _("The file has more than %(max)s rows; split it into smaller files.")
                    % {"max": f"{lim.max_rows:,}".replace(",", ".")}
                )
            if n > skip:
                yield Row(number, cells)


def xlsx_count(file: IO[bytes], info: SourceInfo, lim: Limits) -> int:
    """Rows after the header, counted from the sheet's XML (row elements), without parsing cells."""
    zf, parts = _open(file, lim)
    sheet = _Sheet(zf, parts, lim)
    closing = b"</" + sheet.prefix + b"row>"
    keep = len(closing) - 1  # a tail this short holds no whole tag, so none is counted twice
    n = sheet.buffer.count(closing)
    tail = sheet.buffer[-keep:]
    while piece := sheet.stream.read(PIECE):
        window = tail + piece
        n += window.count(closing)
        tail = window[-keep:]
    rows = max(0, n - 1)
    if rows > lim.max_rows:
        raise SourceRefused(
            _("The sheet has %(n)s rows; at most %(max)s can be imported. Split it into smaller files.")
            % {"n": f"{rows:,}".replace(",", "."), "max": f"{lim.max_rows:,}".replace(",", ".")}
        )
    return rows
