"""The programme as data: its stages and their rules, and each participant's place in them."""

from __future__ import annotations

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from kolabora.core.models import BaseModel

from .choices import StageStatus


class Programme(BaseModel):
    """A run of the programme (e.g. "JakPreneur 2026") over a region, with its rules' parameters.

    Invariants: exactly one programme is the default (``is_default``); it is the one new participants
    join unless told otherwise.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=150)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    is_default = models.BooleanField(_("default programme"), default=False)
    at_risk_days = models.PositiveSmallIntegerField(
        _("days without activity before a participant is at risk"), default=30
    )
    required_training_level = models.PositiveSmallIntegerField(
        _("training level that completes P2"), default=1
    )

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_programme"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProgrammeTarget(models.Model):
    """How many participants should reach the success stage (P4) in a region and year."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="targets")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    target = models.PositiveIntegerField(_("target"))

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [models.UniqueConstraint(fields=["programme", "region", "year"], name="target_unique")]

    def __str__(self) -> str:
        return f"{self.programme} {self.region_id} {self.year}: {self.target}"


class StageDefinition(models.Model):
    """One step of a programme, with its rules as data.

    ``prerequisites``: stage codes that must be completed before this stage can start or complete.
    ``levels``: how many levels the stage has (P2: T1–T3), 0 for none. ``requirements_id``/``_en``: what
    a participant needs to complete it, in words shown on their progress page.
    """

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="stages")
    code = models.CharField(_("code"), max_length=4)
    order = models.PositiveSmallIntegerField(_("order"))
    name_id = models.CharField(_("name (Indonesian)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    levels = models.PositiveSmallIntegerField(_("levels"), default=0)
    prerequisites = models.JSONField(_("prerequisites"), default=list, blank=True)
    requirements_id = models.TextField(_("what is needed (Indonesian)"), blank=True)
    requirements_en = models.TextField(_("what is needed (English)"), blank=True)

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["programme", "order"]
        constraints = [models.UniqueConstraint(fields=["programme", "code"], name="stage_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name_id

    @property
    def requirements(self) -> str:
        return self.requirements_en if translation.get_language() == "en" else self.requirements_id


class ParticipantStage(models.Model):
    """A participant's status in one stage. Written only by ``pathway.services.stage_transition``.

    Invariants: one row per participant and stage, created at registration; ``level`` is the highest
    level reached and never goes down; ``rule_exception`` marks a state that today's rules would refuse
    but that came in as imported history.
    """

    # Neither key has an index of its own: ``participant_stage_unique`` leads with the participant, and a
    # programme has a handful of stages, so an index on the stage alone would be read by nothing. Every
    # participant has a row per stage: each index here is millions of entries written by an import.
    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.CASCADE, related_name="stages", db_index=False
    )
    stage = models.ForeignKey(StageDefinition, on_delete=models.PROTECT, related_name="+", db_index=False)
    code = models.CharField(_("stage"), max_length=4)
    status = models.CharField(
        _("status"), max_length=12, choices=StageStatus.choices, default=StageStatus.NOT_STARTED
    )
    level = models.PositiveSmallIntegerField(_("level"), null=True, blank=True)
    since = models.DateTimeField(_("since"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    rule_exception = models.BooleanField(_("breaks today's rules"), default=False)

    class Meta:
        verbose_name = _("participant stage")
        verbose_name_plural = _("participant stages")
        ordering = ["stage__order"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "stage"], name="participant_stage_unique")
        ]
        indexes = [models.Index(fields=["code", "status", "participant"], name="pstage_code_status_idx")]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.code} {self.status}"
