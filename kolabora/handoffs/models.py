"""Hand-offs: a step of a case handed to an organisation, with a due date from its service level.

Generic on purpose: licensing uses it for verification, survey, recommendation and issuance; financing
uses it for a bank's review and decision. The subject is named by ``subject_type``/``subject_id``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kolabora.core.models import BaseModel

from .choices import HandoffStatus


class Handoff(BaseModel):
    """One step held by one organisation (and optionally one person) until it is done.

    Invariants: ``due_on`` is ``received_at``'s local date plus ``service_days`` working days (weekends
    and Indonesian national holidays skipped), fixed when the hand-off opens; at most one open hand-off
    per subject and step; ``done_at`` is set exactly when the status leaves open; ``within_service_level``
    is decided when it is done (done on or before the due date).
    """

    subject_type = models.CharField(_("subject type"), max_length=60)
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.CASCADE, related_name="handoffs", null=True, blank=True
    )
    step = models.CharField(_("step"), max_length=40)
    step_name = models.CharField(_("step name"), max_length=120)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("held by"),
        on_delete=models.PROTECT,
        related_name="handoffs",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received at"))
    service_days = models.PositiveSmallIntegerField(_("service level (working days)"))
    due_on = models.DateField(_("due on"), db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=HandoffStatus.choices, default=HandoffStatus.OPEN
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    within_service_level = models.BooleanField(_("within service level"), null=True, blank=True)
    overdue_noted_at = models.DateTimeField(_("overdue noted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("hand-off")
        verbose_name_plural = _("hand-offs")
        ordering = ["due_on", "received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "step"],
                condition=Q(status="open"),
                name="handoff_one_open_step",
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "due_on"], name="handoff_inbox_idx"),
            models.Index(fields=["subject_type", "subject_id"], name="handoff_subject_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.step_name} → {self.organisation_id} (due {self.due_on})"
