"""The SIKP export: the documented columns in order, only eligible participants of the user's area, full
NIKs only for roles that need them, and one audit row with the filter and the row count."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.testing import make_participant
from kolabora.financing import export
from kolabora.financing.export import HEADER, kur_debtors_csv

from .conftest import Fin
from .factories import make_ready, refer

pytestmark = pytest.mark.django_db

DOCUMENTED = [
    "nik",
    "nama",
    "tanggal_lahir",
    "jenis_kelamin",
    "no_hp",
    "alamat",
    "kode_kelurahan",
    "kelurahan",
    "kecamatan",
    "kota",
    "nama_usaha",
    "sektor_usaha",
    "kbli",
    "mulai_usaha",
    "tenaga_kerja",
    "omzet_bulanan",
    "modal_usaha",
    "skala_usaha",
    "jenis_izin",
    "nomor_izin",
    "tanggal_izin",
    "p6_selesai",
    "rujukan_terakhir",
]


def _rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the byte-order mark spreadsheet programs need
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_columns_are_the_documented_ones_in_order() -> None:
    assert HEADER == DOCUMENTED
    # The module's docstring documents every column, in the same order.
    doc = export.__doc__ or ""
    positions = [doc.index(f"``{name}``") for name in DOCUMENTED]
    assert positions == sorted(positions)


def test_kecamatan_staff_get_their_eligible_participants_with_full_niks(fin: Fin) -> None:
    not_ready = make_participant(nik="3175104107880081", full_name="Belum Siap")
    south = make_ready(
        make_participant(nik="3174101506850098", full_name="Warga Selatan", kelurahan="31.74.10.1005")
    )
    refer(fin.participant, fin.bank, fin.applicant)
    result = kur_debtors_csv(user=fin.world.user("kecamatan"))
    rows = _rows(result.content)
    assert result.rows == 1 == len(rows)
    (row,) = rows
    p = fin.participant
    business = p.businesses.get()
    assert row["nik"] == p.nik
    assert (row["nama"], row["tanggal_lahir"], row["jenis_kelamin"]) == (p.full_name, "1990-12-05", "P")
    assert (row["kode_kelurahan"], row["kecamatan"], row["kota"]) == (
        "31.75.10.1001",
        "Cipayung",
        "Kota Administrasi Jakarta Timur",
    )
    assert (row["nama_usaha"], row["sektor_usaha"], row["omzet_bulanan"]) == (
        business.name,
        "kuliner",
        "2000000",
    )
    assert (row["jenis_izin"], row["nomor_izin"]) == ("NIB", f"91{p.nik[-11:]}")
    assert row["p6_selesai"] != ""
    assert row["rujukan_terakhir"] == "Bank Uji: received"
    assert not_ready.nik not in result.content.decode() and south.nik not in result.content.decode()
    assert result.filename.startswith("calon-debitur-kur-semua-")


def test_roles_without_the_nik_right_get_masked_niks_and_an_area_filter_narrows(fin: Fin) -> None:
    make_ready(
        make_participant(nik="3175014107880091", full_name="Warga Pasar Rebo", kelurahan="31.75.01.1001")
    )
    manager = fin.world.user("permitted")  # programme manager of Jakarta Timur: may export, not see NIKs
    rows = _rows(kur_debtors_csv(user=manager).content)
    assert [r["nama"] for r in rows] == ["Warga Pasar Rebo", "Siti Aminah"]  # by kelurahan code
    assert all("•" in r["nik"] for r in rows)
    narrowed = kur_debtors_csv(user=manager, region_code="31.75.10")
    assert [r["nama"] for r in _rows(narrowed.content)] == ["Siti Aminah"]
    assert narrowed.filename.startswith("calon-debitur-kur-317510-")


def test_every_export_is_audited_with_its_filter_and_row_count(fin: Fin) -> None:
    kur_debtors_csv(user=fin.world.user("kecamatan"), region_code="31.75.10")
    event = AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_EXPORTED).get()
    assert event.object_type == "financing.kur_debtors"
    assert event.after == {
        "format": "csv",
        "purpose": "sikp",
        "filter": {"region": "31.75.10"},
        "rows": 1,
        "full_niks": 1,
    }
    assert event.organisation == fin.world.cipayung


def test_banks_and_partners_may_not_export(fin: Fin) -> None:
    for user in (fin.officer, fin.world.user("no_consent"), fin.applicant):
        with pytest.raises(PermissionDenied):
            kur_debtors_csv(user=user)


def test_the_download_refuses_an_area_outside_the_users_own(fin: Fin) -> None:
    client = fin.world.client("kecamatan")
    assert client.get(reverse("financing:export_csv") + "?wilayah=31.74").status_code == 403
    response = client.get(reverse("financing:export_csv") + "?wilayah=31.75.10")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert fin.participant.nik in response.content.decode("utf-8-sig")
    page = client.get(reverse("financing:export") + "?wilayah=31.75.10").content.decode()
    for name in DOCUMENTED:
        assert f"<code>{name}</code>" in page
    assert "1 participant meets every rule." in page
