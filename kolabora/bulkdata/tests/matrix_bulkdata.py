"""Permission-matrix rows for the import pages and API.

Imports belong to the person who started them: the world's kecamatan staff member (Cipayung) owns every
job here and plays "permitted". The out-of-region programme manager (Jakarta Selatan) may import into
their own region, so the pages without a job (the import page, the template, uploading) answer them too;
the jobs, their reports and the Cipayung secretariat's saved mapping they may not touch.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kolabora.bulkdata import services
from kolabora.bulkdata.models import ColumnMapping, ImportJob
from kolabora.core.testing import MatrixRow, World

from .helpers import csv_bytes, person

OWNER = "kecamatan"


def _jobs(w: World) -> dict[str, Any]:
    found: dict[str, Any] | None = getattr(w, "_bulkdata_jobs", None)
    if found is not None:
        return found
    staff = w.user(OWNER)

    def create(content: bytes, name: str = "matriks.csv") -> ImportJob:
        return services.import_job_create(upload=SimpleUploadedFile(name, content), actor=staff)

    done = create(csv_bytes([person(900), person(901, phone="x")]), "matriks-selesai.csv")
    done = services.import_job_run(job_id=done.pk)
    queued = create(csv_bytes([person(902)]))
    paused = services.import_job_pause(job=create(csv_bytes([person(903)])), actor=staff)
    waiting = create(
        csv_bytes([{"NIK": "3175100101800001", "Nama": "A"}], header=["NIK", "Nama"]), "lain.csv"
    )
    mapping = services.mapping_save(actor=staff, name="Format matriks", columns={"nik": "NIK"})
    found = {"done": done, "queued": queued, "paused": paused, "waiting": waiting, "mapping": mapping}
    setattr(w, "_bulkdata_jobs", found)  # noqa: B010  (World is a dataclass without this field)
    return found


def _job(key: str) -> Any:
    return lambda w: _jobs(w)[key].pk


def _url(name: str, key: str) -> Any:
    return lambda w: reverse(name, args=[_job(key)(w)])


def _state(key: str) -> Any:
    return lambda w: ImportJob.objects.filter(pk=_job(key)(w)).values_list("status", "mapping").get()


def _owned(w: World) -> int:
    _jobs(w)
    return ImportJob.objects.filter(created_by=w.user(OWNER)).count()


def _mappings(w: World) -> int:
    _jobs(w)
    return ColumnMapping.objects.count()


def _upload(w: World) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("baru.csv", csv_bytes([person(950)])), "programme": ""}


def _row(name: str, url: Any, **kwargs: Any) -> MatrixRow:
    return MatrixRow(name, url, permitted_as=OWNER, **kwargs)


ROWS = [
    _row(
        "bulkdata:home",
        lambda w: (_jobs(w), reverse("bulkdata:home"))[1],
        marker=lambda w: "matriks-selesai.csv",
        out_of_region_status=200,
    ),
    _row(
        "bulkdata:home",
        lambda w: (_jobs(w), reverse("bulkdata:home"))[1],
        method="post",
        data=_upload,
        allowed=302,
        effect=_owned,
        out_of_region_status=302,
    ),
    _row(
        "bulkdata:template", lambda w: reverse("bulkdata:template", args=["xlsx"]), out_of_region_status=200
    ),
    _row("bulkdata:job", _url("bulkdata:job", "done"), marker=lambda w: "matriks-selesai.csv"),
    _row("bulkdata:columns", _url("bulkdata:columns", "waiting")),
    _row(
        "bulkdata:columns",
        _url("bulkdata:columns", "waiting"),
        method="post",
        data=lambda w: {"col_nik": "0", "col_full_name": "1", "col_phone": "1"},
        allowed=200,
        effect=_state("waiting"),
    ),
    _row("bulkdata:report", _url("bulkdata:report", "done"), marker=lambda w: "3,phone,x,"),
    _row(
        "bulkdata:pause",
        _url("bulkdata:pause", "queued"),
        method="post",
        allowed=302,
        effect=_state("queued"),
    ),
    _row(
        "bulkdata:resume",
        _url("bulkdata:resume", "paused"),
        method="post",
        allowed=302,
        effect=_state("paused"),
    ),
    _row(
        "bulkdata:cancel",
        _url("bulkdata:cancel", "queued"),
        method="post",
        allowed=302,
        effect=_state("queued"),
    ),
    _row(
        "bulkdata:mapping_delete",
        lambda w: reverse("bulkdata:mapping_delete", args=[_jobs(w)["mapping"].pk]),
        method="post",
        allowed=302,
        effect=_mappings,
    ),
    # API
    _row(
        "api:create_import",
        lambda w: (_jobs(w), reverse("api:create_import"))[1],
        method="post",
        api=True,
        multipart=True,
        data=_upload,
        allowed=202,
        effect=_owned,
        out_of_region_status=202,
    ),
    _row("api:get_import", _url("api:get_import", "done"), api=True, marker=lambda w: '"rejected": 1'),
    _row("api:get_import_report", _url("api:get_import_report", "done"), api=True),
]
