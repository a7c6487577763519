"""Governance: assessment instruments as data (frameworks, dimensions, Likert items), assessment rounds
answered by the members of the participating organisations, and participants' feedback on the services
they received.

Instrument texts (``Framework.name``, ``Dimension.name``/``description``, ``Item.text``) hold the English
source of a gettext message; pages show ``gettext(text)``, i.e. Indonesian by default. A text an
administrator types in the admin has no catalogue entry and is shown as typed, so new items can be
written directly in Indonesian.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kolabora.core.models import BaseModel

from .choices import FeedbackStatus, RoundStatus


class Framework(models.Model):
    """An assessment framework (DeSeve's eight dimensions, Ansell & Gash's model).

    Invariants: ``code`` is unique and stable (indicators and reports refer to it).
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    source = models.CharField(_("source"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("assessment framework")
        verbose_name_plural = _("assessment frameworks")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return gettext(self.name)

    @property
    def description_label(self) -> str:
        return gettext(self.description) if self.description else ""


class Dimension(models.Model):
    """A dimension of a framework, or a part of one (``parent``): DeSeve's governance has four parts,
    Ansell & Gash's collaborative process five indicators.

    Invariants: ``code`` is unique within its framework; a part's parent belongs to the same framework
    and is itself a top-level dimension (two levels at most).
    """

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="dimensions")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="parts",
        verbose_name=_("part of"),
    )
    code = models.SlugField(_("code"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("dimension")
        verbose_name_plural = _("dimensions")
        ordering = ["framework", "order"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="dimension_unique_code")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return gettext(self.name)

    @property
    def description_label(self) -> str:
        return gettext(self.description) if self.description else ""

    @property
    def top_id(self) -> int:
        return self.parent_id or self.pk


class Item(models.Model):
    """One statement answered on the five-point agreement scale (``choices.Likert``)."""

    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="items")
    code = models.SlugField(_("code"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"))
    text = models.TextField(_("statement"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("assessment item")
        verbose_name_plural = _("assessment items")
        ordering = ["dimension__order", "order"]
        constraints = [models.UniqueConstraint(fields=["dimension", "code"], name="item_unique_code")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return gettext(self.text)


class AssessmentRound(BaseModel):
    """One run of a framework's questionnaire, sent to the members of the participating organisations.

    Invariants: ``status`` moves draft → open → closed only through the services; opening invites every
    active member of the participating organisations once (``Invitation``) and fixes ``invited_count``;
    ``responses_count`` is incremented with each response, so the response rate is read, never counted.
    ``period_start``/``period_end`` is the period the members assess; ``closes_on`` the last day to answer.
    """

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="rounds")
    title = models.CharField(_("title"), max_length=200)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField(_("period assessed from"))
    period_end = models.DateField(_("period assessed until"))
    closes_on = models.DateField(_("answers accepted until"))
    status = models.CharField(
        _("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.DRAFT, db_index=True
    )
    organisations = models.ManyToManyField(
        "organisations.Organisation", verbose_name=_("participating organisations"), related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    invited_count = models.PositiveIntegerField(_("members invited"), default=0)
    responses_count = models.PositiveIntegerField(_("responses"), default=0)

    class Meta:
        verbose_name = _("assessment round")
        verbose_name_plural = _("assessment rounds")
        ordering = ["-period_end", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="round_period_ordered"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def response_rate(self) -> int | None:
        """Responses as a whole percentage of the members invited (None before opening)."""
        return round(100 * self.responses_count / self.invited_count) if self.invited_count else None


class Invitation(models.Model):
    """A member invited to answer a round, for the organisation they were invited through.

    Invariants: one per round and user (a person in two participating organisations answers once);
    ``responded_at`` is set together with the response.
    """

    round = models.ForeignKey(AssessmentRound, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(_("invited at"))
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [models.UniqueConstraint(fields=["round", "user"], name="invitation_one_per_member")]
        indexes = [models.Index(fields=["user", "round"], name="invitation_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.round_id}"


class Response(models.Model):
    """One member's answers to a round. Invariants: one per round and respondent (database constraint);
    every active item of the framework has exactly one answer."""

    round = models.ForeignKey(AssessmentRound, on_delete=models.CASCADE, related_name="responses")
    respondent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"))
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("assessment response")
        verbose_name_plural = _("assessment responses")
        constraints = [
            models.UniqueConstraint(fields=["round", "respondent"], name="response_one_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.respondent_id} @ {self.round_id}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("score"))

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="answer_one_per_item"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="answer_likert_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.score}"


class Feedback(BaseModel):
    """A participant's rating (1–5) and comment on one service they received, sent to the organisation
    responsible for it, which must answer within a service level.

    The service is named generically by ``kind`` (a key of ``feedback_kinds.KINDS``) and
    ``subject_type``/``subject_id`` (e.g. ``training.enrolment``/12), so new kinds of service plug in
    without a migration. Invariants: one feedback per participant and service (database constraint);
    created only for a service the participant actually received (checked by the kind); it opens one
    hand-off to ``organisation``; ``status`` becomes answered exactly when ``answer`` is given, which
    closes the hand-off. ``themes`` holds theme codes from ``themes.THEMES``, tagged when given.
    """

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.CASCADE, related_name="feedback"
    )
    kind = models.CharField(_("kind of service"), max_length=20)
    subject_type = models.CharField(_("subject type"), max_length=60)
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("responsible organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    service_title = models.CharField(_("service"), max_length=200)
    service_date = models.DateField(_("service date"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True)
    themes = models.JSONField(_("themes"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=FeedbackStatus.choices, default=FeedbackStatus.OPEN
    )
    handoff = models.OneToOneField(
        "handoffs.Handoff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "subject_type", "subject_id"], name="feedback_one_per_service"
            ),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_5"),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "-created_at"], name="feedback_org_idx"),
            models.Index(fields=["-created_at"], name="feedback_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.service_title} ({self.rating}/5)"
