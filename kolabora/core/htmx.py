"""Typed htmx request helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from kolabora.accounts.models import User


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class AuthedHttpRequest(HtmxHttpRequest):
    """A request behind ``login_required``: ``user`` is a real account."""

    user: User


def is_htmx(request: HttpRequest) -> bool:
    """A partial swap, not a full navigation (boosted links still get whole pages)."""
    details = getattr(request, "htmx", None)
    return bool(details) and not getattr(details, "boosted", False)
