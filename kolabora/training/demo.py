"""Demo training (P2): courses at T1–T3 by Universitas Negeri Jakarta (a partner under an agreement
covering P2, acting as ``mitra.pelatihan``) and by the Cipayung secretariat, with past and upcoming
sessions in Jakarta Timur.

Past sessions carry the history of demo participants of Jakarta Timur, consistent with the P2 level
the participants demo gave them: whoever completed level n attended one session of each level up to n;
whoever is in progress at level n attended the levels below and holds a seat at level n. That history is
written as it stood (it happened before Kolabora), with follow-up answers feeding each course's
application rate. Everything from today on goes through the services: courses, sessions, enrolments
(including ``peserta.demo``, in a session taking place today so the attendance code can be tried), the
waiting list and the attendance the partner has ticked so far.

Idempotent: when the first demo course exists, nothing is created.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone

from kolabora.accounts.models import User
from kolabora.core.demo import DemoContext
from kolabora.organisations.models import Organisation
from kolabora.participants.choices import RelationshipKind
from kolabora.participants.models import Participant
from kolabora.participants.services import relationship_open
from kolabora.pathway.models import ParticipantStage
from kolabora.regions.models import Region

from . import services
from .choices import AttendanceMethod, CourseKind, EnrolmentStatus, SessionMode, Topic, Track
from .models import Course, Enrolment, FollowUp, TrainingSession

SEED = 2026
UNJ = "Universitas Negeri Jakarta"
CIPAYUNG = "31.75.10"
PULOGADUNG = "31.75.02"
CAMPUS = "Kampus UNJ Rawamangun, Gedung Pusat Kewirausahaan"
KECAMATAN_OFFICE = "Kantor Kecamatan Cipayung, Ruang Serbaguna"
# Kecamatan whose demo participants carry a training history.
HISTORY_KECAMATAN = [CIPAYUNG, PULOGADUNG, "31.75.03", "31.75.09"]
HISTORY_PER_KECAMATAN = 45


@dataclass(frozen=True)
class CourseSpec:
    key: str
    level: int
    title: str
    topic: str
    kind: str
    track: str
    description: str


UNJ_COURSES = [
    CourseSpec(
        "wa", 1, "Jualan Lewat WhatsApp dan Media Sosial", Topic.WHATSAPP_SOCIAL, CourseKind.HARD_SKILL,
        Track.NEW_SKILLING,
        "Katalog WhatsApp Business, foto produk dengan ponsel, dan membalas pelanggan dengan cepat. "
        "Untuk yang baru mulai berjualan secara daring.",
    ),
    CourseSpec(
        "market", 2, "Buka Toko di Marketplace", Topic.ECOMMERCE, CourseKind.HARD_SKILL, Track.UPSKILLING,
        "Membuka toko, menulis deskripsi produk, menentukan ongkos kirim, dan mengelola pesanan di marketplace.",
    ),
    CourseSpec(
        "live", 3, "Live Selling: Jualan Langsung Lewat Siaran", Topic.LIVE_SELLING, CourseKind.HARD_SKILL,
        Track.UPSKILLING,
        "Menyiapkan siaran langsung, naskah singkat, promo selama siaran, dan membaca hasil penjualan.",
    ),
    CourseSpec(
        "books", 2, "Pembukuan Sederhana untuk UMKM", Topic.BOOKKEEPING, CourseKind.HARD_SKILL, Track.RESKILLING,
        "Mencatat uang masuk dan keluar setiap hari, memisahkan uang usaha dan pribadi, dan menyusun laporan "
        "laba rugi sederhana dengan aplikasi gratis.",
    ),
]  # fmt: skip
CIPAYUNG_COURSES = [
    CourseSpec(
        "basic", 1, "Pelatihan Dasar Kewirausahaan JakPreneur", Topic.BUSINESS_MANAGEMENT, CourseKind.SOFT_SKILL,
        Track.NEW_SKILLING,
        "Tujuh Langkah PAS, mengenal pelanggan, menghitung harga pokok, dan menyusun rencana usaha satu halaman.",
    ),
    CourseSpec(
        "legal", 1, "Legalitas Usaha: NIB, P-IRT dan Halal", Topic.LICENSING, CourseKind.HARD_SKILL,
        Track.NEW_SKILLING,
        "Mendaftar NIB di OSS, syarat P-IRT untuk produk pangan, dan sertifikat halal jalur self-declare.",
    ),
    CourseSpec(
        "pack", 2, "Kemasan dan Merek yang Menjual", Topic.PACKAGING, CourseKind.HARD_SKILL, Track.UPSKILLING,
        "Memilih kemasan yang aman dan menarik, label yang memenuhi aturan, dan merek yang mudah diingat.",
    ),
]  # fmt: skip
DRAFT = CourseSpec(
    "photo", 1, "Foto Produk dengan Ponsel", Topic.PRODUCT_PHOTO, CourseKind.HARD_SKILL, Track.NEW_SKILLING,
    "Cahaya alami, latar sederhana, dan menyunting foto produk di ponsel.",
)  # fmt: skip
TRAINERS = [
    "Dr. Rina Marlina",
    "Bayu Prasetyo, M.M.",
    "Dewi Anggraini, S.E.",
    "Fajar Ramadhan",
    "Sri Hartati",
]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _course(spec: CourseSpec, provider: Organisation, actor: User, *, publish: bool = True) -> Course:
    course = services.course_create(
        provider=provider,
        actor=actor,
        title=spec.title,
        description=spec.description,
        kind=spec.kind,
        track=spec.track,
        level=spec.level,
        topic=spec.topic,
    )
    return services.course_publish(course=course, actor=actor) if publish else course


def _session(
    course: Course, actor: User, start: dt.datetime, *, region: str, place: str, capacity: int, trainer: str
) -> TrainingSession:
    online = place == ""
    return services.session_create(
        course=course,
        actor=actor,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        capacity=capacity,
        trainer_name=trainer,
        region=Region.objects.get(code=region),
        mode=SessionMode.ONLINE if online else SessionMode.IN_PERSON,
        place=place,
        online_link="https://meet.unj.ac.id/jakpreneur-t1" if online else "",
    )


def _history(
    session: TrainingSession, people: list[Participant], rng: random.Random, recorder: User, today: dt.date
) -> None:
    """Attendance that happened before Kolabora: written as it stood, with the follow-up answers."""
    course = session.course
    due = session.day + dt.timedelta(weeks=course.follow_up_weeks)
    counts: defaultdict[str, int] = defaultdict(int)
    for p in people:
        e = Enrolment.objects.create(
            session=session,
            participant=p,
            status=EnrolmentStatus.ATTENDED,
            attendance_method=AttendanceMethod.LIST,
            attendance_recorded_at=session.ends_at,
            attendance_recorded_by=recorder,
        )
        relationship_open(
            participant=p,
            organisation=course.provider,
            kind=RelationshipKind.TRAINING,
            source=services.relationship_source(e),
            actor=None,
        )
        answered = due <= today and rng.random() < 0.65
        # Seed 003: many do not apply what they learned; bookkeeping is the least kept up.
        applied, books, online = rng.random() < 0.45, rng.random() < 0.3, rng.random() < 0.5
        FollowUp.objects.create(
            enrolment=e,
            due_on=due,
            applied=applied if answered else None,
            bookkeeping=books if answered else None,
            selling_online=online if answered else None,
            answered_at=_at(due + dt.timedelta(days=rng.randint(0, 6)), 19) if answered else None,
            answered_by=p.user if answered else None,
        )
        if answered:
            counts["answered"] += 1
            counts["applied"] += applied
            counts["books"] += books
            counts["online"] += online
    Course.objects.filter(pk=course.pk).update(
        follow_ups_answered=F("follow_ups_answered") + counts["answered"],
        follow_ups_applied=F("follow_ups_applied") + counts["applied"],
        follow_ups_bookkeeping=F("follow_ups_bookkeeping") + counts["books"],
        follow_ups_selling_online=F("follow_ups_selling_online") + counts["online"],
    )


def _p2_of(kecamatan: list[str]) -> dict[int, tuple[str, int]]:
    """P2 (status, level) of the demo participants of these kecamatan whose P1 is completed."""
    done_p1 = ParticipantStage.objects.filter(code="P1", status="completed").values("participant_id")
    rows = ParticipantStage.objects.filter(
        code="P2", participant__kecamatan_code__in=kecamatan, participant_id__in=done_p1
    ).values_list("participant_id", "status", "level")
    return {pid: (status, level or 0) for pid, status, level in rows}


def _enrol(session: TrainingSession, people: list[Participant], actor: User) -> None:
    for p in people:
        services.enrolment_create(session=session, participant=p, actor=actor)


def seed(ctx: DemoContext) -> None:
    if Course.objects.filter(title=UNJ_COURSES[0].title).exists():
        return
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["mitra.pelatihan", "kecamatan.cipayung", "admin"])
    }
    unj = Organisation.objects.filter(name=UNJ).first()
    cipayung = Organisation.objects.filter(region_id=CIPAYUNG, type="kecamatan_secretariat").first()
    if len(users) < 3 or unj is None or cipayung is None:
        return  # the organisations demo has not run
    partner, secretariat, admin = users["mitra.pelatihan"], users["kecamatan.cipayung"], users["admin"]
    rng = random.Random(SEED)  # noqa: S311  (reproducible demo data, not security)
    now = timezone.now()
    today = timezone.localdate(now)

    courses = {s.key: _course(s, unj, partner) for s in UNJ_COURSES}
    courses |= {s.key: _course(s, cipayung, secretariat) for s in CIPAYUNG_COURSES}
    _course(DRAFT, cipayung, secretariat, publish=False)

    # --- the past: sessions that have taken place, and who attended them --------------------------------
    def past(key: str, weeks: int, region: str, place: str) -> TrainingSession:
        actor = partner if courses[key].provider_id == unj.pk else secretariat
        return _session(
            courses[key], actor, _at(today - dt.timedelta(weeks=weeks), 9), region=region, place=place,
            capacity=60, trainer=rng.choice(TRAINERS),
        )  # fmt: skip

    history = {
        1: [past("basic", 11, CIPAYUNG, KECAMATAN_OFFICE), past("wa", 12, PULOGADUNG, CAMPUS),
            past("wa", 7, PULOGADUNG, CAMPUS), past("legal", 6, CIPAYUNG, KECAMATAN_OFFICE)],
        2: [past("market", 9, PULOGADUNG, CAMPUS), past("books", 6, CIPAYUNG, KECAMATAN_OFFICE),
            past("pack", 5, CIPAYUNG, KECAMATAN_OFFICE)],
        3: [past("live", 8, PULOGADUNG, CAMPUS), past("live", 4, PULOGADUNG, CAMPUS)],
    }  # fmt: skip
    p2 = _p2_of(HISTORY_KECAMATAN)
    people = {p.pk: p for p in Participant.objects.filter(pk__in=p2, status="active").select_related("user")}
    by_kecamatan: dict[str, list[Participant]] = defaultdict(list)
    for p in sorted(people.values(), key=lambda p: p.pk):
        by_kecamatan[p.kecamatan_code].append(p)
    sample = [p for code in HISTORY_KECAMATAN for p in by_kecamatan[code][:HISTORY_PER_KECAMATAN]]
    attended: dict[TrainingSession, list[Participant]] = defaultdict(list)
    waiting_for: dict[int, list[Participant]] = defaultdict(list)  # level → in progress at that level
    not_started: list[Participant] = []
    for p in sorted(people.values(), key=lambda p: p.pk):
        if p2[p.pk][0] == "not_started":
            not_started.append(p)
        elif p2[p.pk] == ("in_progress", 1) and p not in sample:
            waiting_for[1].append(p)  # no history needed below T1
    next_up: list[Participant] = []  # completed T1, ready for T2
    for p in sample:
        status, level = p2[p.pk]
        if status not in ("completed", "in_progress"):
            continue
        top = level if status == "completed" else level - 1
        for n in range(1, top + 1):
            # The secretariat trains its own residents; UNJ trains anyone in Jakarta Timur.
            local = p.kecamatan_code == CIPAYUNG
            choices = [s for s in history[n] if local or s.course.provider_id == unj.pk]
            if n == 1 and local:
                choices = [s for s in choices if s.course.provider_id == cipayung.pk]
            attended[rng.choice(choices)].append(p)
        if status == "in_progress":
            waiting_for[level].append(p)
        elif level == 1:
            next_up.append(p)
    for session, group in attended.items():
        _history(session, group, rng, partner if session.course.provider_id == unj.pk else secretariat, today)

    # --- from today: through the services ----------------------------------------------------------------
    start = now + dt.timedelta(minutes=90)
    start = start.replace(minute=0 if start.minute < 30 else 30, second=0, microsecond=0)
    if timezone.localdate(start) != today:
        start = now + dt.timedelta(minutes=5)
    today_t1 = _session(
        courses["wa"], partner, start, region=PULOGADUNG, place=CAMPUS, capacity=30, trainer=TRAINERS[0]
    )
    soon_t1 = _session(
        courses["basic"], secretariat, _at(today + dt.timedelta(days=3), 9), region=CIPAYUNG, place=KECAMATAN_OFFICE,
        capacity=12, trainer="Agus Setiawan",
    )  # fmt: skip
    t2 = _session(
        courses["market"], partner, _at(today + dt.timedelta(days=6), 13), region=CIPAYUNG, place=KECAMATAN_OFFICE,
        capacity=30, trainer=TRAINERS[1],
    )  # fmt: skip
    t3 = _session(courses["live"], partner, _at(today + dt.timedelta(days=13), 19), region=PULOGADUNG, place="",
                  capacity=50, trainer=TRAINERS[2])  # fmt: skip
    _session(
        courses["pack"], secretariat, _at(today + dt.timedelta(days=20), 9), region=CIPAYUNG, place=KECAMATAN_OFFICE,
        capacity=25, trainer="Dewi Lestari",
    )  # fmt: skip

    home = Participant.objects.filter(user__username="peserta.demo").first()
    if home is not None and home.user is not None:
        services.enrolment_create(session=today_t1, participant=home, actor=home.user)
    in_t1 = waiting_for[1]
    cipayung_new = [p for p in not_started if p.kecamatan_code == CIPAYUNG]
    elsewhere_new = [p for p in not_started if p.kecamatan_code != CIPAYUNG]
    _enrol(today_t1, [p for p in in_t1 if p.kecamatan_code != CIPAYUNG] + elsewhere_new[:6], admin)
    _enrol(soon_t1, [p for p in in_t1 if p.kecamatan_code == CIPAYUNG] + cipayung_new, secretariat)
    _enrol(t2, waiting_for[2] + next_up[:14], admin)
    _enrol(t3, waiting_for[3], admin)
    # The trainer has ticked those who arrived so far (those who shared their data with the partner).
    seen = services.visible_participant_ids(
        partner, today_t1.enrolments.values_list("participant_id", flat=True)
    )
    arrived = [
        e.pk
        for e in today_t1.enrolments.filter(participant_id__in=seen)
        .exclude(participant=home)
        .order_by("id")[:4]
    ]
    if arrived and timezone.localdate(today_t1.starts_at) == today:
        services.attendance_record(session=today_t1, actor=partner, roster=arrived, present=arrived)
