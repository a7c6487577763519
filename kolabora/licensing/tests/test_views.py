"""The licensing pages, as the applicant, the PTSP, the kelurahan and the lurah use them in a browser.

Messages are compared in the language the pages are served in (Indonesian), through the catalogue, so the
tests hold before and after a string gets its translation. Reasons typed by officers are compared as typed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from kolabora.accounts.models import User
from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.testing import make_member, make_org, pdf_bytes
from kolabora.core.timeutils import today
from kolabora.handoffs.models import Handoff
from kolabora.licensing import services
from kolabora.licensing.choices import ApplicationStatus, ItemReview, LicenceStatus
from kolabora.licensing.models import ApplicationItem, Licence, LicenceApplication, LicenceType, SurveyPhoto
from kolabora.organisations.choices import OrganisationType, Role
from kolabora.participants.models import Consent
from kolabora.pathway.models import ParticipantStage

from .conftest import PNG, Licensing

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def t(msgid: str, **values: Any) -> str:
    """The message as an Indonesian page shows it (HTML-escaped)."""
    with translation.override("id"):
        text = translation.gettext(msgid)
    return escape(text % values if values else text)


def url(name: str, *args: Any) -> str:
    return reverse(f"licensing:{name}", args=args)


def as_user(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body(response: Any) -> str:
    return str(response.content.decode())


def document(req_code: str, extensions: list[str]) -> SimpleUploadedFile:
    if "pdf" in extensions:
        return SimpleUploadedFile(f"{req_code}.pdf", pdf_bytes(), content_type="application/pdf")
    return SimpleUploadedFile(f"{req_code}.png", PNG, content_type="image/png")


def upload(client: Client, app: LicenceApplication, code: str) -> Any:
    req = app.licence_type.requirements.get(code=code)
    return client.post(url("item_upload", app.pk, req.pk), {"file": document(code, list(req.extensions))})


def upload_all(client: Client, app: LicenceApplication, only: tuple[str, ...] = ()) -> None:
    for req in app.licence_type.requirements.all():
        if not only or req.code in only:
            assert upload(client, app, req.code).status_code == 302


def accept_all(app: LicenceApplication, returns: dict[int, str] | None = None) -> dict[str, str]:
    returns = returns or {}
    data = {}
    for item in app.items.all():
        data[f"decision_{item.pk}"] = "return" if item.pk in returns else "accept"
        data[f"reason_{item.pk}"] = returns.get(item.pk, "")
    return data


def start(lic: Licensing, client: Client | None = None, code: str = "iumk") -> LicenceApplication:
    p = lic.world.participant
    client = client or lic.world.client("participant")
    response = client.post(
        url("apply", p.pk),
        {
            "business": p.businesses.get().pk,
            "licence_type": LicenceType.objects.get(code=code).pk,
            "location_address": "Jl. Raya Lubang Buaya 12",
        },
    )
    app = LicenceApplication.objects.get(licence_type__code=code, participant=p)
    assert response.status_code == 302 and response["Location"] == url("application", app.pk)
    return app


def to_survey(lic: Licensing) -> LicenceApplication:
    applicant = lic.world.client("participant")
    app = start(lic, applicant)
    upload_all(applicant, app)
    assert applicant.post(url("submit", app.pk)).status_code == 302
    assert as_user(lic.officer).post(url("verify", app.pk), accept_all(app)).status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SURVEY
    return app


def test_the_whole_path_through_the_pages(lic: Licensing) -> None:
    p = lic.world.participant
    applicant = lic.world.client("participant")
    # Before starting, the applicant sees every document each licence needs.
    home = body(applicant.get(url("mine")))
    assert "Surat pengantar RT/RW" in home and "Pas foto 4x6 berwarna" in home
    app = start(lic, applicant)
    page = body(applicant.get(url("application", app.pk)))
    assert page.count('class="check-item') == 5 and "tl-waiting_on_you" in page
    # Submitting early is refused with what is still needed.
    upload_all(applicant, app, only=("ktp", "kk", "pengantar_rt_rw"))
    refused = body(applicant.post(url("submit", app.pk), follow=True))
    assert (
        t("Still needed before submitting: %(items)s.", items="Foto tempat usaha; Pas foto 4x6 berwarna")
        in refused
    )
    upload_all(applicant, app, only=("foto_usaha", "pas_foto"))
    submitted = body(applicant.post(url("submit", app.pk), follow=True))
    assert "PTSP Kelurahan Uji" in submitted
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED

    # The PTSP opens each document and returns two items in one go.
    officer = as_user(lic.officer)
    inbox = body(officer.get(url("inbox")))
    assert url("step", app.pk) in inbox
    step = body(officer.get(url("step", app.pk)))
    items = {i.requirement.code: i for i in app.items.all()}
    for item in items.values():
        assert url("item_download", app.pk, item.pk) in step
    download = officer.get(reverse("licensing:item_download", args=[app.pk, items["kk"].pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    reasons = {
        items["kk"].pk: "Halaman belakang KK tidak terlihat",
        items["pas_foto"].pk: "Latar foto harus merah",
    }
    # A return without its reason is sent back to the officer; nothing moves.
    missing_reason = accept_all(app, reasons) | {f"reason_{items['kk'].pk}": ""}
    assert officer.post(url("verify", app.pk), missing_reason).status_code == 422
    assert LicenceApplication.objects.get(pk=app.pk).status == ApplicationStatus.SUBMITTED
    assert officer.post(url("verify", app.pk), accept_all(app, reasons)).status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.RETURNED

    # The applicant sees both reasons at once, and that it waits on them.
    page = body(applicant.get(url("application", app.pk)))
    box = page[page.index("returned-box") : page.index('class="case-grid"')]
    assert "Halaman belakang KK tidak terlihat" in box and "Latar foto harus merah" in box
    assert "tl-waiting_on_you" in page
    upload_all(applicant, app, only=("kk", "pas_foto"))
    assert applicant.post(url("submit", app.pk)).status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED and app.submissions == 2
    assert officer.post(url("verify", app.pk), accept_all(app)).status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SURVEY
    assert set(app.items.values_list("review", flat=True)) == {ItemReview.ACCEPTED}

    # The kelurahan schedules the survey and records it, with a photo, from one screen.
    surveyor = as_user(lic.surveyor)
    step = body(surveyor.get(url("step", app.pk)))
    assert url("survey_schedule", app.pk) in step
    assert url("survey_record", app.pk) in step
    on = today() + dt.timedelta(days=1)
    scheduled = surveyor.post(
        url("survey_schedule", app.pk), {"scheduled_on": on.isoformat(), "surveyor": lic.surveyor.pk}
    )
    assert scheduled.status_code == 302
    # The applicant sees who comes, and when.
    assert "kelurahan.uji" in body(applicant.get(url("application", app.pk)))
    photo = SimpleUploadedFile("lokasi.jpg", JPEG, content_type="image/jpeg")
    recorded = surveyor.post(
        url("survey_record", app.pk), {"zoning": "mixed", "notes": "Ruko, zona campuran", "photos": [photo]}
    )
    assert recorded.status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.RECOMMENDATION
    assert SurveyPhoto.objects.filter(survey__application=app).count() == 1

    # Only the lurah signs; the signed step shows who and when.
    lurah = as_user(lic.lurah)
    assert surveyor.post(url("recommend", app.pk), {"decision": "approve"}).status_code == 403
    assert lurah.post(url("recommend", app.pk), {"decision": "approve"}).status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.ISSUANCE
    assert "lurah.uji" in body(applicant.get(url("application", app.pk)))

    # The PTSP issues; the step page and the applicant's page link the certificate.
    issued = body(officer.post(url("issue", app.pk), follow=True))
    licence = Licence.objects.get(application=app)
    assert licence.number in issued
    certificate_url = reverse("licensing_public:certificate", args=[licence.pk])
    page = body(applicant.get(url("application", app.pk)))
    assert certificate_url in page and "tl-issued" in page
    assert certificate_url in body(applicant.get(url("mine")))
    assert ParticipantStage.objects.get(participant=p, code="P4").status == "completed"
    # Every step was on time, and the timeline says so.
    assert page.count("badge-ontime") == len(Handoff.objects.filter(subject_id=app.pk))

    pytest.importorskip("weasyprint")
    pdf = applicant.get(certificate_url)
    assert (
        pdf.status_code == 200
        and pdf["Content-Type"] == "application/pdf"
        and pdf.content.startswith(b"%PDF")
    )
    public = body(Client().get(reverse("licensing_public:verify", args=[licence.verification_code])))
    assert "verify-ok" in public and licence.number in public


def test_a_green_belt_refusal_reaches_the_applicant_with_advice(lic: Licensing) -> None:
    app = to_survey(lic)
    surveyor = as_user(lic.surveyor)
    page = body(surveyor.post(url("survey_record", app.pk), {"zoning": "green_belt"}, follow=True))
    app.refresh_from_db()
    assert app.status == ApplicationStatus.REFUSED
    assert escape(app.refusal_reason) in page  # the officer sees what the applicant is told
    mine = body(lic.world.client("participant").get(url("application", app.pk)))
    assert "refused-box" in mine and "tl-refused" in mine
    assert escape(app.refusal_reason) in mine and escape(app.refusal_advice) in mine
    assert not Licence.objects.exists()


def test_a_second_officer_acting_after_the_first_is_told_and_changes_nothing(lic: Licensing) -> None:
    applicant = lic.world.client("participant")
    app = start(lic, applicant)
    upload_all(applicant, app)
    applicant.post(url("submit", app.pk))
    first, second = as_user(lic.officer), as_user(lic.officer2)
    stale = accept_all(app, {app.items.get(requirement__code="ktp").pk: "Buram"})  # the second officer's page
    assert first.post(url("verify", app.pk), accept_all(app)).status_code == 302
    page = body(second.post(url("verify", app.pk), stale, follow=True))
    with translation.override("id"):
        now = str(ApplicationStatus.SURVEY.label)
    assert t("This application is no longer at this step (now: %(status)s).", status=now) in page
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SURVEY
    assert set(app.items.values_list("review", "review_reason")) == {(ItemReview.ACCEPTED, "")}
    assert Handoff.objects.filter(subject_id=app.pk, step="verification").count() == 1


def test_other_organisations_get_403_on_step_pages(lic: Licensing) -> None:
    applicant = lic.world.client("participant")
    app = start(lic, applicant)
    upload_all(applicant, app)
    applicant.post(url("submit", app.pk))
    other_ptsp = make_org("PTSP Kelurahan Lain", "31.75.10.1002", OrganisationType.PTSP_UNIT)
    strangers = [
        make_member("ptsp.lain", other_ptsp, Role.PTSP_OFFICER),
        lic.world.user("other_org"),
        lic.world.user("out_of_region"),
        lic.lurah,  # the kelurahan has no part in the case yet
    ]
    for user in strangers:
        client = as_user(user)
        assert client.get(url("step", app.pk)).status_code == 403, user
        assert client.post(url("verify", app.pk), accept_all(app)).status_code == 403, user
    # The applicant may follow the case but not act on the PTSP's step.
    assert applicant.get(url("step", app.pk)).status_code == 403
    assert applicant.post(url("verify", app.pk), accept_all(app)).status_code == 403
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED


def test_the_inbox_puts_overdue_steps_first_and_reassigns_within_the_organisation(lic: Licensing) -> None:
    applicant = lic.world.client("participant")
    recent = start(lic, applicant)
    upload_all(applicant, recent)
    applicant.post(url("submit", recent.pk))
    late = start(lic, applicant, code="pirt")
    upload_all(applicant, late)
    services.application_submit(
        application=late, actor=lic.world.user("participant"), at=timezone.now() - dt.timedelta(days=14)
    )

    officer = as_user(lic.officer)
    page = body(officer.get(url("inbox")))
    late_at = page.index(url("step", late.pk))
    recent_at = page.index(url("step", recent.pk))
    assert late_at < recent_at
    assert page.count("inbox-item is-overdue") == 1 and page.index("is-overdue") < late_at
    # Reassign within the PTSP; the applicant sees who holds the step.
    handoff = Handoff.objects.get(subject_id=recent.pk, status="open")
    assert officer.post(url("reassign", handoff.pk), {"assignee": lic.officer2.pk}).status_code == 302
    assert Handoff.objects.get(pk=handoff.pk).assignee == lic.officer2
    assert "ptsp.uji2" in body(applicant.get(url("application", recent.pk)))
    # Nobody outside the PTSP can be given the step, and outsiders cannot reassign it.
    officer.post(url("reassign", handoff.pk), {"assignee": lic.lurah.pk})
    assert as_user(lic.lurah).post(url("reassign", handoff.pk), {"assignee": ""}).status_code == 403
    assert Handoff.objects.get(pk=handoff.pk).assignee == lic.officer2
    # People without an organisation have no inbox.
    assert applicant.get(url("inbox")).status_code == 403


def test_files_are_never_public(lic: Licensing) -> None:
    applicant = lic.world.client("participant")
    app = start(lic, applicant)
    upload_all(applicant, app, only=("ktp",))
    item = ApplicationItem.objects.get(application=app)
    download = url("item_download", app.pk, item.pk)
    anonymous = Client().get(download)
    assert anonymous.status_code == 302 and "/akun/masuk/" in anonymous["Location"]
    for persona in ("other_org", "out_of_region", "no_consent"):
        assert lic.world.client(persona).get(download).status_code == 403, persona
    assert Client().get(f"/{settings.MEDIA_URL}{item.file.name}").status_code == 404
    mine = applicant.get(download)
    assert mine.status_code == 200 and "no-store" in mine["Cache-Control"]
    # Staff downloads are recorded as personal data viewed.
    before = AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_VIEWED).count()
    assert as_user(lic.officer).get(download).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_VIEWED).count() == before + 1


def test_an_upload_problem_is_shown_next_to_its_item(lic: Licensing) -> None:
    applicant = lic.world.client("participant")
    app = start(lic, applicant)
    kk = app.licence_type.requirements.get(code="kk")
    bad = SimpleUploadedFile("kk.exe", b"MZ....", content_type="application/octet-stream")
    response = applicant.post(url("item_upload", app.pk, kk.pk), {"file": bad})
    assert response.status_code == 422
    page = body(response)
    item = page[page.index(f'id="req-{kk.pk}"') :]
    item = item[: item.index("</li>")]
    assert t("Upload a file of type %(types)s.", types="PDF, JPG, JPEG, PNG") in item
    # With htmx only the item comes back, with the submit box out of band.
    ok = applicant.post(
        url("item_upload", app.pk, kk.pk),
        {"file": document("kk", ["pdf"])},
        headers={"HX-Request": "true"},
    )
    fragment = body(ok)
    assert ok.status_code == 200 and "<html" not in fragment
    assert f'id="req-{kk.pk}"' in fragment and "is-supplied" in fragment
    assert 'id="submit-box"' in fragment and 'hx-swap-oob="true"' in fragment
    assert ApplicationItem.objects.filter(application=app, requirement=kk).exists()


def test_consent_is_asked_in_the_application_form_when_missing(lic: Licensing) -> None:
    from kolabora.participants.services import consent_withdraw

    p = lic.world.participant
    consent_withdraw(participant=p, purpose="licensing_offices", actor=lic.world.user("participant"))
    applicant = lic.world.client("participant")
    assert 'name="consent"' in body(applicant.get(url("mine")))
    data = {"business": p.businesses.get().pk, "licence_type": lic.iumk.pk}
    assert applicant.post(url("apply", p.pk), data).status_code == 422
    assert not LicenceApplication.objects.exists()
    assert applicant.post(url("apply", p.pk), data | {"consent": "on"}).status_code == 302
    assert LicenceApplication.objects.count() == 1
    assert Consent.objects.filter(participant=p, purpose="licensing_offices", withdrawn_at=None).exists()
    assert 'name="consent"' not in body(applicant.get(url("mine")))


def test_a_mentor_or_kecamatan_staff_applies_for_the_participant(lic: Licensing) -> None:
    kecamatan = lic.world.client("kecamatan")
    p = lic.world.participant
    assert 'name="licence_type"' in body(kecamatan.get(url("participant", p.pk)))
    app = start(lic, kecamatan)
    assert app.opened_by == lic.world.user("kecamatan")
    assert upload(kecamatan, app, "ktp").status_code == 302
    # Out of region: not even the page.
    assert lic.world.client("out_of_region").get(url("participant", p.pk)).status_code == 403


def test_an_existing_nib_is_recorded_and_verified_through_the_pages(lic: Licensing) -> None:
    p = lic.world.participant
    applicant = lic.world.client("participant")
    nib = LicenceType.objects.get(code="nib")
    data = {
        "business": p.businesses.get().pk,
        "licence_type": nib.pk,
        "number": "12345",
        "issued_on": "2024-01-05",
        "risk_level": "low",
        "proof": SimpleUploadedFile("nib.pdf", pdf_bytes(), content_type="application/pdf"),
    }
    refused = applicant.post(url("existing_record", p.pk), data)
    assert refused.status_code == 422 and t("An NIB has exactly 13 digits.") in body(refused)
    data |= {
        "number": "9120301234567",
        "proof": SimpleUploadedFile("nib.pdf", pdf_bytes(), content_type="application/pdf"),
    }
    assert applicant.post(url("existing_record", p.pk), data).status_code == 302
    licence = Licence.objects.get(number="9120301234567")
    assert licence.status == LicenceStatus.PENDING_VERIFICATION

    officer = as_user(lic.officer)
    check_url = url("licence_check", licence.pk)
    assert check_url in body(officer.get(url("inbox")))
    page = body(officer.get(check_url))
    assert url("licence_proof", licence.pk) in page
    assert officer.get(url("licence_proof", licence.pk)).status_code == 200
    assert Client().get(url("licence_proof", licence.pk)).status_code == 302
    assert lic.world.client("other_org").get(url("licence_proof", licence.pk)).status_code == 403
    assert as_user(lic.lurah).get(check_url).status_code == 403
    assert officer.post(check_url, {"decision": "reject"}).status_code == 422  # a rejection needs its reason
    assert officer.post(check_url, {"decision": "accept"}).status_code == 302
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.VALID
    assert ParticipantStage.objects.get(participant=p, code="P4").status == "completed"
    again = body(
        as_user(lic.officer2).post(check_url, {"decision": "reject", "reason": "Palsu"}, follow=True)
    )
    assert t("This licence has already been checked.") in again
    assert Licence.objects.get(pk=licence.pk).status == LicenceStatus.VALID
    mine = body(applicant.get(url("mine")))
    assert reverse("licensing_public:verify", args=[licence.verification_code]) in mine
    assert "badge-valid" in mine


def test_the_inbox_costs_the_same_queries_however_many_steps_are_open(lic: Licensing) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    applicant = lic.world.client("participant")
    officer = as_user(lic.officer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert officer.get(url("inbox")).status_code == 200
        return len(ctx.captured_queries)

    first = start(lic, applicant)
    upload_all(applicant, first)
    applicant.post(url("submit", first.pk))
    one = queries()
    second = start(lic, applicant, code="pirt")
    upload_all(applicant, second)
    applicant.post(url("submit", second.pk))
    assert Handoff.objects.filter(organisation=lic.ptsp, status="open").count() == 2
    assert queries() == one


def test_staff_without_a_participant_record_are_pointed_to_their_inbox(lic: Licensing) -> None:
    page = as_user(lic.officer).get(url("mine"))
    assert page.status_code == 200 and url("inbox") in body(page)
