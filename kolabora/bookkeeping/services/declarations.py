"""The owner's declaration of what the business owns and owes on a date (the statement of financial
position's source)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.core.timeutils import today
from kolabora.participants.models import Business

from ..models import BalanceDeclaration
from .entries import AMOUNT_MAX, _require_keeper, _touch

if TYPE_CHECKING:
    from kolabora.accounts.models import User


def balance_declare(
    *,
    business: Business,
    actor: User,
    as_of: dt.date,
    amounts: dict[str, int],
    note: str = "",
) -> BalanceDeclaration:
    """Record the business's assets and liabilities on ``as_of`` (replacing a declaration of the same
    date). ``amounts`` holds the fields of ``BalanceDeclaration.AMOUNTS``; missing ones count as 0."""
    _require_keeper(actor, business)
    unknown = set(amounts) - set(BalanceDeclaration.AMOUNTS)
    if unknown:
        raise ValueError(f"Unknown amounts: {sorted(unknown)}")
    errors: dict[str, str] = {}
    if as_of > today():
        errors["as_of"] = _("The date cannot be in the future.")
    for name, value in amounts.items():
        if value < 0:
            errors[name] = _("Enter 0 or more.")
        elif value > AMOUNT_MAX:
            errors[name] = _("The amount is too large; check the number of zeros.")
    if errors:
        raise ValidationError(errors)
    values = {name: int(amounts.get(name, 0)) for name in BalanceDeclaration.AMOUNTS}
    with transaction.atomic():
        found = BalanceDeclaration.objects.select_for_update().filter(business=business, as_of=as_of).first()
        before = {name: getattr(found, name) for name in BalanceDeclaration.AMOUNTS} if found else {}
        row = found or BalanceDeclaration(business=business, as_of=as_of)
        for name, value in values.items():
            setattr(row, name, value)
        row.note = note.strip()
        row.declared_by = actor
        row.save()
        audit_record(
            actor=actor,
            action=AuditAction.BALANCE_DECLARED,
            obj=row,
            before=before,
            after={"business": business.pk, "as_of": as_of, **values, "equity": row.equity},
        )
        _touch(business.participant_id, timezone.now())
    return row
