"""Template filters for figures: counts with the language's thousands separator, shares, days."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kolabora.analytics import wording

register = template.Library()


@register.filter
def count(value: Any) -> str:
    """``7294`` → ``7.294`` (Indonesian) / ``7,294``; None (a hidden small count) → ``< 5``."""
    if value is None or value == "":
        return "<\u00a05"  # a hidden small count; the space does not break
    return wording.count(int(value))


@register.filter
def pct(value: Any, digits: int = 1) -> str:
    """A share (0–1) as a percentage, ``0.0439`` → ``4,4%``; None → ``—``."""
    if value is None or value == "":
        return "—"
    return wording.share(float(value), int(digits))


@register.filter
def days(figures: Any) -> str:
    """A stage's median time to complete, in days (``< 1 day``, ``≥ 365 days`` for the open range)."""
    median = getattr(figures, "median_days", None)
    if median is None:
        return "—"
    if getattr(figures, "median_open", False):
        return _("≥ %(n)s days") % {"n": int(median)}
    if median < 1:
        return _("< 1 day")
    n = round(median)
    return ngettext("%(n)s day", "%(n)s days", n) % {"n": number_format(n, 0)}
