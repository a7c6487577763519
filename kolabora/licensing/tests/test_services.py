"""The licensing case end to end, as the applicant, PTSP and kelurahan live it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.test import Client

from kolabora.core.testing import pdf_bytes
from kolabora.handoffs.models import Handoff
from kolabora.handoffs.services import due_date, handoffs_mark_overdue
from kolabora.licensing import services
from kolabora.licensing.choices import ApplicationStatus, LicenceStatus
from kolabora.licensing.models import Licence, LicenceType
from kolabora.licensing.selectors import application_timeline, returned_items
from kolabora.participants.models import Participant
from kolabora.pathway.models import ParticipantStage

from .conftest import Licensing

pytestmark = pytest.mark.django_db


def p4(p: Participant) -> str:
    return ParticipantStage.objects.get(participant=p, code="P4").status


def test_the_whole_path_apply_return_fix_survey_recommend_issue_verify(lic: Licensing) -> None:
    app = lic.open()
    # The checklist says what is needed before anything is submitted.
    assert [r.code for r, item in services.checklist(app) if item is None] == [
        "ktp",
        "kk",
        "pengantar_rt_rw",
        "foto_usaha",
        "pas_foto",
    ]
    with pytest.raises(ValidationError, match="Kartu Keluarga"):
        lic.fill(app, skip=("kk",))
        services.application_submit(application=app, actor=lic.world.user("participant"))
    lic.fill(app)
    services.application_submit(application=app, actor=lic.world.user("participant"))
    assert p4(lic.world.participant) == "in_progress"
    # PTSP returns two items, each with its reason, in one go.
    items = {i.requirement.code: i for i in app.items.all()}
    services.application_verify(
        application=app,
        actor=lic.officer,
        returns={
            items["kk"].pk: "Halaman belakang KK tidak terlihat",
            items["pas_foto"].pk: "Latar foto harus merah",
        },
    )
    app.refresh_from_db()
    assert app.status == ApplicationStatus.RETURNED
    assert sorted(reason for _n, reason in returned_items(app)) == [
        "Halaman belakang KK tidak terlihat",
        "Latar foto harus merah",
    ]
    assert any(s.state == "waiting_on_you" for s in application_timeline(app))
    with pytest.raises(ValidationError):
        services.application_submit(application=app, actor=lic.world.user("participant"))  # still to fix
    lic.fill(app)
    services.application_submit(application=app, actor=lic.world.user("participant"))
    services.application_verify(application=app, actor=lic.officer, returns={})
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SURVEY
    current = [s for s in application_timeline(app) if s.state == "current"]
    assert [(s.code, s.holder) for s in current] == [("survey", "Kantor Kelurahan Uji")]
    services.survey_schedule(application=app, actor=lic.surveyor, on=dt.date.today() + dt.timedelta(days=1))
    photo = ContentFile(b"\xff\xd8\xff\xe0" + b"\x00" * 32, name="lokasi.jpg")
    services.survey_record(
        application=app, actor=lic.surveyor, zoning="mixed", notes="Ruko, zona campuran", photos=[photo]
    )
    with pytest.raises(PermissionDenied):
        services.recommendation_sign(
            application=app, actor=lic.surveyor, approve=True
        )  # only the lurah signs
    services.recommendation_sign(application=app, actor=lic.lurah, approve=True)
    licence = services.licence_issue(application=app, actor=lic.officer)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.ISSUED and licence.number.startswith("IUMK/")
    assert p4(lic.world.participant) == "completed"
    # Public verification: validity, business, type and kelurahan; no personal data.
    page = Client().get(f"/verifikasi/{licence.verification_code}/")
    body = page.content.decode()
    assert page.status_code == 200 and "<dd>Usaha Siti Aminah</dd>" in body
    assert "<dd>Siti Aminah" not in body  # the owner is not shown
    assert lic.world.participant.nik not in body and lic.world.participant.phone not in body
    api = Client().get(f"/api/v1/licences/verify/{licence.verification_code}").json()
    assert api["valid"] is True and api["licence_type"].startswith("Izin Usaha")
    assert set(api) == {
        "valid",
        "status",
        "licence_type",
        "business_name",
        "kelurahan",
        "number",
        "issued_on",
        "valid_until",
    }
    # Every step was a hand-off with a due date, done within its service level.
    done = Handoff.objects.filter(subject_id=app.pk).order_by("pk")
    assert [h.step for h in done] == ["verification", "verification", "survey", "recommendation", "issuance"]
    assert all(h.within_service_level for h in done)


def test_a_green_belt_location_is_refused_with_what_to_do(lic: Licensing) -> None:
    app = lic.open()
    lic.fill(app)
    services.application_submit(application=app, actor=lic.world.user("participant"))
    services.application_verify(application=app, actor=lic.officer, returns={})
    services.survey_record(application=app, actor=lic.surveyor, zoning="green_belt")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.REFUSED
    assert "jalur hijau" in app.refusal_reason.lower()
    assert "lokasi" in app.refusal_advice
    assert p4(lic.world.participant) == "in_progress"
    assert not Licence.objects.exists()


def test_service_level_clock_skips_weekends_and_holidays() -> None:
    from django.utils import timezone

    def at(day: str) -> dt.datetime:
        return timezone.make_aware(dt.datetime.fromisoformat(day + "T10:00"))

    assert due_date(at("2026-12-22"), 1) == dt.date(2026, 12, 23)  # Tuesday → Wednesday
    # Christmas Eve (cuti bersama), Christmas and the weekend are skipped.
    assert due_date(at("2026-12-23"), 1) == dt.date(2026, 12, 28)
    assert due_date(at("2026-11-20"), 3) == dt.date(2026, 11, 25)  # Friday + 3 working days
    assert due_date(at("2026-08-14"), 1) == dt.date(
        2026, 8, 18
    )  # across Independence Day (17 August, a Monday)
    # A hand-off received late in the evening, Jakarta time, counts from that Jakarta date.
    from django.utils import timezone as tz

    late = tz.make_aware(dt.datetime(2026, 12, 22, 23, 30), tz.get_fixed_timezone(7 * 60))
    assert due_date(late, 1) == dt.date(2026, 12, 23)


def test_overdue_hand_offs_are_noted_once(lic: Licensing) -> None:
    app = lic.open()
    lic.fill(app)
    services.application_submit(application=app, actor=lic.world.user("participant"))
    h = Handoff.objects.get(subject_id=app.pk, status="open")
    later = h.due_on + dt.timedelta(days=3)
    assert handoffs_mark_overdue(today=later) == [h.pk]
    assert handoffs_mark_overdue(today=later) == []


def test_two_officers_on_the_same_step_cannot_both_succeed(lic: Licensing) -> None:
    app = lic.open()
    lic.fill(app)
    services.application_submit(application=app, actor=lic.world.user("participant"))
    services.application_verify(application=app, actor=lic.officer, returns={})
    with pytest.raises(ValidationError):
        services.application_verify(application=app, actor=lic.officer2, returns={})
    assert Handoff.objects.filter(subject_id=app.pk, step="verification").count() == 1


def test_applying_needs_consent_and_the_right_person(lic: Licensing) -> None:
    from kolabora.participants.services import consent_withdraw

    consent_withdraw(
        participant=lic.world.participant, purpose="licensing_offices", actor=lic.world.user("participant")
    )
    with pytest.raises(ValidationError, match="kantor perizinan"):
        lic.open()
    p = lic.world.participant
    with pytest.raises(PermissionDenied):
        services.application_open(
            participant=p,
            business=p.businesses.get(),
            licence_type=lic.iumk,
            actor=lic.world.user("out_of_region"),
        )


def test_ptsp_officer_sees_the_applicant_only_through_the_application(lic: Licensing) -> None:
    from kolabora.core import access
    from kolabora.core.access import Action

    assert not access.can(lic.officer, Action.PARTICIPANT_VIEW, lic.world.participant)
    lic.open()
    access.forget(lic.officer)
    assert access.can(lic.officer, Action.PARTICIPANT_VIEW, lic.world.participant)
    assert access.can(lic.officer, Action.PARTICIPANT_NIK, lic.world.participant)


def test_fake_documents_are_refused(lic: Licensing) -> None:
    app = lic.open()
    req = lic.iumk.requirements.get(code="ktp")
    with pytest.raises(ValidationError, match="PDF"):
        services.item_upload(
            application=app,
            requirement=req,
            upload=ContentFile(b"MZ....", name="ktp.pdf"),
            actor=lic.world.user("participant"),
        )
    with pytest.raises(ValidationError, match=r"EXE|PDF"):
        services.item_upload(
            application=app,
            requirement=req,
            upload=ContentFile(b"MZ....", name="ktp.exe"),
            actor=lic.world.user("participant"),
        )
    big = ContentFile(b"%PDF" + b"0" * (3 * 1024 * 1024), name="ktp.pdf")
    with pytest.raises(ValidationError, match="2 MB"):
        services.item_upload(
            application=app, requirement=req, upload=big, actor=lic.world.user("participant")
        )


def test_existing_nib_is_recorded_and_verified_by_ptsp(lic: Licensing) -> None:
    p = lic.world.participant
    nib = LicenceType.objects.get(code="nib")
    with pytest.raises(ValidationError):
        services.existing_licence_record(
            participant=p,
            business=p.businesses.get(),
            licence_type=nib,
            number="123",
            issued_on=dt.date(2024, 1, 5),
            proof=ContentFile(pdf_bytes(), name="nib.pdf"),
            actor=lic.world.user("participant"),
        )
    licence = services.existing_licence_record(
        participant=p,
        business=p.businesses.get(),
        licence_type=nib,
        number="9120301234567",
        risk_level="low",
        issued_on=dt.date(2024, 1, 5),
        proof=ContentFile(pdf_bytes(), name="nib.pdf"),
        actor=lic.world.user("participant"),
    )
    assert licence.status == LicenceStatus.PENDING_VERIFICATION and p4(p) == "not_started"
    services.existing_licence_verify(licence=licence, actor=lic.officer, accept=True)
    assert p4(p) == "completed"


def test_certificate_pdf(lic: Licensing) -> None:
    pytest.importorskip("weasyprint")
    app = lic.open()
    lic.fill(app)
    services.application_submit(application=app, actor=lic.world.user("participant"))
    services.application_verify(application=app, actor=lic.officer, returns={})
    services.survey_record(application=app, actor=lic.surveyor, zoning="commercial")
    services.recommendation_sign(application=app, actor=lic.lurah, approve=True)
    licence = services.licence_issue(application=app, actor=lic.officer)
    response = lic.world.client("participant").get(f"/izin/{licence.pk}/sertifikat.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert lic.world.client("out_of_region").get(f"/izin/{licence.pk}/sertifikat.pdf").status_code == 403
