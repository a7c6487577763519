from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from kolabora.regions.models import Region
from kolabora.regions.services import regions_load

pytestmark = pytest.mark.django_db


def test_dki_has_the_kemendagri_hierarchy() -> None:
    dki = Region.objects.filter(code__startswith="31.")
    assert dki.filter(level="kota").count() == 6
    assert dki.filter(level="kecamatan").count() == 44
    assert dki.filter(level="kelurahan").count() == 267
    assert Region.objects.get(code="31.75.10").name == "Cipayung"
    assert Region.objects.get(code="31.74.10").name == "Pesanggrahan"
    assert Region.objects.get(code="31.72.01").name == "Penjaringan"
    assert Region.objects.get(code="31.74.10.1005").parent_id == "31.74.10"


def test_loading_twice_creates_nothing_new() -> None:
    result = regions_load(province_codes=["31"])
    assert (result.created, result.updated) == (0, 0)


def test_command_loads_another_province() -> None:
    out = io.StringIO()
    call_command("regions", "load", "--province", "36", stdout=out)
    assert "created" in out.getvalue()
    assert Region.objects.get(code="36").level == "provinsi"
    assert Region.objects.filter(code__startswith="36.", level="kota").exists()


def test_command_refuses_an_unknown_province() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Unknown province"):
        call_command("regions", "load", "--province", "99")


def test_api_lists_children() -> None:
    response = Client().get("/api/v1/regions?parent=31.75")
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 10
    assert {"code": "31.75.10", "name": "Cipayung", "level": "kecamatan"} in rows


def test_api_lists_provinces_without_parent() -> None:
    rows = Client().get("/api/v1/regions").json()
    assert {"code": "31", "name": Region.objects.get(code="31").name, "level": "provinsi"} in rows


def test_api_region_with_parent_chain() -> None:
    body = Client().get("/api/v1/regions/31.75.10.1001").json()
    assert body["level"] == "kelurahan"
    assert [p["code"] for p in body["parents"]] == ["31", "31.75", "31.75.10"]


def test_api_unknown_region_is_a_clear_404() -> None:
    response = Client().get("/api/v1/regions/31.99")
    assert response.status_code == 404
    assert "31.99" in response.json()["detail"]
    assert Client().get("/api/v1/regions?parent=31.99").status_code == 404
