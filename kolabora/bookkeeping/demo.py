"""Demo cash books consistent with the demo funnel.

- Every demo participant whose P6 is completed has at least three consecutive months of entries, the run
  that completed it ending in the month P6 was completed; about half kept recording up to now, the others
  stopped (seed 003: bookkeeping is not kept up), some after a stray month.
- Those whose P6 is in progress have one or two months at a time, never three in a row (so the daily
  sweep does not complete them), some with a gap.
- ``peserta.demo`` (Nur Aini Lestari, a caterer in Ulujami) records her sales and purchases through the
  real services since the start of last month: P6 in progress, two months in a row, one receipt photo,
  and a declaration of assets and debts.
- ``pendamping.cipayung`` records for a few of their mentees who are not at ease with a phone: P6 in
  progress for them, visible on the mentor's consistency list.

Amounts follow each business's declared monthly turnover. The funnel's histories go in with bulk writes
and the aggregates are recomputed per cash book; peserta.demo's and the mentor's go through the services
(audited like real work). Reproducible (a fixed random seed) and idempotent: when any cash book exists,
nothing is done.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils import timezone

from kolabora.accounts.models import User
from kolabora.core.demo import DemoContext
from kolabora.mentoring.models import MentorAssignment
from kolabora.participants.models import Business, Participant
from kolabora.pathway.choices import StageStatus
from kolabora.pathway.models import ParticipantStage

from . import defaults, services
from .choices import EntrySource
from .models import BalanceDeclaration, Cashbook, CashCategory, CashEntry
from .months import add_months, month_end, month_start

SEED = 6166
HOME_USER = "peserta.demo"
MENTOR = "pendamping.cipayung"
MENTEES = 6

NOTES = {
    "penjualan": ["Penjualan harian", "Pesanan arisan", "Pesanan kantor", "Jualan di bazar", "Penjualan online",
                  "Pesanan WhatsApp", "Titip jual warung"],
    "jasa": ["Jasa pelanggan", "Ongkos jasa", "Pesanan jasa"],
    "bahan_baku": ["Belanja bahan di pasar", "Beli bahan baku", "Stok barang dagangan", "Belanja grosir"],
    "kemasan": ["Plastik dan mika", "Kardus dan stiker label", "Kemasan"],
    "upah": ["Upah karyawan", "Upah harian pembantu"],
    "sewa": ["Sewa tempat usaha"],
    "utilitas": ["Token listrik", "Isi ulang gas", "Pulsa dan kuota"],
    "transportasi": ["Bensin motor", "Ongkos kirim", "Ojek antar pesanan"],
    "pemasaran": ["Iklan media sosial", "Cetak brosur"],
    "prive": ["Keperluan rumah tangga", "Uang sekolah anak", "Belanja dapur rumah"],
    "angsuran_pokok": ["Angsuran pokok pinjaman"],
    "bunga_bank": ["Bunga pinjaman"],
    "pajak": ["PPh final 0,5%"],
}  # fmt: skip


@dataclass
class Plan:
    business: Business
    months: list[dt.date]


def _round(amount: float, step: int = 500) -> int:
    return max(step, round(amount / step) * step)


def _days(rng: random.Random, month: dt.date, n: int, today: dt.date) -> list[dt.date]:
    last = min(month_end(month), today)
    span = (last - month).days + 1
    return sorted(month + dt.timedelta(days=rng.randrange(span)) for _ in range(n))


def month_entries(
    rng: random.Random, business: Business, month: dt.date, today: dt.date
) -> list[tuple[dt.date, str, int, str]]:
    """A plausible month of a micro business's cash book: (date, category code, amount, note)."""
    turnover = business.monthly_turnover or rng.randint(6, 24) * 250_000
    revenue = turnover * rng.uniform(0.8, 1.2)
    if month == month_start(today):
        revenue *= today.day / month_end(month).day
    out: list[tuple[dt.date, str, int, str]] = []
    income = "jasa" if business.sector in ("jasa_reparasi", "kecantikan", "jasa_lainnya") else "penjualan"

    def add(code: str, total: float, n: int) -> None:
        if total < 500:
            return
        for day in _days(rng, month, n, today):
            out.append((day, code, _round(total / n * rng.uniform(0.7, 1.3)), rng.choice(NOTES[code])))

    add(income, revenue, rng.randint(4, 9))
    add("bahan_baku", revenue * rng.uniform(0.35, 0.55), rng.randint(2, 5))
    if business.sector == "kuliner":
        add("kemasan", revenue * rng.uniform(0.02, 0.05), rng.randint(1, 2))
    if business.workers:
        add("upah", min(revenue * 0.25, business.workers * rng.uniform(1.0, 1.8) * 1_000_000), 1)
    if rng.random() < 0.4:
        add("sewa", revenue * rng.uniform(0.05, 0.12), 1)
    add("utilitas", revenue * rng.uniform(0.02, 0.05), rng.randint(1, 3))
    add("transportasi", revenue * rng.uniform(0.01, 0.04), rng.randint(1, 3))
    if rng.random() < 0.25:
        add("pemasaran", revenue * rng.uniform(0.01, 0.03), 1)
    add("prive", revenue * rng.uniform(0.1, 0.2), rng.randint(1, 2))
    return out


