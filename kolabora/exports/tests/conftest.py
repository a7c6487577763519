"""Participants in three places, with stage statuses and records of every existing stage, for the export tests.

- Siti Aminah (the world's participant), Cipayung (Jakarta Timur): P2 completed at level 2, a training
  enrolment attended with its follow-up answered, a mentoring session, an IUMK application issued and its
  licence; registered on 2025-03-10.
- Budi Santoso, Cilangkap, Cipayung: naik kelas, fashion, P4 completed; registered on 2025-08-01.
- Rina Wati, Pisangan Baru, Matraman (Jakarta Timur, another kecamatan).
- Dewi Lestari, Ulujami, Pesanggrahan (Jakarta Selatan).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any, cast

import pytest
from django.test import Client
from django.utils import timezone

from kolabora.accounts.models import User
from kolabora.core.testing import World, make_member, make_org, make_participant
from kolabora.licensing.models import Licence, LicenceApplication, LicenceType
from kolabora.mentoring.models import MentoringSession
from kolabora.organisations.choices import OrganisationType, Role
from kolabora.participants.models import Participant
from kolabora.participants.services import BusinessInput
from kolabora.pathway.services import stage_transition
from kolabora.training.models import Enrolment, FollowUp, TrainingSession
from kolabora.training.tests.factories import CourseFactory, TrainingSessionFactory

EXPORT_URL = "/ekspor/peserta/"
API_URL = "/api/v1/exports/participants"


@dataclass
class Exports:
    world: World
    siti: Participant
    budi: Participant
    rina: Participant
    dewi: Participant
    enrolment: Enrolment
    session: MentoringSession
    application: LicenceApplication
    licence: Licence

    def user(self, persona: str) -> User:
        return self.world.user(persona)

    def client(self, persona: str) -> Client:
        return self.world.client(persona)


def _registered(p: Participant, day: dt.date) -> Participant:
    Participant.objects.filter(pk=p.pk).update(registered_on=day)
    p.refresh_from_db()
    return p


@pytest.fixture
def ex(world: World) -> Exports:
    when = timezone.make_aware(dt.datetime(2025, 4, 2, 10, 30))
    siti = _registered(world.participant, dt.date(2025, 3, 10))
    stage_transition(participant=siti, stage="P2", to_status="completed", actor=None, level=2, at=when)
    budi = _registered(
        make_participant(
            nik="3175100101850021",
            full_name="Budi Santoso",
            kelurahan="31.75.10.1002",
            entry_track="naik_kelas",
            business=BusinessInput(name="Konveksi Budi", sector="fashion", monthly_turnover=9_000_000),
        ),
        dt.date(2025, 8, 1),
    )
    stage_transition(participant=budi, stage="P4", to_status="completed", actor=None)
    rina = make_participant(nik="3175014202900031", full_name="Rina Wati", kelurahan="31.75.01.1001")
    dewi = make_participant(nik="3174104303900041", full_name="Dewi Lestari", kelurahan="31.74.10.1005")

    course = CourseFactory(provider=world.trainer, title='=HYPERLINK("http://x")', level=2)
    training = cast(
        "TrainingSession",
        TrainingSessionFactory(course=course, starts_at=when, ends_at=when + dt.timedelta(hours=3)),
    )
    enrolment = Enrolment.objects.create(
        session=training,
        participant=siti,
        status="attended",
        attendance_method="list",
        attendance_recorded_at=when + dt.timedelta(hours=2),
    )
    FollowUp.objects.create(
        enrolment=enrolment, due_on=dt.date(2025, 5, 1), applied=True, bookkeeping=False, answered_at=when
    )
    mentor = make_member("pendamping.uji", world.cipayung, Role.MENTOR)
    session = MentoringSession.objects.create(
        participant=siti,
        mentor=mentor,
        organisation=world.cipayung,
        held_on=dt.date(2025, 4, 20),
        mode="visit",
        topics=["pricing", "licensing"],
        next_step="Daftar NIB",
        monthly_turnover=4_500_000,
    )
    ptsp = make_org("PTSP Kelurahan Cipayung Uji", siti.kelurahan_id, OrganisationType.PTSP_UNIT)
    iumk = LicenceType.objects.get(code="iumk")
    application = LicenceApplication.objects.create(
        participant=siti,
        business=siti.businesses.get(),
        licence_type=iumk,
        kelurahan_id=siti.kelurahan_id,
        location_address="Jl. Raya Lubang Buaya 12",
        ptsp=ptsp,
        status="issued",
        submissions=1,
        first_submitted_at=when,
        submitted_at=when,
        decided_at=when + dt.timedelta(days=5),
    )
    licence = Licence.objects.create(
        participant=siti,
        business=siti.businesses.get(),
        licence_type=iumk,
        application=application,
        number="IUMK/UJI/0001",
        issued_on=dt.date(2025, 4, 8),
        status="valid",
    )
    return Exports(world, siti, budi, rina, dewi, enrolment, session, application, licence)


def read_csv(body: bytes) -> list[list[str]]:
    import csv

    assert body.startswith(b"\xef\xbb\xbf"), "CSV starts with a UTF-8 byte-order mark for Excel"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(body: bytes) -> dict[str, list[list[Any]]]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(body))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def content(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def english(settings: Any) -> Any:
    """For tests that compare the English source of a message naming the exact rule; that users read it in
    Indonesian is checked by the translation tests."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
