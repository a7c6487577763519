"""The participant's declaration about current productive loans (KUR lends only to those without one)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kolabora.accounts.models import User
from kolabora.core import access
from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.participants.models import Participant

from ..models import LoanDeclaration


def loan_declaration_record(
    *,
    participant: Participant,
    has_productive_loan: bool,
    lender: str = "",
    actor: User,
    at: dt.datetime | None = None,
) -> LoanDeclaration:
    """Record whether the participant has a current productive loan, as they state it (themselves, or to
    the staff who refer them). The newest declaration counts; earlier ones stay."""
    if not access.can_refer(actor, participant):
        raise PermissionDenied
    lender = lender.strip()
    if has_productive_loan and not lender:
        raise ValidationError({"lender": _("Name the bank or lender of the current loan.")})
    with transaction.atomic():
        declaration = LoanDeclaration.objects.create(
            participant=participant,
            has_productive_loan=has_productive_loan,
            lender=lender if has_productive_loan else "",
            declared_at=at or timezone.now(),
            declared_by=actor,
        )
        audit_record(
            actor=actor,
            action=AuditAction.LOAN_DECLARED,
            obj=participant,
            after={"has_productive_loan": has_productive_loan, "lender": declaration.lender},
        )
    return declaration