def _completed_months(
    rng: random.Random, done: dt.date, registered: dt.date, today: dt.date
) -> list[dt.date]:
    """The run that completed P6 (3–5 months ending in the completion month, not before registration),
    then either recording up to now or stopping, sometimes after a stray month."""
    this_month = month_start(today)
    length = rng.randint(3, 5)
    end = min(month_start(done), this_month)
    start = max(add_months(end, 1 - length), month_start(registered))
    end = add_months(start, length - 1)
    if end > this_month:
        end, start = this_month, add_months(this_month, 1 - length)
    months = [add_months(start, i) for i in range(length)]
    roll = rng.random()
    if roll < 0.5:
        # Kept recording: up to now (the last six months when it was long ago).
        first = max(add_months(end, 1), add_months(this_month, -5))
        m = first
        while m <= this_month:
            months.append(m)
            m = add_months(m, 1)
    elif roll < 0.75:
        stray = add_months(end, rng.randint(2, 4))
        if stray <= this_month:
            months.append(stray)
    return months


def _in_progress_months(rng: random.Random, started: dt.date, today: dt.date) -> list[dt.date]:
    """One or two months at a time, never three in a row."""
    this_month = month_start(today)
    first = min(month_start(started), this_month)
    months = [first]
    if rng.random() < 0.6 and add_months(first, 1) <= this_month:
        months.append(add_months(first, 1))
    if rng.random() < 0.4:
        again = add_months(months[-1], rng.randint(2, 3))
        if again <= this_month:
            months.append(again)
    return months


def _funnel_plans(rng: random.Random, today: dt.date) -> list[Plan]:
    rows = (
        ParticipantStage.objects.filter(
            code="P6",
            status__in=[StageStatus.COMPLETED, StageStatus.IN_PROGRESS],
            participant__status="active",
        )
        .exclude(participant__user__username=HOME_USER)
        .select_related("participant")
        .order_by("participant_id")
    )
    plans = []
    for row in rows:
        business = row.participant.businesses.order_by("created_at", "id").first()
        if business is None:
            continue
        if row.status == StageStatus.COMPLETED:
            done = timezone.localdate(row.completed_at) if row.completed_at else today
            months = _completed_months(rng, done, row.participant.registered_on, today)
        else:
            started = timezone.localdate(row.started_at) if row.started_at else today
            months = _in_progress_months(rng, started, today)
        plans.append(Plan(business=business, months=months))
    return plans


def _bulk(rng: random.Random, plans: list[Plan], today: dt.date) -> None:
    categories = {c.code: c for c in CashCategory.objects.all()}
    batch: list[CashEntry] = []
    for plan in plans:
        for month in plan.months:
            for day, code, amount, note in month_entries(rng, plan.business, month, today):
                c = categories[code]
                batch.append(
                    CashEntry(
                        business=plan.business,
                        occurred_on=day,
                        category=c,
                        direction=c.direction,
                        amount=amount,
                        note=note,
                        source=EntrySource.FORM,
                        recorded_by=plan.business.participant.user,
                    )
                )
        if len(batch) > 2000:
            CashEntry.objects.bulk_create(batch)
            batch = []
    CashEntry.objects.bulk_create(batch)
    for plan in plans:
        book = services.cashbook_refresh(business=plan.business)
        if book.last_entry_on and rng.random() < 0.5:
            _declare(rng, plan.business, month_end(add_months(month_start(book.last_entry_on), -1)), None)


