"""Demo mentoring in kecamatan Cipayung: ``pendamping.cipayung`` gets a caseload from the demo
participants there who reached P3 (and a few who are about to start), with sessions and next steps dated
so that some are overdue, some at risk, some planned, one ready to complete; a target of 60 for the year.

Everything goes through the services (so it is audited like real work) with dates in the past.
Reproducible (a fixed random seed) and idempotent: when the mentor has any assignment, nothing is done.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Exists, OuterRef
from django.utils import timezone

from kolabora.accounts.models import User
from kolabora.core.demo import DemoContext
from kolabora.participants.models import Participant
from kolabora.participants.services import BusinessInput, RegistrationInput, participant_register
from kolabora.pathway.choices import StageStatus
from kolabora.pathway.models import ParticipantStage
from kolabora.pathway.services import stage_transition

from . import services
from .choices import SessionMode, TargetMeasure, Topic
from .models import MentorAssignment

MENTOR = "pendamping.cipayung"
KECAMATAN = "31.75.10"
SEED = 3101
CASELOAD = 24
# When the demo has few participants in Cipayung (``kolabora demo --participants 50``), these join.
EXTRA = [
    ("3175104703880011", "Endang Susilowati", "31.75.10.1001", "Kue Basah Bu Endang", "kuliner"),
    ("3175100912850012", "Dedi Kurniawan", "31.75.10.1002", "Servis HP Dedi", "jasa_reparasi"),
    ("3175105108920013", "Fitri Handayani", "31.75.10.1003", "Hijab Fitri", "fashion"),
    ("3175101504800014", "Slamet Riyadi", "31.75.10.1004", "Keripik Cipayung", "kuliner"),
    ("3175106601950015", "Ayu Lestari", "31.75.10.1005", "Ayu Craft", "kriya"),
    ("3175102207870016", "Rudi Hartono", "31.75.10.1006", "Laundry Pak Rudi", "jasa_lainnya"),
    ("3175104410900017", "Rina Wulandari", "31.75.10.1007", "Sambal Bu Rina", "kuliner"),
    ("3175100303830018", "Bayu Saputra", "31.75.10.1001", "Bengkel Motor Bayu", "jasa_reparasi"),
]
NEXT_STEPS = [
    "Foto produk dengan latar putih untuk katalog",
    "Hitung HPP per porsi dan tetapkan harga jual",
    "Daftar NIB di OSS dengan didampingi",
    "Buat akun toko di marketplace",
    "Catat pemasukan dan pengeluaran selama seminggu",
    "Siapkan label kemasan dengan tanggal produksi",
    "Ikut bazar kelurahan bulan depan",
    "Urus P-IRT: ikuti penyuluhan keamanan pangan",
]
NOTES = [
    "Usaha berjalan, pesanan naik menjelang akhir pekan. Kendala di kemasan yang mudah rusak.",
    "Belum punya pencatatan keuangan; kami mulai dengan buku kas sederhana.",
    "Peserta ingin berjualan daring tetapi belum punya foto produk yang layak.",
    "Harga jual masih di bawah biaya; kami hitung ulang bahan baku.",
    "Sudah mencoba titip jual di warung sekitar, respons baik.",
]


def _stage(p: Participant, code: str) -> ParticipantStage:
    return ParticipantStage.objects.get(participant=p, code=code)


def _people() -> list[Participant]:
    """Cipayung participants with P3 in progress, then some with P1 done and P3 not started (mentoring
    first, as some offices do), up to the caseload's size."""
    base = Participant.objects.filter(kecamatan_code=KECAMATAN, status="active").exclude(
        Exists(MentorAssignment.objects.filter(participant=OuterRef("pk")))
    )
    started = list(
        base.filter(stages__code="P3", stages__status=StageStatus.IN_PROGRESS).order_by("id")[:CASELOAD]
    )
    waiting = list(
        base.filter(stages__code="P3", stages__status=StageStatus.NOT_STARTED)
        .filter(
            Exists(ParticipantStage.objects.filter(participant=OuterRef("pk"), code="P1", status="completed"))
        )
        .order_by("id")[: max(0, CASELOAD - len(started))]
    )
    return started + waiting


def _extra(now: dt.datetime) -> list[Participant]:
    made = []
    for nik, name, kelurahan, business, sector in EXTRA:
        p = Participant.objects.filter(nik=nik).first()
        if p is None:
            p = participant_register(
                data=RegistrationInput(
                    nik=nik,
                    full_name=name,
                    phone=f"+62812{nik[-7:]}0",
                    kelurahan_code=kelurahan,
                    entry_track="pemula",
                    consents=["programme", "statistics"],
                    business=BusinessInput(name=business, sector=sector, monthly_turnover=3_000_000),
                ),
                actor=None,
                channel="api",
                at=now - dt.timedelta(days=120),
            )
            stage_transition(
                participant=p, stage="P3", to_status="in_progress", actor=None, at=now - dt.timedelta(days=90)
            )
        made.append(p)
    return made


