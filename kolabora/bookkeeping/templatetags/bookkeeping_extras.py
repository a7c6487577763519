"""Template filters for cash book pages and the bankable report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from kolabora.participants.templatetags.participant_extras import rupiah

from ..months import month_label

register = template.Library()


@register.filter(name="rp")
def rp(value: Any) -> str:
    """Rupiah with dots between thousands (``Rp 1.500.000``); a negative amount as ``−Rp 1.500.000``."""
    text = rupiah(value)
    return "−" + text[1:] if text.startswith("-") else text


@register.filter
def month(value: dt.date | None) -> str:
    """``Maret 2026``."""
    return month_label(value) if value else ""


@register.filter
def num(value: Any) -> str:
    """``1.500.000`` (a table whose heading says Rp); negative as ``−1.500.000``."""
    return rp(value).replace("Rp ", "")
