"""The mentoring pages as mentors and the secretariat use them."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kolabora.accounts.models import User
from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.testing import make_participant
from kolabora.core.timeutils import today
from kolabora.mentoring import services
from kolabora.mentoring.models import MentoringSession, MentorTarget
from kolabora.participants.models import Participant

from .conftest import Mentoring
from .factories import PNG, p3, session_input, start_p3

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def person(tail: str, name: str) -> Participant:
    return start_p3(make_participant(nik=f"317510010190{tail}", full_name=name, kelurahan="31.75.10.1002"))


def test_the_mentor_home_lists_the_caseload_with_ways_to_reach_them(m: Mentoring) -> None:
    p = m.world.participant
    services.session_log(
        participant=p,
        actor=m.mentor,
        data=session_input(
            held_on=today() - dt.timedelta(days=5),
            next_step="Foto produk",
            next_step_due=today() - dt.timedelta(days=2),
        ),
    )
    response = client_for(m.mentor).get(reverse("mentoring:home"))
    body = response.content.decode()
    assert response.status_code == 200
    assert p.full_name in body and "Foto produk" in body
    assert f'href="tel:{p.phone}"' in body and p.whatsapp_url in body
    assert reverse("mentoring:session_log", args=[p.pk]) in body
    # The filter answers the htmx request with the list alone.
    fragment = client_for(m.mentor).get(
        reverse("mentoring:home") + "?tampil=terjadwal", HTTP_HX_REQUEST="true"
    )
    assert "<html" not in fragment.content.decode() and p.full_name not in fragment.content.decode()


def test_the_secretariat_lands_on_its_kecamatan_board(m: Mentoring) -> None:
    waiting = person("0001", "Menunggu Pendamping")
    response = client_for(m.world.user("kecamatan")).get(reverse("mentoring:home"))
    assert response.status_code == 302 and response["Location"] == reverse(
        "mentoring:board", args=["31.75.10"]
    )
    board = client_for(m.world.user("kecamatan")).get(response["Location"]).content.decode()
    assert waiting.full_name in board and m.mentor.username in board
    # A city's manager chooses among its kecamatan.
    city = client_for(m.world.user("permitted")).get(reverse("mentoring:home"))
    assert city.status_code == 200 and reverse("mentoring:board", args=["31.75.10"]) in city.content.decode()


def test_logging_a_session_on_one_screen(m: Mentoring) -> None:
    p = m.world.participant
    url = reverse("mentoring:session_log", args=[p.pk])
    client = client_for(m.mentor)
    form = client.get(url)
    assert form.status_code == 200 and 'name="topics"' in form.content.decode()
    response = client.post(
        url,
        {
            "held_on": today().isoformat(),
            "mode": "whatsapp",
            "topics": ["pricing", "marketing"],
            "notes": "Harga dinaikkan sedikit.",
            "next_step": "Coba jual di marketplace",
            "next_step_due": (today() + dt.timedelta(days=7)).isoformat(),
            "monthly_turnover": "2.750.000",
            "photo": SimpleUploadedFile("foto.png", PNG, content_type="image/png"),
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("mentoring:home")
    session = MentoringSession.objects.get()
    assert session.topics == ["pricing", "marketing"] and session.monthly_turnover == 2_750_000
    assert p3(p) == "in_progress"
    photo = client.get(reverse("mentoring:session_photo", args=[session.pk]))
    assert photo.status_code == 200 and b"".join(photo.streaming_content).startswith(PNG[:8])  # type: ignore[attr-defined]
    assert (
        client_for(m.world.user("out_of_region"))
        .get(reverse("mentoring:session_photo", args=[session.pk]))
        .status_code
        == 403
    )


def test_a_bad_session_comes_back_with_the_problems(m: Mentoring) -> None:
    url = reverse("mentoring:session_log", args=[m.world.participant.pk])
    response = client_for(m.mentor).post(url, {"held_on": today().isoformat(), "mode": "visit"})
    assert response.status_code == 422 and not MentoringSession.objects.exists()
    fake = SimpleUploadedFile("foto.jpg", b"MZ\x90\x00 not a photo", content_type="image/jpeg")
    response = client_for(m.mentor).post(
        url, {"held_on": today().isoformat(), "mode": "visit", "topics": ["other"], "photo": fake}
    )
    assert response.status_code == 422 and not MentoringSession.objects.exists()


def test_only_the_mentor_or_a_mentor_of_the_area_opens_the_session_form(m: Mentoring) -> None:
    url = reverse("mentoring:session_log", args=[m.world.participant.pk])
    assert client_for(m.mentor2).get(url).status_code == 200  # nobody mentors her yet
    services.session_log(participant=m.world.participant, actor=m.mentor, data=session_input())
    assert client_for(m.mentor2).get(url).status_code == 403
    assert client_for(m.world.user("kecamatan")).get(url).status_code == 403


def test_completing_says_what_is_missing_then_completes(m: Mentoring) -> None:
    p = m.world.participant
    client = client_for(m.mentor)
    services.session_log(participant=p, actor=m.mentor, data=session_input())
    url = reverse("mentoring:complete", args=[p.pk])
    page = reverse("mentoring:participant", args=[p.pk])
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == page and p3(p) == "in_progress"
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    services.session_log(participant=p, actor=m.mentor, data=session_input())
    readiness = client.post(
        reverse("mentoring:readiness", args=[p.pk]),
        {
            "product": "Kue lapis",
            "customers": "Kantor",
            "price": "35.000",
            "price_unit": "per loyang",
            "next_step": "NIB",
            "ready": "on",
        },
    )
    assert readiness.status_code == 302
    assert client.post(url).status_code == 302 and p3(p) == "completed"


def test_the_secretariat_changes_a_mentor(m: Mentoring) -> None:
    p = m.world.participant
    services.session_log(participant=p, actor=m.mentor, data=session_input())
    client = client_for(m.world.user("kecamatan"))
    url = reverse("mentoring:assign", args=[p.pk])
    assert client.post(url, {"mentor": m.mentor2.pk}).status_code == 422  # the reason is needed
    response = client.post(url, {"mentor": m.mentor2.pk, "reason": "Cuti panjang"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.MENTOR_CHANGED).count() == 1
    assert client_for(m.mentor).get(url).status_code == 403


def test_assigning_everyone_waiting_from_the_board(m: Mentoring) -> None:
    people = [person(f"000{i}", f"Peserta {i}") for i in range(1, 4)]
    response = client_for(m.world.user("kecamatan")).post(
        reverse("mentoring:assign_unmentored", args=["31.75.10"])
    )
    assert response.status_code == 302
    assert all(p.mentor_assignments.filter(ended_at__isnull=True).exists() for p in people)


def _export(m: Mentoring, fmt: str) -> bytes:
    response = client_for(m.world.user("kecamatan")).get(reverse("mentoring:export") + f"?format={fmt}")
    assert response.status_code == 200
    return response.content


def test_the_export_for_incentive_payment_is_complete_and_audited(m: Mentoring) -> None:
    staff = m.world.user("kecamatan")
    year = today().year
    services.mentor_target_set(
        mentor=m.mentor,
        period_start=dt.date(year, 1, 1),
        period_end=dt.date(year, 12, 31),
        target=2,
        actor=staff,
    )
    a, b = person("0001", "Ani Lestari"), person("0002", "Budi Santoso")
    for p in (a, b):
        services.session_log(participant=p, actor=m.mentor, data=session_input())
    rows = list(csv.reader(io.StringIO(_export(m, "csv").decode("utf-8-sig"))))
    assert len(rows) == 3  # header and the two mentors of Cipayung
    by_user = {r[1]: r for r in rows[1:]}
    mine = by_user[m.mentor.username]
    # username, year, target 2, achieved 2, 100 %, sessions 2, mentored 2, completed 0, reached P4 0
    assert mine[3] == str(year) and mine[5:8] == ["2", "2", "100"] and mine[9:] == ["2", "2", "0", "0"]
    assert by_user[m.mentor2.username][5] == "60"  # the programme's default target
    exported = AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_EXPORTED).latest("id")
    assert exported.actor == staff and exported.after == {
        "format": "csv",
        "year": year,
        "mentors": 2,
        "participants": 2,
    }

    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(_export(m, "xlsx")))
    assert len(book.sheet_names) == 2
    detail = book.get_sheet_by_index(1).to_python()
    assert sorted(r[1] for r in detail[1:]) == ["Ani Lestari", "Budi Santoso"]
    assert all("••••" in str(r[2]) for r in detail[1:])  # masked NIK only
    assert AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_EXPORTED).count() == 2


def test_setting_a_target_from_the_form(m: Mentoring) -> None:
    form = client_for(m.world.user("kecamatan")).get(reverse("mentoring:target") + f"?mentor={m.mentor.pk}")
    assert f'value="{today().year}"' in form.content.decode() and 'value="60"' in form.content.decode()
    response = client_for(m.world.user("kecamatan")).post(
        reverse("mentoring:target"),
        {"mentor": m.mentor.pk, "year": today().year, "target": 60, "measure": "mentored"},
    )
    assert response.status_code == 302 and MentorTarget.objects.get().target == 60
