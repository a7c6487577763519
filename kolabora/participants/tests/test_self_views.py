"""Self-registration and the participant's own pages, as the participant sees them.

Messages are compared in the language the page is served in (Indonesian), through the catalogue, so the
tests hold before and after a string gets its translation.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import dateformat, timezone, translation

from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.testing import WORLD_NIK, World, make_participant, pdf_bytes
from kolabora.participants.choices import ConsentPurpose, Sex
from kolabora.participants.models import Consent, DataRequest, Participant
from kolabora.participants.services import duplicate_message
from kolabora.participants.templatetags.participant_extras import rupiah
from kolabora.participants.validation import years_before
from kolabora.participants.views_self import SESSION_KEY
from kolabora.pathway.services import stage_transition

pytestmark = pytest.mark.django_db

NIK = "3175100101900031"  # man born 1 January 1990, kecamatan Cipayung
OUTSIDE_NIK = "3273010101900001"  # man born 1 January 1990, kecamatan Sukasari, Kota Bandung
PASSWORD = "Usaha-maju-2026"
STEP: dict[int, dict[str, Any]] = {
    1: {"nik": NIK, "full_name": "Budi Santoso"},
    2: {"phone": "0812-1111-2222", "email": "budi@example.test"},
    3: {"kelurahan_code": "31.75.10.1001", "address": "Jl. Mawar 1, RT 01/RW 02"},
    4: {
        "entry_track": "pemula",
        "business_name": "Warung Budi",
        "sector": "kuliner",
        "workers": "1",
        "monthly_turnover": "Rp 1.500.000",
    },
    5: {
        "consents": ["programme", "statistics"],
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    },
}


def t(msgid: str, **values: Any) -> str:
    """The message as an Indonesian page shows it."""
    with translation.override("id"):
        text = translation.gettext(msgid)
    return text % values if values else text


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def url(step: int) -> str:
    return reverse("me:register_step", args=[step])


def post(client: Client, step: int, **changes: Any) -> Any:
    return client.post(url(step), {**STEP[step], **changes})


def walk(client: Client, upto: int, **changes: dict[str, Any]) -> None:
    """Pass screens 1..upto, each answered with STEP plus ``changes['s<n>']``."""
    for n in range(1, upto + 1):
        response = post(client, n, **changes.get(f"s{n}", {}))
        assert response.status_code == 302, (n, text(response)[:3000])


def pdf_upload(name: str = "surat.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def draft_files(folder: str = "registration-drafts") -> list[str]:
    try:
        dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return []
    return [f"{folder}/{f}" for f in files] + [x for d in dirs for x in draft_files(f"{folder}/{d}")]


def nik_born(day: dt.date, serial: str = "0007") -> str:
    return f"317510{day:%d%m%y}{serial}"


# --- the wizard -----------------------------------------------------------------------------------


def test_five_screens_register_log_in_and_show_p1_completed(world: World) -> None:
    client = Client()
    first = client.get(reverse("me:register"))
    assert first.status_code == 302 and first["Location"] == url(1)
    page = client.get(url(1))
    assert t("Step %(n)s of %(total)s", n=1, total=5) in text(page)
    for n in range(1, 5):
        response = post(client, n)
        assert response.status_code == 302 and response["Location"] == url(n + 1)
    final = post(client, 5)
    assert final.status_code == 302 and final["Location"] == reverse("me:progress")

    participant = Participant.objects.get(nik=NIK)
    assert participant.user is not None and participant.channel == "online"
    assert set(participant.consents.values_list("purpose", flat=True)) == {"programme", "statistics"}
    business = participant.businesses.get()
    assert business.name == "Warung Budi" and business.monthly_turnover == 1_500_000
    assert SESSION_KEY not in client.session

    progress = client.get(reverse("me:progress"))
    body = text(progress)
    assert progress.status_code == 200 and "Budi Santoso" in body
    p1 = progress.context["rows"][0]["stage"]
    assert p1.code == "P1" and p1.status == "completed"
    with translation.override("id"):
        on = dateformat.format(timezone.localtime(p1.since), "j F Y")
    assert t("Completed on %(date)s.", date=on) in body


def test_screen_two_shows_what_the_nik_says(world: World) -> None:
    client = Client()
    walk(client, 1)
    body = text(client.get(url(2)))
    with translation.override("id"):
        assert str(Sex.MALE.label) in body
    assert "1990" in body and "Cipayung" in body


def test_going_back_keeps_what_was_typed(world: World) -> None:
    client = Client()
    walk(client, 2)
    # Halfway through screen 3 the person goes back: what they typed there is kept too.
    back = client.post(url(3), {"address": "Jl. Kenanga 9", "back": "1"})
    assert back.status_code == 302 and back["Location"] == url(2)
    screen2 = text(client.get(url(2)))
    assert 'value="0812-1111-2222"' in screen2 and 'value="budi@example.test"' in screen2
    screen1 = text(client.get(url(1)))
    assert f'value="{NIK}"' in screen1 and 'value="Budi Santoso"' in screen1
    assert post(client, 2)["Location"] == url(3)
    assert "Jl. Kenanga 9" in text(client.get(url(3)))


def test_a_screen_cannot_be_skipped(world: World) -> None:
    client = Client()
    walk(client, 1)
    response = client.get(url(4))
    assert response.status_code == 302 and response["Location"] == url(2)
    assert client.post(url(5), STEP[5])["Location"] == url(2)
    assert not Participant.objects.filter(nik=NIK).exists()


@pytest.mark.parametrize(
    ("nik", "message"),
    [
        ("12345", lambda: t("A NIK has exactly 16 digits; this one has %(n)s characters.", n=5)),
        (
            "3175103202900001",
            lambda: t("The birth date in this NIK (%(digits)s) is not a real date.", digits="320290"),
        ),
    ],
)
def test_a_bad_nik_is_explained_on_screen_one(world: World, nik: str, message: Any) -> None:
    client = Client()
    response = post(client, 1, nik=nik)
    assert response.status_code == 200
    assert message() in text(response)
    assert 'value="Budi Santoso"' in text(response)  # nothing typed is lost


def test_under_seventeen_is_refused_with_the_age(world: World) -> None:
    day = timezone.localdate()
    born = day.replace(year=day.year - 16)
    response = post(Client(), 1, nik=nik_born(born))
    assert response.status_code == 200
    assert t(
        "Participants must be at least %(min)s years old; this NIK gives an age of %(age)s.", min=17, age=16
    ) in text(response)


def test_a_registered_nik_explains_how_to_get_back_in(world: World) -> None:
    response = post(Client(), 1, nik=WORLD_NIK)
    body = text(response)
    assert response.status_code == 200
    with translation.override("id"):
        assert duplicate_message() in body
    assert reverse("accounts:password_reset") in body


def test_a_nik_registered_meanwhile_sends_the_person_back_to_screen_one(world: World) -> None:
    client = Client()
    walk(client, 4)
    make_participant(nik=NIK, full_name="Budi Santoso")  # e.g. at the kecamatan, in the meantime
    response = post(client, 5)
    assert response.status_code == 302 and response["Location"] == url(1)
    body = text(client.get(url(1)))
    with translation.override("id"):
        assert duplicate_message() in body
    assert Participant.objects.filter(nik=NIK).count() == 1


def test_a_bad_phone_is_explained_on_screen_two(world: World) -> None:
    client = Client()
    walk(client, 1)
    response = post(client, 2, phone="12345")
    assert response.status_code == 200
    assert t(
        "“%(phone)s” is not a valid Indonesian phone number (for example 0812-3456-7890).", phone="12345"
    ) in text(response)


def test_outside_jakarta_needs_the_lurah_letter_and_two_years(world: World) -> None:
    client = Client()
    walk(client, 2, s1={"nik": OUTSIDE_NIK})
    screen3 = client.get(url(3))
    assert "domicile_letter" in text(screen3)

    long_ago = "2015-03-01"
    no_letter = post(client, 3, domicile_since=long_ago)
    assert no_letter.status_code == 200
    assert t("Attach the domicile letter from your lurah.") in text(no_letter)

    not_a_pdf = post(
        client, 3, domicile_since=long_ago, domicile_letter=SimpleUploadedFile("surat.pdf", b"hello")
    )
    assert t("This file is not a PDF, JPG or PNG. Upload a scan or a photo of the letter.") in text(not_a_pdf)

    too_big = b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024)
    big = post(client, 3, domicile_since=long_ago, domicile_letter=SimpleUploadedFile("besar.pdf", too_big))
    assert t("The file is larger than 5 MB. Take a smaller photo or scan, or save it as a PDF.") in text(big)

    recent = (timezone.localdate() - dt.timedelta(days=200)).isoformat()
    earliest = years_before(timezone.localdate(), 2).strftime("%d/%m/%Y")
    too_short_message = t(
        "You need to have lived in Jakarta for at least 2 years (since %(date)s or earlier).", date=earliest
    )
    both = text(post(client, 3, domicile_since=recent))
    assert too_short_message in both and t("Attach the domicile letter from your lurah.") in both

    too_short = post(client, 3, domicile_since=recent, domicile_letter=pdf_upload())
    assert too_short.status_code == 200
    assert too_short_message in text(too_short)
    # The letter passed its own check, so it stays attached while the date is corrected.
    assert "surat.pdf" in text(too_short)

    assert post(client, 3, domicile_since=long_ago)["Location"] == url(4)
    walk_rest = [post(client, 4), post(client, 5)]
    assert walk_rest[-1]["Location"] == reverse("me:progress")
    participant = Participant.objects.get(nik=OUTSIDE_NIK)
    assert participant.domicile_basis == "domicile_letter" and participant.eligibility_verified_at is None
    document = participant.documents.get()
    assert document.kind == "domicile_letter" and document.file.read().startswith(b"%PDF")
    p1 = client.get(reverse("me:progress")).context["rows"][0]["stage"]
    assert p1.status == "in_progress"
    assert draft_files() == []


def test_naik_kelas_needs_proof_of_ownership(world: World) -> None:
    client = Client()
    walk(client, 3)
    response = post(client, 4, entry_track="naik_kelas")
    assert response.status_code == 200
    assert t(
        "Attach proof that you own the business (e.g. a photo of the premises, a business letter or an existing licence)."
    ) in text(response)
    photo = SimpleUploadedFile("warung.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, content_type="image/png")
    assert (
        post(client, 4, entry_track="naik_kelas", nib="1234567890123", ownership_proof=photo).status_code
        == 302
    )
    assert post(client, 5).status_code == 302
    participant = Participant.objects.get(nik=NIK)
    assert participant.documents.get().kind == "ownership_proof"
    stages = {r["stage"].code: r["stage"].status for r in client.get(reverse("me:progress")).context["rows"]}
    assert stages["P4"] == "completed"  # a recorded NIB is a licence already


def test_last_screen_needs_programme_consent_and_matching_passwords(world: World) -> None:
    client = Client()
    walk(client, 4)
    response = post(client, 5, consents=["statistics"], password_confirm="lain-lagi-2026")
    body = text(response)
    assert response.status_code == 200
    assert t("The two passwords are not the same.") in body
    response = post(client, 5, consents=["statistics"])
    assert t("Registering needs your consent to processing for the programme administration.") in text(
        response
    )
    assert not Participant.objects.filter(nik=NIK).exists()


def test_an_error_found_at_the_end_goes_back_to_its_screen_keeping_everything(world: World) -> None:
    client = Client()
    walk(client, 4, s2={"email": world.user("permitted").email})
    response = post(client, 5)
    assert response.status_code == 302 and response["Location"] == url(2)
    screen2 = text(client.get(url(2)))
    assert t("This email is already used by another account.") in screen2
    assert f'value="{world.user("permitted").email}"' in screen2
    assert not Participant.objects.filter(nik=NIK).exists()
    # Once corrected, the person goes straight back to the last screen; nothing else is asked again.
    fixed = post(client, 2, email="budi.baru@example.test")
    assert fixed["Location"] == url(5)
    assert "Warung Budi" in text(client.get(url(5)))
    assert post(client, 5)["Location"] == reverse("me:progress")


def test_start_again_clears_everything(world: World) -> None:
    client = Client()
    walk(client, 2)
    response = client.post(reverse("me:register_reset"))
    assert response["Location"] == url(1)
    assert NIK not in text(client.get(url(1)))


def test_a_participant_who_is_logged_in_goes_to_their_progress(world: World) -> None:
    response = world.client("participant").get(reverse("me:register"))
    assert response.status_code == 302 and response["Location"] == reverse("me:progress")


# --- my pages -------------------------------------------------------------------------------------


def test_progress_says_what_is_needed_and_what_blocks(world: World) -> None:
    response = world.client("participant").get(reverse("me:progress"))
    body = text(response)
    assert response.status_code == 200
    with translation.override("id"):
        upcoming = response.context["upcoming"]
        assert upcoming.code == "P2"
        assert upcoming.requirements in body  # "what is needed" for the next step, in words
    assert t("Needs %(stages)s completed first.", stages="P4 Perizinan") in body
    assert (
        t("Needs %(stages)s completed first.", stages=f"P4 Perizinan {t('and')} P6 Pelaporan Keuangan")
        in body
    )


def test_progress_shows_the_training_level_reached(world: World) -> None:
    stage_transition(
        participant=world.participant, stage="P2", to_status="in_progress", actor=None, reason="", level=1
    )
    response = world.client("participant").get(reverse("me:progress"))
    body = text(response)
    assert t("Level reached: T%(level)s of T%(levels)s.", level=1, levels=3) in body
    p2 = next(r for r in response.context["rows"] if r["stage"].code == "P2")
    assert [level["reached"] for level in p2["levels"]] == [True, False, False]


def test_my_pages_refuse_staff_and_send_visitors_to_log_in(world: World) -> None:
    assert world.client("permitted").get(reverse("me:progress")).status_code == 403
    anonymous = world.client("anonymous").get(reverse("me:data"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("accounts:login"))


def test_my_data_masks_the_nik_and_formats_rupiah(world: World) -> None:
    body = text(world.client("participant").get(reverse("me:data")))
    assert world.participant.nik_masked in body and WORLD_NIK not in body
    assert "Rp 2.000.000" in body
    assert reverse("me:requests") + "?kind=correction" in body


def test_consents_can_be_given_and_withdrawn(world: World) -> None:
    client = world.client("participant")
    participant = world.participant

    def is_open(purpose: str) -> bool:
        return Consent.objects.filter(participant=participant, purpose=purpose, withdrawn_at=None).exists()

    assert client.post(reverse("me:consent_grant"), {"purpose": "statistics"}).status_code == 302
    assert is_open("statistics")
    client.post(reverse("me:consent_withdraw"), {"purpose": "statistics"})
    assert not is_open("statistics")
    page = text(client.get(reverse("me:consents")))
    assert t("Withdrawn") in page and t("Given") in page

    # Programme administration: asked once more with a clear warning, then allowed.
    warning = client.post(reverse("me:consent_withdraw"), {"purpose": "programme"})
    assert warning.status_code == 200 and is_open("programme")
    assert t("Yes, withdraw my consent") in text(warning)
    done = client.post(reverse("me:consent_withdraw"), {"purpose": "programme", "confirm": "1"})
    assert done.status_code == 302 and not is_open("programme")
    # Financial institutions: asked once more too, saying that waiting referrals are withdrawn.
    if not is_open("financial_institutions"):
        client.post(reverse("me:consent_grant"), {"purpose": "financial_institutions"})
    warning = client.post(reverse("me:consent_withdraw"), {"purpose": "financial_institutions"})
    assert warning.status_code == 200 and is_open("financial_institutions")
    assert t(
        "Banks and other financial institutions can no longer see your data. A referral still waiting for a "
        "bank's decision is withdrawn, and the bank is told; a loan already approved is not affected. You can "
        "give the consent again at any time, and then be referred again."
    ) in text(warning)
    client.post(reverse("me:consent_withdraw"), {"purpose": "financial_institutions", "confirm": "1"})
    assert not is_open("financial_institutions")
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.CONSENT_WITHDRAWN,
            object_id=str(participant.pk),
            actor=world.user("participant"),
        ).count()
        == 3
    )


def test_json_download_holds_everything_with_the_audit_trail_and_is_audited(world: World) -> None:
    before = AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_EXPORTED).count()
    response = world.client("participant").get(reverse("me:export_json"))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["participant"]["nik"] == WORLD_NIK
    assert data["businesses"][0]["figures"][0]["monthly_turnover"] == 2_000_000
    assert {c["purpose"] for c in data["consents"]} == {ConsentPurpose.PROGRAMME}
    assert [s["code"] for s in data["stages"]] == ["P1", "P2", "P3", "P4", "P5", "P6", "P7"]
    actions = [e["action"] for e in data["record_of_processing"]]
    assert AuditAction.PARTICIPANT_REGISTERED in actions and AuditAction.PERSONAL_DATA_EXPORTED in actions
    exported = AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_EXPORTED)
    assert exported.count() == before + 1
    row = exported.first()
    assert row is not None and row.after == {"format": "json"} and row.object_id == str(world.participant.pk)


def test_pdf_download_is_a_pdf_and_is_audited(world: World) -> None:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:  # the system libraries WeasyPrint needs are missing
        pytest.skip(f"WeasyPrint cannot run here: {exc}")
    response = world.client("participant").get(reverse("me:export_pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    row = AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_EXPORTED).first()
    assert row is not None and row.after == {"format": "pdf"}


def test_a_request_is_due_in_three_times_24_hours(world: World) -> None:
    client = world.client("participant")
    refused = client.post(reverse("me:requests"), {"kind": "correction", "details": ""})
    assert refused.status_code == 200
    assert t("Say which data is wrong and what it should be.") in text(refused)
    assert not DataRequest.objects.exists()

    response = client.post(reverse("me:requests"), {"kind": "correction", "details": "Alamat saya pindah."})
    assert response.status_code == 302
    made = DataRequest.objects.get()
    assert made.participant == world.participant
    assert abs(made.due_at - (timezone.now() + dt.timedelta(hours=72))) < dt.timedelta(minutes=1)
    page = text(client.get(reverse("me:requests")))
    assert "Alamat saya pindah." in page
    assert f"{timezone.localtime(made.due_at):%Y}" in page


def test_rupiah_uses_dots_between_thousands() -> None:
    assert rupiah(1_500_000) == "Rp 1.500.000"
    assert rupiah(0) == "Rp 0"
    assert rupiah(None) == ""
