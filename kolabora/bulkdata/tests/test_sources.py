"""Reading uploads: what a file really is, encodings and separators, zip bombs and absurd sheets."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from django.test import override_settings
from django.utils.translation import gettext

from kolabora.bulkdata import sources
from kolabora.bulkdata.fields import TEMPLATE_HEADER
from kolabora.bulkdata.sources import SourceRefused

from .helpers import csv_bytes, person, xlsx_bytes


def _read(content: bytes) -> tuple[sources.SourceInfo, list[sources.Row]]:
    stream = io.BytesIO(content)
    info = sources.inspect(stream)
    return info, list(sources.rows(stream, info))


def _refused(content: bytes) -> str:
    with pytest.raises(SourceRefused) as exc:
        _read(content)
    return exc.value.message


def _rewrite(content: bytes, change: dict[str, bytes]) -> bytes:
    """The workbook with some of its parts replaced (or added)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change.pop(info.filename, src.read(info.filename)))
        for name, data in change.items():
            dst.writestr(name, data)
    return out.getvalue()


def test_utf8_with_a_byte_order_mark_and_semicolons() -> None:
    content = b"\xef\xbb\xbf" + csv_bytes([person(1, full_name="Siti Ayu Lestari")], delimiter=";")
    info, rows = _read(content)
    assert (info.format, info.encoding, info.delimiter) == ("csv", "utf-8-sig", ";")
    assert info.header == list(TEMPLATE_HEADER)
    assert rows[0].number == 2 and rows[0].cells[1] == "Siti Ayu Lestari"


def test_windows_1252_text_is_read_as_such() -> None:
    content = csv_bytes([person(1, full_name="René Sitompul")], delimiter=";", encoding="cp1252")
    info, rows = _read(content)
    assert (info.encoding, info.delimiter) == ("cp1252", ";")
    assert rows[0].cells[1] == "René Sitompul"


def test_tabs_and_quoted_separators() -> None:
    content = csv_bytes([person(1, full_name='"Sari, Dewi"')])
    info, rows = _read(content)
    assert info.delimiter == "," and rows[0].cells[1] == "Sari, Dewi"
    info, rows = _read(csv_bytes([person(2)], delimiter="\t"))
    assert info.delimiter == "\t" and len(rows[0].cells) == len(TEMPLATE_HEADER)


def test_a_utf8_start_with_windows_1252_further_on_is_read_as_windows_1252() -> None:
    head = csv_bytes([person(i) for i in range(3000)])
    content = head + "3175101101800003,André,081200000003\r\n".encode("cp1252")
    stream = io.BytesIO(content)
    info = sources.inspect(stream)
    assert info.encoding == "utf-8"
    assert sources.count_rows(stream, info) == 3001
    assert info.encoding == "cp1252"
    assert next(iter(sources.rows(stream, info, skip=3000))).cells[1] == "André"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "kosong"),
        ("nik,nama\n".encode("utf-16"), "UTF-16"),
        (b"%PDF-1.7\n%\xe2\xe3\n1 0 obj", "PDF"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "PNG"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, ".xls"),
        (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 40, "biner"),
        (b"nik\n3175104512900012\n", "satu kolom"),
    ],
)
def test_what_is_not_a_csv_or_xlsx_file_is_refused_with_a_specific_reason(content: bytes, words: str) -> None:
    message = _refused(content)
    english = {"kosong": "empty", "biner": "binary", "satu kolom": "only one column"}
    assert words in message or english.get(words, "\0") in message


def test_other_office_files_are_named() -> None:
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    assert "Word" in _refused(docx.getvalue())
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as z:
        z.writestr("data.txt", "hello")
    assert "ZIP" in _refused(plain.getvalue())


