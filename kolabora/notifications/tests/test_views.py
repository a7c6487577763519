"""The notifications page as its users see it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kolabora.core.testing import make_user
from kolabora.notifications.models import Notification
from kolabora.notifications.services import notify

pytestmark = pytest.mark.django_db

URL = "/notifikasi/"
# Session and user; the page count, the unread count and the page's rows; the access gate's memberships
# (navigation); the session's save on every request (an update inside a savepoint).
# Session, user, memberships, the menu's participant check, the page and its count, and the rest of the request.
QUERIES = 10


def logged_in(username: str) -> tuple[Client, Any]:
    user = make_user(username)
    client = Client()
    client.force_login(user)
    return client, user


def test_the_page_lists_ones_own_notifications_newest_first() -> None:
    client, ani = logged_in("ani")
    _other, budi = logged_in("budi")
    notify(users=[ani], subject="Lama sekali", body="Isi pertama", link="/izin/")
    notify(users=[ani], subject="Paling baru", body="Isi kedua")
    notify(users=[budi], subject="Rahasia Budi", body="Bukan untuk Ani")
    assert reverse("notifications:list") == URL
    body = client.get(URL).content.decode()
    assert body.index("Paling baru") < body.index("Lama sekali")
    assert '<a href="/izin/">Lama sekali</a>' in body
    assert "Rahasia Budi" not in body


def test_mark_all_read_then_back_to_the_list() -> None:
    client, ani = logged_in("ani")
    _other, budi = logged_in("budi")
    notify(users=[ani, budi], subject="Untuk semua", body="")
    response = client.post(URL)
    assert response.status_code == 302 and response["Location"] == URL
    assert not Notification.objects.filter(recipient=ani, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=budi, read_at__isnull=True).count() == 1
    page = client.get(URL).content.decode()
    assert 'hx-post="/notifikasi/"' not in page  # nothing left to mark


def test_mark_all_read_with_htmx_returns_the_fragment() -> None:
    client, ani = logged_in("ani")
    notify(users=[ani], subject="Baru masuk", body="")
    response = client.post(URL, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="results">') and "Baru masuk" in body and "<html" not in body
    assert Notification.objects.get(recipient=ani).read_at is not None


def test_anonymous_visitors_are_sent_to_log_in() -> None:
    response = Client().post(URL)
    assert response.status_code == 302 and "/akun/masuk/" in response["Location"]


def test_the_list_reads_a_fixed_number_of_queries(django_assert_num_queries: Any) -> None:
    client, ani = logged_in("ani")
    client.get(URL)  # warm the session
    for n in range(30):
        notify(users=[ani], subject=f"Pemberitahuan {n}", body="Isi")
    with django_assert_num_queries(QUERIES):
        assert client.get(URL).status_code == 200
    with django_assert_num_queries(QUERIES):
        assert client.get(URL + "?page=2").status_code == 200
