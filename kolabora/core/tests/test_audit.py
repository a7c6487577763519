from __future__ import annotations

import logging

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.core.logging import RedactSecretsFilter, redact
from kolabora.core.models import AuditEvent, AuditImmutableError
from kolabora.core.testing import PASSWORD, World

pytestmark = pytest.mark.django_db


def test_audit_rows_cannot_be_changed_or_deleted_by_the_application(world: World) -> None:
    event = audit_record(
        actor=world.user("permitted"), action=AuditAction.ORGANISATION_UPDATED, obj=world.cipayung
    )
    with pytest.raises(AuditImmutableError):
        event.save()
    with pytest.raises(AuditImmutableError):
        event.delete()
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_postgresql_refuses_update_and_delete_in_sql(world: World) -> None:
    event = audit_record(actor=None, action=AuditAction.REGIONS_LOADED, object_type="x")
    for sql in (
        "UPDATE core_auditevent SET reason = 'x' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])


def test_audit_never_stores_secret_fields(world: World) -> None:
    event = audit_record(
        actor=None,
        action=AuditAction.ORGANISATION_UPDATED,
        obj=world.cipayung,
        before={"nik": "3175104512900012", "password": "x", "name": "a"},
        after={"token": "kol_abc", "name": "b"},
    )
    assert event.before == {"name": "a"} and event.after == {"name": "b"}


def test_request_id_and_ip_are_recorded(world: World) -> None:
    client = world.client("permitted")
    response = client.post(
        f"/organisasi/{world.cipayung.pk}/ubah/",
        {"name": "Nama Baru", "type": "kecamatan_secretariat", "region": "31.75.10", "is_active": "on"},
        HTTP_X_REQUEST_ID="req-1234567890",
    )
    assert response["X-Request-ID"] == "req-1234567890"
    event = AuditEvent.objects.filter(action=AuditAction.ORGANISATION_UPDATED).latest("id")
    assert event.request_id == "req-1234567890"
    assert event.ip_address == "127.0.0.1"
    assert event.organisation == world.sudin_jaktim


def test_redact_removes_nik_tokens_and_passwords() -> None:
    line = "POST nik=3175104512900012&password=rahasia123 Authorization: Bearer kol_abcDEF123"
    cleaned = redact(line)
    assert "3175104512900012" not in cleaned
    assert "rahasia123" not in cleaned
    assert "kol_abcDEF123" not in cleaned


def test_no_nik_password_or_token_in_any_log_line(world: World, caplog: pytest.LogCaptureFixture) -> None:
    from kolabora.accounts.services import api_token_create

    user = world.user("permitted")
    _token, plain = api_token_create(user=user)
    nik = "3175104512900012"
    caplog.handler.addFilter(RedactSecretsFilter())
    with caplog.at_level(logging.INFO):
        logging.getLogger("kolabora.test").warning("registration failed for nik %s", nik)
        logging.getLogger("kolabora.test").info("payload %s", {"password": PASSWORD, "token": plain})
        Client().post("/akun/masuk/", {"username": user.username, "password": "wrong-" + PASSWORD})
        Client().get(f"/organisasi/999999/?nik={nik}", HTTP_AUTHORIZATION=f"Bearer {plain}")
        Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {plain}x")
    text = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert nik not in text
    assert PASSWORD not in text
    assert plain not in text


def test_configured_handlers_redact(world: World) -> None:
    # The project's own console handler carries the filter, so real log output is clean.
    from django.conf import settings

    logging_config: dict = settings.LOGGING
    assert "redact" in logging_config["handlers"]["console"]["filters"]
