"""Notifications as people get them: stored once each, emailed after the commit, marked read."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from kolabora.accounts.models import User
from kolabora.core.testing import make_user
from kolabora.notifications import selectors
from kolabora.notifications.models import Notification
from kolabora.notifications.services import notification_email_send, notifications_mark_read, notify

pytestmark = pytest.mark.django_db


def send(users: list[User], subject: str = "Langkah terlambat", **extra: Any) -> list[Notification]:
    return notify(users=users, subject=subject, body=extra.pop("body", "Segera ditangani."), **extra)


def test_one_row_per_active_recipient_and_one_email_each_after_commit(
    mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    ani, budi = make_user("ani"), make_user("budi")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rows = send([ani, budi, ani], link="/izin/kotak-masuk/", kind="handoff_overdue")
        assert mailoutbox == []  # nothing leaves before the commit
    assert len(callbacks) == 2
    assert sorted(r.recipient.username for r in rows) == ["ani", "budi"]
    assert Notification.objects.filter(kind="handoff_overdue", link="/izin/kotak-masuk/").count() == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["ani@example.test", "budi@example.test"]
    message = mailoutbox[0]
    assert message.subject == "[Kolabora] Langkah terlambat"
    assert "Segera ditangani." in message.body and "/izin/kotak-masuk/" in message.body
    assert all(n.emailed_at is not None for n in Notification.objects.all())


def test_a_rolled_back_change_sends_nothing(
    mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import transaction

    ani = make_user("ani")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        send([ani])
        raise RuntimeError("the change failed")
    assert not Notification.objects.exists()
    assert mailoutbox == []


def test_inactive_users_are_skipped(mailoutbox: list[Any], django_capture_on_commit_callbacks: Any) -> None:
    ani = make_user("ani")
    gone = make_user("gone", is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        rows = send([ani, gone])
    assert [r.recipient_id for r in rows] == [ani.pk]
    assert not Notification.objects.filter(recipient=gone).exists()
    assert [m.to for m in mailoutbox] == [["ani@example.test"]]


def test_no_email_address_means_no_email_but_the_notification_is_kept(
    mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    silent = make_user("silent")
    User.objects.filter(pk=silent.pk).update(email="")
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = send([silent])
    row.refresh_from_db()
    assert mailoutbox == [] and row.emailed_at is None
    assert list(selectors.notifications_unread(user=silent)) == [row]


def test_an_email_is_sent_at_most_once(
    mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    ani = make_user("ani")
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = send([ani])
    assert notification_email_send(notification=row) is False  # a retried task sends nothing again
    assert len(mailoutbox) == 1


def test_deactivated_before_the_email_goes_out(
    mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    ani = make_user("ani")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send([ani])
    User.objects.filter(pk=ani.pk).update(is_active=False)
    for callback in callbacks:
        callback()
    assert mailoutbox == []


def test_links_stay_inside_kolabora() -> None:
    ani = make_user("ani")
    for bad in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)", "izin/"):
        with pytest.raises(ValueError, match="relative"):
            send([ani], link=bad)
    assert not Notification.objects.exists()


def test_mark_read_touches_only_the_users_own_unread_rows() -> None:
    ani, budi = make_user("ani"), make_user("budi")
    first, second = send([ani], subject="Satu"), send([ani], subject="Dua")
    (theirs,) = send([budi])
    assert notifications_mark_read(user=ani, ids=[first[0].pk, theirs.pk]) == 1
    assert [n.subject for n in selectors.notifications_unread(user=ani)] == ["Dua"]
    assert selectors.notifications_unread_count(user=budi) == 1
    assert notifications_mark_read(user=ani) == 1
    assert notifications_mark_read(user=ani) == 0
    assert selectors.notifications_unread_count(user=ani) == 0
    assert Notification.objects.get(pk=second[0].pk).read_at is not None
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_lists_are_newest_first_and_only_ones_own() -> None:
    from django.contrib.auth.models import AnonymousUser

    ani, budi = make_user("ani"), make_user("budi")
    for subject in ("Pertama", "Kedua", "Ketiga"):
        send([ani], subject=subject)
    send([budi], subject="Milik Budi")
    assert [n.subject for n in selectors.notification_list(user=ani)] == ["Ketiga", "Kedua", "Pertama"]
    assert list(selectors.notification_list(user=AnonymousUser())) == []
    assert mail.outbox == []  # still inside the test's transaction: nothing sent
