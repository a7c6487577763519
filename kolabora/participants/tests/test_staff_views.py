"""Staff pages for participants, as the people using them notice them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import escape

from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.testing import World, make_participant, pdf_bytes
from kolabora.participants import services
from kolabora.participants.models import Business, Consent, DataRequest, Participant
from kolabora.participants.services import BusinessInput, duplicate_message
from kolabora.pathway.models import ParticipantStage
from kolabora.pathway.services import stage_transition
from kolabora.regions.models import Region

from .matrix_staff import (
    WALK_IN_NIK,
    data_request,
    document,
    letter_participant,
    make_at_risk,
    twin,
    walk_in_data,
)

pytestmark = pytest.mark.django_db

DETAIL_LINK = re.compile(r'href="/peserta/(\d+)/"')


def _ids(response: Any) -> list[int]:
    return [int(pk) for pk in DETAIL_LINK.findall(response.content.decode())]


def _nik(serial: int, day: int = 1) -> str:
    return f"317510{day:02d}0190{serial:04d}"


def _stage(participant: Participant, code: str) -> str:
    return ParticipantStage.objects.get(participant=participant, code=code).status


# --- the list ---------------------------------------------------------------------------------------------


def test_filters_narrow_the_list(world: World) -> None:
    trader = make_participant(
        nik=_nik(1),
        full_name="Dewi Lestari",
        entry_track="naik_kelas",
        business=BusinessInput(name="Butik Dewi", sector="fashion"),
    )
    trainee = make_participant(nik=_nik(2), full_name="Rudi Hartono")
    stage_transition(participant=trainee, stage="P2", to_status="in_progress", actor=None)
    elsewhere = make_participant(nik=_nik(3), full_name="Joko Widodo", kelurahan="31.75.10.1002")
    Participant.objects.filter(pk=elsewhere.pk).update(
        last_activity_at=timezone.now() - dt.timedelta(days=45)
    )
    client = world.client("permitted")
    url = reverse("participants:list")
    everyone = {world.participant.pk, trader.pk, trainee.pk, elsewhere.pk}

    assert set(_ids(client.get(url))) == everyone
    assert _ids(client.get(url, {"q": "siti"})) == [world.participant.pk]
    assert _ids(client.get(url, {"q": _nik(2)})) == [trainee.pk]
    assert _ids(client.get(url, {"entry_track": "naik_kelas"})) == [trader.pk]
    assert _ids(client.get(url, {"sector": "fashion"})) == [trader.pk]
    assert _ids(client.get(url, {"stage": "P2"})) == [trainee.pk]
    assert _ids(client.get(url, {"stage": "P2", "status": "not_started"})) == sorted(
        everyone - {trainee.pk}, reverse=True
    )
    assert _ids(client.get(url, {"region": "31.75.10.1002"})) == [elsewhere.pk]
    assert _ids(client.get(url, {"inactive_days": "30"})) == [elsewhere.pk]
    fragment = client.get(url, {"q": "rudi"}, HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert "<html" not in body and "Rudi Hartono" in body and "Siti Aminah" not in body


def test_list_shows_masked_nik_kelurahan_and_the_step_strip(world: World) -> None:
    body = world.client("kecamatan").get(reverse("participants:list")).content.decode()
    assert world.participant.nik_masked in body and world.participant.nik not in body
    assert world.participant.kelurahan.name in body
    assert 'class="strip-completed"' in body  # P1, completed at registration with a DKI KTP
    assert body.count('class="strip-not_started"') == 6


def test_next_page_follows_the_cursor_and_never_repeats(world: World) -> None:
    for i in range(1, 31):
        make_participant(nik=_nik(i), full_name=f"Peserta Uji {i:02d}")
    client = world.client("permitted")
    first = client.get(reverse("participants:list"))
    page_one = _ids(first)
    assert len(page_one) == 25 and page_one == sorted(page_one, reverse=True)
    next_url = first.context["next_url"]
    assert "after=" in next_url
    assert f'href="{reverse("participants:list")}{next_url}"' in first.content.decode()
    second = client.get(reverse("participants:list") + next_url)
    page_two = _ids(second)
    assert len(page_two) == 6 and not set(page_one) & set(page_two)
    assert set(page_one) | set(page_two) == set(Participant.objects.values_list("pk", flat=True))
    assert second.context["next_url"] == ""

    # The cursor keeps the filters.
    filtered = client.get(reverse("participants:list"), {"q": "peserta uji"})
    assert "q=peserta+uji" in filtered.context["next_url"]
    rest = _ids(client.get(reverse("participants:list") + filtered.context["next_url"]))
    assert len(rest) == 5 and world.participant.pk not in rest


LIST_QUERIES = 9  # session, user, memberships, region choices, one page, its stages, session save (3)


def test_the_list_query_count_does_not_grow_with_the_rows(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = world.client("permitted")
    client.get(reverse("participants:list"))  # warm the session
    with django_assert_max_num_queries(LIST_QUERIES):
        assert client.get(reverse("participants:list")).status_code == 200
    for i in range(1, 26):
        make_participant(nik=_nik(i), full_name=f"Peserta Uji {i:02d}")
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(reverse("participants:list"), {"stage": "P1", "sector": "kuliner"})
    assert len(_ids(response)) == 25


def test_nav_and_home_lead_to_the_participant_pages(world: World) -> None:
    kecamatan = world.client("kecamatan").get(reverse("core:home")).content.decode()
    for name in ("list", "register", "at_risk", "duplicates", "data_requests"):
        assert f'href="{reverse(f"participants:{name}")}"' in kecamatan
    manager = world.client("permitted").get(reverse("core:home")).content.decode()
    assert f'href="{reverse("participants:list")}"' in manager
    assert f'href="{reverse("participants:register")}"' not in manager  # managers do not register walk-ins
    bank = world.client("other_org").get(reverse("core:home")).content.decode()
    assert f'href="{reverse("participants:list")}"' not in bank


def test_a_participant_is_sent_to_their_own_progress_page(world: World) -> None:
    response = world.client("participant").get(reverse("core:home"))
    try:
        progress = reverse("me:progress")
    except NoReverseMatch:
        assert response.status_code == 200
    else:
        assert response.status_code == 302 and response["Location"] == progress


# --- one participant ---------------------------------------------------------------------------------------


def test_nik_is_masked_for_a_programme_manager_and_full_for_kecamatan_staff(world: World) -> None:
    url = reverse("participants:detail", args=[world.participant.pk])
    manager = world.client("permitted").get(url).content.decode()
    assert world.participant.nik_masked in manager and world.participant.nik not in manager
    kecamatan = world.client("kecamatan").get(url).content.decode()
    assert world.participant.nik in kecamatan


def test_a_training_partner_with_consent_sees_the_participant_but_not_the_phone(world: World) -> None:
    url = reverse("participants:detail", args=[world.participant.pk])
    assert world.client("no_consent").get(url).status_code == 403
    services.consent_grant(
        participant=world.participant, purpose="training_partners", actor=world.user("participant")
    )
    response = world.client("no_consent").get(url)
    body = response.content.decode()
    assert response.status_code == 200 and world.participant.full_name in body
    assert world.participant.phone not in body and world.participant.phone[3:] not in body
    assert "wa.me" not in body and world.participant.nik not in body
    assert 'id="pathway"' in body  # the agreement shares programme progress
    assert 'action="/peserta/' in body and "/tahap/P2/" in body  # and lets them move P2 (training) only
    assert "/tahap/P4/" not in body


def test_opening_a_record_is_audited_as_a_personal_data_view(world: World) -> None:
    client = world.client("permitted")
    before = AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_VIEWED).count()
    client.get(reverse("participants:detail", args=[world.participant.pk]))
    views = AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_VIEWED)
    assert views.count() == before + 1
    event = views.first()
    assert event is not None
    assert event.actor == world.user("permitted") and event.organisation == world.sudin_jaktim
    assert event.object_type == "participants.participant" and event.object_id == str(world.participant.pk)
    assert event.after["full_nik"] is False


def test_detail_shows_businesses_in_rupiah_documents_and_history(world: World) -> None:
    document(world)
    Business.objects.filter(participant=world.participant).update(monthly_turnover=1_500_000)
    body = world.client("kecamatan").get(reverse("participants:detail", args=[world.participant.pk]))
    html = body.content.decode()
    assert "Rp 1.500.000" in html
    assert reverse("participants:document", args=[world.participant.pk, document(world).pk]) in html
    assert "wa.me/6281212900012" in html
    assert str(AuditAction.PARTICIPANT_REGISTERED.label) in html  # history, with action labels


def test_a_refused_transition_shows_the_rule_and_changes_nothing(world: World) -> None:
    client = world.client("kecamatan")
    url = reverse("participants:stage_change", args=[world.participant.pk, "P5"])
    events = AuditEvent.objects.count()
    response = client.post(url, {"to_status": "in_progress"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    body = response.content.decode()
    error = re.search(r'class="error stage-error"[^>]*>([^<]+)<', body)
    assert error and "P5" in error.group(1) and "P4" in error.group(1)
    assert body.index('id="stage-P5"') < body.index("stage-error") < body.index('id="stage-P6"')
    assert _stage(world.participant, "P5") == "not_started"
    assert AuditEvent.objects.count() == events

    # Without JavaScript: back to the record with the rule as a message.
    plain = client.post(url, {"to_status": "in_progress"}, follow=True)
    assert plain.redirect_chain[0][1] == 302
    assert any("P4" in str(m) and "P5" in str(m) for m in plain.context["messages"])
    assert _stage(world.participant, "P5") == "not_started"


def test_an_allowed_transition_changes_the_status_and_writes_one_audit_row(world: World) -> None:
    client = world.client("kecamatan")  # logging in is audited too
    events = AuditEvent.objects.count()
    response = client.post(
        reverse("participants:stage_change", args=[world.participant.pk, "P2"]),
        {"to_status": "in_progress", "level": "1", "reason": ""},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#stage-P2")
    row = ParticipantStage.objects.get(participant=world.participant, code="P2")
    assert row.status == "in_progress" and row.level == 1
    assert AuditEvent.objects.count() == events + 1
    assert AuditEvent.objects.first().action == AuditAction.P2_CHANGED  # type: ignore[union-attr]

    fragment = client.post(
        reverse("participants:stage_change", args=[world.participant.pk, "P2"]),
        {"to_status": "completed"},
        HTTP_HX_REQUEST="true",
    )
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert 'class="stage-notice"' in fragment.content.decode()
    assert _stage(world.participant, "P2") == "completed"


def test_a_user_who_may_not_move_a_stage_is_refused(world: World) -> None:
    services.consent_grant(
        participant=world.participant, purpose="training_partners", actor=world.user("participant")
    )
    response = world.client("no_consent").post(
        reverse("participants:stage_change", args=[world.participant.pk, "P4"]), {"to_status": "in_progress"}
    )
    assert response.status_code == 403
    assert _stage(world.participant, "P4") == "not_started"


def test_verifying_a_domicile_letter_completes_registration(world: World) -> None:
    person = letter_participant(world)
    url = reverse("participants:detail", args=[person.pk])
    client = world.client("kecamatan")
    assert reverse("participants:eligibility_verify", args=[person.pk]) in client.get(url).content.decode()
    assert client.post(reverse("participants:eligibility_verify", args=[person.pk])).status_code == 302
    person.refresh_from_db()
    assert person.eligibility_verified_by == world.user("kecamatan")
    assert _stage(person, "P1") == "completed"
    assert (
        reverse("participants:eligibility_verify", args=[person.pk]) not in client.get(url).content.decode()
    )


def test_documents_are_served_only_to_those_who_may_receive_them(world: World) -> None:
    doc = document(world)
    url = reverse("participants:document", args=[world.participant.pk, doc.pk])
    response = world.client("kecamatan").get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    assert "no-store" in response["Cache-Control"]
    services.consent_grant(
        participant=world.participant, purpose="training_partners", actor=world.user("participant")
    )
    assert world.client("no_consent").get(url).status_code == 403  # agreement without "documents"
    assert Client().get(url).status_code == 302


# --- walk-in registration ------------------------------------------------------------------------------------


def test_walk_in_registration_creates_the_record_and_emails_a_set_password_link(
    world: World, mailoutbox: list, django_capture_on_commit_callbacks: Any
) -> None:
    data = walk_in_data(world) | {"email": "agus@example.test", "create_account": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        response = world.client("kecamatan").post(reverse("participants:register"), data)
    person = Participant.objects.get(nik=WALK_IN_NIK)
    assert response.status_code == 302
    assert response["Location"] == reverse("participants:detail", args=[person.pk])
    assert person.channel == "walk_in" and person.registered_by == world.user("kecamatan")
    assert person.phone == "+6281234567801" and person.user is not None
    assert person.businesses.get().monthly_turnover == 1_500_000
    assert list(Consent.objects.filter(participant=person).values_list("purpose", flat=True)) == ["programme"]
    assert _stage(person, "P1") == "completed"
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["agus@example.test"]
    assert "/akun/kata-sandi/atur/" in mailoutbox[0].body


def test_the_walk_in_form_starts_with_programme_consent_and_only_the_staff_kelurahan(world: World) -> None:
    body = world.client("kecamatan").get(reverse("participants:register")).content.decode()
    assert re.search(r'value="programme"[^>]*checked', body)
    assert 'value="31.75.10.1001"' in body and 'value="31.74.' not in body


def test_walk_in_with_a_bad_nik_says_why_and_keeps_what_was_typed(world: World) -> None:
    data = walk_in_data(world) | {"nik": "317510010190003"}
    response = world.client("kecamatan").post(reverse("participants:register"), data)
    body = response.content.decode()
    assert response.status_code == 422
    assert "16" in response.context["form"].errors["nik"][0]
    assert 'value="Agus Salim"' in body and 'value="317510010190003"' in body and 'value="1.500.000"' in body
    assert not Participant.objects.filter(full_name="Agus Salim").exists()


def test_walk_in_outside_the_staff_region_is_refused_on_the_kelurahan(world: World) -> None:
    pesanggrahan = Region.objects.filter(code__startswith="31.74.10.", level="kelurahan").first()
    assert pesanggrahan is not None
    data = walk_in_data(world) | {"kelurahan": pesanggrahan.code}
    response = world.client("kecamatan").post(reverse("participants:register"), data)
    assert response.status_code == 422
    assert pesanggrahan.name in response.context["form"].errors["kelurahan"][0]
    assert not Participant.objects.filter(nik=WALK_IN_NIK).exists()


def test_walk_in_with_a_known_nik_shows_how_to_recover_and_links_the_record(world: World) -> None:
    data = walk_in_data(world) | {"nik": world.participant.nik}
    response = world.client("kecamatan").post(reverse("participants:register"), data)
    body = response.content.decode()
    assert response.status_code == 422
    assert escape(duplicate_message()) in body
    assert f'href="{reverse("participants:detail", args=[world.participant.pk])}"' in body
    assert Participant.objects.count() == 1


def test_walk_in_refuses_a_file_that_only_pretends_to_be_a_pdf(world: World) -> None:
    fake = SimpleUploadedFile("surat.pdf", b"MZ\x90\x00 this is a program", content_type="application/pdf")
    data = walk_in_data(world) | {"nik": "3273010101900031", "domicile_basis": "domicile_letter"}
    data |= {"domicile_since": "2020-01-01", "domicile_letter": fake}
    response = world.client("kecamatan").post(reverse("participants:register"), data)
    assert response.status_code == 422
    assert "domicile_letter" in response.context["form"].errors
    assert not Participant.objects.filter(nik="3273010101900031").exists()

    real = SimpleUploadedFile("scan.PDF", pdf_bytes(), content_type="application/octet-stream")
    data["domicile_letter"] = real
    assert world.client("kecamatan").post(reverse("participants:register"), data).status_code == 302
    person = Participant.objects.get(nik="3273010101900031")
    assert (person.documents.get().file.name or "").endswith("domicile_letter.pdf")
    assert person.eligibility_verified_at is None


def test_walk_in_keeps_a_good_document_across_an_error_so_it_need_not_be_chosen_again(world: World) -> None:
    client = world.client("kecamatan")
    letter = SimpleUploadedFile("surat lurah.pdf", pdf_bytes(), content_type="application/pdf")
    data = walk_in_data(world) | {"nik": "3273010101900031", "domicile_basis": "domicile_letter"}
    data |= {"domicile_since": "2020-01-01", "domicile_letter": letter, "phone": "12"}
    response = client.post(reverse("participants:register"), data)
    assert response.status_code == 422 and "phone" in response.context["form"].errors
    assert "Simpan dokumen yang sudah dikirim: surat lurah.pdf" in response.content.decode()

    data = {k: v for k, v in data.items() if k != "domicile_letter"}
    data |= {"phone": "081234567801", "keep_domicile_letter": "1"}
    assert client.post(reverse("participants:register"), data).status_code == 302
    person = Participant.objects.get(nik="3273010101900031")
    with person.documents.get().file.open() as fh:
        assert fh.read().startswith(b"%PDF")
    assert client.session.get("walk_in_files") is None  # the kept copy is gone once registered


def test_a_new_walk_in_form_does_not_offer_the_previous_persons_documents(world: World) -> None:
    client = world.client("kecamatan")
    letter = SimpleUploadedFile("surat.pdf", pdf_bytes(), content_type="application/pdf")
    data = walk_in_data(world) | {"nik": "3273010101900031", "domicile_basis": "domicile_letter"}
    data |= {"domicile_since": "2020-01-01", "domicile_letter": letter, "phone": "12"}
    assert client.post(reverse("participants:register"), data).status_code == 422
    assert "surat.pdf" not in client.get(reverse("participants:register")).content.decode()


def test_walk_in_service_errors_land_on_their_fields(world: World) -> None:
    data = walk_in_data(world) | {"entry_track": "naik_kelas", "business_name": "", "business_sector": ""}
    response = world.client("kecamatan").post(reverse("participants:register"), data)
    errors = response.context["form"].errors
    assert response.status_code == 422
    assert "business_name" in errors and "ownership_proof" in errors


# --- duplicates, at risk, data requests --------------------------------------------------------------------


def test_merge_moves_businesses_and_consents_and_marks_the_duplicate(world: World) -> None:
    duplicate = twin(world)
    services.consent_grant(participant=duplicate, purpose="statistics", actor=world.user("kecamatan"))
    moved = duplicate.businesses.get()
    client = world.client("kecamatan")
    page = client.get(reverse("participants:duplicates")).content.decode()
    assert f'value="{duplicate.pk}"' in page and world.participant.nik in page  # kecamatan staff see NIKs
    response = client.post(
        reverse("participants:merge"),
        {"keep": world.participant.pk, "duplicate": duplicate.pk, "reason": "KTP sama"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("participants:detail", args=[world.participant.pk])
    duplicate.refresh_from_db()
    assert duplicate.status == "merged" and duplicate.merged_into == world.participant
    moved.refresh_from_db()
    assert moved.participant == world.participant
    assert Consent.objects.filter(
        participant=world.participant, purpose="statistics", withdrawn_at__isnull=True
    ).exists()
    assert f'value="{duplicate.pk}"' not in client.get(reverse("participants:duplicates")).content.decode()


def test_merging_a_record_with_itself_is_refused(world: World) -> None:
    response = world.client("kecamatan").post(
        reverse("participants:merge"),
        {"keep": world.participant.pk, "duplicate": world.participant.pk},
        follow=True,
    )
    assert response.status_code == 200 and list(response.context["messages"])
    world.participant.refresh_from_db()
    assert world.participant.status == "active"


def test_at_risk_lists_the_longest_silence_first_with_a_way_to_call(world: World) -> None:
    recent = make_at_risk(make_participant(nik=_nik(1), full_name="Baru Diam"), days=35)
    oldest = make_at_risk(make_participant(nik=_nik(2), full_name="Lama Diam"), days=90)
    make_at_risk(world.participant, days=60)
    make_participant(nik=_nik(3), full_name="Masih Aktif")
    response = world.client("kecamatan").get(reverse("participants:at_risk"))
    body = response.content.decode()
    assert _ids(response) == [oldest.pk, world.participant.pk, recent.pk]
    assert "Masih Aktif" not in body
    assert "90" in body and f"tel:{oldest.phone}" in body and oldest.whatsapp_url in body


def test_answering_a_data_request(world: World) -> None:
    request = data_request(world)
    late = services.data_request_create(
        participant=world.participant,
        kind="correction",
        details="Alamat salah.",
        actor=world.user("participant"),
    )
    DataRequest.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    client = world.client("kecamatan")
    body = client.get(reverse("participants:data_requests")).content.decode()
    assert body.index(f"dr-{late.pk}") < body.index(f"dr-{request.pk}")  # overdue first
    assert "Alamat salah." in body

    empty = client.post(reverse("participants:data_request_answer", args=[request.pk]), {"answer": " "})
    assert empty.status_code == 422
    response = client.post(
        reverse("participants:data_request_answer", args=[request.pk]),
        {"answer": "Salinan data dikirim lewat email."},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "answered" and request.answered_by == world.user("kecamatan")
    assert f"dr-{request.pk}" not in client.get(reverse("participants:data_requests")).content.decode()
