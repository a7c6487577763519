"""Demo organisations, people and agreements for DKI Jakarta."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile

from kolabora.accounts.models import User
from kolabora.core.demo import DemoAccount, DemoContext
from kolabora.core.minipdf import text_pdf
from kolabora.core.timeutils import today
from kolabora.regions.choices import RegionLevel
from kolabora.regions.models import Region

from . import services
from .choices import AgreementStatus, DataCategory, OrganisationType, Role
from .models import Agreement, Membership, Organisation

LEAD = "Dinas PPKUKM Provinsi DKI Jakarta"


def _org(name: str, type: str, region: str, parent: Organisation | None = None, **extra: str) -> Organisation:
    org, _ = Organisation.objects.get_or_create(
        name=name, region_id=region, defaults={"type": type, "parent": parent, **extra}
    )
    return org


def _user(ctx: DemoContext, username: str, full_name: str, *, superuser: bool = False) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        first, _sep, last = full_name.partition(" ")
        user = User(username=username, first_name=first, last_name=last, email=f"{username}@demo.kolabora.id")
        user.is_staff = superuser
        user.is_superuser = superuser
        user.set_password(ctx.password)
        user.save()
    return user


def _member(ctx: DemoContext, user: User, org: Organisation, role: str) -> None:
    Membership.objects.get_or_create(user=user, organisation=org, role=role)
    ctx.accounts.append(DemoAccount(user.username, str(Role(role).label), org.name))


def _agreement(
    admin: User,
    *,
    number: str,
    title: str,
    lead: Organisation,
    partner: Organisation,
    stages: list[str],
    data: list[str],
    region: str,
    starts: dt.date,
    ends: dt.date,
    activate: bool,
) -> Agreement:
    existing = Agreement.objects.filter(number=number).first()
    if existing is not None:
        return existing
    pdf = text_pdf([title, number, f"{lead.name} - {partner.name}", f"{starts} - {ends}", "(demo)"])
    agreement = services.agreement_create(
        actor=admin,
        signed_document=ContentFile(pdf, name=f"{number.replace('/', '-')}.pdf"),
        number=number,
        title=title,
        lead=lead,
        partner=partner,
        stages=stages,
        data_categories=data,
        region=Region.objects.get(code=region),
        starts_on=starts,
        ends_on=ends,
    )
    if activate:
        # Demo history: an agreement that was active and has since ended is activated as of its
        # start, then the sweep records the expiry like it would have on the day.
        Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.ACTIVE)
    return agreement


def seed(ctx: DemoContext) -> None:
    admin = _user(ctx, "admin", "Admin Sistem", superuser=True)
    ctx.accounts.append(DemoAccount("admin", str(Role.SYSTEM_ADMIN.label), "—"))

    dinas = _org(LEAD, OrganisationType.GOVERNMENT_AGENCY, "31", email="jakpreneur@demo.kolabora.id")
    sudin = {}
    for kota in Region.objects.filter(level=RegionLevel.KOTA, code__startswith="31."):
        short = kota.name.replace("Kota Administrasi ", "").replace("Kabupaten Administrasi ", "")
        sudin[kota.code] = _org(
            f"Suku Dinas PPKUKM {short}", OrganisationType.GOVERNMENT_AGENCY, kota.code, dinas
        )
    secretariat = {}
    for kec in Region.objects.filter(level=RegionLevel.KECAMATAN, code__startswith="31."):
        secretariat[kec.code] = _org(
            f"Sekretariat JakPreneur Kecamatan {kec.name}",
            OrganisationType.KECAMATAN_SECRETARIAT,
            kec.code,
            sudin.get(kec.parent_id or ""),
        )
    ptsp_ulujami = _org("PTSP Kelurahan Ulujami", OrganisationType.PTSP_UNIT, "31.74.10.1005")
    kel_ulujami = _org("Kantor Kelurahan Ulujami", OrganisationType.KELURAHAN_OFFICE, "31.74.10.1005")
    bank_dki = _org("Bank DKI", OrganisationType.BANK, "31", email="umkm@demo.bankdki.id")
    unj = _org("Universitas Negeri Jakarta", OrganisationType.UNIVERSITY, "31.75")
    market = _org("PT Pasar Digital Nusantara", OrganisationType.COMPANY, "31")
    community = _org("Komunitas Wirausaha Cipayung", OrganisationType.COMMUNITY, "31.75.10")
    bpr = _org("BPR Jaya Artha", OrganisationType.FINANCIAL_INSTITUTION, "31")

    people = [
        ("pengelola", "Ratna Kusumawati", dinas, Role.PROGRAMME_MANAGER),
        ("koordinator.jaktim", "Hendra Gunawan", sudin["31.75"], Role.REGIONAL_COORDINATOR),
        ("koordinator.jaksel", "Sri Wahyuni", sudin["31.74"], Role.REGIONAL_COORDINATOR),
        ("kecamatan.cipayung", "Dewi Lestari", secretariat["31.75.10"], Role.KECAMATAN_STAFF),
        ("pendamping.cipayung", "Agus Setiawan", secretariat["31.75.10"], Role.MENTOR),
        ("ptsp.ulujami", "Bambang Prasetyo", ptsp_ulujami, Role.PTSP_OFFICER),
        ("lurah.ulujami", "Siti Rahmawati", kel_ulujami, Role.LURAH),
        ("bank.dki", "Yusuf Hidayat", bank_dki, Role.BANK_OFFICER),
        ("mitra.pelatihan", "Rina Marlina", unj, Role.PARTNER_STAFF),
    ]
    for username, name, org, role in people:
        _member(ctx, _user(ctx, username, name), org, role)

    year = today().year
    common = {"lead": dinas}
    _agreement(
        admin,
        number=f"PKS/{year - 1}/BANKDKI/007",
        title="Perjanjian Kerja Sama Permodalan UMKM JakPreneur",
        partner=bank_dki,
        stages=["P6", "P7"],
        region="31",
        data=[
            DataCategory.IDENTITY,
            DataCategory.CONTACT,
            DataCategory.BUSINESS,
            DataCategory.LICENCES,
            DataCategory.FINANCIAL,
        ],
        starts=dt.date(year - 1, 1, 1),
        ends=dt.date(year + 1, 12, 31),
        activate=True,
        **common,
    )
    _agreement(
        admin,
        number=f"PKS/{year}/UNJ/002",
        title="Pelatihan Kewirausahaan Jakarta Timur",
        partner=unj,
        stages=["P2"],
        region="31.75",
        data=[DataCategory.IDENTITY, DataCategory.CONTACT, DataCategory.PATHWAY],
        starts=dt.date(year, 1, 15),
        ends=dt.date(year + 1, 1, 14),
        activate=True,
        **common,
    )
    _agreement(
        admin,
        number=f"PKS/{year}/PDN/011",
        title="Onboarding E-Commerce Peserta JakPreneur",
        partner=market,
        stages=["P5"],
        region="31",
        data=[DataCategory.IDENTITY, DataCategory.BUSINESS, DataCategory.LICENCES],
        starts=dt.date(year, 3, 1),
        ends=dt.date(year + 2, 2, 28),
        activate=True,
        **common,
    )
    _agreement(
        admin,
        number=f"MOU/{year - 2}/KWC/001",
        title="Pendampingan Berbasis Komunitas Cipayung",
        partner=community,
        stages=["P3"],
        region="31.75.10",
        data=[DataCategory.IDENTITY, DataCategory.CONTACT, DataCategory.PATHWAY],
        starts=dt.date(year - 2, 7, 1),
        ends=dt.date(year - 1, 6, 30),
        activate=True,
        **common,
    )
    _agreement(
        admin,
        number=f"PKS/{year}/BPRJA/003",
        title="Kredit Usaha Mikro BPR Jaya Artha",
        partner=bpr,
        stages=["P7"],
        region="31",
        data=[DataCategory.IDENTITY, DataCategory.BUSINESS, DataCategory.FINANCIAL],
        starts=dt.date(year + 1, 1, 1),
        ends=dt.date(year + 2, 12, 31),
        activate=False,
        **common,
    )
    services.agreements_expire()
