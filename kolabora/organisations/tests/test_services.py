from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from kolabora.core import access
from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.testing import World, pdf_bytes
from kolabora.organisations import services
from kolabora.organisations.choices import AgreementStatus, Role
from kolabora.organisations.models import Agreement, Organisation
from kolabora.regions.models import Region

pytestmark = pytest.mark.django_db


def _events(obj: object, action: AuditAction) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_id=str(obj.pk), action=action))  # type: ignore[attr-defined]


def test_create_organisation_writes_one_audit_row(world: World) -> None:
    actor = world.user("permitted")
    org = services.organisation_create(
        actor=actor,
        name="PTSP Kelurahan Cipayung",
        type="ptsp_unit",
        region=Region.objects.get(code="31.75.10.1001"),
    )
    [event] = _events(org, AuditAction.ORGANISATION_CREATED)
    assert event.actor == actor
    assert event.organisation == world.sudin_jaktim
    assert event.after["name"] == "PTSP Kelurahan Cipayung"


def test_create_outside_own_region_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.organisation_create(
            actor=world.user("out_of_region"),
            name="X",
            type="ptsp_unit",
            region=Region.objects.get(code="31.75.10"),
        )
    assert "region" in exc.value.message_dict
    assert not Organisation.objects.filter(name="X").exists()


def test_update_audits_only_changed_fields(world: World) -> None:
    services.organisation_update(organisation=world.cipayung, actor=world.user("permitted"), email="a@b.id")
    [event] = _events(world.cipayung, AuditAction.ORGANISATION_UPDATED)
    assert event.before == {"email": ""}
    assert event.after == {"email": "a@b.id"}
    # Saving the same values again writes nothing.
    services.organisation_update(organisation=world.cipayung, actor=world.user("permitted"), email="a@b.id")
    assert len(_events(world.cipayung, AuditAction.ORGANISATION_UPDATED)) == 1


def test_membership_add_and_end(world: World) -> None:
    user = world.user("other_org")
    m = services.membership_add(
        organisation=world.cipayung, user=user, role=Role.MENTOR, actor=world.user("permitted")
    )
    with pytest.raises(ValidationError):
        services.membership_add(
            organisation=world.cipayung, user=user, role=Role.MENTOR, actor=world.user("permitted")
        )
    services.membership_end(membership=m, actor=world.user("permitted"))
    access.forget(user)
    assert world.cipayung.pk not in access.member_organisation_ids(user)
    # Re-adding reactivates the same row.
    again = services.membership_add(
        organisation=world.cipayung, user=user, role=Role.MENTOR, actor=world.user("permitted")
    )
    assert again.pk == m.pk and again.is_active


def test_only_a_system_admin_appoints_a_system_admin(world: World) -> None:
    with pytest.raises(ValidationError):
        services.membership_add(
            organisation=world.dinas,
            user=world.user("other_org"),
            role=Role.SYSTEM_ADMIN,
            actor=world.user("permitted"),
        )


def test_activation_needs_a_signed_document(world: World) -> None:
    a = world.agreement
    Agreement.objects.filter(pk=a.pk).update(signed_document="")
    a.refresh_from_db()
    with pytest.raises(ValidationError, match="ditandatangani"):
        services.agreement_activate(agreement=a, actor=world.user("permitted"))


def test_agreement_lifecycle(world: World) -> None:
    actor = world.user("permitted")
    a = services.agreement_activate(agreement=world.agreement, actor=actor)
    assert a.status == AgreementStatus.ACTIVE
    with pytest.raises(ValidationError):
        services.agreement_activate(agreement=a, actor=actor)
    with pytest.raises(ValidationError):
        services.agreement_terminate(agreement=a, actor=actor, reason="  ")
    a = services.agreement_terminate(agreement=a, actor=actor, reason="Mitra mengundurkan diri")
    assert a.status == AgreementStatus.TERMINATED
    with pytest.raises(ValidationError):
        services.agreement_update(agreement=a, actor=actor, title="Tidak boleh")
    actions = list(
        AuditEvent.objects.filter(object_id=str(a.pk), object_type="organisations.agreement")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [AuditAction.AGREEMENT_ACTIVATED, AuditAction.AGREEMENT_TERMINATED]


def test_agreement_grants_only_in_force_and_stops_the_day_after_it_ends(world: World) -> None:
    a = world.agreement
    Agreement.objects.filter(pk=a.pk).update(status=AgreementStatus.ACTIVE, ends_on=dt.date(2026, 6, 30))
    assert access.organisation_serves_stage(world.partner, "P2", on=dt.date(2026, 6, 30))
    assert not access.organisation_serves_stage(world.partner, "P3", on=dt.date(2026, 6, 30))
    # The day after: no grant, although nobody has acted and the status still says active.
    assert not access.organisation_serves_stage(world.partner, "P2", on=dt.date(2026, 7, 1))
    assert Agreement.objects.get(pk=a.pk).status == AgreementStatus.ACTIVE
    # The sweep then records it, once.
    assert services.agreements_expire(on=dt.date(2026, 7, 1)) == 1
    assert services.agreements_expire(on=dt.date(2026, 7, 1)) == 0
    assert Agreement.objects.get(pk=a.pk).status == AgreementStatus.EXPIRED
    assert AuditEvent.objects.filter(object_id=str(a.pk), action=AuditAction.AGREEMENT_EXPIRED).count() == 1


def test_draft_agreement_grants_nothing(world: World) -> None:
    assert not access.organisation_serves_stage(world.partner, "P2", on=dt.date(2026, 6, 1))


def test_agreement_rules(world: World) -> None:
    base: dict[str, Any] = {
        "number": "PKS/UJI/9",
        "title": "T",
        "lead": world.dinas,
        "partner": world.partner,
        "region": Region.objects.get(code="31.75"),
        "starts_on": dt.date(2026, 1, 1),
        "ends_on": dt.date(2026, 12, 31),
    }
    actor = world.user("permitted")
    with pytest.raises(ValidationError) as exc:
        services.agreement_create(actor=actor, stages=[], **base)
    assert "stages" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.agreement_create(actor=actor, stages=["P9"], **base)
    assert "stages" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.agreement_create(actor=actor, stages=["P2"], **{**base, "partner": world.dinas})
    assert "partner" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.agreement_create(actor=actor, stages=["P2"], **{**base, "ends_on": dt.date(2025, 1, 1)})
    assert "ends_on" in exc.value.message_dict
    assert not Agreement.objects.filter(number="PKS/UJI/9").exists()
    a = services.agreement_create(
        actor=actor,
        stages=["P2"],
        signed_document=ContentFile(pdf_bytes(), name="x.pdf"),
        **base,
    )
    assert a.status == AgreementStatus.DRAFT and a.signed_document


def test_scope_by_region(world: World) -> None:
    seen = set(
        access.scope(world.user("permitted"), Organisation.objects.all(), access.Action.ORGANISATION_VIEW)
    )
    assert world.cipayung in seen and world.sudin_jaksel not in seen and world.dinas not in seen
    seen_jaksel = set(
        access.scope(world.user("out_of_region"), Organisation.objects.all(), access.Action.ORGANISATION_VIEW)
    )
    assert world.sudin_jaksel in seen_jaksel and world.cipayung not in seen_jaksel
    # A member sees their own organisation, whatever their role.
    own = set(
        access.scope(world.user("other_org"), Organisation.objects.all(), access.Action.ORGANISATION_VIEW)
    )
    assert own == {world.other_bank}
