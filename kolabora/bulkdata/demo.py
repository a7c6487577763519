"""Demo imports for the Cipayung secretariat (``kecamatan.cipayung``): a finished import of a legacy
spreadsheet with a few rejected rows and one history flagged as breaking today's rules, an import paused
half-way (its page shows the progress bar and "resume"), a file waiting for its column mapping, and a
saved mapping. Idempotent: nothing is made when the finished import exists.
"""

from __future__ import annotations

import random
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from kolabora.accounts.models import User
from kolabora.core.demo import DemoContext
from kolabora.participants.demo import Names
from kolabora.participants.models import Participant

from . import services
from .fields import TEMPLATE_HEADER
from .models import ColumnMapping, ImportJob

USERNAME = "kecamatan.cipayung"
DONE = "rekap-peserta-cipayung-2023.csv"
PAUSED = "rekap-peserta-cipayung-2024.csv"
WAITING = "data-peserta-sudin-jaktim.csv"
KELURAHAN = [f"31.75.10.100{n}" for n in range(1, 9)]
SEED = 2024


def _people(rng: random.Random, n: int, taken: set[str]) -> list[dict[str, str]]:
    names = Names(rng)
    out: list[dict[str, str]] = []
    while len(out) < n:
        sex = "P" if rng.random() < 0.58 else "L"
        birth_day = rng.randint(1, 28)
        nik = (
            f"317510{birth_day + (40 if sex == 'P' else 0):02d}{rng.randint(1, 12):02d}"
            f"{rng.randint(70, 99):02d}{rng.randint(1, 9999):04d}"
        )
        if nik in taken:
            continue
        taken.add(nik)
        level = rng.choice(["", "1", "1", "2", "3"])
        row = {
            "nik": nik,
            "full_name": names.person(sex)[0],
            "phone": f"08{rng.choice(['12', '13', '21', '57', '77', '96'])}{rng.randint(0, 10**8 - 1):08d}",
            "kelurahan_code": rng.choice(KELURAHAN),
            "entry_track": "naik_kelas" if rng.random() < 0.2 else "pemula",
            "sector": rng.choice(["kuliner", "kuliner", "fashion", "kriya", "perdagangan", "jasa_lainnya"]),
            "registered_on": f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2023",
            "P1": "selesai",
            "P2": ("selesai" if level else rng.choice(["", "berhenti"])),
            "P2_level": level,
            "P3": "proses" if level and rng.random() < 0.4 else "",
            "P4": "", "P5": "", "P6": "", "P7": "",
        }  # fmt: skip
        out.append(row)
    return out


def _csv(rows: list[dict[str, str]], header: list[str] | tuple[str, ...] = TEMPLATE_HEADER) -> bytes:
    lines = [";".join(header)] + [";".join(r.get(h, "") for h in header) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def seed(ctx: DemoContext) -> None:
    user = User.objects.filter(username=USERNAME).first()
    if user is None or ImportJob.objects.filter(created_by=user, file_name=DONE).exists():
        return
    rng = random.Random(SEED)  # noqa: S311  (reproducible demo data, not security)
    taken = set(Participant.objects.filter(kecamatan_code="31.75.10").values_list("nik", flat=True))
    rows = _people(rng, 60, taken)
    rows[3]["P5"] = "selesai"  # marketed before licensed: kept and flagged
    rows[7]["phone"] = "0812-345"  # too short
    rows[12]["kelurahan_code"] = "31.74.10.1002"  # Bintaro: outside Cipayung
    rows[20]["registered_on"] = "31/02/2023"  # no such day
    done = services.import_job_create(upload=SimpleUploadedFile(DONE, _csv(rows)), actor=user, enqueue=False)
    services.import_job_run(job_id=done.pk, batch_size=25)
    # Half of a larger file, paused by its owner: the page shows the bar and how to go on.
    later = _people(rng, 400, taken)
    paused = services.import_job_create(
        upload=SimpleUploadedFile(PAUSED, _csv(later)), actor=user, enqueue=False
    )

    def pause_half_way(job: ImportJob) -> None:
        if job.rows_done >= 180:
            services.import_job_pause(job=job, actor=user)

    services.import_job_run(job_id=paused.pk, batch_size=60, progress=pause_half_way)
    # A file of another layout, waiting for its columns to be chosen; and a mapping saved earlier.
    header = [
        "No",
        "NIK",
        "Nama Lengkap",
        "No. HP/WA",
        "Kode Kelurahan",
        "Kategori",
        "Bidang Usaha",
        "Tgl Daftar",
    ]
    other = [
        {"No": str(i + 1), "NIK": r["nik"], "Nama Lengkap": r["full_name"], "No. HP/WA": r["phone"],
         "Kode Kelurahan": r["kelurahan_code"], "Kategori": r["entry_track"].replace("_", " "),
         "Bidang Usaha": r["sector"], "Tgl Daftar": r["registered_on"]}
        for i, r in enumerate(_people(rng, 25, taken))
    ]  # fmt: skip
    services.import_job_create(upload=SimpleUploadedFile(WAITING, _csv(other, header)), actor=user)
    if not ColumnMapping.objects.filter(name="Format Sudin Jaktim").exists():
        columns: dict[str, Any] = {
            "nik": "NIK", "full_name": "Nama Lengkap", "phone": "No. HP/WA", "kelurahan_code": "Kode Kelurahan",
            "entry_track": "Kategori", "sector": "Bidang Usaha", "registered_on": "Tgl Daftar",
        }  # fmt: skip
        services.mapping_save(actor=user, name="Format Sudin Jaktim", columns=columns)
