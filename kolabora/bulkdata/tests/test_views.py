"""The import pages: upload, the column-mapping step (with and without htmx), progress, the report."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext

from kolabora.bulkdata import services, sources
from kolabora.bulkdata.fields import TEMPLATE_HEADER
from kolabora.bulkdata.models import ColumnMapping, ImportJob
from kolabora.core.testing import World

from .helpers import csv_bytes, nik, person, xlsx_bytes

pytestmark = pytest.mark.django_db

OLD_HEADER = ["No", "NIK", "Nama Lengkap", "No HP", "Kode Kelurahan", "Jalur", "Sektor Usaha"]


def _old_rows(n: int) -> list[dict[str, str]]:
    return [
        {"No": str(i + 1), "NIK": nik(i), "Nama Lengkap": f"Warga {i}", "No HP": f"0815{i:08d}",
         "Kode Kelurahan": "31.75.10.1003", "Jalur": "pemula", "Sektor Usaha": "Kriya"}
        for i in range(n)
    ]  # fmt: skip


def test_the_import_page_offers_the_template_and_the_upload(world: World) -> None:
    response = world.client("kecamatan").get(reverse("bulkdata:home"))
    body = response.content.decode()
    assert response.status_code == 200
    assert ",".join(TEMPLATE_HEADER) in body
    assert reverse("bulkdata:template", args=["xlsx"]) in body and 'enctype="multipart/form-data"' in body
    assert "Cipayung" in body  # the area they import into


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_template_downloads_have_exactly_the_template_header(world: World, fmt: str) -> None:
    response = world.client("kecamatan").get(reverse("bulkdata:template", args=[fmt]))
    assert response.status_code == 200
    info = sources.inspect(io.BytesIO(response.content))
    assert info.header == list(TEMPLATE_HEADER)
    rows = list(sources.rows(io.BytesIO(response.content), info))
    assert len(rows) == 2


def test_a_template_file_starts_at_once_and_its_page_polls_while_it_runs(world: World) -> None:
    client = world.client("kecamatan")
    content = csv_bytes([person(1), person(2)])
    response = client.post(reverse("bulkdata:home"), {"file": SimpleUploadedFile("peserta.csv", content)})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("bulkdata:job", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' in page and "peserta.csv" in page
    fragment = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<section id="progress"') and "<html" not in fragment
    services.import_job_run(job_id=job.pk)
    done = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' not in done
    assert '<progress class="import-bar" max="2" value="2">' in done


def test_a_file_that_is_not_a_spreadsheet_is_refused_on_the_form(world: World) -> None:
    response = world.client("kecamatan").post(
        reverse("bulkdata:home"), {"file": SimpleUploadedFile("peserta.xlsx", b"%PDF-1.4 test")}
    )
    assert response.status_code == 200
    assert "PDF" in response.content.decode() and 'class="error"' in response.content.decode()
    assert not ImportJob.objects.exists()


def test_another_layout_goes_through_the_mapping_step_and_the_mapping_is_reused(world: World) -> None:
    client = world.client("kecamatan")
    content = xlsx_bytes(_old_rows(3), header=OLD_HEADER)
    response = client.post(reverse("bulkdata:home"), {"file": SimpleUploadedFile("lama.xlsx", content)})
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("bulkdata:columns", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    # The columns are guessed from their names, with a sample of each; the first rows are shown.
    assert '<option value="1" selected>NIK — ' + nik(0) in page
    assert "Warga 0" in page
    form = {
        "col_nik": "1",
        "col_full_name": "2",
        "col_phone": "3",
        "col_kelurahan_code": "4",
        "col_entry_track": "5",
        "col_sector": "6",
        "save_as": "Format lama Cipayung",
    }
    missing = client.post(response["Location"], {**form, "col_phone": ""})
    assert missing.status_code == 200 and 'class="error"' in missing.content.decode()
    done = client.post(response["Location"], form)
    assert done["Location"] == reverse("bulkdata:job", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.mapping["sector"]) == ("queued", 6)
    saved = ColumnMapping.objects.get(name="Format lama Cipayung")
    # The next file in that layout, columns shuffled: the saved mapping fills the form in (htmx fragment).
    shuffled = list(reversed(OLD_HEADER))
    client.post(
        reverse("bulkdata:home"),
        {"file": SimpleUploadedFile("lagi.csv", csv_bytes(_old_rows(2), header=shuffled, delimiter=";"))},
    )
    second = ImportJob.objects.exclude(pk=job.pk).get()
    fragment = client.get(
        reverse("bulkdata:columns", args=[second.pk]) + f"?mapping={saved.pk}", headers={"HX-Request": "true"}
    ).content.decode()
    assert fragment.lstrip().startswith('<form method="post"') and "<html" not in fragment
    assert (
        '<option value="5" selected>NIK' in fragment and '<option value="0" selected>Sektor Usaha' in fragment
    )


def test_the_report_lists_rejected_rows_for_the_owner_only(world: World) -> None:
    staff = world.user("kecamatan")
    job = services.import_job_create(
        upload=SimpleUploadedFile("p.csv", csv_bytes([person(1), person(2, phone="abc")])), actor=staff
    )
    services.import_job_run(job_id=job.pk)
    response = world.client("kecamatan").get(reverse("bulkdata:report", args=[job.pk]))
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    lines = body.lstrip("\ufeff").splitlines()
    assert lines[0] == ",".join(gettext(w) for w in ("row", "column", "value", "reason"))
    assert lines[1].startswith("3,phone,abc,")
    page = world.client("kecamatan").get(reverse("bulkdata:job", args=[job.pk])).content.decode()
    assert reverse("bulkdata:report", args=[job.pk]) in page and "abc" in page
    assert world.client("permitted").get(reverse("bulkdata:report", args=[job.pk])).status_code == 403


def test_pause_resume_and_cancel_from_the_job_page(world: World) -> None:
    staff = world.user("kecamatan")
    client = world.client("kecamatan")
    job = services.import_job_create(upload=SimpleUploadedFile("p.csv", csv_bytes([person(1)])), actor=staff)
    client.post(reverse("bulkdata:pause", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "paused"
    page = client.get(reverse("bulkdata:job", args=[job.pk])).content.decode()
    assert reverse("bulkdata:resume", args=[job.pk]) in page and 'hx-trigger="every 2s"' not in page
    client.post(reverse("bulkdata:resume", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "queued"
    client.post(reverse("bulkdata:cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "cancelled"
    again = client.post(reverse("bulkdata:resume", args=[job.pk]), follow=True)
    assert 'class="message message-error"' in again.content.decode()
