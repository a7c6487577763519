"""Reads for notifications: always the asking user's own, newest first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from .models import Notification

if TYPE_CHECKING:
    from kolabora.core.access import AnyUser


def notification_list(*, user: AnyUser) -> QuerySet[Notification]:
    """The user's notifications, newest first (nobody sees another person's)."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk).order_by("-created_at", "-pk")


def notifications_unread(*, user: AnyUser) -> QuerySet[Notification]:
    """The user's notifications not read yet, newest first."""
    return notification_list(user=user).filter(read_at__isnull=True)


def notifications_unread_count(*, user: AnyUser) -> int:
    return notifications_unread(user=user).count()