def test_an_xlsx_with_shared_strings_dates_numbers_and_a_title_row() -> None:
    rows = [person(1, registered_on=dt.datetime(2023, 5, 17), phone=81234567890), person(2)]
    info, read = _read(xlsx_bytes(rows, title_rows=2))
    assert info.format == "xlsx" and info.header == list(TEMPLATE_HEADER)
    assert [r.number for r in read] == [4, 5]
    cells = dict(zip(TEMPLATE_HEADER, read[0].cells, strict=False))
    assert cells["nik"] == person(1)["nik"]
    assert cells["registered_on"] == dt.date(2023, 5, 17)
    assert cells["phone"] == 81234567890.0
    assert cells["P1"] == "selesai"


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    bomb = _rewrite(xlsx_bytes([person(1)]), {"xl/media/image1.bin": b"\0" * (20 * 1024 * 1024)})
    assert len(bomb) < 200 * 1024
    part = zipfile.ZipFile(io.BytesIO(bomb)).getinfo("xl/media/image1.bin")
    assert _refused(bomb) == gettext(
        "The workbook unpacks to far more than it weighs (its part %(part)s is %(ratio)s times its "
        "packed size). It is refused as a possible zip bomb; save the sheet again as .xlsx or CSV."
    ) % {"part": "xl/media/image1.bin", "ratio": part.file_size // part.compress_size}


@override_settings(KOLABORA_IMPORT={"MAX_UNPACKED_BYTES": 50_000})
def test_a_workbook_that_unpacks_beyond_the_limit_is_refused() -> None:
    content = xlsx_bytes([person(i) for i in range(300)])
    assert _refused(content) == gettext(
        "The workbook unpacks to %(size)s MB, more than the %(max)s MB an import may hold. It is "
        "refused as a possible zip bomb; split it into smaller files."
    ) % {"size": 0, "max": 0}


def test_absurd_declared_dimensions_are_refused_before_reading() -> None:
    out = io.BytesIO()
    import xlsxwriter

    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, list(TEMPLATE_HEADER))
    sheet.write_string(1_048_575, 16_383, "x")
    book.close()
    assert "1.048.575" in _refused(out.getvalue()) or "1,048,575" in _refused(out.getvalue())


def _sheet(content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return z.read("xl/worksheets/sheet1.xml")


def test_a_cell_far_to_the_right_is_refused_even_without_a_declared_dimension() -> None:
    content = xlsx_bytes([person(1), person(2)])
    sheet = re.sub(rb"<dimension[^>]*/>", b"", _sheet(content))
    sheet = sheet.replace(
        b"</row></sheetData>", b'<c r="ZZ3" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    )
    message = _refused(_rewrite(content, {"xl/worksheets/sheet1.xml": sheet}))
    assert "ZZ" in message


def test_rows_far_apart_are_read_without_filling_the_gap() -> None:
    content = xlsx_bytes([person(1), person(2)])
    sheet = re.sub(rb"<dimension[^>]*/>", b"", _sheet(content))
    far = b'<row r="900000"><c r="A900000" t="inlineStr"><is><t>3175100101800009</t></is></c></row>'
    sheet = sheet.replace(b"</sheetData>", far + b"</sheetData>")
    _info, rows = _read(_rewrite(content, {"xl/worksheets/sheet1.xml": sheet}))
    assert [r.number for r in rows] == [2, 3, 900000]
    assert rows[-1].cells[0] == "3175100101800009"


@override_settings(KOLABORA_IMPORT={"MAX_ROWS": 5})
def test_more_rows_than_allowed_are_refused() -> None:
    stream = io.BytesIO(csv_bytes([person(i) for i in range(8)]))
    info = sources.inspect(stream)
    with pytest.raises(SourceRefused) as exc:
        sources.count_rows(stream, info)
    assert "8" in exc.value.message


def test_reading_resumes_after_a_number_of_rows() -> None:
    for content in (csv_bytes([person(i) for i in range(12)]), xlsx_bytes([person(i) for i in range(12)])):
        stream = io.BytesIO(content)
        info = sources.inspect(stream)
        rest = list(sources.rows(stream, info, skip=9))
        assert [r.number for r in rest] == [11, 12, 13]
        assert rest[0].cells[0] == person(9)["nik"]
