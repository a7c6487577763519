"""Training test data: factories for courses and sessions, and the objects the tests and the permission
matrix share, built lazily on the shared ``world`` and kept on it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from kolabora.accounts.models import User
from kolabora.core.testing import World, make_participant
from kolabora.participants.models import Participant
from kolabora.training import services
from kolabora.training.choices import CourseKind, CourseStatus, Level, SessionMode, Topic, Track
from kolabora.training.models import Course, Enrolment, FollowUp, TrainingSession


class CourseFactory(DjangoModelFactory[Course]):
    class Meta:
        model = Course

    title = factory.Sequence(lambda n: f"Jualan Online Uji {n}")
    description = "Dari WhatsApp sampai marketplace."
    kind = CourseKind.HARD_SKILL
    track = Track.UPSKILLING
    level = Level.T1
    topic = Topic.ECOMMERCE
    status = CourseStatus.PUBLISHED


class TrainingSessionFactory(DjangoModelFactory[TrainingSession]):
    class Meta:
        model = TrainingSession

    course = factory.SubFactory(CourseFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=3))
    mode = SessionMode.IN_PERSON
    place = "Kantor Kecamatan Cipayung, Ruang Serbaguna"
    capacity = 20
    trainer_name = "Bu Rina"
    region_id = "31.75.10"
    attendance_code = factory.LazyFunction(services.attendance_code_new)


def move_session(session: TrainingSession, starts_at: dt.datetime) -> TrainingSession:
    """Put a session at another time (history), keeping its length."""
    length = session.ends_at - session.starts_at
    TrainingSession.objects.filter(pk=session.pk).update(starts_at=starts_at, ends_at=starts_at + length)
    session.refresh_from_db()
    return session


def today_early() -> dt.datetime:
    """A moment on today's date (Asia/Jakarta) that has passed or is about to."""
    return timezone.localtime().replace(hour=0, minute=1, second=0, microsecond=0)


_serial = iter(range(100, 10_000))


def participant(
    *, kelurahan: str = "31.75.10.1002", consents: list[str] | None = None, account: bool = False
) -> Participant:
    """A registered participant of Cipayung (P1 completed), optionally with an account."""
    n = next(_serial)
    return make_participant(
        nik=f"31751001019{n:05d}",
        full_name=f"Peserta Uji {n}",
        kelurahan=kelurahan,
        consents=consents if consents is not None else ["programme"],
        password="rahasia-uji-123" if account else "",
        email=f"peserta{n}@example.test" if account else "",
    )


def account(p: Participant) -> User:
    """The participant's login (made with ``account=True``)."""
    assert p.user is not None
    return p.user


def consenting(*, account: bool = False) -> Participant:
    return participant(consents=["programme", "training_partners"], account=account)


def enrol(session: TrainingSession, p: Participant, actor: User | None = None) -> Enrolment:
    """Enrol through the service, as the participant themselves unless ``actor`` is given."""
    return services.enrolment_create(session=session, participant=p, actor=actor or account(p))


def _store(w: World) -> dict[str, Any]:
    """What these helpers made for this world (the world is rebuilt for every test)."""
    store: dict[str, Any] = w.__dict__.setdefault("training", {})
    return store


def _cached(w: World, name: str, build: Any) -> Any:
    store = _store(w)
    if name not in store:
        store[name] = build()
    return store[name]


# --- objects the permission matrix uses, built on first use -------------------------------------


def trainer_course(w: World) -> Course:
    """A published T1 course of the world's training partner (agreement in force)."""
    return _cached(
        w, "t_trainer_course", lambda: CourseFactory.create(provider=w.trainer, title="Live Selling Uji")
    )


def trainer_session(w: World) -> TrainingSession:
    """An upcoming session of the partner's course in Cipayung, with the world's participant enrolled."""

    def build() -> TrainingSession:
        s = TrainingSessionFactory.create(course=trainer_course(w))
        _store(w)["trainer_enrolment"] = enrol(s, w.participant)
        return s

    return _cached(w, "t_trainer_session", build)


def trainer_enrolment(w: World) -> Enrolment:
    trainer_session(w)
    enrolment: Enrolment = _store(w)["trainer_enrolment"]
    return enrolment


def today_session(w: World) -> TrainingSession:
    """A session of the partner's course taking place today, the world's participant holding a seat."""

    def build() -> TrainingSession:
        s = TrainingSessionFactory.create(course=trainer_course(w), trainer_name="Pak Hari")
        _store(w)["today_enrolment"] = enrol(s, w.participant)
        return move_session(s, today_early())

    return _cached(w, "t_today_session", build)


def today_enrolment(w: World) -> Enrolment:
    today_session(w)
    enrolment: Enrolment = _store(w)["today_enrolment"]
    return enrolment


def gov_draft_course(w: World) -> Course:
    """A draft course of the Cipayung secretariat (a government office: no agreement needed)."""
    return _cached(
        w,
        "t_gov_draft",
        lambda: CourseFactory.create(
            provider=w.cipayung, title="Pembukuan Sederhana Draf Uji", status=CourseStatus.DRAFT
        ),
    )


def gov_draft_session(w: World) -> TrainingSession:
    return _cached(
        w,
        "t_gov_draft_session",
        lambda: TrainingSessionFactory.create(course=gov_draft_course(w), trainer_name="Pelatih Draf Uji"),
    )


def gov_session(w: World) -> TrainingSession:
    """An upcoming session of a published Cipayung secretariat course, nobody enrolled."""
    return _cached(
        w,
        "t_gov_session",
        lambda: TrainingSessionFactory.create(
            course=CourseFactory.create(provider=w.cipayung, title="Kemasan Produk Uji")
        ),
    )


def follow_up(w: World) -> FollowUp:
    """A due follow-up of the world's participant, who attended a Cipayung session six weeks ago."""

    def build() -> FollowUp:
        s = TrainingSessionFactory.create(
            course=CourseFactory.create(provider=w.cipayung, title="Foto Produk Uji")
        )
        e = enrol(s, w.participant)
        move_session(s, timezone.now() - dt.timedelta(weeks=6))
        services.attendance_record(session=s, actor=w.user("kecamatan"), roster=[e.pk], present=[e.pk])
        return FollowUp.objects.get(enrolment=e)

    return _cached(w, "t_follow_up", build)
