from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kolabora.core.testing import World, pdf_bytes
from kolabora.organisations.choices import AgreementStatus
from kolabora.organisations.models import Agreement, Organisation

pytestmark = pytest.mark.django_db


def test_list_filters_and_htmx_fragment(world: World) -> None:
    client = world.client("permitted")
    page = client.get(reverse("organisations:list"), {"q": "Cipayung"})
    assert world.cipayung.name in page.content.decode()
    assert world.partner.name not in page.content.decode()
    fragment = client.get(reverse("organisations:list"), {"type": "university"}, HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert "<html" not in body and world.partner.name in body and world.cipayung.name not in body


def test_create_organisation_from_the_form(world: World) -> None:
    response = world.client("permitted").post(
        reverse("organisations:create"),
        {
            "name": "Kantor Kelurahan Bambu Apus",
            "type": "kelurahan_office",
            "region": "31.75.10.1002",
            "is_active": "on",
        },
    )
    org = Organisation.objects.get(name="Kantor Kelurahan Bambu Apus")
    assert response.status_code == 302 and response["Location"] == reverse(
        "organisations:detail", args=[org.pk]
    )


def test_create_outside_region_shows_the_reason(world: World) -> None:
    response = world.client("out_of_region").post(
        reverse("organisations:create"),
        {"name": "Di luar wilayah", "type": "kelurahan_office", "region": "31.75.10.1002", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "wilayah" in response.content.decode()
    assert not Organisation.objects.filter(name="Di luar wilayah").exists()


def test_add_a_new_person_sends_a_set_password_email(
    world: World, mailoutbox: list, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = world.client("permitted").post(
            reverse("organisations:membership_add", args=[world.cipayung.pk]),
            {
                "username": "pendamping.baru",
                "full_name": "Nur Aini",
                "email": "nur@example.test",
                "role": "mentor",
            },
        )
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["nur@example.test"]
    assert "/akun/kata-sandi/atur/" in mailoutbox[0].body


def test_add_person_without_email_is_refused_with_a_message(world: World) -> None:
    response = world.client("permitted").post(
        reverse("organisations:membership_add", args=[world.cipayung.pk]),
        {"username": "tidak.ada", "role": "mentor"},
    )
    assert response.status_code == 422
    assert "email" in response.content.decode().lower()


def test_agreement_form_refuses_bad_input_without_losing_it(world: World) -> None:
    response = world.client("permitted").post(
        reverse("organisations:agreement_create"),
        {
            "number": "PKS/UJI/55",
            "title": "Judul tetap ada",
            "lead": world.dinas.pk,
            "partner": world.partner.pk,
            "stages": ["P2"],
            "region": "31.75",
            "starts_on": "2026-05-01",
            "ends_on": "2026-04-01",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Judul tetap ada" in body  # what was typed is kept
    assert not Agreement.objects.filter(number="PKS/UJI/55").exists()


def test_upload_must_really_be_a_pdf_or_image(world: World) -> None:
    fake = SimpleUploadedFile("pks.pdf", b"MZ not a pdf", content_type="application/pdf")
    response = world.client("permitted").post(
        reverse("organisations:agreement_create"),
        {
            "number": "PKS/UJI/56",
            "title": "T",
            "lead": world.dinas.pk,
            "partner": world.partner.pk,
            "stages": ["P2"],
            "region": "31.75",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "signed_document": fake,
        },
    )
    assert response.status_code == 200
    assert not Agreement.objects.filter(number="PKS/UJI/56").exists()
    good = SimpleUploadedFile("pks.pdf", pdf_bytes(), content_type="application/pdf")
    response = world.client("permitted").post(
        reverse("organisations:agreement_create"),
        {
            "number": "PKS/UJI/57",
            "title": "T",
            "lead": world.dinas.pk,
            "partner": world.partner.pk,
            "stages": ["P2"],
            "region": "31.75",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "signed_document": good,
        },
    )
    assert response.status_code == 302


def test_activate_then_terminate_from_the_page(world: World) -> None:
    client = world.client("permitted")
    client.post(reverse("organisations:agreement_activate", args=[world.agreement.pk]))
    assert Agreement.objects.get(pk=world.agreement.pk).status == AgreementStatus.ACTIVE
    client.post(reverse("organisations:agreement_terminate", args=[world.agreement.pk]), {"reason": ""})
    assert Agreement.objects.get(pk=world.agreement.pk).status == AgreementStatus.ACTIVE
    client.post(
        reverse("organisations:agreement_terminate", args=[world.agreement.pk]),
        {"reason": "Selesai lebih awal"},
    )
    a = Agreement.objects.get(pk=world.agreement.pk)
    assert a.status == AgreementStatus.TERMINATED and a.status_reason == "Selesai lebih awal"
    detail = client.get(reverse("organisations:agreement_detail", args=[a.pk])).content.decode()
    assert "Selesai lebih awal" in detail
