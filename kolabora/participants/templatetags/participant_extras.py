"""Template filters for participant pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def rupiah(value: Any) -> str:
    """``1500000`` → ``Rp 1.500.000`` (whole Rupiah, dots between thousands); empty stays empty."""
    if value is None or value == "":
        return ""
    try:
        amount = int(value)
    except (TypeError, ValueError):
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {abs(amount):,}".replace(",", ".")
