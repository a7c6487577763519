"""The import API: start with a multipart upload, follow the job, fetch the report."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kolabora.accounts.services import api_token_create
from kolabora.bulkdata import services
from kolabora.bulkdata.models import ImportJob
from kolabora.core.testing import World

from .helpers import csv_bytes, nik, person

pytestmark = pytest.mark.django_db


def _post(world: World, content: bytes, **form: str) -> tuple[int, dict]:
    response = world.client("kecamatan").post(
        reverse("api:create_import"), {"file": SimpleUploadedFile("api.csv", content), **form}
    )
    return response.status_code, response.json()


def test_an_upload_answers_202_with_the_job_and_the_job_reports_its_counts(world: World) -> None:
    status, body = _post(world, csv_bytes([person(1), person(2, nik="123")]))
    assert status == 202
    assert (body["status"], body["file_name"], body["progress"]["rows_done"]) == ("queued", "api.csv", 0)
    services.import_job_run(job_id=body["id"])
    token = api_token_create(user=world.user("kecamatan"), name="uji")[1]
    response = world.client("anonymous").get(
        reverse("api:get_import", args=[body["id"]]), headers={"Authorization": f"Bearer {token}"}
    )
    job = response.json()
    assert (job["status"], job["progress"], job["counts"]) == (
        "done",
        {"rows_done": 2, "rows_total": 2, "percent": 100},
        {"created": 1, "updated": 0, "unchanged": 0, "rejected": 1, "flagged": 0},
    )
    assert job["report_url"].endswith(reverse("api:get_import_report", args=[body["id"]]))
    report = world.client("kecamatan").get(reverse("api:get_import_report", args=[body["id"]]))
    text = b"".join(report.streaming_content).decode()  # type: ignore[attr-defined]
    assert "3,nik,123," in text


def test_another_layout_needs_a_mapping_and_is_imported_with_one(world: World) -> None:
    header = ["NIK KTP", "Nama Peserta", "HP", "Kelurahan", "Jalur"]
    rows = [{"NIK KTP": nik(5), "Nama Peserta": "Ani Wulandari", "HP": "0811000005", "Kelurahan": "31.75.10.1001",
             "Jalur": "pemula"}]  # fmt: skip
    content = csv_bytes(rows, header=header)
    status, body = _post(world, content)
    assert status == 422
    assert body["errors"][0]["field"] == "mapping"
    assert not ImportJob.objects.exists()
    mapping = {"nik": "NIK KTP", "full_name": "Nama Peserta", "phone": "HP", "kelurahan_code": "Kelurahan",
               "entry_track": "Jalur"}  # fmt: skip
    status, body = _post(world, content, mapping=json.dumps(mapping))
    assert status == 202
    job = services.import_job_run(job_id=body["id"])
    assert job.created_count == 1
    status, body = _post(world, content, mapping='{"nik": "NIK"}')
    assert status == 422 and {e["field"] for e in body["errors"]} >= {"nik", "full_name"}
    status, body = _post(world, content, mapping_name="Tidak ada")
    assert status == 422 and body["errors"][0]["field"] == "mapping_name"


def test_a_zip_bomb_or_other_file_is_refused_with_the_reason(world: World) -> None:
    status, body = _post(world, b"\x89PNG\r\n\x1a\n" + b"\0" * 30)
    assert status == 422 and body["errors"][0]["field"] == "file" and "PNG" in body["errors"][0]["message"]


def test_nobody_else_follows_the_job(world: World) -> None:
    _status, body = _post(world, csv_bytes([person(1)]))
    assert world.client("permitted").get(reverse("api:get_import", args=[body["id"]])).status_code == 403
    assert (
        world.client("other_org")
        .post(reverse("api:create_import"), {"file": SimpleUploadedFile("x.csv", csv_bytes([person(2)]))})
        .status_code
        == 403
    )
