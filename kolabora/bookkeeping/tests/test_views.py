"""The cash book pages as an owner, a mentor and kecamatan staff use them in a browser (with and without
htmx)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kolabora.accounts.models import User
from kolabora.bookkeeping.models import CashEntry
from kolabora.bookkeeping.months import add_months, month_start
from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.testing import make_member
from kolabora.core.timeutils import today
from kolabora.mentoring.models import MentorAssignment
from kolabora.organisations.choices import Role
from kolabora.pathway.models import ParticipantStage

from .conftest import Books, photo, t

pytestmark = pytest.mark.django_db


def url(name: str, *args: Any) -> str:
    return reverse(f"bookkeeping:{name}", args=args)


def as_user(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body(response: Any) -> str:
    return str(response.content.decode())


def test_owner_lands_on_their_cash_book_with_today_and_last_category(books: Books) -> None:
    books.record(today(), "bahan_baku", 80_000, "Tepung")
    client = as_user(books.owner)
    response = client.get(url("mine"))
    assert response.status_code == 302 and response["Location"] == url("cashbook", books.business.pk)
    page = body(client.get(url("cashbook", books.business.pk)))
    assert f'value="{today().isoformat()}"' in page
    assert 'value="bahan_baku" selected' in page
    assert 'inputmode="numeric"' in page
    assert "Rp 80.000" in page


def test_saving_an_entry_without_javascript_redirects_with_a_message(books: Books) -> None:
    client = as_user(books.owner)
    response = client.post(
        url("cashbook", books.business.pk),
        {
            "amount": "150.000",
            "category": "penjualan",
            "occurred_on": today().isoformat(),
            "note": "Nasi uduk",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url("cashbook", books.business.pk)
    entry = CashEntry.objects.get(business=books.business)
    assert (entry.amount, entry.category.code, entry.direction, entry.note) == (
        150_000,
        "penjualan",
        "in",
        "Nasi uduk",
    )
    assert "Rp 150.000" in body(response)
    assert (
        ParticipantStage.objects.get(participant=books.world.participant, code="P6").status == "in_progress"
    )


def test_saving_with_htmx_redraws_the_book_and_keeps_the_date(books: Books) -> None:
    client = as_user(books.owner)
    yesterday = today() - dt.timedelta(days=1)
    response = client.post(
        url("cashbook", books.business.pk),
        {"amount": "25000", "category": "transportasi", "occurred_on": yesterday.isoformat()},
        HTTP_HX_REQUEST="true",
    )
    page = body(response)
    assert response.status_code == 200
    assert page.lstrip().startswith('<div id="book">')
    assert "<html" not in page
    assert f'value="{yesterday.isoformat()}"' in page
    assert 'value="transportasi" selected' in page


def test_a_wrong_entry_is_refused_on_the_form_and_nothing_is_saved(books: Books) -> None:
    client = as_user(books.owner)
    response = client.post(
        url("cashbook", books.business.pk),
        {
            "amount": "1.000",
            "category": "penjualan",
            "occurred_on": (today() + dt.timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 422
    assert t("The date cannot be in the future.") in body(response)
    response = client.post(
        url("cashbook", books.business.pk), {"amount": "0", "category": "penjualan", "occurred_on": today()}
    )
    assert response.status_code == 422
    assert 'class="field has-error"' in body(response)
    assert not CashEntry.objects.exists()


def test_receipt_photo_is_resized_and_stripped_of_exif(books: Books) -> None:
    from PIL import Image

    client = as_user(books.owner)
    upload = SimpleUploadedFile("struk.jpg", photo(), content_type="image/jpeg")
    client.post(
        url("cashbook", books.business.pk),
        {"amount": "45000", "category": "bahan_baku", "occurred_on": today().isoformat(), "receipt": upload},
    )
    entry = CashEntry.objects.get(business=books.business)
    with entry.receipt.open("rb") as f:
        image = Image.open(f)
        image.load()
    assert image.format == "JPEG"
    assert max(image.size) == 1600
    assert image.size == (1200, 1600)  # turned upright by the EXIF orientation before it was dropped
    assert not image.getexif()
    response = client.get(url("receipt", entry.pk))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"


def test_a_fake_receipt_is_refused(books: Books) -> None:
    client = as_user(books.owner)
    fake = SimpleUploadedFile("struk.jpg", b"<html>not a photo</html>", content_type="image/jpeg")
    response = client.post(
        url("cashbook", books.business.pk),
        {"amount": "45000", "category": "bahan_baku", "occurred_on": today().isoformat(), "receipt": fake},
    )
    assert response.status_code == 422
    assert t("The receipt must be a photo (JPEG or PNG).") in body(response)
    assert not CashEntry.objects.exists()


def test_cancelling_keeps_the_entry_struck_through_and_audited(books: Books) -> None:
    entry = books.record(today(), "penjualan", 60_000, "Salah")
    client = as_user(books.owner)
    response = client.post(url("entry_void", entry.pk), {"reason": "Dobel"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.voided_at is not None and entry.void_reason == "Dobel"
    assert (
        AuditEvent.objects.filter(action=AuditAction.CASH_ENTRY_VOIDED, object_id=str(entry.pk)).count() == 1
    )
    page = body(client.get(url("cashbook", books.business.pk)))
    assert "is-void" in page


def test_summary_and_statements_pages(books: Books) -> None:
    last = add_months(month_start(today()), -1)
    books.record(last, "penjualan", 1_000_000, "Penjualan")
    books.record(last + dt.timedelta(days=1), "prive", 300_000, "Belanja rumah")
    client = as_user(books.owner)
    page = body(client.get(url("summary", books.business.pk) + f"?bulan={last:%Y-%m}"))
    assert "Rp 1.000.000" in page and "Rp 300.000" in page
    page = body(client.get(url("statements", books.business.pk) + "?periode=3-bulan"))
    assert t("Income statement") in page
    assert "Rp 1.000.000" in page  # net profit: the prive is listed apart, not deducted
    assert t("Not income or expense") in page


def test_declaring_assets_and_debts(books: Books) -> None:
    client = as_user(books.owner)
    response = client.post(
        url("declare", books.business.pk),
        {"as_of": today().isoformat(), "cash": "2.500.000", "inventory": "500000", "bank_debt": "1.000.000"},
    )
    assert response.status_code == 302
    page = body(client.get(url("statements", books.business.pk)))
    assert "Rp 3.000.000" in page and "Rp 2.000.000" in page  # total assets, equity


def test_pdf_download_is_audited(books: Books) -> None:
    books.record(add_months(month_start(today()), -1), "penjualan", 500_000)
    client = as_user(books.world.user("kecamatan"))
    response = client.get(url("report_pdf", books.business.pk) + "?bulan=3")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    event = AuditEvent.objects.get(action=AuditAction.BANKABLE_REPORT_ISSUED)
    assert event.after == {"business": books.business.pk, "months": 3}
    assert event.organisation is not None


def test_kecamatan_staff_read_but_do_not_write_and_their_views_are_audited(books: Books) -> None:
    client = as_user(books.world.user("kecamatan"))
    page = body(client.get(url("cashbook", books.business.pk)))
    assert 'name="amount"' not in page
    assert AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_VIEWED, after__page="cashbook").exists()
    response = client.post(
        url("cashbook", books.business.pk),
        {"amount": "1000", "category": "penjualan", "occurred_on": today()},
    )
    assert response.status_code == 403


def _mentor(books: Books) -> User:
    mentor = make_member("pendamping.uji", books.world.cipayung, Role.MENTOR)
    MentorAssignment.objects.create(
        participant=books.world.participant,
        mentor=mentor,
        organisation=books.world.cipayung,
        method="manual",
        started_at=books.world.participant.created_at,
    )
    return mentor


def test_the_current_mentor_records_on_behalf_and_it_shows(books: Books) -> None:
    mentor = _mentor(books)
    client = as_user(mentor)
    response = client.post(
        url("cashbook", books.business.pk),
        {"amount": "70.000", "category": "penjualan", "occurred_on": today().isoformat()},
    )
    assert response.status_code == 302
    entry = CashEntry.objects.get(business=books.business)
    assert entry.recorded_by == mentor
    page = body(as_user(books.owner).get(url("cashbook", books.business.pk)))
    assert "pendamping.uji" in page


def test_mentor_sees_consistency_of_the_caseload(books: Books) -> None:
    mentor = _mentor(books)
    for n in (2, 1, 0):
        books.record(add_months(month_start(today()), -n), "penjualan", 10_000)
    page = body(as_user(mentor).get(url("consistency")))
    assert books.world.participant.full_name in page
    assert "kept" in page  # the month marks


def test_kecamatan_staff_see_their_area_with_filters(books: Books) -> None:
    books.record(add_months(month_start(today()), -3), "penjualan", 10_000)
    client = as_user(books.world.user("kecamatan"))
    page = body(client.get(url("consistency")))
    assert books.world.participant.full_name in page
    behind = body(client.get(url("consistency") + "?tampil=tertinggal"))
    assert books.world.participant.full_name in behind
    done = body(client.get(url("consistency") + "?tampil=selesai"))
    assert books.world.participant.full_name not in done
    fragment = client.get(url("consistency") + "?tampil=belum", HTTP_HX_REQUEST="true")
    assert body(fragment).lstrip().startswith('<div id="list">')


def test_consistency_is_closed_to_people_without_a_caseload_or_area(books: Books) -> None:
    assert as_user(books.owner).get(url("consistency")).status_code == 403
    assert as_user(books.world.user("other_org")).get(url("consistency")).status_code == 403


def test_the_consistency_list_costs_the_same_queries_for_more_people(books: Books) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kolabora.core.testing import make_participant

    def add(n: int) -> None:
        for i in range(n):
            nik = f"3175104101{90 + n}{i + 1:04d}"
            p = make_participant(nik=nik, full_name=f"Peserta {n}-{i}", password="x-uji-123456")
            assert p.user is not None
            Books(world=books.world, business=p.businesses.get(), owner=p.user).record(
                today(), "penjualan", 5_000
            )

    client = as_user(books.world.user("kecamatan"))
    add(2)
    client.get(url("consistency"))  # warm the per-request caches' code paths
    with CaptureQueriesContext(connection) as few:
        assert client.get(url("consistency")).status_code == 200
    add(5)
    with CaptureQueriesContext(connection) as more:
        page = body(client.get(url("consistency")))
    assert "Peserta 5-4" in page
    assert len(more.captured_queries) == len(few.captured_queries)
