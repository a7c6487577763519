"""Exports through the page: who is in the file, NIK masking, filters, the tables, the audit row."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils.translation import gettext as _

from kolabora.core.access import Action
from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.testing import World, make_member
from kolabora.exports import services
from kolabora.exports.registry import Column, ExportTable, register, table_get, tables, tables_for
from kolabora.exports.selectors import ExportFilters, export_participants
from kolabora.exports.services import ExportRequest, ExportStream
from kolabora.organisations.choices import Role
from kolabora.participants.services import consent_grant

from .conftest import EXPORT_URL, Exports, content, read_csv, read_xlsx

PARTICIPANT_HEADER = [
    "participant_id",
    "nik",
    "full_name",
    "sex",
    "birth_date",
    "phone",
    "email",
    "address",
    "kelurahan_code",
    "kelurahan",
    "kecamatan_code",
    "kecamatan",
    "kota_code",
    "entry_track",
    "domicile_basis",
    "registered_through",
    "registered_on",
    "last_active_on",
    "sector",
    "business_name",
    "business_scale",
    "nib",
    "P1",
    "P1_since",
    "P2",
    "P2_level",
    "P2_since",
    "P3",
    "P3_since",
    "P4",
    "P4_since",
    "P5",
    "P5_since",
    "P6",
    "P6_since",
    "P7",
    "P7_since",
    "rule_flags",
]


def download(ex: Exports, persona: str, **data: Any) -> Any:
    return ex.client(persona).post(EXPORT_URL, {"format": "csv", **data})


def csv_rows(ex: Exports, persona: str, **data: Any) -> list[dict[str, str]]:
    response = download(ex, persona, **data)
    assert response.status_code == 200, content(response)[:500]
    header, *rows = read_csv(content(response))
    return [dict(zip(header, row, strict=True)) for row in rows]


def names(rows: list[dict[str, str]]) -> list[str]:
    return sorted(r["full_name"] for r in rows)


def last_export() -> AuditEvent:
    return AuditEvent.objects.filter(action=AuditAction.BULK_EXPORT).latest("id")


# --- who is in the file ----------------------------------------------------------------------------


def test_kecamatan_staff_export_their_kecamatan_only(ex: Exports) -> None:
    assert names(csv_rows(ex, "kecamatan")) == ["Budi Santoso", "Siti Aminah"]


def test_coordinator_scope_is_their_city(ex: Exports) -> None:
    # The Jakarta Timur programme manager: both kecamatan of Jakarta Timur, not Jakarta Selatan.
    assert names(csv_rows(ex, "permitted")) == ["Budi Santoso", "Rina Wati", "Siti Aminah"]
    assert names(csv_rows(ex, "out_of_region")) == ["Dewi Lestari"]


def test_training_partner_with_relationship_consent_and_agreement_exports_nothing(ex: Exports) -> None:
    partner = ex.user("no_consent")
    consent_grant(participant=ex.siti, purpose="training_partners", actor=ex.user("participant"))
    from kolabora.core import access

    access.forget(partner)
    # The partner does reach Siti one at a time (relationship + consent + agreement in force) …
    assert access.can(partner, Action.PARTICIPANT_VIEW, ex.siti)
    # … but a bulk copy is not theirs to take: no export page, no rows, no tables.
    assert ex.client("no_consent").get(EXPORT_URL).status_code == 403
    assert download(ex, "no_consent").status_code == 403
    assert not export_participants(user=partner, filters=ExportFilters()).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.BULK_EXPORT).exists()


def test_mentors_and_bank_officers_may_not_export(ex: Exports) -> None:
    mentor = make_member("pendamping.lain", ex.world.cipayung, Role.MENTOR)
    client = ex.world.client("other_org")
    assert client.get(EXPORT_URL).status_code == 403
    client.force_login(mentor)
    assert client.get(EXPORT_URL).status_code == 403
    assert not export_participants(user=mentor, filters=ExportFilters()).exists()


def test_merged_records_are_left_out(ex: Exports) -> None:
    from kolabora.participants.models import Participant

    Participant.objects.filter(pk=ex.budi.pk).update(status="merged", merged_into=ex.siti)
    assert names(csv_rows(ex, "kecamatan")) == ["Siti Aminah"]


# --- NIK -------------------------------------------------------------------------------------------


def test_nik_masked_and_birth_date_left_out_for_a_programme_manager(ex: Exports) -> None:
    siti = next(r for r in csv_rows(ex, "permitted") if r["full_name"] == "Siti Aminah")
    assert siti["nik"] == "3175••••••••0012"
    assert siti["birth_date"] == ""
    assert last_export().after["nik_shown"] == "masked"


def test_kecamatan_staff_get_full_nik_and_birth_date(ex: Exports) -> None:
    siti = next(r for r in csv_rows(ex, "kecamatan") if r["full_name"] == "Siti Aminah")
    assert siti["nik"] == "3175104512900012"
    assert siti["birth_date"] == "1990-12-05"
    assert last_export().after["nik_shown"] == "full"


def test_full_nik_only_where_the_role_needs_it(ex: Exports) -> None:
    # Kecamatan staff in Cipayung and coordinator of Jakarta Timur: full NIKs for Cipayung, masked elsewhere.
    both = make_member("dua.peran", ex.world.cipayung, Role.KECAMATAN_STAFF)
    from kolabora.organisations.models import Membership

    Membership.objects.create(user=both, organisation=ex.world.sudin_jaktim, role=Role.REGIONAL_COORDINATOR)
    client = ex.world.client("anonymous")
    client.force_login(both)
    header, *rows = read_csv(content(client.post(EXPORT_URL, {"format": "csv"})))
    by_name = {r[header.index("full_name")]: r[header.index("nik")] for r in rows}
    assert by_name == {
        "Siti Aminah": "3175104512900012",
        "Budi Santoso": "3175100101850021",
        "Rina Wati": "3175••••••••0031",
    }
    assert last_export().after["nik_shown"] == "mixed"


# --- filters ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"region": "31.75.01"}, ["Rina Wati"]),
        ({"region": "31.75.10.1002"}, ["Budi Santoso"]),
        ({"stage": "P2"}, ["Siti Aminah"]),
        ({"stage": "P4", "status": "completed"}, ["Budi Santoso"]),
        ({"stage": "P4", "status": "not_started"}, ["Rina Wati", "Siti Aminah"]),
        ({"entry_track": "naik_kelas"}, ["Budi Santoso"]),
        ({"sector": "fashion"}, ["Budi Santoso"]),
        ({"registered_from": "2025-03-10", "registered_to": "31/07/2025"}, ["Siti Aminah"]),
        ({"registered_from": "2025-08-01"}, ["Budi Santoso", "Rina Wati"]),
    ],
)
def test_filters(ex: Exports, filters: dict[str, str], expected: list[str]) -> None:
    assert names(csv_rows(ex, "permitted", **filters)) == expected


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"region": "31.74.10"},
            "region",
            "Pesanggrahan (31.74.10) lies outside the regions you may export.",
        ),
        ({"region": "99.99"}, "region", "No region has the code “99.99”."),
        ({"stage": "P9"}, "stage", "Unknown stage “P9”: use P1 to P7."),
        (
            {"status": "completed"},
            "status",
            "A stage status needs a stage: choose the stage too (e.g. stage P4, status completed).",
        ),
        ({"registered_from": "2025-13-01"}, "registered_from", "Enter a date as YYYY-MM-DD or DD/MM/YYYY."),
        (
            {"registered_from": "2025-06-01", "registered_to": "2025-05-01"},
            "registered_to",
            "The end of the registration period is before its start.",
        ),
        (
            {"tables": ["participants", "licences"]},
            "tables",
            "A CSV file holds one table: choose one, or choose Excel for several.",
        ),
    ],
)
def test_bad_filters_are_refused_on_the_page(
    ex: Exports, data: dict[str, Any], field: str, message: str
) -> None:
    response = download(ex, "permitted", **data)
    assert response.status_code == 422
    assert _(message) in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.BULK_EXPORT).exists()


# --- the files -------------------------------------------------------------------------------------


def test_csv_header_and_values(ex: Exports) -> None:
    response = download(ex, "kecamatan")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="kolabora-participants-')
    assert "no-store" in response["Cache-Control"]
    header, *rows = read_csv(content(response))
    assert header == PARTICIPANT_HEADER
    siti = dict(zip(header, next(r for r in rows if "Siti Aminah" in r), strict=True))
    assert siti["participant_id"] == str(ex.siti.pk)
    assert (siti["kelurahan_code"], siti["kelurahan"], siti["kecamatan"]) == (
        "31.75.10.1001",
        "Cipayung",
        "Cipayung",
    )
    assert (siti["P1"], siti["P2"], siti["P2_level"], siti["P2_since"], siti["P3"]) == (
        "completed",
        "completed",
        "2",
        "2025-04-02",
        "not_started",
    )
    assert siti["registered_on"] == "2025-03-10" and siti["sector"] == "kuliner"


def test_stage_record_tables_in_csv(ex: Exports) -> None:
    enrolments = csv_rows(ex, "kecamatan", tables="training_enrolments")
    assert len(enrolments) == 1
    e = enrolments[0]
    assert (e["participant_id"], e["nik"], e["status"], e["level"]) == (
        str(ex.siti.pk),
        "3175104512900012",
        "attended",
        "2",
    )
    # Free text that a spreadsheet would run as a formula is neutralised.
    assert e["course"] == '\'=HYPERLINK("http://x")'
    assert (e["session_starts_at"], e["applies_learning"], e["keeps_books"], e["sells_online"]) == (
        "2025-04-02 10:30:00",
        "true",
        "false",
        "",
    )
    (m,) = csv_rows(ex, "kecamatan", tables="mentoring_sessions")
    assert (m["held_on"], m["topics"], m["mentor"], m["monthly_turnover"]) == (
        "2025-04-20",
        "pricing; licensing",
        "pendamping.uji",
        "4500000",
    )
    (a,) = csv_rows(ex, "kecamatan", tables="licence_applications")
    assert (a["licence_type"], a["status"], a["submissions"]) == ("iumk", "issued", "1")
    (licence,) = csv_rows(ex, "kecamatan", tables="licences")
    assert (licence["number"], licence["issued_on"], licence["application_id"]) == (
        "IUMK/UJI/0001",
        "2025-04-08",
        str(ex.application.pk),
    )


def test_xlsx_opens_with_one_sheet_per_table_and_the_documented_columns(ex: Exports) -> None:
    response = ex.client("permitted").post(EXPORT_URL, {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == services.CONTENT_TYPES["xlsx"]
    book = read_xlsx(content(response))
    assert list(book) == ["about", *(t.key for t in tables())]
    for table in tables():
        assert book[table.key][0] == table.header
    header, *rows = book["participants"]
    assert header == PARTICIPANT_HEADER
    siti = dict(zip(header, next(r for r in rows if "Siti Aminah" in r), strict=True))
    assert siti["nik"] == "3175••••••••0012" and siti["birth_date"] == ""
    assert siti["registered_on"] == dt.date(2025, 3, 10)
    assert siti["P2_level"] == 2
    assert siti["phone"] == ex.siti.phone  # text stays text
    (enrolment,) = book["training_enrolments"][1:]
    assert enrolment[header.index("nik")] == "3175••••••••0012"
    assert enrolment[2] == ex.enrolment.pk and enrolment[3] == '=HYPERLINK("http://x")'  # text, not a formula
    about = {r[0]: r[1] for r in book["about"] if r and r[0]}
    assert about[_("Participants")] == "3"
    assert about[_("Rows in %(table)s") % {"table": "participants"}] == "3"
    assert about[_("Rows in %(table)s") % {"table": "licences"}] == "1"
    # Every column is explained on the about sheet.
    documented = {(r[0], r[1]) for r in book["about"] if len(r) > 3 and r[3]}
    assert ("participants", "P2_level") in documented and ("licences", "number") in documented


def test_a_table_longer_than_a_sheet_continues_on_the_next(
    ex: Exports, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "XLSX_MAX_ROWS", 3)  # a header and two rows per sheet
    book = read_xlsx(
        content(ex.client("permitted").post(EXPORT_URL, {"format": "xlsx", "tables": "participants"}))
    )
    assert list(book) == ["about", "participants", "participants_2"]
    assert len(book["participants"]) == 3 and len(book["participants_2"]) == 2
    assert book["participants_2"][0] == PARTICIPANT_HEADER


# --- the audit row ---------------------------------------------------------------------------------


def test_every_export_is_audited_with_its_filters_and_row_count(ex: Exports) -> None:
    csv_rows(ex, "permitted", stage="P4", status="not_started", region="31.75")
    event = last_export()
    assert event.actor == ex.user("permitted")
    assert event.organisation == ex.world.sudin_jaktim
    assert event.after == {
        "via": "web",
        "format": "csv",
        "tables": ["participants"],
        "filters": {"region": "31.75", "stage": "P4", "status": "not_started"},
        "rows": {"participants": 2},
        "row_count": 2,
        "participants": 2,
        "nik_shown": "masked",
        "complete": True,
        "bytes": event.after["bytes"],
    }
    assert event.after["bytes"] > 500
    assert (
        event.request_id
    )  # the request that asked for it, though the row is written after the view returned
    assert AuditEvent.objects.filter(action=AuditAction.BULK_EXPORT).count() == 1


def test_an_interrupted_download_is_audited_as_incomplete(
    ex: Exports, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.signals import request_finished
    from django.db import close_old_connections
    from django.test import RequestFactory

    from kolabora.exports.views import export_page

    monkeypatch.setattr(services, "CHUNK", 1)  # one participant per piece
    request = RequestFactory().post(EXPORT_URL, {"format": "csv"})
    request.user = ex.user("permitted")
    response = export_page(request)  # type: ignore[arg-type]
    # What a WSGI server does: iterate, and when the client goes away, stop and close the response.
    pieces = iter(response)
    next(pieces)  # the header
    next(pieces)  # the first participant
    assert not AuditEvent.objects.filter(action=AuditAction.BULK_EXPORT).exists()
    request_finished.disconnect(close_old_connections)  # keep the test's database connection open
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    event = last_export()
    assert event.after["complete"] is False and event.after["row_count"] == 1
    assert event.reason == _("The download was interrupted after %(rows)s rows had been written.") % {
        "rows": 1
    }


# --- plugging a table in ---------------------------------------------------------------------------


@pytest.fixture
def cashbook(monkeypatch: pytest.MonkeyPatch) -> ExportTable:
    from kolabora.exports import registry

    monkeypatch.setattr(registry, "_TABLES", dict(registry._TABLES))
    return register(
        ExportTable(
            key="uji_buku_kas",
            title="Cash book",
            stage="P6",
            action=Action.CASHBOOK_VIEW,
            order=60,
            columns=(Column("note", "Note", free_text=True),),
            rows=lambda ids: [(pid, f"buku {pid}") for pid in ids],
        )
    )


def test_a_registered_table_needs_its_action_over_the_participants_region(
    ex: Exports, cashbook: ExportTable
) -> None:
    # Kecamatan staff hold CASHBOOK_VIEW over Cipayung: the table is offered and holds their participants.
    rows = csv_rows(ex, "kecamatan", tables="uji_buku_kas")
    assert sorted(r["participant_id"] for r in rows) == sorted([str(ex.siti.pk), str(ex.budi.pk)])
    # A regional coordinator does not hold it: not offered, and refused by name.
    coordinator = make_member("koordinator.uji", ex.world.sudin_jaktim, Role.REGIONAL_COORDINATOR)
    assert cashbook not in tables_for(coordinator)
    client = ex.world.client("anonymous")
    client.force_login(coordinator)
    response = client.post(EXPORT_URL, {"format": "csv", "tables": "uji_buku_kas"})
    assert response.status_code == 422 and "uji_buku_kas" in response.content.decode()
    # Coordinator of Jakarta Timur and kecamatan staff of Cipayung: participants of the whole city, cash-book
    # rows only for Cipayung, where the role that reads cash books reaches.
    from kolabora.organisations.models import Membership

    Membership.objects.create(user=coordinator, organisation=ex.world.cipayung, role=Role.KECAMATAN_STAFF)
    client.force_login(coordinator)
    book = read_xlsx(
        content(client.post(EXPORT_URL, {"format": "xlsx", "tables": ["participants", "uji_buku_kas"]}))
    )
    assert len(book["participants"]) == 1 + 3
    assert sorted(r[0] for r in book["uji_buku_kas"][1:]) == sorted([ex.siti.pk, ex.budi.pk])


def test_a_table_that_reaches_too_wide_adds_nobody(ex: Exports, monkeypatch: pytest.MonkeyPatch) -> None:
    from kolabora.exports import registry
    from kolabora.participants.models import Participant

    monkeypatch.setattr(registry, "_TABLES", dict(registry._TABLES))
    register(
        ExportTable(
            key="careless",
            title="Careless",
            columns=(Column("note", "Note"),),
            # Ignores the chunk and returns a row for every participant in the database.
            rows=lambda ids: [
                (pid, "x") for pid in Participant.objects.order_by("id").values_list("id", flat=True)
            ],
        )
    )
    rows = csv_rows(ex, "kecamatan", tables="careless")
    assert sorted(int(r["participant_id"]) for r in rows) == sorted([ex.siti.pk, ex.budi.pk])


def test_registering_refuses_a_taken_key_and_repeated_columns(cashbook: ExportTable) -> None:
    with pytest.raises(ValueError, match="registered already"):
        register(ExportTable(key="participants", title="x", columns=(), rows=lambda ids: []))
    with pytest.raises(ValueError, match="repeats a column"):
        register(ExportTable(key="other", title="x", columns=(Column("nik", "x"),), rows=lambda ids: []))
    assert table_get("uji_buku_kas") is cashbook


def test_the_system_exports_everyone_with_nik_masked(ex: Exports) -> None:
    from kolabora.accounts.models import User

    system = User(username="system", is_superuser=True, is_active=True)
    table = table_get("participants")
    assert table is not None
    stream = ExportStream(
        ExportRequest(
            user=system,
            actor=None,
            filters=ExportFilters(),
            tables=(table,),
            format="csv",
            via="cli",
            nik_full=False,
        )
    )
    _header, *rows = read_csv(b"".join(stream))
    stream.close()
    assert len(rows) == 4 and all("••••" in r[1] for r in rows)
    assert stream.audit is not None and stream.audit.actor is None and stream.audit.after["via"] == "cli"


def test_the_page_offers_the_tables_and_masks_nik_for_a_manager(ex: Exports) -> None:
    page = ex.client("permitted").get(EXPORT_URL)
    assert page.status_code == 200
    html = page.content.decode()
    for table in tables():
        assert f'value="{table.key}"' in html
    assert 'name="registered_from"' in html and 'type="date"' in html
    assert "3175••••••••0012" in html  # the masking, shown
    assert 'value="31.75.10"' in html and 'value="31.74.10"' not in html  # only their own regions


def test_the_page_starts_from_the_lists_filters(ex: Exports) -> None:
    html = (
        ex.client("kecamatan")
        .get(EXPORT_URL, {"stage": "P4", "sector": "fashion", "q": "x"})
        .content.decode()
    )
    assert '<option value="P4" selected>' in html and '<option value="fashion" selected>' in html
    assert not AuditEvent.objects.filter(
        action=AuditAction.BULK_EXPORT
    ).exists()  # showing the form exports nothing


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "stage"), [("products", "P5"), ("cashbook_entries", "P6"), ("financing_referrals", "P7")]
)
def test_the_later_stages_plug_their_records_in(key: str, stage: str, world: World) -> None:
    from kolabora.exports.registry import table_get

    table = table_get(key)
    assert table is not None and table.stage == stage
    rows = list(table.rows([world.participant.pk]))  # the query runs; the world has no such records yet
    assert rows == []
