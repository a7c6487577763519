"""The same export from the API (bearer token) and from ``kolabora export participants``."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils.translation import gettext as _

from kolabora.accounts.services import api_token_create
from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent

from .conftest import API_URL, Exports, content, read_csv, read_xlsx


def bearer(ex: Exports, persona: str) -> Client:
    _token, plain = api_token_create(user=ex.user(persona), name="uji")
    return Client(HTTP_AUTHORIZATION=f"Bearer {plain}")


def last_export() -> AuditEvent:
    return AuditEvent.objects.filter(action=AuditAction.BULK_EXPORT).latest("id")


# --- API -------------------------------------------------------------------------------------------


def test_api_streams_csv_scoped_and_masked(ex: Exports) -> None:
    response = bearer(ex, "permitted").get(API_URL, {"format": "csv", "stage": "P2"})
    assert response.status_code == 200 and response.streaming
    header, *rows = read_csv(content(response))
    assert [r[header.index("full_name")] for r in rows] == ["Siti Aminah"]
    assert rows[0][header.index("nik")] == "3175••••••••0012"
    event = last_export()
    assert event.after["via"] == "api" and event.after["filters"] == {"stage": "P2"}
    assert event.after["row_count"] == 1 and event.after["complete"] is True


def test_api_xlsx_with_chosen_tables(ex: Exports) -> None:
    response = bearer(ex, "kecamatan").get(API_URL, {"format": "xlsx", "tables": "participants,licences"})
    assert response.status_code == 200
    book = read_xlsx(content(response))
    assert list(book) == ["about", "participants", "licences"]
    assert book["licences"][1][1] == "3175104512900012"  # kecamatan staff need the full NIK
    assert last_export().after["rows"] == {"participants": 2, "licences": 1}


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"format": "pdf"}, "format", "Unknown format “pdf”: use csv or xlsx."),
        (
            {"region": "31.74"},
            "region",
            "Kota Administrasi Jakarta Selatan (31.74) lies outside the regions you may export.",
        ),
        ({"stage": "P4", "status": "done"}, "status", None),
        (
            {"status": "completed"},
            "status",
            "A stage status needs a stage: choose the stage too (e.g. stage P4, status completed).",
        ),
        ({"sector": "tambang"}, "sector", None),
        ({"entry_track": "baru"}, "entry_track", "Unknown entry track “baru”: use pemula or naik_kelas."),
        ({"registered_to": "kemarin"}, "registered_to", "Enter a date as YYYY-MM-DD or DD/MM/YYYY."),
        ({"tables": "participants,rahasia"}, "tables", None),
        (
            {"format": "csv", "tables": "participants,licences"},
            "tables",
            "A CSV file holds one table: choose one, or choose Excel for several.",
        ),
    ],
)
def test_api_refuses_bad_filters_with_422_and_the_reason(
    ex: Exports, query: dict[str, str], field: str, message: str | None
) -> None:
    response = bearer(ex, "permitted").get(API_URL, query)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == _("The export's filters are not valid.")
    errors = {e["field"]: e["message"] for e in body["errors"]}
    assert field in errors
    if message:
        assert errors[field] == _(message)
    else:
        value = next(iter(v for k, v in query.items() if k == field)).split(",")[-1]
        assert f"“{value}”" in errors[field]  # the message names what was wrong
    assert not AuditEvent.objects.filter(action=AuditAction.BULK_EXPORT).exists()


def test_api_refuses_partners_and_anonymous(ex: Exports) -> None:
    assert bearer(ex, "no_consent").get(API_URL, {"format": "csv"}).status_code == 403
    assert bearer(ex, "other_org").get(API_URL).status_code == 403
    assert Client().get(API_URL).status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer wrong").get(API_URL).status_code == 401


def test_api_lists_the_tables_with_their_columns(ex: Exports) -> None:
    body = bearer(ex, "permitted").get("/api/v1/exports/tables").json()
    participants = next(t for t in body if t["key"] == "participants")
    assert [c["name"] for c in participants["columns"]][:3] == ["participant_id", "nik", "full_name"]
    assert {t["key"] for t in body} >= {
        "training_enrolments",
        "mentoring_sessions",
        "licence_applications",
        "licences",
    }
    assert bearer(ex, "no_consent").get("/api/v1/exports/tables").status_code == 403


def test_openapi_documents_the_export(ex: Exports) -> None:
    doc = Client().get("/api/v1/openapi.json").json()
    params = {p["name"] for p in doc["paths"]["/api/v1/exports/participants"]["get"]["parameters"]}
    assert {"format", "tables", "region", "stage", "status", "registered_from", "registered_to"} <= params


# --- command line ----------------------------------------------------------------------------------


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("export", "participants", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_cli_writes_csv_as_a_user_with_a_summary(ex: Exports, tmp_path: Path) -> None:
    target = tmp_path / "peserta.csv"
    out, err = run("--as", "kecamatan.uji", "--stage", "P4", "--status", "completed", "-o", str(target))
    header, *rows = read_csv(target.read_bytes())
    assert [r[header.index("full_name")] for r in rows] == ["Budi Santoso"]
    assert rows[0][header.index("nik")] == "3175100101850021"
    assert "1 participants (participants 1)" in out and str(target) in out
    assert "rows" in err  # the progress line
    event = last_export()
    assert event.actor == ex.user("kecamatan") and event.after["via"] == "cli"
    assert event.after["filters"] == {"stage": "P4", "status": "completed"}
    assert not list(tmp_path.glob(".*.part"))


def test_cli_xlsx_from_the_suffix_and_as_the_system(ex: Exports, tmp_path: Path) -> None:
    target = tmp_path / "semua.xlsx"
    run("--region", "31.74", "-o", str(target), "--quiet")
    book = read_xlsx(target.read_bytes())
    assert [r[2] for r in book["participants"][1:]] == ["Dewi Lestari"]
    assert book["participants"][1][1] == "3174••••••••0041"  # the system never writes full NIKs
    event = last_export()
    assert event.actor is None and event.after["format"] == "xlsx" and event.after["nik_shown"] == "masked"


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["--as", "nobody", "-o", "x.csv"], 3, "No user named 'nobody'."),
        (["--as", "pelatih.uji", "-o", "x.csv"], 3, "may not export participants"),
        (["--as", "pengelola.jaktim", "--region", "31.74", "-o", "x.csv"], 2, "lies outside the regions"),
        (["--as", "pengelola.jaktim", "--status", "completed", "-o", "x.csv"], 2, "--status: "),
        (
            ["--as", "pengelola.jaktim", "-o", "/nonexistent/dir/x.csv"],
            4,
            "Cannot write /nonexistent/dir/x.csv",
        ),
    ],
)
def test_cli_exit_codes(
    ex: Exports, args: list[str], code: int, says: str, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError) as refused:
        run(*args)
    assert refused.value.returncode == code
    assert says in str(refused.value)
    assert not (tmp_path / "x.csv").exists()


def test_cli_failure_midway_leaves_no_file_and_is_audited(
    ex: Exports, tmp_path: Path, monkeypatch: Any
) -> None:
    import dataclasses

    from kolabora.exports import registry

    def broken(ids: Any) -> Any:
        raise RuntimeError("database went away")

    table = registry.table_get("participants")
    assert table is not None
    monkeypatch.setitem(registry._TABLES, "participants", dataclasses.replace(table, rows=broken))
    target = tmp_path / "gagal.csv"
    with pytest.raises(CommandError) as failed:
        run("--as", "kecamatan.uji", "-o", str(target))
    assert failed.value.returncode == 1 and "database went away" in str(failed.value)
    assert not target.exists() and not list(tmp_path.iterdir())
    event = last_export()
    assert event.after["complete"] is False and "database went away" in event.after["error"]
