"""The admin's participant page: corrections are audited; the kelurahan and deletion stay with the
services (the region codes, access scope and funnel counters follow the kelurahan)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.testing import World, make_user
from kolabora.participants.models import Participant

pytestmark = pytest.mark.django_db


def _admin_client(world: World) -> Client:
    client = world.client("anonymous")
    client.force_login(make_user("admin.uji", superuser=True))
    return client


def test_a_correction_in_the_admin_is_audited_and_the_kelurahan_is_not_editable(world: World) -> None:
    p = world.participant
    client = _admin_client(world)
    url = reverse("admin:participants_participant_change", args=[p.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "kelurahan" not in form.fields
    data = {
        name: ("" if value is None else value)
        for name, value in ((n, form.initial.get(n)) for n in form.fields)
    }
    data |= {"full_name": "Nama Yang Dibetulkan", "_save": "Simpan"}
    # The inlines' management forms, as the page sends them.
    for prefix in ("businesses", "consents"):
        data |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    kelurahan = p.kelurahan_id
    response = client.post(url, {**data, "kelurahan": "31.71.01.1001"})
    assert response.status_code == 302, response.content[:2000]
    p.refresh_from_db()
    assert p.full_name == "Nama Yang Dibetulkan"
    assert p.kelurahan_id == kelurahan  # a posted kelurahan is ignored
    event = AuditEvent.objects.filter(action=AuditAction.PARTICIPANT_UPDATED, object_id=str(p.pk)).get()
    assert event.after["full_name"] == "Nama Yang Dibetulkan" and event.after["channel"] == "admin"
    assert event.before["full_name"] != "Nama Yang Dibetulkan"
    assert event.actor is not None and event.actor.username == "admin.uji"


def test_a_participant_cannot_be_deleted_in_the_admin(world: World) -> None:
    p = world.participant
    client = _admin_client(world)
    assert client.get(reverse("admin:participants_participant_delete", args=[p.pk])).status_code == 403
    assert Participant.objects.filter(pk=p.pk).exists()
