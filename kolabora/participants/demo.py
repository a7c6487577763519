"""Demo participants: N fictitious UMKM actors across Jakarta's 44 kecamatan, with a pathway history
shaped like East Jakarta's real funnel (DESIGN.md §1), including people who marketed before they were
licensed (kept and flagged, never refused).

Reproducible (a fixed random seed) and idempotent: when the demo participants exist, nothing is created.
Everything is fictitious: names are drawn from common Indonesian given and family names, NIKs are
structurally valid (kecamatan code, birth date with day+40 for women, a serial other than 0000) but
invented.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from itertools import accumulate

from django.utils import timezone

from kolabora.accounts.models import User
from kolabora.core.demo import DemoAccount, DemoContext
from kolabora.pathway.bulk import StageTarget
from kolabora.regions.choices import RegionLevel
from kolabora.regions.models import Region

from .bulk import ParticipantImport, participants_bulk_create
from .choices import ConsentPurpose, EntryTrack, Sector
from .models import Participant
from .services import BusinessInput, RegistrationInput

DEFAULT_COUNT = 5000
SEED = 7294
USERNAME = "peserta.demo"
HOME_KELURAHAN = "31.74.10.1005"  # Ulujami, where the demo PTSP and lurah work
YEARS = 3

# East Jakarta, seed 000 Tabel 2: how many reached each stage (T1–T3 are P2's training levels).
FUNNEL = {
    "P1": 7294,
    "T1": 6677,
    "T2": 3159,
    "T3": 2664,
    "P3": 1962,
    "P4": 395,
    "P5": 483,
    "P6": 166,
    "P7": 27,
}

# fmt: off
MALE = [
    "Agus", "Ahmad", "Andi", "Arif", "Bambang", "Budi", "Dedi", "Dimas", "Eko", "Fajar", "Fikri", "Hadi",
    "Hendra", "Heru", "Ilham", "Imam", "Irfan", "Joko", "Kurnia", "Lukman", "Rahmat", "Rizki", "Rudi",
    "Sigit", "Slamet", "Sugeng", "Taufik", "Teguh", "Wahyu", "Yoga", "Yusuf", "Zainal", "Bayu", "Dani",
    "Doni", "Gilang", "Hari", "Indra", "Jaka", "Reza", "Rian", "Adi", "Aditya", "Anton", "Bagus", "Edi",
    "Firman", "Galih", "Hasan", "Iwan", "Krisna", "Nanang", "Ridwan", "Samsul", "Toni", "Umar", "Wawan",
    "Yudi", "Asep", "Ujang", "Dadang", "Made", "Ketut", "Rusdi", "Syaiful",
]
FEMALE = [
    "Siti", "Sri", "Dewi", "Rina", "Ratna", "Yuni", "Wulan", "Indah", "Fitri", "Ani", "Ayu", "Dian", "Eka",
    "Endang", "Lina", "Maya", "Mega", "Nia", "Nining", "Nurul", "Puji", "Putri", "Rani", "Rika", "Rini",
    "Rosa", "Sari", "Suci", "Tuti", "Umi", "Winda", "Yanti", "Yulia", "Anisa", "Desi", "Evi", "Fatimah",
    "Hana", "Ika", "Intan", "Kartika", "Lilis", "Mira", "Novi", "Ratih", "Retno", "Sinta", "Vina", "Yeni",
    "Zahra", "Aminah", "Halimah", "Neneng", "Euis", "Komang", "Nur", "Ida", "Tri", "Dwi",
]
# Patronymic-style second names, the commonest "surnames" on Javanese, Sundanese and Malay KTPs.
MALE_SECOND = [
    "Saputra", "Pratama", "Wibowo", "Hidayat", "Setiawan", "Kurniawan", "Santoso", "Susanto", "Nugroho",
    "Prasetyo", "Gunawan", "Firmansyah", "Hermawan", "Ramadhan", "Syahputra", "Kusuma", "Permana",
    "Rahman", "Hakim", "Sutrisno", "Suryadi", "Maulana", "Purnama", "Hidayatullah", "Sulistyo",
    "Wijayanto", "Mulyadi", "Purnomo", "Supriyadi", "Iskandar", "Effendi", "Rosadi",
]
FEMALE_SECOND = [
    "Lestari", "Wulandari", "Rahayu", "Handayani", "Kusumawati", "Puspitasari", "Anggraini", "Fitriani",
    "Permatasari", "Safitri", "Susanti", "Yuliani", "Hartati", "Purwanti", "Maharani", "Amelia", "Pertiwi",
    "Novitasari", "Suryani", "Ningsih", "Rahmawati", "Kurniasih", "Agustina", "Wahyuni", "Oktaviani",
    "Sulistyowati", "Hasanah", "Nurhayati",
]
# Family names (marga and clan names) carried by men and women alike.
FAMILY = [
    "Siregar", "Nasution", "Lubis", "Harahap", "Simanjuntak", "Sitompul", "Panjaitan", "Hutapea", "Sinaga",
    "Tambunan", "Manurung", "Pardede", "Sembiring", "Ginting", "Tarigan", "Pangemanan", "Rondonuwu",
    "Lumentut", "Sondakh", "Latuconsina", "Tuasikal", "Pattinasarany", "Halim", "Wijaya", "Kurniadi",
    "Gunadi", "Sutanto", "Tanjung", "Alatas", "Assegaf", "Basalamah", "Shahab", "Alkaff",
]
STREETS = [
    "Melati", "Mawar", "Kenanga", "Anggrek", "Flamboyan", "Cempaka", "Dahlia", "Kamboja", "Nusa Indah",
    "Swadaya", "Masjid", "Pendidikan", "Kebon Jeruk", "Kemuning", "Delima", "Manggis", "Rambutan", "Duku",
    "Salak", "Bambu Kuning", "Haji Naim", "Haji Saidi", "Lapangan Bola", "Raya Bogor", "Inpres", "Bhakti",
    "Mushola", "Pelita", "Harapan", "Damai",
]
# fmt: on

SECTORS: list[tuple[str, int, list[str]]] = [
    (
        Sector.KULINER,
        44,
        [
            "Dapur {nick}",
            "Warung {nick}",
            "Kue Basah {nick}",
            "Sambal {nick}",
            "Keripik {kel}",
            "Katering {nick}",
            "Kedai Kopi {kel}",
            "Bakso {nick}",
            "Nasi Uduk {nick}",
            "Frozen Food {nick}",
        ],
    ),
    (
        Sector.FASHION,
        12,
        ["{first} Collection", "Butik {nick}", "Batik {kel}", "Konveksi {nick}", "Hijab {first}"],
    ),
    (Sector.KRIYA, 7, ["Kerajinan {kel}", "{first} Craft", "Anyaman {nick}", "Rajut {first}"]),
    (
        Sector.JASA_REPARASI,
        4,
        ["Servis Elektronik {nick}", "Bengkel Motor {nick}", "Servis HP {first}", "Permak Jeans {nick}"],
    ),
    (Sector.KECANTIKAN, 6, ["Salon {nick}", "{first} Beauty", "Rias Pengantin {nick}"]),
    (Sector.PERTANIAN_PERIKANAN, 3, ["Hidroponik {kel}", "Budidaya Lele {nick}", "Tanaman Hias {first}"]),
    (Sector.PERDAGANGAN, 13, ["Toko {nick}", "Warung Sembako {nick}", "Agen Gas {nick}", "Grosir {first}"]),
    (Sector.DIGITAL_KREATIF, 5, ["{first} Studio", "Desain {first}", "Foto Produk {first}"]),
    (Sector.JASA_LAINNYA, 6, ["Laundry {nick}", "Les Privat {nick}", "Jasa Titip {first}", "Rental {nick}"]),
]
# Telkomsel, Indosat, XL, Axis, Tri and Smartfren prefixes (after +62 8).
OPERATOR = ["11", "12", "13", "21", "22", "52", "53", "14", "15", "16", "56", "57", "58", "17", "18", "19",
            "59", "77", "78", "31", "32", "38", "95", "96", "97", "98", "99", "81", "82", "88"]  # fmt: skip

DROP_REASONS = {
    "P2": ["Tidak hadir pada pelatihan", "Pindah domisili", "Bekerja di luar kota"],
    "P3": ["Tidak dapat dihubungi pendamping", "Usaha berhenti sementara"],
    "P4": ["Lokasi usaha di jalur hijau; permohonan izin ditolak", "Tidak melengkapi persyaratan"],
}


@dataclass
class Plan:
    """One demo participant's place in the funnel."""

    registered_at: dt.datetime
    level: int = 0
    reached: set[str] = field(default_factory=set)
    status: dict[str, str] = field(default_factory=dict)


