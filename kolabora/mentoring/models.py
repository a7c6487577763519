"""Mentoring (P3): who mentors whom, the sessions they hold, readiness, the programme's completion
criteria and the mentors' targets."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kolabora.core.models import BaseModel

from .choices import AssignmentMethod, SessionMode, TargetMeasure

PHOTO_MAX_BYTES = 5 * 1024 * 1024


class MentoringCriteria(BaseModel):
    """When a programme's mentoring (P3) is complete, and the default mentor target, as data.

    Invariants: at most one row per programme; a programme without a row uses the defaults of the
    fields (two sessions, a readiness assessment judged ready, with a short business plan).
    """

    programme = models.OneToOneField(
        "pathway.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="mentoring_criteria",
    )
    min_sessions = models.PositiveSmallIntegerField(_("sessions needed"), default=2)
    readiness_required = models.BooleanField(_("a readiness assessment judged ready is needed"), default=True)
    business_plan_required = models.BooleanField(
        _("the assessment needs a short business plan (product, customers, price, next step)"), default=True
    )
    default_target = models.PositiveIntegerField(_("default mentor target per year"), default=60)
    default_target_measure = models.CharField(
        _("what the default target counts"),
        max_length=16,
        choices=TargetMeasure.choices,
        default=TargetMeasure.MENTORED,
    )

    class Meta:
        verbose_name = _("mentoring criteria")
        verbose_name_plural = _("mentoring criteria")

    def __str__(self) -> str:
        return str(self.programme)


class MentorAssignment(BaseModel):
    """A mentor (a user acting for ``organisation`` in the mentor role) assigned to a participant.

    Invariants: at most one current assignment (``ended_at`` empty) per participant, enforced by a
    partial unique index; changing the mentor ends the current row and opens a new one, so the history
    stays. ``organisation`` is a kecamatan secretariat (or other government office) covering the
    participant, or a community organisation that had an agreement in force covering P3 when assigned;
    in that case ``relationship`` is the open mentoring relationship that lets it reach the participant,
    ended together with the assignment. Written only by ``mentoring.services``.
    """

    participant = models.ForeignKey(
        "participants.Participant",
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="mentor_assignments",
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mentor"),
        on_delete=models.PROTECT,
        related_name="mentoring_assignments",
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("acting for"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    method = models.CharField(_("how assigned"), max_length=16, choices=AssignmentMethod.choices)
    started_at = models.DateTimeField(_("since"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    relationship = models.ForeignKey(
        "participants.Relationship", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("mentor assignment")
        verbose_name_plural = _("mentor assignments")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant"],
                condition=Q(ended_at__isnull=True),
                name="mentoring_one_current_mentor",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="mentoring_assignment_dates_ordered",
            ),
        ]
        indexes = [
            models.Index(
                fields=["mentor", "participant"],
                condition=Q(ended_at__isnull=True),
                name="mentoring_current_by_mentor",
            )
        ]

    def __str__(self) -> str:
        return f"{self.mentor} → {self.participant}"

    @property
    def is_current(self) -> bool:
        return self.ended_at is None


def photo_upload_to(instance: MentoringSession, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"mentoring/{instance.participant_id}/{uuid.uuid4().hex}.{ext}"


class MentoringSession(BaseModel):
    """One meeting (or call or chat) of a mentor with a participant.

    Invariants: ``held_on`` is not in the future; ``topics`` holds ``Topic`` codes, at least one;
    ``next_step_due`` is set only with a ``next_step``. The next step of a participant's latest session is
    the one that is open: a later session takes its place. ``photo`` is a JPEG or PNG (checked by
    content) of at most 5 MB and is never served publicly.
    """

    participant = models.ForeignKey(
        "participants.Participant",
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="mentoring_sessions",
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("mentor"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", verbose_name=_("acting for"), on_delete=models.PROTECT, related_name="+"
    )
    assignment = models.ForeignKey(
        MentorAssignment, on_delete=models.PROTECT, related_name="sessions", null=True, blank=True
    )
    held_on = models.DateField(_("date"))
    mode = models.CharField(_("how"), max_length=10, choices=SessionMode.choices)
    topics = models.JSONField(_("topics"), default=list)
    notes = models.TextField(_("notes"), blank=True)
    next_step = models.CharField(_("agreed next step"), max_length=300, blank=True)
    next_step_due = models.DateField(_("next step due"), null=True, blank=True)
    monthly_turnover = models.BigIntegerField(
        _("turnover this month (Rp)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    photo = models.FileField(_("photo"), upload_to=photo_upload_to, blank=True)

    class Meta:
        verbose_name = _("mentoring session")
        verbose_name_plural = _("mentoring sessions")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_step_due__isnull=True) | ~Q(next_step=""),
                name="mentoring_due_needs_next_step",
            )
        ]
        indexes = [
            models.Index(fields=["participant", "-held_on", "-id"], name="mentoring_session_latest"),
            models.Index(fields=["mentor", "held_on"], name="mentoring_session_mentor"),
        ]

    def __str__(self) -> str:
        return f"{self.participant} {self.held_on} {self.mode}"

    def topic_labels(self) -> list[str]:
        from .choices import Topic

        return [str(Topic(t).label) for t in self.topics if t in Topic.values]


class ReadinessAssessment(BaseModel):
    """A mentor's judgement whether the participant's business is ready to move on, with a short
    business plan. The latest assessment of a participant is the one the completion criteria read.

    Invariants: ``price`` is whole Rupiah, positive when given; written only by ``mentoring.services``.
    """

    participant = models.ForeignKey(
        "participants.Participant",
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="readiness_assessments",
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("mentor"), on_delete=models.PROTECT, related_name="+"
    )
    assessed_on = models.DateField(_("assessed on"))
    product = models.CharField(_("product"), max_length=300, blank=True)
    customers = models.CharField(_("customers"), max_length=300, blank=True)
    price = models.BigIntegerField(_("price (Rp)"), null=True, blank=True, validators=[MinValueValidator(1)])
    price_unit = models.CharField(_("per"), max_length=40, blank=True, help_text=_("e.g. per portion"))
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    ready = models.BooleanField(_("ready to move on"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("readiness assessment")
        verbose_name_plural = _("readiness assessments")
        ordering = ["-assessed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.participant} {self.assessed_on}"

    def plan_missing(self) -> list[str]:
        """The business-plan parts not filled in, as field names."""
        return [
            name
            for name in ("product", "customers", "price", "next_step")
            if getattr(self, name) in (None, "")
        ]


class MentorTarget(BaseModel):
    """How many participants a mentor should reach in a period (e.g. 60 a year), and what counts.

    Invariants: one target per mentor and period start; ``period_end`` is not before ``period_start``;
    written only by ``mentoring.services.mentor_target_set``.
    """

    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("mentor"), on_delete=models.CASCADE, related_name="+"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", verbose_name=_("acting for"), on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    target = models.PositiveIntegerField(_("target"))
    measure = models.CharField(
        _("what counts"), max_length=16, choices=TargetMeasure.choices, default=TargetMeasure.MENTORED
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("mentor target")
        verbose_name_plural = _("mentor targets")
        ordering = ["-period_start", "mentor_id"]
        constraints = [
            models.UniqueConstraint(fields=["mentor", "period_start"], name="mentoring_target_unique"),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="mentoring_target_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} {self.period_start}–{self.period_end}: {self.target}"
