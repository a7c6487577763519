"""The cash book API: filters, scoping by the gate, the shared error shape, cancel instead of delete."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kolabora.accounts.models import User
from kolabora.bookkeeping.months import add_months, month_start
from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.timeutils import today

from .conftest import Books

pytestmark = pytest.mark.django_db

ENTRIES = "/api/v1/cashbook-entries"


def client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def call(c: Client, method: str, url: str, data: Any = None) -> tuple[int, Any]:
    response = c.generic(
        method, url, data=json.dumps(data) if data is not None else "", content_type="application/json"
    )
    return response.status_code, response.json()


def test_paths_are_the_documented_ones() -> None:
    assert reverse("api:list_cashbook_entries") == ENTRIES
    assert reverse("api:get_cashbook_entry", args=[7]) == f"{ENTRIES}/7"


def test_owner_creates_lists_and_filters_by_month(books: Books) -> None:
    c = client(books.owner)
    last = add_months(month_start(today()), -1)
    books.record(last, "bahan_baku", 40_000, "Bulan lalu")
    status, body = call(
        c,
        "POST",
        ENTRIES,
        {
            "business_id": books.business.pk,
            "occurred_on": today().isoformat(),
            "category": "penjualan",
            "amount": 75000,
        },
    )
    assert status == 201
    assert (body["direction"], body["amount"], body["source"], body["statement_line"]) == (
        "in",
        75000,
        "api",
        "revenue",
    )
    status, rows = call(c, "GET", f"{ENTRIES}?business_id={books.business.pk}&month={last:%Y-%m}")
    assert status == 200 and [r["note"] for r in rows] == ["Bulan lalu"]
    status, rows = call(c, "GET", ENTRIES)
    assert len(rows) == 2


def test_errors_have_the_shared_shape(books: Books) -> None:
    c = client(books.owner)
    status, body = call(c, "GET", f"{ENTRIES}?month=maret")
    assert status == 422 and body["errors"][0]["field"] == "month"
    status, body = call(
        c,
        "POST",
        ENTRIES,
        {"business_id": books.business.pk, "occurred_on": "2020-01-01", "category": "x", "amount": 1},
    )
    assert status == 422 and body["errors"][0]["field"] == "category"
    status, body = call(
        c,
        "POST",
        ENTRIES,
        {
            "business_id": books.business.pk,
            "occurred_on": today().isoformat(),
            "category": "penjualan",
            "amount": 0,
        },
    )
    assert status == 422 and {e["field"] for e in body["errors"]} == {"amount"}
    status, body = call(Client(), "GET", ENTRIES)
    assert status == 401 and set(body) == {"detail", "errors"}


def test_staff_of_another_area_see_nothing_and_cannot_write(books: Books) -> None:
    entry = books.record(today(), "penjualan", 10_000)
    outsider = client(books.world.user("out_of_region"))
    assert call(outsider, "GET", ENTRIES) == (200, [])
    assert call(outsider, "GET", f"{ENTRIES}/{entry.pk}")[0] == 403
    status, _body = call(
        outsider,
        "POST",
        ENTRIES,
        {
            "business_id": books.business.pk,
            "occurred_on": today().isoformat(),
            "category": "penjualan",
            "amount": 5,
        },
    )
    assert status == 404
    kecamatan = client(books.world.user("kecamatan"))
    assert call(kecamatan, "GET", f"{ENTRIES}/{entry.pk}")[0] == 200
    status, _body = call(
        kecamatan,
        "POST",
        ENTRIES,
        {
            "business_id": books.business.pk,
            "occurred_on": today().isoformat(),
            "category": "penjualan",
            "amount": 5,
        },
    )
    assert status == 403
    assert call(kecamatan, "DELETE", f"{ENTRIES}/{entry.pk}")[0] == 403


def test_delete_cancels_with_audit_and_keeps_the_entry(books: Books) -> None:
    entry = books.record(today(), "penjualan", 10_000)
    c = client(books.owner)
    status, body = call(c, "DELETE", f"{ENTRIES}/{entry.pk}", {"reason": "Dobel"})
    assert status == 200 and body["cancelled_at"] and body["cancel_reason"] == "Dobel"
    assert AuditEvent.objects.filter(action=AuditAction.CASH_ENTRY_VOIDED).count() == 1
    assert call(c, "GET", ENTRIES) == (200, [])
    status, rows = call(c, "GET", f"{ENTRIES}?include_cancelled=true")
    assert [r["id"] for r in rows] == [entry.pk]
    assert call(c, "DELETE", f"{ENTRIES}/{entry.pk}")[0] == 409


def test_categories_are_public_reference_data(books: Books) -> None:
    response = Client().get("/api/v1/cashbook-categories")
    rows = {r["code"]: r for r in response.json()}
    assert rows["prive"]["in_income_statement"] is False
    assert rows["angsuran_pokok"]["in_income_statement"] is False
    assert rows["upah"]["in_income_statement"] is True