def scaled(n: int) -> dict[str, int]:
    """The funnel's counts scaled to ``n`` participants (P1 is everyone)."""
    counts = {k: round(v * n / FUNNEL["P1"]) for k, v in FUNNEL.items()}
    counts["P1"] = n
    return counts


def _pick(rng: random.Random, pool: list[int], k: int, seniority: dict[int, float]) -> list[int]:
    """``k`` of ``pool``, mostly the longest registered (they had time to get further), with chance."""
    ranked = sorted(pool, key=lambda i: seniority[i] * rng.uniform(0.6, 1.4), reverse=True)
    return ranked[: min(k, len(ranked))]


def _plans(rng: random.Random, n: int, now: dt.datetime) -> list[Plan]:
    counts = scaled(n)
    # More registrations in recent years, as the programme grew.
    plans = [
        Plan(
            registered_at=now
            - dt.timedelta(days=YEARS * 365 * (1 - rng.random() ** 0.8), minutes=rng.randint(0, 600))
        )
        for _ in range(n)
    ]
    seniority = {i: (now - p.registered_at).total_seconds() for i, p in enumerate(plans)}
    everyone = list(range(n))
    trained = _pick(rng, everyone, counts["T1"], seniority)
    t2 = _pick(rng, trained, counts["T2"], seniority)
    t3 = set(_pick(rng, t2, counts["T3"], seniority))
    t2_set = set(t2)
    for i in trained:
        plans[i].level = 3 if i in t3 else 2 if i in t2_set else 1
    untrained = sorted(set(everyone) - set(trained))
    from_untrained = min(len(untrained), counts["P3"] // 20)
    mentored = _pick(rng, trained, counts["P3"] - from_untrained, seniority) + _pick(
        rng, untrained, from_untrained, seniority
    )
    # Licensed: mostly after mentoring; some existing businesses come with their NIB.
    from_mentored = round(counts["P4"] * 0.8)
    licensed = _pick(rng, mentored, from_mentored, seniority)
    rest = sorted(set(everyone) - set(licensed))
    licensed += _pick(rng, rest, counts["P4"] - from_mentored, seniority)
    # Marketing: most of the licensed, and others before they are licensed (P5 > P4 in the seeds).
    with_licence = min(round(counts["P4"] * 0.7), counts["P5"])
    marketed = _pick(rng, licensed, with_licence, seniority)
    unlicensed = sorted(set(mentored) - set(licensed))
    marketed += _pick(rng, unlicensed, counts["P5"] - with_licence, seniority)
    # Bookkeeping: mostly the licensed; capital only for the licensed with their books done.
    books_licensed = min(len(licensed), max(counts["P7"], round(counts["P6"] * 0.6)))
    books = _pick(rng, licensed, books_licensed, seniority)
    others = sorted((set(mentored) | set(marketed)) - set(licensed))
    books += _pick(rng, others, counts["P6"] - books_licensed, seniority)
    capital = _pick(rng, books[:books_licensed], counts["P7"], seniority)
    for code, members in (
        ("P3", mentored),
        ("P4", licensed),
        ("P5", marketed),
        ("P6", books),
        ("P7", capital),
    ):
        for i in members:
            plans[i].reached.add(code)
    needs_complete = {i: {"P4", "P6"} for i in capital}
    for i, plan in enumerate(plans):
        recent = (now - plan.registered_at).days < 45
        plan.status["P1"] = "completed"
        if plan.level:
            plan.status["P2"] = "in_progress" if recent or rng.random() < 0.08 else "completed"
        elif rng.random() < 0.4 and not recent:
            plan.status["P2"] = "dropped"
        share = {"P3": 0.7, "P4": 0.85, "P5": 0.6, "P6": 0.65, "P7": 0.6}
        for code in ("P3", "P4", "P5", "P6", "P7"):
            if code in plan.reached:
                done = code in needs_complete.get(i, ()) or rng.random() < share[code]
                plan.status[code] = "completed" if done else "in_progress"
        if plan.level and "P3" not in plan.reached and rng.random() < 0.15:
            plan.status["P3"] = "dropped"
        if plan.status.get("P3") == "completed" and "P4" not in plan.reached and rng.random() < 0.05:
            plan.status["P4"] = "dropped"
    return plans


class Names:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def person(self, sex: str) -> tuple[str, str]:
        """(full name, the given name people call them by)."""
        r = self.rng
        given, second = (FEMALE, FEMALE_SECOND) if sex == "P" else (MALE, MALE_SECOND)
        first = r.choice(given)
        roll = r.random()
        if roll < 0.45:
            parts = [first, r.choice(second)]
        elif roll < 0.6:
            prefix = "Muhammad" if sex == "L" else "Nur"
            parts = [first, r.choice(second)] if first == prefix else [prefix, first, r.choice(second)]
        elif roll < 0.78:
            parts = [first, r.choice(FAMILY)]
        elif roll < 0.9:
            parts = [first, r.choice([g for g in given if g != first])]
        else:
            parts = [first]
        return " ".join(parts), first


def _nik(rng: random.Random, kecamatan: str, sex: str, birth: dt.date, used: set[str]) -> str:
    day = birth.day + (40 if sex == "P" else 0)
    head = f"{kecamatan.replace('.', '')}{day:02d}{birth.month:02d}{birth.year % 100:02d}"
    serial = rng.randint(1, 9999)
    while f"{head}{serial:04d}" in used:
        serial = serial % 9999 + 1
    nik = f"{head}{serial:04d}"
    used.add(nik)
    return nik


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        phone = f"+628{rng.choice(OPERATOR)}{rng.randint(0, 10**8 - 1):08d}"
        if phone not in used:
            used.add(phone)
            return phone


def _birth_date(rng: random.Random, registered: dt.date) -> dt.date:
    age = rng.choices(range(18, 66), weights=[3 if 25 <= a <= 50 else 1 for a in range(18, 66)])[0]
    return registered - dt.timedelta(days=age * 365 + rng.randint(30, 330))


def _business(
    rng: random.Random, sex: str, first: str, kelurahan: str, track: str, now: dt.date
) -> BusinessInput:
    sector, _w, templates = rng.choices(SECTORS, weights=[w for _s, w, _t in SECTORS])[0]
    nick = f"{'Bu' if sex == 'P' else 'Pak'} {first}" if rng.random() < 0.5 else first
    name = rng.choice(templates).format(nick=nick, first=first, kel=kelurahan)
    if track == EntryTrack.NAIK_KELAS:
        return BusinessInput(
            name=name,
            sector=sector,
            started_on=now - dt.timedelta(days=rng.randint(400, 15 * 365)),
            workers=rng.randint(1, 8),
            monthly_turnover=rng.randint(8, 120) * 1_000_000,
            assets=rng.randint(15, 400) * 1_000_000,
        )
    started = rng.random() < 0.5
    return BusinessInput(
        name=name,
        sector=sector,
        started_on=now - dt.timedelta(days=rng.randint(30, 360)) if started else None,
        workers=rng.randint(0, 2) if started else 0,
        monthly_turnover=rng.randint(1, 40) * 250_000 if started else 0,
        assets=rng.randint(1, 30) * 500_000,
    )


def _moment(rng: random.Random, after: dt.datetime, low: int, high: int, now: dt.datetime) -> dt.datetime:
    """A moment ``low``–``high`` days after ``after``, but never later than shortly before now."""
    when = after + dt.timedelta(days=rng.randint(low, high), hours=rng.randint(0, 8))
    return min(when, max(after, now - dt.timedelta(hours=rng.randint(1, 48))))


def _stages(rng: random.Random, plan: Plan, now: dt.datetime) -> dict[str, StageTarget]:
    """The history after registration, dated in the order people go through the programme."""
    reg = plan.registered_at
    out: dict[str, StageTarget] = {}
    status = plan.status
    p2 = status.get("P2")
    if p2 == "dropped":
        start = _moment(rng, reg, 5, 40, now)
        out["P2"] = StageTarget(
            status="dropped",
            started_at=start,
            at=_moment(rng, start, 3, 20, now),
            reason=rng.choice(DROP_REASONS["P2"]),
        )
    elif p2:
        start = _moment(rng, reg, 5, 40, now)
        at = start if p2 == "in_progress" else _moment(rng, start, 14 * plan.level, 30 * plan.level, now)
        out["P2"] = StageTarget(status=p2, level=plan.level, started_at=start, at=at)
    offsets = {"P3": (20, 90, 30, 120), "P4": (60, 240, 14, 60), "P5": (90, 360, 14, 90),
               "P6": (120, 420, 60, 120), "P7": (180, 540, 14, 60)}  # fmt: skip
    for code in ("P3", "P4", "P5", "P6", "P7"):
        s = status.get(code)
        if s is None:
            continue
        lo, hi, dlo, dhi = offsets[code]
        start = _moment(rng, reg, lo, hi, now)
        if code == "P7" and "P4" in out and "P6" in out:
            # Capital after the licence and the books.
            base = max(out["P4"].at or reg, out["P6"].at or reg)
            start = _moment(rng, base, 7, 60, now)
        if s == "in_progress":
            out[code] = StageTarget(status=s, started_at=start, at=start)
        elif s == "completed":
            out[code] = StageTarget(status=s, started_at=start, at=_moment(rng, start, dlo, dhi, now))
        else:
            out[code] = StageTarget(
                status=s,
                started_at=start,
                at=_moment(rng, start, 7, 60, now),
                reason=rng.choice(DROP_REASONS[code]),
            )
    return out


def build(
    n: int, *, now: dt.datetime | None = None, password_user: User | None = None
) -> list[ParticipantImport]:
    """The ``n`` demo participants to import, the same every run; the first one is ``peserta.demo``."""
    rng = random.Random(SEED)  # noqa: S311  (reproducible demo data, not security)
    now = now or timezone.now()
    kelurahan = list(
        Region.objects.filter(level=RegionLevel.KELURAHAN, code__startswith="31.")
        .order_by("code")
        .values_list("code", "name")
    )
    # Kepulauan Seribu is a few thousand people on small islands; the mainland kelurahan carry the rest.
    weights = list(accumulate(0.3 if code.startswith("31.01.") else 1.0 for code, _name in kelurahan))
    plans = _plans(rng, n, now)
    # peserta.demo: registered a few weeks ago, P1 completed, in T1 training; nothing further.
    home = next(
        (i for i, p in enumerate(plans) if p.level == 1 and not p.reached and set(p.status) <= {"P1", "P2"}),
        0,
    )
    plans[home].level = 1
    plans[home].reached = set()
    plans[home].registered_at = now - dt.timedelta(days=40)
    plans[home].status = {"P1": "completed", "P2": "in_progress"}
    names = Names(rng)
    niks: set[str] = set()
    phones: set[str] = set()
    rows: list[ParticipantImport] = []
    home_name = dict(kelurahan)[HOME_KELURAHAN]
    for i, plan in enumerate(plans):
        if i == home:
            code, kel_name, sex = HOME_KELURAHAN, home_name, "P"
        else:
            code, kel_name = rng.choices(kelurahan, cum_weights=weights)[0]
            sex = "P" if rng.random() < 0.58 else "L"  # a little over half are women
        full_name, first = ("Nur Aini Lestari", "Aini") if i == home else names.person(sex)
        registered = timezone.localdate(plan.registered_at)
        birth = _birth_date(rng, registered)
        licensed = plan.status.get("P4") == "completed"
        track = EntryTrack.NAIK_KELAS if rng.random() < 0.2 and i != home else EntryTrack.PEMULA
        business = _business(rng, sex, first, kel_name, track, registered)
        if licensed:
            business.nib = f"{rng.randint(1, 9)}{rng.randint(0, 10**12 - 1):012d}"
            if track == EntryTrack.NAIK_KELAS:
                plan.status.pop("P4")  # recorded with its NIB at registration
        stages = _stages(rng, plan, now)
        login = f"{first.lower()}.{full_name.split()[-1].lower()}{rng.randint(1, 99)}"
        rows.append(
            ParticipantImport(
                data=RegistrationInput(
                    nik=_nik(rng, code[:8], sex, birth, niks),
                    full_name=full_name,
                    phone=_phone(rng, phones),
                    kelurahan_code=code,
                    entry_track=track,
                    email=(
                        f"{USERNAME}@demo.kolabora.id"
                        if i == home
                        else f"{login}@demo.kolabora.id"
                        if rng.random() < 0.35
                        else ""
                    ),
                    address=f"Jl. {rng.choice(STREETS)} No. {rng.randint(1, 120)}, RT {rng.randint(1, 15):03d}/"
                    f"RW {rng.randint(1, 12):03d}, {kel_name}",
                    business=business,
                    consents=[str(ConsentPurpose.PROGRAMME), str(ConsentPurpose.STATISTICS)]
                    + ([ConsentPurpose.TRAINING_PARTNERS] if plan.level else [])
                    + ([ConsentPurpose.LICENSING_OFFICES] if "P4" in plan.reached else [])
                    + ([ConsentPurpose.MARKETPLACES] if "P5" in plan.reached else [])
                    + ([ConsentPurpose.FINANCIAL_INSTITUTIONS] if "P7" in plan.reached else []),
                ),
                registered_at=plan.registered_at,
                user=password_user if i == home else None,
                stages=stages,
            )
        )
    return rows


def seed(ctx: DemoContext) -> None:
    account = DemoAccount(USERNAME, "Peserta", "—")
    if Participant.objects.filter(user__username=USERNAME).exists():
        ctx.accounts.append(account)
        return
    wanted = ctx.options.get("participants")
    n = DEFAULT_COUNT if wanted is None else int(str(wanted))
    if n < 1:
        return
    user = User.objects.filter(username=USERNAME).first()
    if user is None:
        user = User(
            username=USERNAME,
            first_name="Nur Aini",
            last_name="Lestari",
            email=f"{USERNAME}@demo.kolabora.id",
        )
        user.set_password(ctx.password)
        user.save()
    participants_bulk_create(rows=build(n, password_user=user))
    ctx.accounts.append(account)
