"""Writes for organisations, memberships and agreements. Each change writes one audit row."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from kolabora.accounts.models import User
from kolabora.core import access
from kolabora.core.audit import audit_record, changed, snapshot
from kolabora.core.choices import AuditAction, ProgrammeStage
from kolabora.core.timeutils import today
from kolabora.regions.models import Region

from .choices import AGREEMENT_EDITABLE, AgreementStatus, DataCategory, Role
from .models import Agreement, Membership, Organisation

ORGANISATION_FIELDS = ["name", "type", "region", "parent", "email", "phone", "address", "is_active"]
AGREEMENT_FIELDS = [
    "number",
    "title",
    "lead",
    "partner",
    "stages",
    "data_categories",
    "region",
    "starts_on",
    "ends_on",
    "signed_document",
]


def organisation_create(*, actor: User, **fields: Any) -> Organisation:
    """Create an organisation inside a region the actor manages."""
    region: Region = fields["region"]
    if not access.can_in_region(actor, access.Action.ORGANISATION_CREATE, region.code):
        raise ValidationError({"region": _("You may only add organisations inside your own region.")})
    with transaction.atomic():
        org = Organisation(**fields)
        org.full_clean()
        org.save()
        audit_record(
            actor=actor,
            action=AuditAction.ORGANISATION_CREATED,
            obj=org,
            organisation=access.acting_organisation(actor, access.Action.ORGANISATION_CREATE, region.code),
            after=snapshot(org, ORGANISATION_FIELDS),
        )
    return org


def organisation_update(*, organisation: Organisation, actor: User, **fields: Any) -> Organisation:
    """Change an organisation's details; the audit row holds only the fields that changed."""
    if "region" in fields and not access.can_in_region(
        actor, access.Action.ORGANISATION_MANAGE, fields["region"].code
    ):
        raise ValidationError({"region": _("You may only place organisations inside your own region.")})
    if fields.get("parent") is not None and fields["parent"].pk == organisation.pk:
        raise ValidationError({"parent": _("An organisation cannot be its own parent.")})
    with transaction.atomic():
        org = Organisation.objects.select_for_update().get(pk=organisation.pk)
        before = snapshot(org, ORGANISATION_FIELDS)
        for name, value in fields.items():
            setattr(org, name, value)
        org.full_clean()
        after = snapshot(org, ORGANISATION_FIELDS)
        old, new = changed(before, after)
        if new:
            org.save()
            audit_record(
                actor=actor,
                action=AuditAction.ORGANISATION_UPDATED,
                obj=org,
                organisation=access.acting_organisation(
                    actor, access.Action.ORGANISATION_MANAGE, org.region_id
                ),
                before=old,
                after=new,
            )
    return org


