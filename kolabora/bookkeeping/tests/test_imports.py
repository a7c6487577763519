"""Importing exports of other bookkeeping apps: the column mapping, rejected rows with their row, column
and reason (in Indonesian on the page), re-imports that add nothing twice, and imported history that moves
P6 even when it breaks today's rules."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kolabora.bookkeeping import services
from kolabora.bookkeeping.choices import AmountMode, ImportStatus
from kolabora.bookkeeping.models import CashEntry, ImportBatch
from kolabora.bookkeeping.parsing import (
    REJECT_REASONS,
    AmountError,
    Mapping,
    parse_amount,
    parse_date,
)
from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.testing import make_participant
from kolabora.pathway.models import ParticipantStage
from kolabora.pathway.services import stage_transition

from .conftest import Books, t

pytestmark = pytest.mark.django_db

LAMIKRO = """Buku Kas Warung Bu Siti;;;;
Periode Januari 2026;;;;
Tanggal;Keterangan;Akun;Debit;Kredit
;Saldo awal;;500.000;
05/01/2026;Jual nasi uduk;Penjualan;1.250.000;
06/01/2026;Beli beras;Bahan Baku;;350.000
06/01/2026;Beli beras;Bahan Baku;;350.000
31/02/2026;Salah tanggal;Penjualan;100.000;
07/01/2026;Listrik;Beban Listrik;;abc
08/01/2026;Keduanya;Lain;10.000;20.000
09/01/2026;Jualan;Penjualan;100.000,50;
10/01/2026;Ambil untuk dapur;Prive;;200.000
11/01/2026;Misterius;Kas Kecil X;;50.000
12/01/2026;Penjualan tapi keluar;Penjualan;;90.000
;Jumlah;;1.350.000;1.040.000
"""


def csv_file(text: str = LAMIKRO, name: str = "buku-kas.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def xlsx_file(rows: list[list[object]], name: str = "kas.xlsx") -> SimpleUploadedFile:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Kas")
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), dates)
            elif value is not None:
                sheet.write(r, c, value)
    book.close()
    return SimpleUploadedFile(name, out.getvalue())


def _upload(books: Books, upload: SimpleUploadedFile) -> ImportBatch:
    batch = services.import_upload(business=books.business, actor=books.owner, upload=upload)
    return services.import_map(batch=batch, actor=books.owner, mapping=services.imports.batch_mapping(batch))


def test_cells_are_read_as_indonesians_write_them() -> None:
    assert parse_amount("1.500.000") == 1_500_000
    assert parse_amount("Rp 1.500.000,00") == 1_500_000
    assert parse_amount("1,500,000") == 1_500_000
    assert parse_amount("150000.0") == 150_000
    assert parse_amount("(25.000)") == -25_000
    assert parse_amount("-25000") == -25_000
    assert parse_amount(12500.0) == 12_500
    assert parse_amount("") is None
    for bad, code in (
        ("100.000,50", "amount_fraction"),
        ("abc", "amount_invalid"),
        ("1.50", "amount_fraction"),
    ):
        with pytest.raises(AmountError) as exc:
            parse_amount(bad)
        assert exc.value.code == code
    assert parse_date("05/01/2026") == dt.date(2026, 1, 5)  # day first, never month first
    assert parse_date("5-1-26") == dt.date(2026, 1, 5)
    assert parse_date("2026-01-05") == dt.date(2026, 1, 5)
    assert parse_date("5 Januari 2026") == dt.date(2026, 1, 5)
    assert parse_date("05-Agu-2026") == dt.date(2026, 8, 5)
    assert parse_date(46027) == dt.date(2026, 1, 5)  # a spreadsheet serial number
    assert parse_date("31/02/2026") is None
    assert parse_date("Saldo awal") is None


def test_the_first_guess_finds_the_header_and_the_columns(books: Books) -> None:
    batch = services.import_upload(business=books.business, actor=books.owner, upload=csv_file())
    mapping = services.imports.batch_mapping(batch)
    assert batch.file_format == "csv" and batch.status == ImportStatus.UPLOADED
    assert (mapping.header_row, mapping.mode) == (2, AmountMode.SPLIT)
    assert (mapping.date, mapping.note, mapping.category, mapping.money_in, mapping.money_out) == (
        0,
        1,
        2,
        3,
        4,
    )


def test_import_reports_every_rejected_row_and_imports_the_rest(books: Books) -> None:
    batch = _upload(books, csv_file())
    done = services.import_run(batch=batch, actor=books.owner)
    assert (done.imported, done.duplicates, done.rejected) == (5, 0, 7)
    rejects = {(r["row"], r["column"], r["code"]) for r in done.rejects}
    assert rejects == {
        (4, "Keterangan", "summary_row"),
        (8, "Tanggal", "date_invalid"),
        (9, "Kredit", "amount_invalid"),
        (10, "Debit", "amount_both"),
        (11, "Debit", "amount_fraction"),
        (14, "Akun", "category_is_in"),
        (15, "Keterangan", "summary_row"),
    }
    entries = CashEntry.objects.filter(business=books.business).order_by("occurred_on", "id")
    assert [(e.occurred_on.day, e.category.code, e.direction, e.amount) for e in entries] == [
        (5, "penjualan", "in", 1_250_000),
        (6, "bahan_baku", "out", 350_000),
        (6, "bahan_baku", "out", 350_000),  # two real purchases on one day: both kept
        (10, "prive", "out", 200_000),
        (11, "biaya_lain", "out", 50_000),  # not recognised: "other business expenses"
    ]
    assert all(e.source == "import" and e.batch_id == done.pk for e in entries)
    assert (
        AuditEvent.objects.filter(action=AuditAction.CASHBOOK_IMPORTED, object_id=str(done.pk)).count() == 1
    )


def test_reimporting_adds_nothing_twice_and_a_longer_export_adds_only_what_is_new(books: Books) -> None:
    services.import_run(batch=_upload(books, csv_file()), actor=books.owner)
    again = services.import_run(batch=_upload(books, csv_file()), actor=books.owner)
    assert (again.imported, again.duplicates, again.rejected) == (0, 5, 7)
    longer = LAMIKRO + "06/01/2026;Beli beras;Bahan Baku;;350.000\n13/01/2026;Jual kue;Penjualan;80.000;\n"
    more = services.import_run(batch=_upload(books, csv_file(longer)), actor=books.owner)
    assert (more.imported, more.duplicates) == (2, 5)
    assert CashEntry.objects.filter(business=books.business, note="Beli beras").count() == 3
    with pytest.raises(ValidationError):
        services.import_run(batch=more, actor=books.owner)


def test_the_owner_chooses_the_category_of_an_unrecognised_name(books: Books) -> None:
    batch = _upload(books, csv_file())
    preview = services.import_preview(batch=batch)
    unknown = [c for c in preview.categories if not c.recognised]
    assert [(c.raw, c.code) for c in unknown] == [("Kas Kecil X", "biaya_lain")]
    services.import_categories_set(batch=batch, actor=books.owner, choices={"Kas Kecil X": "transportasi"})
    batch.refresh_from_db()
    done = services.import_run(batch=batch, actor=books.owner)
    assert CashEntry.objects.get(batch=done, note="Misterius").category.code == "transportasi"


def test_xlsx_with_one_amount_column_and_a_direction_column(books: Books) -> None:
    rows: list[list[object]] = [
        ["Tanggal", "Uraian", "Jenis", "Jumlah"],
        [dt.date(2026, 2, 2), "Penjualan kue", "Masuk", 400000],
        [None, None, None, None],
        [dt.date(2026, 2, 3), "Beli gula", "Keluar", 120000],
        [dt.date(2026, 2, 4), "Pindah rekening", "Transfer", 50000],
        [dt.date(2026, 2, 5), "Bayar ojek", "Keluar", -15000],
    ]
    batch = _upload(books, xlsx_file(rows))
    mapping = services.imports.batch_mapping(batch)
    assert (mapping.mode, mapping.amount, mapping.direction, mapping.note) == (AmountMode.SINGLE, 3, 2, 1)
    done = services.import_run(batch=batch, actor=books.owner)
    assert (done.imported, done.rejected) == (2, 2)
    assert {(r["row"], r["code"]) for r in done.rejects} == {(5, "direction_invalid"), (6, "amount_negative")}
    assert sorted(CashEntry.objects.values_list("category__code", "direction", "amount")) == [
        ("bahan_baku", "out", 120_000),
        ("penjualan", "in", 400_000),
    ]


def test_a_file_whose_content_is_not_what_its_name_says_is_refused(books: Books) -> None:
    with pytest.raises(ValidationError) as exc:
        services.import_upload(business=books.business, actor=books.owner, upload=csv_file(name="kas.xlsx"))
    assert "file" in exc.value.message_dict
    assert not ImportBatch.objects.exists()


def test_mapping_rules(books: Books) -> None:
    batch = services.import_upload(business=books.business, actor=books.owner, upload=csv_file())
    for wrong, field in (
        (Mapping(header_row=2, date=0, mode=AmountMode.SPLIT), "money_in"),
        (Mapping(header_row=2, date=0, mode=AmountMode.SINGLE, note=1), "amount"),
        (Mapping(header_row=2, date=0, mode=AmountMode.SPLIT, money_in=0, money_out=4), "money_in"),
        (Mapping(header_row=2, date=0, mode=AmountMode.SPLIT, money_in=3, money_out=9), "money_out"),
    ):
        with pytest.raises(ValidationError) as exc:
            services.import_map(batch=batch, actor=books.owner, mapping=wrong)
        assert field in exc.value.message_dict


def test_imported_history_completes_p6_and_is_flagged_when_it_breaks_todays_rules(books: Books) -> None:
    other = make_participant(nik="3175104101950044", full_name="Rini Susanti", password="rahasia-uji-123")
    stage_transition(
        participant=other, stage="P1", to_status="in_progress", actor=None, reason="Periksa ulang"
    )
    owner = other.user
    assert owner is not None
    b = Books(world=books.world, business=other.businesses.get(), owner=owner)
    text = "Tanggal;Keterangan;Masuk;Keluar\n" + "".join(
        f"10/{m:02d}/2026;Penjualan bulan {m};{m}00.000;\n" for m in (3, 4, 5)
    )
    services.import_run(batch=_upload(b, csv_file(text)), actor=owner)
    row = ParticipantStage.objects.get(participant=other, code="P6")
    assert row.status == "completed"
    assert row.rule_exception is True
    other.refresh_from_db()
    assert "P6_before_P1" in other.rule_flags


def test_the_import_pages_end_to_end(books: Books) -> None:
    client = Client()
    client.force_login(books.owner)
    response = client.post(
        reverse("bookkeeping:import_upload", args=[books.business.pk]), {"file": csv_file()}
    )
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("bookkeeping:import_mapping", args=[batch.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Saldo awal" in page and "is-header" in page
    response = client.post(
        reverse("bookkeeping:import_mapping", args=[batch.pk]),
        {"sheet": "", "header_row": "3", "mode": "split", "date": "0", "money_in": "3", "money_out": "4",
         "category": "2", "note": "1"},
    )  # fmt: skip
    assert response["Location"] == reverse("bookkeeping:import_preview", args=[batch.pk])
    page = client.get(response["Location"]).content.decode()
    assert t(str(REJECT_REASONS["amount_both"])) in page
    assert "Kas Kecil X" in page
    # The categories shown on the page go in with the import button (one form).
    shown = client.get(reverse("bookkeeping:import_preview", args=[batch.pk])).context["result"].categories
    choices = {
        f"cat_{i}": ("transportasi" if c.raw == "Kas Kecil X" else c.code) for i, c in enumerate(shown)
    }
    response = client.post(reverse("bookkeeping:import_run", args=[batch.pk]), choices, follow=True)
    page = response.content.decode()
    assert CashEntry.objects.get(note="Misterius").category.code == "transportasi"
    assert response.redirect_chain[-1][0] == reverse("bookkeeping:import_result", args=[batch.pk])
    assert t(str(REJECT_REASONS["date_invalid"]), value="31/02/2026") in page
    assert ">8<" in page and "Tanggal" in page
