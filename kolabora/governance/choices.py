"""Governance states and vocabularies."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for answers")
    CLOSED = "closed", _("Closed")


class Likert(models.IntegerChoices):
    """The five-point agreement scale every assessment item is answered on."""

    STRONGLY_DISAGREE = 1, _("Strongly disagree")
    DISAGREE = 2, _("Disagree")
    NEUTRAL = 3, _("Neither agree nor disagree")
    AGREE = 4, _("Agree")
    STRONGLY_AGREE = 5, _("Strongly agree")


class FeedbackStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    ANSWERED = "answered", _("Answered")


class Rating(models.IntegerChoices):
    """A participant's rating of a service they received."""

    VERY_POOR = 1, _("1 — very poor")
    POOR = 2, _("2 — poor")
    FAIR = 3, _("3 — fair")
    GOOD = 4, _("4 — good")
    VERY_GOOD = 5, _("5 — very good")


class NetworkModel(models.TextChoices):
    """Provan & Kenis's forms of network governance (seed 000: Milward and Provan in Sudarmo, 2011)."""

    SELF_GOVERNANCE = "self_governance", _("Self-governance (shared)")
    LEAD_ORGANISATION = "lead_organisation", _("Lead organisation")
    NAO = "nao", _("Network administrative organisation (NAO)")
    UNKNOWN = "unknown", _("Not enough data")
