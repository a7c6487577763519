"""Governance test data: received services, hand-offs on chosen dates, participants at chosen stages,
and the objects the permission matrix shares (built once per world and kept on it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from kolabora.accounts.models import User
from kolabora.core.testing import World, make_participant
from kolabora.governance import services
from kolabora.governance.models import AssessmentRound, Feedback
from kolabora.handoffs.models import Handoff
from kolabora.handoffs.services import handoff_finish, handoff_open
from kolabora.organisations.models import Organisation
from kolabora.participants.models import Participant
from kolabora.pathway.services import stage_transition
from kolabora.regions.models import Region
from kolabora.training.choices import EnrolmentStatus
from kolabora.training.models import Enrolment
from kolabora.training.tests.factories import CourseFactory, TrainingSessionFactory

_serial = iter(range(100, 10_000))


def participant(
    *, kelurahan: str = "31.75.02.1001", account: bool = False, consents: list[str] | None = None
) -> Participant:
    """A registered participant (P1 completed at registration), optionally with an account."""
    n = next(_serial)
    return make_participant(
        nik=f"31750202028{n:05d}",
        full_name=f"Peserta Tata Kelola {n}",
        kelurahan=kelurahan,
        consents=consents if consents is not None else ["programme"],
        password="rahasia-uji-123" if account else "",
        email=f"tatakelola{n}@example.test" if account else "",
    )


def reach(p: Participant, *stages: str) -> None:
    """Start each stage (as the platform); P1 is completed at registration."""
    for code in stages:
        stage_transition(participant=p, stage=code, to_status="in_progress", actor=None, reason="uji")


def ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def handoff(
    org: Organisation,
    *,
    received: dt.datetime,
    days: int = 2,
    done: dt.datetime | None = None,
    subject_type: str = "uji.kasus",
    subject_id: int | None = None,
    step: str = "langkah",
    participant: Participant | None = None,
) -> Handoff:
    h = handoff_open(
        subject_type=subject_type,
        subject_id=subject_id if subject_id is not None else next(_serial),
        step=step,
        step_name=f"Langkah {step}",
        organisation=org,
        service_days=days,
        participant=participant,
        at=received,
    )
    if done is not None:
        h = handoff_finish(handoff=h, actor=None, outcome="selesai", at=done)
    return h


def attended(p: Participant, provider: Organisation, *, days_ago: int = 10) -> Enrolment:
    """A training session of ``provider`` that the participant attended (history written as it stood)."""
    course = CourseFactory.create(provider=provider, title=f"Kursus {provider.name} {next(_serial)}")
    start = timezone.now() - dt.timedelta(days=days_ago)
    session = TrainingSessionFactory.create(
        course=course, starts_at=start, ends_at=start + dt.timedelta(hours=3)
    )
    return Enrolment.objects.create(session=session, participant=p, status=EnrolmentStatus.ATTENDED)


def account(p: Participant) -> User:
    assert p.user is not None
    return p.user


# --- objects the permission matrix uses ---------------------------------------------------------------

COMMENT = "Materi pelatihan bermanfaat tapi tempatnya jauh (uji matriks)"


@dataclass
class Gov:
    feedback: Feedback
    rateable: Enrolment
    round: AssessmentRound
    draft: AssessmentRound


def gov(w: World) -> Gov:
    """A feedback of the world's participant to the Cipayung secretariat (a training they attended), a
    second attended session not rated yet, an open round over Jakarta Timur inviting the Cipayung
    secretariat and the Jakarta Timur office, and a draft round."""
    found: Gov | None = w.__dict__.get("_governance")
    if found is not None:
        return found
    p = w.participant
    first = attended(p, w.cipayung, days_ago=12)
    rateable = attended(p, w.cipayung, days_ago=6)
    fb = services.feedback_give(
        participant=p,
        kind="training",
        subject_id=first.pk,
        rating=3,
        comment=COMMENT,
        actor=w.user("participant"),
    )
    from kolabora.governance.instruments import load
    from kolabora.governance.models import Dimension, Framework, Item

    # A live-server test earlier in the suite may have flushed the instruments' data migration.
    load(Framework, Dimension, Item)
    manager = w.user("permitted")
    region = Region.objects.get(code="31.75")
    kwargs: dict[str, Any] = {
        "actor": manager,
        "framework": Framework.objects.get(code="deseve"),
        "region": region,
        "period_start": dt.date(2026, 1, 1),
        "period_end": dt.date(2026, 6, 30),
        "closes_on": timezone.localdate() + dt.timedelta(days=14),
        "organisations": [w.cipayung, w.sudin_jaktim],
    }
    rnd = services.round_create(title="Penilaian Jakarta Timur (uji matriks)", **kwargs)
    rnd = services.round_open(round=rnd, actor=manager)
    draft = services.round_create(title="Penilaian draf (uji matriks)", **kwargs)
    found = Gov(fb, rateable, rnd, draft)
    w.__dict__["_governance"] = found
    return found
