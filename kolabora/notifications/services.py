"""Writing notifications, emailing them, and marking them read."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Notification

if TYPE_CHECKING:
    from kolabora.accounts.models import User

SUBJECT_MAX = Notification._meta.get_field("subject").max_length or 200


def _check_link(link: str) -> str:
    """Only addresses inside Kolabora: a stored link is shown as ``href`` and must not lead elsewhere."""
    link = link.strip()
    if link and (not link.startswith("/") or link.startswith("//") or "\\" in link):
        raise ValueError(f"A notification link must be a relative URL inside Kolabora, not {link!r}.")
    return link


def notify(
    *, users: Iterable[User], subject: str, body: str, link: str = "", kind: str = ""
) -> list[Notification]:
    """Store one notification per active recipient and email each of them after the commit.

    A user named twice gets one notification; inactive users get none (their account is closed). The
    email goes out through a background task once the caller's transaction commits, so a rolled-back
    change sends nothing.
    """
    from kolabora.accounts.models import User

    from .tasks import send_notification_email

    link = _check_link(link)
    subject = " ".join(subject.split())[:SUBJECT_MAX]
    if not subject:
        raise ValueError("A notification needs a subject.")
    wanted = {u.pk for u in users}
    recipients = User.objects.filter(pk__in=wanted, is_active=True).order_by("pk")
    with transaction.atomic():
        rows = Notification.objects.bulk_create(
            Notification(recipient=user, subject=subject, body=body.strip(), link=link, kind=kind)
            for user in recipients
        )
        for row in rows:
            transaction.on_commit(partial(send_notification_email.enqueue, row.pk))
    return rows


def _absolute(link: str) -> str:
    """The link as an address outside the site when the deployment says where it lives."""
    base = str(getattr(settings, "KOLABORA", {}).get("SITE_URL", "")).rstrip("/")
    return f"{base}{link}" if base else link


def notification_email_send(*, notification: Notification) -> bool:
    """Email one notification to its recipient, at most once; returns whether an email went out.

    Skipped when it was emailed already, or the recipient has since been deactivated or has no email.
    """
    with transaction.atomic():
        row = Notification.objects.select_for_update().select_related("recipient").get(pk=notification.pk)
        user = row.recipient
        if row.emailed_at is not None or not user.is_active or not user.email:
            return False
        with translation.override(settings.LANGUAGE_CODE):
            parts = [row.body] if row.body else []
            if row.link:
                parts.append(_("Open it in Kolabora: %(url)s") % {"url": _absolute(row.link)})
            parts.append(_("You receive this email because you have an account in Kolabora."))
            send_mail(
                subject=f"[Kolabora] {row.subject}",
                message="\n\n".join(parts),
                from_email=None,
                recipient_list=[user.email],
            )
        row.emailed_at = timezone.now()
        row.save(update_fields=["emailed_at", "updated_at"])
    return True


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications (all, or only ``ids``) read; returns how many changed.

    Only the user's own rows are touched, whatever ``ids`` holds.
    """
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    now = timezone.now()
    return rows.update(read_at=now, updated_at=now)
