"""Background work for notifications."""

from __future__ import annotations

from django_tasks import task

from .models import Notification
from .services import notification_email_send


@task()
def send_notification_email(notification_id: int) -> bool:
    """Email one stored notification (enqueued after the commit that stored it)."""
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None:  # the recipient's account was deleted meanwhile
        return False
    return notification_email_send(notification=notification)
