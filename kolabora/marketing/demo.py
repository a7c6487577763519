"""Demo marketing (P5), consistent with the demo funnel.

Everyone the participants demo placed in P5 (they consented to sharing with marketplaces) gets one or two
products that suit their business. Those whose licensing (P4) is complete hold the licences their products'
category needs (recorded existing licences, verified) and, when P5 is complete, their products are in the
public catalogue since the day P5 completed. Those who marketed before they were licensed keep their
products as drafts that cannot be published (legality before marketing), and their P5 history stays as it
was imported. Nothing here changes a stage: the seeder publishes only for participants whose P5 is complete.

Curation: published products of Jakarta Timur sit at every level (waiting at the kecamatan, the city or the
province, passed up to the province, or sent back with notes), for ``kecamatan.cipayung``,
``koordinator.jaktim`` and ``pengelola``. Opportunities: Thamrin 10 (open, many applications, for
``pengelola`` to allocate), a Cipayung bazaar (allocated, with a waiting list), a past Jakarta Timur
exhibition (attendance recorded, which is why some applicants rank lower at Thamrin 10), and PT Pasar
Digital Nusantara's e-commerce onboarding under its P5 agreement, run by ``mitra.pasar``.

A showcase participant with an account, Wulan Sari of Dapur Wulan in Cipayung, registers online with her
NIB: two published food products (one curated up to the city and waiting at the province, one waiting at the
kecamatan), a jamu product that cannot be published without BPOM, a place at the Cipayung bazaar and an
application for Thamrin 10. Idempotent: when Thamrin 10 exists, nothing is created.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from kolabora.accounts.models import User
from kolabora.core.demo import DemoAccount, DemoContext
from kolabora.core.minipdf import text_pdf
from kolabora.licensing.choices import LicenceStatus
from kolabora.licensing.models import Licence, LicenceType
from kolabora.organisations.choices import OrganisationType, Role
from kolabora.organisations.models import Membership, Organisation
from kolabora.participants.choices import (
    ConsentPurpose,
    DocumentKind,
    EntryTrack,
    RegistrationChannel,
    Sector,
)
from kolabora.participants.models import Participant
from kolabora.participants.services import BusinessInput, RegistrationInput, participant_register
from kolabora.pathway.models import ParticipantStage

from . import services
from .choices import ApplicationStatus, ReviewStatus
from .models import CurationReview, Opportunity, OpportunityApplication, Product, ProductCategory

SEED = 483  # East Jakarta's P5 count in seed 000
THAMRIN = "Ruang Usaha Thamrin 10 — Rotasi Tenant Kuliner dan Kriya"
MARKET = "PT Pasar Digital Nusantara"
PARTNER_USER = "mitra.pasar"
SHOWCASE_NIK = "3175105203850017"
SHOWCASE_KELURAHAN = "31.75.10.1001"

# Per sector: (category, product names, price range in thousands of Rupiah, unit)
PRODUCTS: dict[str, list[tuple[str, str, tuple[int, int], str]]] = {
    Sector.KULINER: [
        ("makanan", "Keripik Tempe Pedas", (12, 25), "bungkus 200 g"),
        ("makanan", "Sambal Bawang Botol", (20, 35), "botol 150 ml"),
        ("makanan", "Nastar Nanas", (75, 120), "toples 500 g"),
        ("makanan", "Rendang Kering", (65, 110), "toples 250 g"),
        ("makanan", "Dimsum Ayam Beku", (35, 55), "isi 20"),
        ("makanan", "Kerupuk Kulit Ikan", (15, 28), "bungkus 100 g"),
        ("makanan", "Abon Sapi", (45, 80), "toples 200 g"),
        ("makanan", "Roti Gambang", (15, 25), "isi 6"),
        ("makanan", "Kue Kembang Goyang", (25, 40), "toples 250 g"),
        ("minuman", "Kopi Bubuk Robusta", (35, 70), "kemasan 250 g"),
        ("minuman", "Bir Pletok Siap Minum", (12, 20), "botol 250 ml"),
        ("minuman", "Sirup Jahe Merah", (25, 45), "botol 500 ml"),
    ],
    Sector.FASHION: [
        ("fashion", "Batik Tulis Motif Ondel-ondel", (180, 450), "lembar 2 m"),
        ("fashion", "Kemeja Batik Betawi", (150, 280), "potong"),
        ("fashion", "Hijab Voal Printing", (45, 90), "potong"),
        ("fashion", "Kaos Sablon Monas", (75, 120), "potong"),
    ],
    Sector.KRIYA: [
        ("kriya", "Tas Anyaman Pandan", (85, 180), "buah"),
        ("kriya", "Miniatur Ondel-ondel", (60, 150), "sepasang"),
        ("kriya", "Gantungan Kunci Rajut", (10, 20), "buah"),
        ("kriya", "Tempat Tisu Kayu Jati", (45, 90), "buah"),
    ],
    Sector.KECANTIKAN: [
        ("kosmetik", "Sabun Sereh Wangi", (15, 30), "batang 100 g"),
        ("kosmetik", "Lulur Tradisional Betawi", (35, 60), "toples 200 g"),
    ],
    Sector.PERTANIAN_PERIKANAN: [
        ("pertanian", "Selada Hidroponik", (10, 18), "ikat 250 g"),
        ("pertanian", "Bibit Cabai Rawit", (5, 10), "polybag"),
        ("pertanian", "Tanaman Lidah Mertua", (35, 85), "pot"),
    ],
    Sector.PERDAGANGAN: [("lainnya", "Paket Sembako Hemat", (95, 160), "paket")],
    Sector.DIGITAL_KREATIF: [
        ("jasa", "Foto Produk UMKM", (150, 400), "paket 10 foto"),
        ("jasa", "Desain Logo dan Label", (250, 600), "paket"),
    ],
    Sector.JASA_REPARASI: [("jasa", "Servis HP Ganti Baterai", (80, 200), "unit")],
    Sector.JASA_LAINNYA: [("jasa", "Laundry Kiloan Express", (8, 12), "kg")],
}
DESCRIPTIONS = {
    "makanan": "Dibuat di dapur rumah sendiri tanpa pengawet. Tahan {days} hari di suhu ruang. Pesan lewat WhatsApp, "
    "dikirim ke seluruh Jakarta.",
    "minuman": "Racikan sendiri dari bahan segar. Simpan di tempat sejuk; setelah dibuka, habiskan dalam {days} hari.",
    "fashion": "Dijahit sendiri dengan bahan katun yang adem. Bisa pesan ukuran; pengerjaan {days} hari.",
    "kriya": "Buatan tangan perajin Jakarta. Setiap buah sedikit berbeda. Bisa pesan untuk suvenir acara.",
    "kosmetik": "Bahan alami, tanpa pewarna buatan. Uji dulu di kulit tangan sebelum dipakai.",
    "pertanian": "Dipanen pagi hari dari kebun sendiri. Antar ke sekitar kecamatan di hari yang sama.",
    "lainnya": "Isi bisa disesuaikan. Antar gratis untuk sekitar kelurahan.",
    "jasa": "Dikerjakan sendiri, hasil bisa dilihat dulu. Janji temu lewat WhatsApp.",
}
COLOURS = {
    "makanan": (214, 128, 48),
    "minuman": (122, 76, 48),
    "fashion": (52, 92, 150),
    "kriya": (146, 110, 62),
    "kosmetik": (196, 110, 150),
    "jamu": (178, 140, 40),
    "pertanian": (60, 140, 80),
    "lainnya": (110, 110, 120),
    "jasa": (70, 110, 130),
}
RETURN_NOTES = [
    "Label belum mencantumkan berat bersih dan tanggal kedaluwarsa. Lengkapi label lalu ajukan lagi.",
    "Foto produk gelap dan latarnya ramai. Foto ulang di dekat jendela dengan latar polos.",
    "Kemasan plastik mudah bocor saat dikirim. Gunakan kemasan standing pouch dengan ziplock.",
]


def photo_bytes(name: str, category: str) -> bytes:
    """A simple product picture: the category's colour, a lighter plate, the product's name."""
    base = COLOURS.get(category, (90, 110, 130))
    picture = Image.new("RGB", (640, 640), base)
    draw = ImageDraw.Draw(picture)
    light = tuple(min(255, c + 90) for c in base)
    draw.ellipse((90, 90, 550, 550), fill=light)
    draw.ellipse((150, 150, 490, 490), fill=tuple(min(255, c + 140) for c in base))
    font = ImageFont.load_default(size=44)
    words, lines, line = name.split(), [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=font) > 420 and line:
            lines.append(line)
            line = word
        else:
            line = trial
    lines.append(line)
    top = 320 - 28 * len(lines)
    for i, text in enumerate(lines):
        width = draw.textlength(text, font=font)
        draw.text(((640 - width) / 2, top + 56 * i), text, font=font, fill=(40, 40, 40))
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=88)
    return buffer.getvalue()


@dataclass
class Cast:
    manager: User
    coordinator: User
    kecamatan: User
    admin: User
    partner: User
    dinas: Organisation
    cipayung: Organisation
    market: Organisation
    now: dt.datetime
    rng: random.Random
    serial: int = 0

    def next_serial(self) -> int:
        self.serial += 1
        return self.serial


def _member(ctx: DemoContext, username: str, full_name: str, org: Organisation, role: Role) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        first, _sep, last = full_name.partition(" ")
        user = User(username=username, first_name=first, last_name=last, email=f"{username}@demo.kolabora.id")
        user.set_password(ctx.password)
        user.save()
    Membership.objects.get_or_create(user=user, organisation=org, role=role)
    ctx.accounts.append(DemoAccount(user.username, str(role.label), org.name))
    return user


def _licence(cast: Cast, p: Participant, code: str, issued: dt.date) -> Licence:
    """A licence the business holds, recorded and verified (the licensing demo's existing-licence path)."""
    year = issued.year
    serial = cast.next_serial()
    kota = p.kota_code.replace(".", "")
    numbers = {
        "pirt": (
            f"{cast.rng.randint(1, 5)}{cast.rng.randint(1, 16):02d}{kota}{serial:04d}{cast.rng.randint(1, 20):02d}-{(year + 5) % 100:02d}",
            5,
        ),
        "halal": (f"ID{p.province_code}{110000000000000 + serial * 7919:015d}", 0),
        "bpom": (f"NA18{year % 100:02d}{serial:07d}", 5),
        "merek": (f"IDM{serial:09d}", 10),
    }
    number, years = numbers[code]
    business = p.businesses.order_by("pk").first()
    assert business is not None
    return Licence.objects.create(
        participant=p,
        business=business,
        licence_type=LicenceType.objects.get(code=code),
        number=number,
        issued_on=issued,
        valid_until=issued.replace(year=issued.year + years) if years else None,
        status=LicenceStatus.VALID,
        existing=True,
        verified_by=cast.admin,
        verified_at=timezone.make_aware(dt.datetime.combine(issued, dt.time(10))),
    )


def _product(
    cast: Cast,
    p: Participant,
    category: ProductCategory,
    name: str,
    price: int,
    unit: str,
    licences: list[Licence],
) -> Product:
    product = services.product_create(
        participant=p,
        business=p.businesses.order_by("pk").first(),  # type: ignore[arg-type]
        data=services.ProductInput(
            name=name,
            category=category,
            price=price,
            unit=unit,
            description=DESCRIPTIONS.get(category.code, "").format(days=cast.rng.choice([7, 14, 30])),
            licences=licences,
        ),
        actor=cast.manager,
    )
    photo = ContentFile(photo_bytes(name, category.code), name="foto.jpg")
    services.photo_add(product=product, upload=photo, actor=cast.manager)
    return product


def _publish(cast: Cast, product: Product, at: dt.datetime) -> None:
    services.product_publish(product=product, actor=cast.manager, at=at)
    # Demo history: in the catalogue since the day P5 completed.
    Product.objects.filter(pk=product.pk).update(published_at=at, created_at=at - dt.timedelta(days=3))
    product.refresh_from_db()


def _funnel_products(cast: Cast) -> list[Product]:
    """Products for everyone in P5, the way their licences and their P5 allow."""
    categories = {c.code: c for c in ProductCategory.objects.prefetch_related("required_licences")}
    stages = {
        (s.participant_id, s.code): s
        for s in ParticipantStage.objects.filter(
            code__in=["P4", "P5"], participant__consents__purpose=ConsentPurpose.MARKETPLACES
        )
    }
    people = (
        Participant.objects.filter(
            consents__purpose=ConsentPurpose.MARKETPLACES,
            consents__withdrawn_at__isnull=True,
            stages__code="P5",
            stages__status__in=["in_progress", "completed"],
        )
        .exclude(nik=SHOWCASE_NIK)
        .prefetch_related("businesses")
        .order_by("pk")
        .distinct()
    )
    published: list[Product] = []
    for p in people:
        business = p.businesses.order_by("pk").first()
        if business is None:
            continue
        p4, p5 = stages.get((p.pk, "P4")), stages.get((p.pk, "P5"))
        licensed = p4 is not None and p4.status == "completed"
        choices = list(PRODUCTS.get(business.sector, PRODUCTS[Sector.PERDAGANGAN]))
        cast.rng.shuffle(choices)
        held: dict[str, Licence] = {}
        for code, name, (low, high), unit in choices[: 2 if cast.rng.random() < 0.3 else 1]:
            category = categories[code]
            needed = [t.code for t in category.required_licences.all()]
            if licensed and p4 is not None:
                issued = timezone.localdate(p4.completed_at or cast.now) - dt.timedelta(
                    days=cast.rng.randint(0, 60)
                )
                for licence_code in needed:
                    if licence_code not in held:
                        held[licence_code] = _licence(cast, p, licence_code, issued)
            price = cast.rng.randint(low, high) * 1000
            product = _product(cast, p, category, name, price, unit, [held[c] for c in needed if c in held])
            if licensed and p5 is not None and p5.status == "completed":
                _publish(cast, product, p5.completed_at or cast.now)
                published.append(product)
    return published


def _scores(cast: Cast, low: int = 3) -> dict[str, int]:
    return {code: cast.rng.randint(low, 5) for code in ("rasa", "kemasan", "higiene", "halal", "foto")}


def _curate(cast: Cast, product: Product, outcome: str) -> None:
    """Move one published product's curation to ``outcome``: waiting at the kecamatan, the city or the
    province, passed up to the province, or sent back at the kecamatan."""
    kecamatan_curator = cast.kecamatan if product.participant.kecamatan_code == "31.75.10" else cast.admin
    steps = {
        "kecamatan": [],
        "kota": [kecamatan_curator],
        "province": [kecamatan_curator, cast.coordinator],
        "passed": [kecamatan_curator, cast.coordinator, cast.manager],
        "returned": [],
    }[outcome]
    services.curation_request(product=product, actor=cast.manager)
    for curator in steps:
        review = CurationReview.objects.get(product=product, status=ReviewStatus.PENDING)
        services.curation_decide(review=review, actor=curator, scores=_scores(cast), passed=True)
    if outcome == "returned":
        review = CurationReview.objects.get(product=product, status=ReviewStatus.PENDING)
        services.curation_decide(
            review=review,
            actor=kecamatan_curator,
            scores=_scores(cast, low=1),
            passed=False,
            notes=cast.rng.choice(RETURN_NOTES),
        )


def _showcase(ctx: DemoContext, cast: Cast) -> tuple[Participant, list[Product]]:
    at = cast.now - dt.timedelta(days=120)
    p = Participant.objects.filter(nik=SHOWCASE_NIK).first()
    if p is None:
        proof = text_pdf(["Surat Keterangan Usaha", "Dapur Wulan", "Wulan Sari", "(demo)"])
        p = participant_register(
            data=RegistrationInput(
                nik=SHOWCASE_NIK,
                full_name="Wulan Sari",
                phone="081299870017",
                email="wulan.sari@demo.kolabora.id",
                kelurahan_code=SHOWCASE_KELURAHAN,
                entry_track=EntryTrack.NAIK_KELAS,
                address="Jl. Bambu Wulung No. 17, RT 003/RW 002",
                business=BusinessInput(
                    name="Dapur Wulan",
                    sector=Sector.KULINER,
                    started_on=timezone.localdate(at) - dt.timedelta(days=2200),
                    workers=3,
                    monthly_turnover=18_000_000,
                    assets=35_000_000,
                    nib="9120102345678",
                ),
                consents=[
                    ConsentPurpose.PROGRAMME,
                    ConsentPurpose.LICENSING_OFFICES,
                    ConsentPurpose.MARKETPLACES,
                    ConsentPurpose.STATISTICS,
                ],
                password=ctx.password,
                documents={
                    DocumentKind.OWNERSHIP_PROOF: ContentFile(proof, name="surat-keterangan-usaha.pdf")
                },
            ),
            actor=None,
            channel=RegistrationChannel.ONLINE,
            at=at,
        )
    issued = timezone.localdate(at) + dt.timedelta(days=20)
    pirt, halal = _licence(cast, p, "pirt", issued), _licence(cast, p, "halal", issued)
    food = ProductCategory.objects.get(code="makanan")
    jamu = ProductCategory.objects.get(code="jamu")
    keripik = _product(
        cast, p, food, "Keripik Tempe Pedas Dapur Wulan", 18_000, "bungkus 200 g", [pirt, halal]
    )
    sambal = _product(cast, p, food, "Sambal Bawang Dapur Wulan", 28_000, "botol 150 ml", [pirt, halal])
    _product(cast, p, jamu, "Jamu Kunyit Asam Dapur Wulan", 15_000, "botol 250 ml", [])
    _publish(cast, keripik, cast.now - dt.timedelta(days=60))
    _publish(cast, sambal, cast.now - dt.timedelta(days=20))
    _curate(cast, keripik, "province")
    _curate(cast, sambal, "kecamatan")
    if p.user is not None:
        ctx.accounts.append(DemoAccount(p.user.username, "Peserta", "Dapur Wulan"))
    return p, [keripik, sambal]


def _opportunity(cast: Cast, actor: User, organiser: Organisation, **data: object) -> Opportunity:
    from kolabora.regions.models import Region

    region = Region.objects.get(code=str(data.pop("region")))
    return services.opportunity_create(
        data=services.OpportunityInput(organiser=organiser, region=region, **data),  # type: ignore[arg-type]
        actor=actor,
    )


def _apply(cast: Cast, o: Opportunity, product: Product, at: dt.datetime) -> OpportunityApplication | None:
    try:
        return services.opportunity_apply(
            opportunity=o, participant=product.participant, product=product, actor=cast.manager, at=at
        )
    except ValidationError:
        return None  # e.g. an applicant living outside the opportunity's area: skipped, as the rule says


def _opportunities(cast: Cast, published: list[Product], showcase: list[Product]) -> None:
    day = timezone.localdate(cast.now)
    rng = cast.rng
    jaktim = [p for p in published if p.participant.kota_code == "31.75"]
    # A past exhibition in Jakarta Timur, attendance recorded: those who took part rank lower next time.
    past = _opportunity(
        cast,
        cast.manager,
        cast.dinas,
        kind="exhibition",
        title="Pameran Produk Unggulan Jakarta Timur",
        description="Dua hari pameran di halaman Kantor Wali Kota Jakarta Timur, 12 stan untuk peserta JakPreneur.",
        location="Kantor Wali Kota Jakarta Timur, Jl. Dr. Sumarno No. 1",
        region="31.75",
        starts_on=day + dt.timedelta(days=1),
        ends_on=day + dt.timedelta(days=2),
        apply_by=day,
        slots=12,
        product_required=True,
    )
    for product in rng.sample(jaktim, min(len(jaktim), 18)):
        _apply(cast, past, product, cast.now - dt.timedelta(days=rng.randint(2, 20), hours=rng.randint(0, 9)))
    if past.applications.exists():
        services.opportunity_allocate(opportunity=past, actor=cast.manager)
    Opportunity.objects.filter(pk=past.pk).update(
        starts_on=day - dt.timedelta(days=45),
        ends_on=day - dt.timedelta(days=44),
        apply_by=day - dt.timedelta(days=52),
    )
    past.refresh_from_db()
    given = list(past.applications.filter(status=ApplicationStatus.ALLOCATED).values_list("pk", flat=True))
    if given:
        came = {pk for pk in given if rng.random() < 0.85}
        services.attendance_record(
            opportunity=past,
            actor=cast.manager,
            attended=came,
            at=timezone.make_aware(dt.datetime.combine(past.starts_on, dt.time(16))),
        )

    # Thamrin 10: province-wide, open, many applications for the programme manager to allocate.
    thamrin = _opportunity(
        cast,
        cast.manager,
        cast.dinas,
        kind="retail_space",
        title=THAMRIN,
        description="Kios di kawasan Thamrin 10 untuk satu bulan. Sewa dibebaskan; tenant menjaga kios setiap hari "
        "pukul 10.00–21.00 dan memakai QRIS Bank DKI.",
        location="Thamrin 10, Jl. Kebon Kacang Raya No. 10, Jakarta Pusat",
        region="31",
        starts_on=day + dt.timedelta(days=21),
        ends_on=day + dt.timedelta(days=51),
        apply_by=day + dt.timedelta(days=10),
        slots=8,
        product_required=True,
    )
    candidates = [p for p in published if p.category.code in ("makanan", "minuman", "kriya", "fashion")]
    pool = rng.sample(candidates, min(len(candidates), 24))
    pool += [p for p in jaktim if p.applications.exists() and p not in pool][:6]
    for product in pool:
        _apply(
            cast, thamrin, product, cast.now - dt.timedelta(days=rng.randint(0, 6), hours=rng.randint(0, 12))
        )
    _apply(cast, thamrin, showcase[0], cast.now - dt.timedelta(days=4))

    # A Cipayung bazaar: applications closed yesterday, places allocated, a waiting list.
    bazaar = _opportunity(
        cast,
        cast.kecamatan,
        cast.cipayung,
        kind="bazaar",
        title="Bazar UMKM Kecamatan Cipayung — Akhir Pekan",
        description="Bazar akhir pekan di halaman kantor kecamatan, bersama senam pagi warga. Tiga meja untuk "
        "peserta JakPreneur Cipayung.",
        location="Halaman Kantor Kecamatan Cipayung, Jl. Raya Cipayung",
        region="31.75.10",
        starts_on=day + dt.timedelta(days=6),
        ends_on=day + dt.timedelta(days=7),
        apply_by=day - dt.timedelta(days=1),
        slots=3,
        product_required=False,
    )
    _apply(cast, bazaar, showcase[1], cast.now - dt.timedelta(days=6))
    # The bazaar needs no published product: everyone of Cipayung in P5 may take a table.
    neighbours = (
        Participant.objects.filter(
            kecamatan_code="31.75.10", stages__code="P5", stages__status__in=["in_progress", "completed"]
        )
        .exclude(nik=SHOWCASE_NIK)
        .order_by("pk")[:9]
    )
    for person in neighbours:
        theirs = Product.objects.filter(participant=person, status="published").first()
        try:
            services.opportunity_apply(
                opportunity=bazaar,
                participant=person,
                product=theirs,
                actor=cast.kecamatan,
                at=cast.now - dt.timedelta(days=rng.randint(2, 9), hours=rng.randint(0, 9)),
            )
        except ValidationError:
            continue
    if bazaar.applications.exists():
        services.opportunity_allocate(opportunity=bazaar, actor=cast.kecamatan)

    # The marketplace partner's e-commerce onboarding, under its agreement covering P5.
    onboarding = _opportunity(
        cast,
        cast.partner,
        cast.market,
        kind="ecommerce",
        title="Onboarding Toko Daring Pasar Digital Nusantara — Gelombang 3",
        description="Pendampingan membuka toko di Pasar Digital Nusantara: foto produk, deskripsi, ongkos kirim dan "
        "promosi gratis tiga bulan pertama.",
        location="Daring (Zoom) dan kunjungan ke tempat usaha",
        region="31",
        starts_on=day + dt.timedelta(days=21),
        ends_on=day + dt.timedelta(days=60),
        apply_by=day + dt.timedelta(days=14),
        slots=40,
        product_required=False,
    )
    for product in rng.sample(published, min(len(published), 15)):
        _apply(
            cast,
            onboarding,
            product,
            cast.now - dt.timedelta(days=rng.randint(0, 5), hours=rng.randint(0, 12)),
        )


def seed(ctx: DemoContext) -> None:
    market = Organisation.objects.filter(name=MARKET).first()
    dinas = (
        Organisation.objects.filter(type=OrganisationType.GOVERNMENT_AGENCY, region_id="31")
        .order_by("pk")
        .first()
    )
    cipayung = Organisation.objects.filter(
        type=OrganisationType.KECAMATAN_SECRETARIAT, region_id="31.75.10"
    ).first()
    if market is None or dinas is None or cipayung is None:
        return  # the organisations demo did not run
    partner = _member(ctx, PARTNER_USER, "Lestari Wulandari", market, Role.PARTNER_STAFF)
    if Opportunity.objects.filter(title=THAMRIN).exists():
        shown = Participant.objects.filter(nik=SHOWCASE_NIK).select_related("user").first()
        if shown is not None and shown.user is not None:
            ctx.accounts.append(DemoAccount(shown.user.username, "Peserta", "Dapur Wulan"))
        return
    cast = Cast(
        manager=User.objects.get(username="pengelola"),
        coordinator=User.objects.get(username="koordinator.jaktim"),
        kecamatan=User.objects.get(username="kecamatan.cipayung"),
        admin=User.objects.get(username="admin"),
        partner=partner,
        dinas=dinas,
        cipayung=cipayung,
        market=market,
        now=timezone.now(),
        rng=random.Random(SEED),  # noqa: S311  (reproducible demo data, not security)
    )
    published = _funnel_products(cast)
    _person, showcase = _showcase(ctx, cast)
    jaktim = [p for p in published if p.participant.kota_code == "31.75"]
    outcomes = ["kecamatan", "kota", "province", "passed", "returned", "passed", "kota"]
    for i, product in enumerate(jaktim[:28]):
        _curate(cast, product, outcomes[i % len(outcomes)])
    _opportunities(cast, published, showcase)
