"""Helpers shared by the marketing pages: who the logged-in participant is, fetching a product with its
access check, and serving a product photo."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.participants.models import Participant

from ..models import Product


def participant_of(user: Any) -> Participant | None:
    """The user's own active participant record (staff accounts have none)."""
    participant: Participant | None = getattr(user, "participant", None)
    if participant is None or participant.status != "active":
        return None
    return participant


def product_for(user: Any, pk: int) -> Product:
    """The product, for whoever may see its participant (404 when absent, 403 when not allowed)."""
    product = (
        Product.objects.select_related("participant__kelurahan", "participant__user", "business", "category")
        .filter(pk=pk)
        .first()
    )
    if product is None:
        raise Http404
    access.require(user, Action.PARTICIPANT_VIEW, product.participant)
    return product
