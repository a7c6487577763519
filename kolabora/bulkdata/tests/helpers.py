"""Building import files for tests: fictitious people of Kecamatan Cipayung in the template's layout."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from kolabora.bulkdata import services
from kolabora.bulkdata.fields import TEMPLATE_HEADER
from kolabora.bulkdata.models import ImportJob

CIPAYUNG = "31.75.10"
KELURAHAN = [f"{CIPAYUNG}.100{n}" for n in range(1, 9)]
ELSEWHERE = "31.74.10.1002"  # Bintaro, Kecamatan Pesanggrahan (Jakarta Selatan)


def nik(i: int, kecamatan: str = CIPAYUNG, woman: bool = False) -> str:
    """A structurally valid, fictitious NIK, different for each ``i`` (born 1980–1999)."""
    day = 1 + i % 28 + (40 if woman else 0)
    month = 1 + (i // 28) % 12
    year = 80 + (i // 336) % 20
    serial = 1 + i // 6720
    return f"{kecamatan.replace('.', '')}{day:02d}{month:02d}{year:02d}{serial:04d}"


def person(i: int, **over: Any) -> dict[str, str]:
    """One template row (as a dict by column) for person ``i``; ``over`` replaces columns."""
    row = {
        "nik": nik(i),
        "full_name": f"Peserta Uji {i:05d}",
        "phone": f"0812{i:08d}",
        "kelurahan_code": KELURAHAN[i % len(KELURAHAN)],
        "entry_track": "pemula",
        "sector": "kuliner",
        "registered_on": "2024-03-15",
        "P1": "selesai",
        "P2": "selesai",
        "P2_level": "1",
        "P3": "proses",
        "P4": "",
        "P5": "",
        "P6": "",
        "P7": "",
    }
    row.update(over)
    return row


def csv_bytes(
    rows: Sequence[dict[str, str]],
    *,
    header: Sequence[str] = TEMPLATE_HEADER,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> bytes:
    lines = [delimiter.join(header)] + [delimiter.join(str(r.get(h, "")) for h in header) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(
    rows: Sequence[dict[str, Any]], *, header: Sequence[str] = TEMPLATE_HEADER, title_rows: int = 0
) -> bytes:
    """A workbook as Excel writes them (shared strings); ``title_rows`` empty rows above the header."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Peserta")
    date = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(title_rows, 0, list(header))
    for r, row in enumerate(rows, start=title_rows + 1):
        for c, name in enumerate(header):
            value = row.get(name, "")
            if hasattr(value, "year"):
                sheet.write_datetime(r, c, value, date)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    book.close()
    return out.getvalue()


def upload(content: bytes, name: str = "peserta.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def run(
    content: bytes, *, actor: Any = None, name: str = "peserta.csv", batch_size: int = 50, **kw: Any
) -> ImportJob:
    """Upload ``content`` and run the import to its end in this process (as the worker would)."""
    job = services.import_job_create(upload=upload(content, name), actor=actor, **kw)
    return services.import_job_run(job_id=job.pk, batch_size=batch_size)
