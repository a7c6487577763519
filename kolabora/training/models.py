"""Training (P2): courses offered by partners and government offices, their sessions, who enrolled and
attended, and the follow-up that asks whether what was learned is being applied."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kolabora.core.models import BaseModel

from .choices import (
    OPEN,
    AttendanceMethod,
    CourseKind,
    CourseStatus,
    EnrolmentStatus,
    Level,
    SessionMode,
    Topic,
    Track,
)

FOLLOW_UP_WEEKS_DEFAULT = 4


class Course(BaseModel):
    """A course a provider organisation offers, at one P2 level (T1–T3).

    Invariants: ``level`` is 1–3 and ``follow_up_weeks`` 1–52 (database constraints). Only the services
    change ``status``: a course is created as a draft and published once; participants see and enrol in
    published courses only. A non-government provider may create and publish only while it has an
    agreement in force covering P2. The ``follow_ups_*`` counters are kept current by
    ``follow_up_answer`` (one increment per answer), so the application rate is read, never recomputed.
    """

    provider = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="training_courses",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=CourseKind.choices)
    track = models.CharField(_("track"), max_length=14, choices=Track.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, default=Level.T1)
    topic = models.CharField(_("topic"), max_length=24, choices=Topic.choices, db_index=True)
    follow_up_weeks = models.PositiveSmallIntegerField(
        _("follow-up after (weeks)"),
        default=FOLLOW_UP_WEEKS_DEFAULT,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
        help_text=_("How many weeks after the session participants are asked whether they apply it."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CourseStatus.choices, default=CourseStatus.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    follow_ups_answered = models.PositiveIntegerField(_("follow-ups answered"), default=0, editable=False)
    follow_ups_applied = models.PositiveIntegerField(
        _("applied what they learned"), default=0, editable=False
    )
    follow_ups_bookkeeping = models.PositiveIntegerField(_("keep books"), default=0, editable=False)
    follow_ups_selling_online = models.PositiveIntegerField(_("sell online"), default=0, editable=False)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["level", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=3), name="course_level_t1_t3"),
            models.CheckConstraint(
                condition=Q(follow_up_weeks__gte=1, follow_up_weeks__lte=52), name="course_follow_up_weeks"
            ),
        ]
        indexes = [models.Index(fields=["provider", "status"], name="course_provider_idx")]

    def __str__(self) -> str:
        return f"{self.level_code} {self.title}"

    @property
    def level_code(self) -> str:
        return f"T{self.level}"

    @property
    def is_published(self) -> bool:
        return self.status == CourseStatus.PUBLISHED

    def rate(self, count: int) -> int | None:
        """``count`` as a whole percentage of the answered follow-ups (None before any answer)."""
        return round(100 * count / self.follow_ups_answered) if self.follow_ups_answered else None

    @property
    def application_rate(self) -> int | None:
        return self.rate(self.follow_ups_applied)


class TrainingSession(BaseModel):
    """One run of a course: a date and time, a place or an online link, a number of seats, a trainer.

    Invariants: ``ends_at`` is after ``starts_at``; ``capacity`` is at least 1; an in-person session has a
    place and an online one a link (database constraints). ``region`` is a kecamatan. At most
    ``capacity`` enrolments hold a seat (enrolled, attended, absent); the rest wait in order of arrival
    (``Enrolment.id``) and move up when a seat frees. Every write that changes seats locks this row first.
    ``attendance_code`` is the code participants type on the session's day (Asia/Jakarta).
    """

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="sessions"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    mode = models.CharField(
        _("mode"), max_length=10, choices=SessionMode.choices, default=SessionMode.IN_PERSON
    )
    place = models.CharField(
        _("place"), max_length=200, blank=True, help_text=_("e.g. Kantor Kecamatan Cipayung, Ruang Serbaguna")
    )
    online_link = models.URLField(_("online link"), blank=True)
    capacity = models.PositiveSmallIntegerField(_("seats"), validators=[MinValueValidator(1)])
    trainer_name = models.CharField(_("trainer"), max_length=150)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("kecamatan"), on_delete=models.PROTECT, related_name="+"
    )
    attendance_code = models.CharField(_("attendance code"), max_length=6)
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_capacity_positive"),
            models.CheckConstraint(
                condition=(Q(mode=SessionMode.IN_PERSON.value) & ~Q(place=""))
                | (Q(mode=SessionMode.ONLINE.value) & ~Q(online_link="")),
                name="session_place_or_link",
            ),
        ]
        indexes = [
            models.Index(fields=["course", "starts_at"], name="session_course_idx"),
            models.Index(fields=["region", "starts_at"], name="session_region_idx"),
            models.Index(fields=["starts_at"], name="session_starts_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.course.title} — {timezone.localtime(self.starts_at):%d-%m-%Y %H:%M}"

    @property
    def day(self) -> dt.date:
        return timezone.localdate(self.starts_at)

    def has_started(self, now: dt.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.starts_at

    @property
    def where(self) -> str:
        return self.place if self.mode == SessionMode.IN_PERSON else str(SessionMode.ONLINE.label)


class Enrolment(BaseModel):
    """A participant's place in a session: enrolled (a seat), waitlisted, cancelled, attended or absent.

    Invariants: at most one enrolment that is not cancelled per participant and session (a partial
    unique constraint); cancelling keeps the row. Status changes only through the services, which lock
    the session row first. ``attendance_method`` says how attendance was taken (the trainer's list or the
    participant's code) and is blank until then.
    """

    session = models.ForeignKey(
        TrainingSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="enrolments"
    )
    participant = models.ForeignKey(
        "participants.Participant",
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="training_enrolments",
    )
    status = models.CharField(_("status"), max_length=12, choices=EnrolmentStatus.choices)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    promoted_at = models.DateTimeField(_("moved up from the waiting list at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    attendance_method = models.CharField(
        _("attendance taken by"), max_length=6, choices=AttendanceMethod.choices, blank=True
    )
    attendance_recorded_at = models.DateTimeField(_("attendance recorded at"), null=True, blank=True)
    attendance_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "participant"],
                condition=Q(status__in=sorted(s.value for s in OPEN)),
                name="enrolment_one_open_per_session",
            )
        ]
        indexes = [
            models.Index(fields=["session", "status", "id"], name="enrolment_session_idx"),
            models.Index(fields=["participant", "status"], name="enrolment_participant_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} @ {self.session_id}: {self.status}"


class FollowUp(BaseModel):
    """The three questions asked ``course.follow_up_weeks`` after a participant attended (seed 003:
    training is often not applied afterwards).

    Invariants: one per attended enrolment, created when attendance is recorded; answerable from
    ``due_on`` by the participant or their mentor, once. Answering increments the course's counters in
    the same transaction.
    """

    enrolment = models.OneToOneField(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="follow_up"
    )
    due_on = models.DateField(_("due on"))
    applied = models.BooleanField(_("applying what was learned"), null=True)
    bookkeeping = models.BooleanField(_("keeping books"), null=True)
    selling_online = models.BooleanField(_("selling online"), null=True)
    note = models.TextField(_("note"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("training follow-up")
        verbose_name_plural = _("training follow-ups")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["due_on"], name="follow_up_open_idx", condition=Q(answered_at__isnull=True))
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}: {self.due_on}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None
