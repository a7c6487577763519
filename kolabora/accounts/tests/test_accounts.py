from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kolabora.accounts.middleware import SESSION_LOGIN_AT
from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.testing import PASSWORD, World

pytestmark = pytest.mark.django_db


def test_login_lands_on_the_staff_home_with_roles(world: World) -> None:
    client = Client()
    response = client.post(
        "/akun/masuk/", {"username": "pengelola.jaktim", "password": PASSWORD}, follow=True
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Sudin Uji Jakarta Timur" in body
    assert "Pengelola program" in body  # role label in Indonesian
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN, actor__username="pengelola.jaktim").exists()


def test_wrong_password_says_so_in_indonesian_and_is_audited(world: World) -> None:
    response = Client().post("/akun/masuk/", {"username": "pengelola.jaktim", "password": "salah"})
    assert response.status_code == 200
    assert "Nama pengguna atau kata sandi salah" in response.content.decode()
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.after == {"username": "pengelola.jaktim"}


def test_repeated_failures_lock_the_account_on_this_device(world: World, settings: Any) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/akun/masuk/", {"username": "pengelola.jaktim", "password": "salah"})
    locked = client.post("/akun/masuk/", {"username": "pengelola.jaktim", "password": PASSWORD})
    assert locked.status_code == 429
    assert "Terlalu banyak" in locked.content.decode()


def test_logout_is_a_post_and_ends_the_session(world: World) -> None:
    client = world.client("permitted")
    assert client.get("/").context["user"].is_authenticated
    client.post("/akun/keluar/")
    assert not client.get("/").context["user"].is_authenticated


def test_idle_timeout_is_thirty_minutes(settings: Any) -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST


def test_absolute_session_limit_logs_out_after_twelve_hours(world: World) -> None:
    client = world.client("permitted")
    session = client.session
    session[SESSION_LOGIN_AT] = int(timezone.now().timestamp()) - 12 * 3600 - 1
    session.save()
    response = client.get("/organisasi/")
    assert response.status_code == 302 and "/akun/masuk/" in response["Location"]


def test_password_reset_by_email_end_to_end(world: World, mailoutbox: list) -> None:
    client = Client()
    client.post("/akun/kata-sandi/lupa/", {"email": "pengelola.jaktim@example.test"})
    assert len(mailoutbox) == 1
    link = re.search(r"http://testserver(/akun/kata-sandi/atur/\S+/)", mailoutbox[0].body)
    assert link is not None
    form_page = client.get(link.group(1), follow=True)
    new = "kata-sandi-baru-2026"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}, follow=True
    )
    assert "Kata sandi sudah diatur" in done.content.decode()
    login = Client().post("/akun/masuk/", {"username": "pengelola.jaktim", "password": new})
    assert login.status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET).count() == 1


def test_password_change(world: World) -> None:
    client = world.client("permitted")
    new = "kata-sandi-lain-2026"
    response = client.post(
        "/akun/kata-sandi/ubah/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_CHANGED).count() == 1
    bad = client.post(
        "/akun/kata-sandi/ubah/", {"old_password": "x", "new_password1": "a", "new_password2": "b"}
    )
    assert bad.status_code == 200 and "has-error" in bad.content.decode()


def test_public_home_is_indonesian_with_register_and_login() -> None:
    response = Client().get("/")
    body = response.content.decode()
    assert '<html lang="id">' in body
    assert "Daftar" in body and "Masuk" in body
    assert "Perizinan" in body and "P4 P4" not in body


def test_english_can_be_chosen() -> None:
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get("/").content.decode()
    assert '<html lang="en">' in body and "Register" in body


def test_staff_without_membership_is_told_what_to_do(db: Any) -> None:
    from kolabora.core.testing import make_user

    client = Client()
    client.force_login(make_user("tanpa.organisasi"))
    body = client.get("/").content.decode()
    assert "Minta pengelola program" in body


def test_browser_language_does_not_override_indonesian() -> None:
    body = Client().get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="id">' in body and "Daftar" in body
