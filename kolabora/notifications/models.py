"""Notifications: short messages to one person, shown in Kolabora and sent by email."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kolabora.core.models import BaseModel


class Notification(BaseModel):
    """One message to one user.

    Invariants: written only by ``notifications.services.notify`` (one row per active recipient);
    ``link`` is a relative URL inside Kolabora (it starts with one "/"); ``read_at`` and ``emailed_at``
    are set once and never cleared; ``kind`` is the sending domain's code (e.g. ``handoff_overdue``) so
    messages of one kind can be found again.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    kind = models.SlugField(_("kind"), max_length=40, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx")]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.subject}"