def membership_add(*, organisation: Organisation, user: User, role: str, actor: User) -> Membership:
    """Give ``user`` a role in ``organisation``; re-activates an ended membership with the same role."""
    if role == Role.SYSTEM_ADMIN and not access.is_system_admin(actor):
        raise ValidationError({"role": _("Only a system administrator can appoint another.")})
    with transaction.atomic():
        membership, created = Membership.objects.select_for_update().get_or_create(
            user=user, organisation=organisation, role=role
        )
        if not created and membership.is_active:
            raise ValidationError({"role": _("This person already has this role in this organisation.")})
        if not created:
            membership.is_active = True
            membership.save(update_fields=["is_active", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.MEMBERSHIP_ADDED,
            obj=membership,
            organisation=organisation,
            after={"user": user.pk, "organisation": organisation.pk, "role": role},
        )
    access.forget(user)
    return membership


def membership_end(*, membership: Membership, actor: User) -> Membership:
    with transaction.atomic():
        m = Membership.objects.select_for_update().get(pk=membership.pk)
        if not m.is_active:
            raise ValidationError(_("This membership has already ended."))
        m.is_active = False
        m.save(update_fields=["is_active", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.MEMBERSHIP_ENDED,
            obj=m,
            organisation=m.organisation,
            before={"is_active": True},
            after={"is_active": False},
        )
    return m


def _check_agreement(agreement: Agreement) -> None:
    errors: dict[str, str] = {}
    stage_codes = set(ProgrammeStage.values)
    if not agreement.stages:
        errors["stages"] = _("Choose at least one stage the agreement covers.")
    elif not set(agreement.stages) <= stage_codes:
        errors["stages"] = _("Unknown stage code.")
    if not set(agreement.data_categories) <= set(DataCategory.values):
        errors["data_categories"] = _("Unknown data category.")
    if agreement.lead_id and agreement.lead_id == agreement.partner_id:
        errors["partner"] = _("The partner must be a different organisation from the lead agency.")
    if agreement.starts_on and agreement.ends_on and agreement.ends_on < agreement.starts_on:
        errors["ends_on"] = _("The end date cannot be before the start date.")
    if errors:
        raise ValidationError(errors)


def agreement_create(*, actor: User, signed_document: File | None = None, **fields: Any) -> Agreement:
    """Record a new agreement as a draft. It grants nothing until activated."""
    region: Region = fields["region"]
    if not access.can_in_region(actor, access.Action.AGREEMENT_CREATE, region.code):
        raise ValidationError({"region": _("You may only record agreements inside your own region.")})
    with transaction.atomic():
        agreement = Agreement(status=AgreementStatus.DRAFT, **fields)
        if signed_document is not None:
            agreement.signed_document = signed_document
        _check_agreement(agreement)
        agreement.full_clean()
        agreement.save()
        audit_record(
            actor=actor,
            action=AuditAction.AGREEMENT_CREATED,
            obj=agreement,
            organisation=access.acting_organisation(actor, access.Action.AGREEMENT_CREATE, region.code),
            after=snapshot(agreement, [*AGREEMENT_FIELDS, "status"]),
        )
    return agreement


def agreement_update(
    *, agreement: Agreement, actor: User, signed_document: File | None = None, **fields: Any
) -> Agreement:
    """Amend a draft or active agreement. Expired and terminated agreements are history and stay as is."""
    with transaction.atomic():
        a = Agreement.objects.select_for_update().get(pk=agreement.pk)
        if a.status not in AGREEMENT_EDITABLE:
            raise ValidationError(_("An expired or terminated agreement can no longer be changed."))
        if "region" in fields and not access.can_in_region(
            actor, access.Action.AGREEMENT_MANAGE, fields["region"].code
        ):
            raise ValidationError({"region": _("You may only place agreements inside your own region.")})
        before = snapshot(a, AGREEMENT_FIELDS)
        for name, value in fields.items():
            setattr(a, name, value)
        if signed_document is not None:
            a.signed_document = signed_document
        _check_agreement(a)
        a.full_clean()
        old, new = changed(before, snapshot(a, AGREEMENT_FIELDS))
        if new or signed_document is not None:
            a.save()
            audit_record(
                actor=actor,
                action=AuditAction.AGREEMENT_UPDATED,
                obj=a,
                organisation=access.acting_organisation(actor, access.Action.AGREEMENT_MANAGE, a.region_id),
                before=old,
                after=snapshot(a, list(new)) if new else {"signed_document": a.signed_document.name},
            )
    return a


def _set_status(
    agreement: Agreement, *, to: AgreementStatus, actor: User | None, action: AuditAction, reason: str = ""
) -> Agreement:
    old = agreement.status
    agreement.status = to
    agreement.status_reason = reason
    agreement.save(update_fields=["status", "status_reason", "updated_at"])
    audit_record(
        actor=actor,
        action=action,
        obj=agreement,
        organisation=(
            access.acting_organisation(actor, access.Action.AGREEMENT_MANAGE, agreement.region_id)
            if actor is not None
            else None
        ),
        before={"status": old},
        after={"status": to},
        reason=reason,
    )
    return agreement


def agreement_activate(*, agreement: Agreement, actor: User) -> Agreement:
    """Put a signed draft into force. Refused without a signed document or after its end date."""
    with transaction.atomic():
        a = Agreement.objects.select_for_update().get(pk=agreement.pk)
        if a.status != AgreementStatus.DRAFT:
            raise ValidationError(_("Only a draft agreement can be activated."))
        if not a.signed_document:
            raise ValidationError(_("Upload the signed agreement before activating it."))
        if a.ends_on < today():
            raise ValidationError(_("This agreement's end date has passed; it cannot be activated."))
        return _set_status(a, to=AgreementStatus.ACTIVE, actor=actor, action=AuditAction.AGREEMENT_ACTIVATED)


def agreement_terminate(*, agreement: Agreement, actor: User, reason: str) -> Agreement:
    """End an agreement early (or cancel a draft). A reason is required."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for terminating the agreement.")})
    with transaction.atomic():
        a = Agreement.objects.select_for_update().get(pk=agreement.pk)
        if a.status not in AGREEMENT_EDITABLE:
            raise ValidationError(_("This agreement has already ended."))
        return _set_status(
            a,
            to=AgreementStatus.TERMINATED,
            actor=actor,
            action=AuditAction.AGREEMENT_TERMINATED,
            reason=reason,
        )


def agreements_expire(*, on: dt.date | None = None) -> int:
    """Mark active agreements whose end date has passed as expired. Idempotent; run daily.

    The grant already stopped on the day after the end date (``Agreement.in_force``); this records it.
    """
    day = on or today()
    count = 0
    ids = list(
        Agreement.objects.filter(status=AgreementStatus.ACTIVE, ends_on__lt=day).values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            a = Agreement.objects.select_for_update().get(pk=pk)
            if a.status == AgreementStatus.ACTIVE and a.ends_on < day:
                _set_status(
                    a,
                    to=AgreementStatus.EXPIRED,
                    actor=None,
                    action=AuditAction.AGREEMENT_EXPIRED,
                    reason=_("End date passed."),
                )
                count += 1
    return count