def _declare(rng: random.Random, business: Business, as_of: dt.date, actor: User | None) -> None:
    turnover = business.monthly_turnover or 3_000_000
    amounts = {
        "cash": _round(turnover * rng.uniform(0.3, 0.9), 1000),
        "receivables": _round(turnover * rng.uniform(0, 0.2), 1000) if rng.random() < 0.5 else 0,
        "inventory": _round(turnover * rng.uniform(0.1, 0.4), 1000),
        "equipment": _round(max(business.assets, turnover) * rng.uniform(0.3, 0.8), 1000),
        "bank_debt": _round(turnover * rng.uniform(0.5, 3), 1000) if rng.random() < 0.3 else 0,
        "other_liabilities": _round(turnover * rng.uniform(0.05, 0.3), 1000) if rng.random() < 0.4 else 0,
    }
    if actor is None:
        BalanceDeclaration.objects.get_or_create(business=business, as_of=as_of, defaults=amounts)
    else:
        services.balance_declare(business=business, actor=actor, as_of=as_of, amounts=amounts)


def receipt_jpeg() -> bytes:
    """A photographed-looking receipt from a wholesale shop (demo)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 720), (246, 243, 236))
    draw = ImageDraw.Draw(image)
    lines = [
        "TOKO GROSIR BERKAH",
        "Jl. Raya Ulujami 21",
        "-" * 30,
        "Beras 10 kg        145.000",
        "Minyak goreng 2 L   38.000",
        "Telur 2 kg          56.000",
        "Bawang merah 1 kg   42.000",
        "-" * 30,
        "TOTAL              281.000",
        "Terima kasih",
    ]
    for i, line in enumerate(lines):
        draw.text((40, 60 + i * 48), line, fill=(40, 40, 40))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _record(business: Business, actor: User, rows: list[tuple[dt.date, str, int, str]]) -> None:
    categories = {c.code: c for c in CashCategory.objects.all()}
    now = timezone.now()
    for day, code, amount, note in rows:
        services.entry_record(
            business=business,
            actor=actor,
            data=services.EntryInput(occurred_on=day, category=categories[code], amount=amount, note=note),
            at=now,
        )


def _home(rng: random.Random, today: dt.date) -> None:
    user = User.objects.filter(username=HOME_USER).first()
    participant: Participant | None = getattr(user, "participant", None) if user else None
    if user is None or participant is None:
        return
    business = participant.businesses.order_by("created_at", "id").first()
    if business is None:
        return
    last = add_months(month_start(today), -1)
    rows = [r for m in (last, month_start(today)) for r in month_entries(rng, business, m, today)]
    rows.sort()
    _record(business, user, rows)
    categories = {c.code: c for c in CashCategory.objects.all()}
    services.entry_record(
        business=business,
        actor=user,
        data=services.EntryInput(
            occurred_on=today,
            category=categories["bahan_baku"],
            amount=281_000,
            note="Belanja grosir: beras, minyak, telur, bawang",
            receipt=ContentFile(receipt_jpeg(), name="struk.jpg"),
        ),
    )
    services.balance_declare(
        business=business,
        actor=user,
        as_of=month_end(last),
        amounts={
            "cash": 2_350_000,
            "receivables": 400_000,
            "inventory": 650_000,
            "equipment": 4_800_000,
            "other_liabilities": 500_000,
        },
        note="Piutang: pesanan arisan belum dibayar. Utang: pinjaman dari kakak untuk kompor.",
    )


def _mentees(rng: random.Random, today: dt.date) -> None:
    mentor = User.objects.filter(username=MENTOR).first()
    if mentor is None:
        return
    assignments = (
        MentorAssignment.objects.filter(mentor=mentor, ended_at__isnull=True)
        .select_related("participant")
        .order_by("participant_id")
    )
    chosen = 0
    for a in assignments:
        if chosen >= MENTEES:
            break
        p6 = ParticipantStage.objects.filter(participant=a.participant, code="P6").first()
        business = a.participant.businesses.order_by("created_at", "id").first()
        if p6 is None or p6.status != StageStatus.NOT_STARTED or business is None:
            continue
        this_month = month_start(today)
        # Some started two months ago and missed last month; others record last month and this one.
        months = [add_months(this_month, -2)] if chosen % 3 == 0 else [add_months(this_month, -1), this_month]
        rows = sorted(r for m in months for r in month_entries(rng, business, m, today))
        _record(business, mentor, rows)
        chosen += 1


def seed(ctx: DemoContext) -> None:
    if Cashbook.objects.exists():
        return
    defaults.ensure()
    rng = random.Random(SEED)  # noqa: S311  (reproducible demo data, not security)
    today = timezone.localdate()
    _bulk(rng, _funnel_plans(rng, today), today)
    _home(rng, today)
    _mentees(rng, today)