def _session(
    p: Participant,
    mentor: User,
    rng: random.Random,
    *,
    days_ago: int,
    due_in: int | None,
    now: dt.datetime,
    turnover: bool = False,
) -> None:
    at = now - dt.timedelta(days=days_ago, hours=rng.randint(1, 6))
    held = timezone.localdate(at)
    business = p.businesses.order_by("created_at", "id").first()
    services.session_log(
        participant=p,
        actor=mentor,
        at=at,
        data=services.SessionInput(
            held_on=held,
            mode=rng.choice([SessionMode.VISIT, SessionMode.VISIT, SessionMode.WHATSAPP, SessionMode.PHONE]),
            topics=rng.sample([Topic.BUSINESS_PLAN, Topic.PRICING, Topic.MARKETING, Topic.LICENSING], 2),
            notes=rng.choice(NOTES),
            next_step=rng.choice(NEXT_STEPS) if due_in is not None else "",
            next_step_due=held + dt.timedelta(days=days_ago + due_in) if due_in is not None else None,
            monthly_turnover=(
                max(0, (business.monthly_turnover if business else 0) + rng.randint(-2, 6) * 250_000)
                if turnover and business
                else None
            ),
        ),
    )


def seed(ctx: DemoContext) -> None:
    mentor = User.objects.filter(username=MENTOR).first()
    admin = User.objects.filter(is_superuser=True).order_by("id").first()
    if mentor is None or MentorAssignment.objects.filter(mentor=mentor).exists():
        return
    rng = random.Random(SEED)  # noqa: S311  (reproducible demo data, not security)
    now = timezone.now()
    people = _people()
    if len(people) < len(EXTRA):
        people += _extra(now)
    for i, p in enumerate(people):
        p3 = _stage(p, "P3")
        # Assigned before the oldest session below (at most 80 days ago), or when P3 started if earlier.
        since = min(p3.started_at or now, now - dt.timedelta(days=85))
        services.mentor_assign_auto(participant=p, actor=None, at=since)
        p.refresh_from_db()
        quiet = (now - p.last_activity_at).days
        kind = i % 6
        if kind == 0 and quiet > 45:
            # At risk: one visit long ago, and silence since.
            _session(p, mentor, rng, days_ago=min(quiet, 80), due_in=-30, now=now)
        elif kind in (0, 1):
            # The agreed next step is overdue.
            _session(p, mentor, rng, days_ago=24, due_in=None, now=now, turnover=True)
            _session(p, mentor, rng, days_ago=12, due_in=-rng.randint(2, 8), now=now)
        elif kind == 2:
            # Visited, with the next visit planned.
            _session(p, mentor, rng, days_ago=9, due_in=rng.randint(1, 10), now=now, turnover=True)
        elif kind == 3:
            pass  # assigned, not visited yet
        elif kind == 4:
            _session(p, mentor, rng, days_ago=30, due_in=None, now=now)
            _session(p, mentor, rng, days_ago=6, due_in=rng.randint(3, 14), now=now, turnover=True)
            if i % 12 == 4:
                # Ready to complete: a readiness assessment with a business plan.
                business = p.businesses.order_by("created_at", "id").first()
                services.readiness_assess(
                    participant=p,
                    actor=mentor,
                    data=services.ReadinessInput(
                        ready=True,
                        product=business.name if business else "Produk utama",
                        customers="Tetangga, kantor sekitar, pesanan WhatsApp",
                        price=rng.choice([15_000, 25_000, 35_000]),
                        price_unit="per porsi",
                        next_step="Daftar NIB di OSS",
                        assessed_on=timezone.localdate(now - dt.timedelta(days=6)),
                    ),
                )
        else:
            # Completed this year: two sessions, readiness, then P3 completed by the mentor.
            _session(p, mentor, rng, days_ago=40, due_in=None, now=now, turnover=True)
            _session(p, mentor, rng, days_ago=15, due_in=None, now=now)
            business = p.businesses.order_by("created_at", "id").first()
            services.readiness_assess(
                participant=p,
                actor=mentor,
                data=services.ReadinessInput(
                    ready=True,
                    product=business.name if business else "Produk utama",
                    customers="Pelanggan sekitar dan pesanan daring",
                    price=rng.choice([10_000, 20_000, 50_000]),
                    price_unit="per bungkus",
                    next_step="Ajukan NIB dan P-IRT",
                    assessed_on=timezone.localdate(now - dt.timedelta(days=14)),
                ),
            )
            services.p3_complete(participant=p, actor=mentor)
    if admin is not None:
        year = timezone.localdate(now).year
        services.mentor_target_set(
            mentor=mentor,
            period_start=dt.date(year, 1, 1),
            period_end=dt.date(year, 12, 31),
            target=60,
            measure=TargetMeasure.MENTORED,
            actor=admin,
        )
