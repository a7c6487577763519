"""Demo licensing cases in Kelurahan Ulujami (Pesanggrahan, Jakarta Selatan), where the demo PTSP officer
(``ptsp.ulujami``), lurah (``lurah.ulujami``) and kelurahan surveyor (``kelurahan.ulujami``) work.

Twelve fictitious residents register through the real registration service and apply for an IUMK: one
online with their own account, the others at the Pesanggrahan kecamatan desk (``kecamatan.pesanggrahan``),
whose staff help them apply. The real licensing services move each case to one state: draft, submitted, returned, resubmitted, survey
(scheduled and overdue), recommendation, issuance, issued, refused at survey (green belt), and an existing
NIB waiting for PTSP verification. Steps are dated in the past (the services accept ``at=``) so some
hand-offs are overdue in the PTSP and kelurahan inboxes. Idempotent: a resident who exists already is
left as they are.
"""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files import File
from django.core.files.base import ContentFile
from django.utils import timezone

from kolabora.accounts.models import User
from kolabora.core.demo import DemoAccount, DemoContext
from kolabora.core.minipdf import text_pdf
from kolabora.handoffs.services import due_date
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

from . import services
from .models import LicenceApplication, LicenceType

KELURAHAN = "31.74.10.1005"  # Ulujami
OFFICE = "Kantor Kelurahan Ulujami"
SURVEYOR = "kelurahan.ulujami"
DESK = "kecamatan.pesanggrahan"


def png(rgb: tuple[int, int, int] = (70, 130, 90), size: int = 16) -> bytes:
    """A small, valid PNG of one colour (demo photos)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    pixels = (b"\x00" + bytes(rgb) * size) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


@dataclass(frozen=True)
class Resident:
    nik: str
    full_name: str
    phone: str
    address: str
    business: str
    sector: str
    story: str
    track: str = EntryTrack.PEMULA


# fmt: off
RESIDENTS = [
    Resident("3174105408780021", "Rohimah", "081287650021", "Jl. Swadarma Raya No. 41, RT 004/RW 006, Ulujami", "Nasi Uduk Bu Imah", Sector.KULINER, "draft"),
    Resident("3174100302900034", "Ahmad Fauzi", "081311020034", "Jl. Ulujami Raya No. 18, RT 002/RW 003, Ulujami", "Bengkel Motor Fauzi", Sector.JASA_REPARASI, "submitted"),
    Resident("3174106211870017", "Dewi Anggraini", "085716540017", "Gg. Masjid Al-Ikhlas No. 7, RT 006/RW 002, Ulujami", "Katering Dewi", Sector.KULINER, "submitted_overdue"),
    Resident("3174100906830045", "Heru Santoso", "087883210045", "Jl. Haji Saidi No. 22, RT 001/RW 005, Ulujami", "Servis HP Heru", Sector.JASA_REPARASI, "returned"),
    Resident("3174101701920028", "Teguh Wibowo", "083812370028", "Jl. Swadarma Raya No. 9, RT 003/RW 006, Ulujami", "Sablon Kaos Teguh", Sector.FASHION, "resubmitted"),
    Resident("3174107004750019", "Nurhasanah", "089651420019", "Gg. Mawar No. 3, RT 005/RW 004, Ulujami", "Kue Basah Bu Nur", Sector.KULINER, "survey_scheduled"),
    Resident("3174100112950052", "Yusuf Maulana", "081219870052", "Jl. Ulujami Raya No. 56, RT 008/RW 003, Ulujami", "Laundry Kiloan Yusuf", Sector.JASA_LAINNYA, "survey_overdue"),
    Resident("3174104509800036", "Sri Rejeki Handayani", "081398450036", "Jl. Haji Saidi No. 5, RT 002/RW 005, Ulujami", "Butik Sri Rejeki", Sector.FASHION, "recommendation"),
    Resident("3174102107970041", "Muhammad Rizki Pratama", "085772130041", "Jl. Swadarma Raya No. 77, RT 001/RW 007, Ulujami", "Kedai Kopi Swadarma", Sector.KULINER, "issuance"),
    Resident("3174105203890023", "Fitriani Lubis", "087711560023", "Jl. Ulujami Raya No. 3, RT 004/RW 001, Ulujami", "Salon Fitri", Sector.KECANTIKAN, "issued"),
    Resident("3174102810720038", "Dadang Supriyadi", "081385410038", "Bantaran Kali Pesanggrahan, RT 009/RW 008, Ulujami", "Warung Kelontong Dadang", Sector.PERDAGANGAN, "refused"),
    Resident("3174105605690014", "Maemunah", "089512670014", "Gg. Kenanga No. 12, RT 007/RW 004, Ulujami", "Konveksi Maemunah", Sector.FASHION, "existing_nib", EntryTrack.NAIK_KELAS),
]
# fmt: on
# The resident who registered online and follows their returned application from their own account.
SHOWN_APPLICANT = "3174100906830045"


@dataclass
class Cast:
    """The people acting in the stories, and the clock they act on."""

    ptsp: User
    lurah: User
    surveyor: User
    desk: User
    iumk: LicenceType
    nib: LicenceType
    now: dt.datetime

    def ago(self, days: int, hour: int = 10) -> dt.datetime:
        """``days`` days before today at ``hour`` o'clock, Jakarta time."""
        day = timezone.localdate(self.now) - dt.timedelta(days=days)
        return min(self.now, timezone.make_aware(dt.datetime.combine(day, dt.time(hour))))

    def applicant(self, p: Participant) -> User:
        """Who acts for the applicant: themselves when they have an account, else the kecamatan desk."""
        return p.user or self.desk


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


def _register(ctx: DemoContext, cast: Cast, r: Resident, at: dt.datetime) -> Participant:
    """Online with a password for the shown applicant; at the kecamatan desk for everyone else."""
    documents: dict[str, File] = {}
    if r.track == EntryTrack.NAIK_KELAS:
        proof = text_pdf(["Surat Keterangan Usaha", r.business, r.full_name, "(demo)"])
        documents[DocumentKind.OWNERSHIP_PROOF] = ContentFile(proof, name="surat-keterangan-usaha.pdf")
    established = r.track == EntryTrack.NAIK_KELAS
    online = r.nik == SHOWN_APPLICANT
    return participant_register(
        data=RegistrationInput(
            nik=r.nik,
            full_name=r.full_name,
            phone=r.phone,
            kelurahan_code=KELURAHAN,
            entry_track=r.track,
            address=r.address,
            business=BusinessInput(
                name=r.business,
                sector=r.sector,
                started_on=timezone.localdate(at) - dt.timedelta(days=3400 if established else 200),
                workers=6 if established else 1,
                monthly_turnover=45_000_000 if established else 6_000_000,
                assets=120_000_000 if established else 8_000_000,
            ),
            consents=[ConsentPurpose.PROGRAMME, ConsentPurpose.LICENSING_OFFICES],
            password=ctx.password if online else "",
            documents=documents,
        ),
        actor=None if online else cast.desk,
        channel=RegistrationChannel.ONLINE if online else RegistrationChannel.WALK_IN,
        at=at,
    )


def _open(cast: Cast, p: Participant, *, opened: dt.datetime) -> LicenceApplication:
    app = services.application_open(
        participant=p,
        business=p.businesses.get(),
        licence_type=cast.iumk,
        actor=cast.applicant(p),
        location_address=p.address,
    )
    # Demo history: the services stamp creation with the real clock; the case began before its first step.
    LicenceApplication.objects.filter(pk=app.pk).update(created_at=opened)
    return app


def _fill(cast: Cast, app: LicenceApplication, only: tuple[str, ...] | None = None) -> None:
    p = app.participant
    for req in app.licence_type.requirements.order_by("order"):
        if only is not None and req.code not in only:
            continue
        if "pdf" in req.extensions:
            upload = ContentFile(text_pdf([req.name_id, p.full_name, "(demo)"]), name=f"{req.code}.pdf")
        else:
            upload = ContentFile(png(), name=f"{req.code}.png")
        services.item_upload(application=app, requirement=req, upload=upload, actor=cast.applicant(p))


def _submitted(cast: Cast, p: Participant, days: int) -> LicenceApplication:
    app = _open(cast, p, opened=cast.ago(days + 1))
    _fill(cast, app)
    services.application_submit(application=app, actor=cast.applicant(p), at=cast.ago(days))
    return app


def _at_survey(cast: Cast, p: Participant, days: int) -> LicenceApplication:
    """Submitted ``days`` ago and found complete by PTSP a day later."""
    app = _submitted(cast, p, days)
    services.application_verify(application=app, actor=cast.ptsp, returns={}, at=cast.ago(days - 1, 14))
    return app


def _surveyed(cast: Cast, p: Participant, days: int, recorded: int) -> LicenceApplication:
    app = _at_survey(cast, p, days)
    photo = ContentFile(png((150, 120, 90)), name="tampak-depan.png")
    services.survey_record(
        application=app,
        actor=cast.surveyor,
        zoning="mixed",
        photos=[photo],
        at=cast.ago(recorded, 11),
        notes="Ruko di jalan lingkungan, zona campuran; usaha tidak mengganggu lalu lintas.",
    )
    return app


def _returns(app: LicenceApplication, reasons: dict[str, str]) -> dict[int, str]:
    return {
        item.pk: reasons[item.requirement.code]
        for item in app.items.all()
        if item.requirement.code in reasons
    }


def draft(cast: Cast, p: Participant) -> None:
    app = _open(cast, p, opened=cast.ago(2))
    _fill(cast, app, only=("ktp", "kk"))


def submitted(cast: Cast, p: Participant) -> None:
    _submitted(cast, p, 0)


def submitted_overdue(cast: Cast, p: Participant) -> None:
    _submitted(cast, p, 14)


def returned(cast: Cast, p: Participant) -> None:
    app = _submitted(cast, p, 6)
    reasons = {
        "kk": "Halaman KK terpotong; unggah pindaian utuh yang memuat semua anggota keluarga.",
        "pengantar_rt_rw": "Surat pengantar belum ditandatangani dan dicap oleh ketua RW 005.",
    }
    services.application_verify(
        application=app, actor=cast.ptsp, returns=_returns(app, reasons), at=cast.ago(5)
    )


def resubmitted(cast: Cast, p: Participant) -> None:
    app = _submitted(cast, p, 12)
    reasons = {"pas_foto": "Latar belakang pas foto harus berwarna merah."}
    services.application_verify(
        application=app, actor=cast.ptsp, returns=_returns(app, reasons), at=cast.ago(11)
    )
    _fill(cast, app, only=("pas_foto",))
    services.application_submit(application=app, actor=cast.applicant(p), at=cast.ago(1))


def survey_scheduled(cast: Cast, p: Participant) -> None:
    app = _at_survey(cast, p, 3)
    # Two working days ahead: surveyors do not visit on weekends or holidays.
    services.survey_schedule(application=app, actor=cast.surveyor, on=due_date(cast.now, 2))


def survey_overdue(cast: Cast, p: Participant) -> None:
    _at_survey(cast, p, 16)


def recommendation(cast: Cast, p: Participant) -> None:
    # Surveyed two weeks ago: the lurah's recommendation is overdue.
    _surveyed(cast, p, 18, recorded=14)


def issuance(cast: Cast, p: Participant) -> None:
    app = _surveyed(cast, p, 8, recorded=4)
    services.recommendation_sign(application=app, actor=cast.lurah, approve=True, at=cast.ago(1, 9))


def issued(cast: Cast, p: Participant) -> None:
    app = _surveyed(cast, p, 40, recorded=36)
    services.recommendation_sign(application=app, actor=cast.lurah, approve=True, at=cast.ago(34))
    services.licence_issue(application=app, actor=cast.ptsp, at=cast.ago(33))


def refused(cast: Cast, p: Participant) -> None:
    app = _at_survey(cast, p, 25)
    services.survey_record(
        application=app,
        actor=cast.surveyor,
        zoning="green_belt",
        photos=[ContentFile(png((60, 140, 60)), name="bantaran.png")],
        notes="Warung berdiri di bantaran Kali Pesanggrahan, jalur hijau sempadan sungai.",
        at=cast.ago(21),
    )


def existing_nib(cast: Cast, p: Participant) -> None:
    proof = ContentFile(
        text_pdf(["Nomor Induk Berusaha", "9120008765432", p.full_name, "(demo)"]), name="nib.pdf"
    )
    services.existing_licence_record(
        participant=p,
        business=p.businesses.get(),
        licence_type=cast.nib,
        number="9120008765432",
        issued_on=dt.date(2023, 4, 17),
        proof=proof,
        risk_level="low",
        actor=cast.applicant(p),
    )


STORIES: dict[str, Callable[[Cast, Participant], None]] = {
    "draft": draft,
    "submitted": submitted,
    "submitted_overdue": submitted_overdue,
    "returned": returned,
    "resubmitted": resubmitted,
    "survey_scheduled": survey_scheduled,
    "survey_overdue": survey_overdue,
    "recommendation": recommendation,
    "issuance": issuance,
    "issued": issued,
    "refused": refused,
    "existing_nib": existing_nib,
}


def seed(ctx: DemoContext) -> None:
    office = Organisation.objects.get(name=OFFICE, region_id=KELURAHAN)
    secretariat = (
        Organisation.objects.filter(type=OrganisationType.KECAMATAN_SECRETARIAT, region_id=KELURAHAN[:8])
        .order_by("pk")
        .first()
    )
    assert secretariat is not None, "run the organisations demo first"
    cast = Cast(
        ptsp=User.objects.get(username="ptsp.ulujami"),
        lurah=User.objects.get(username="lurah.ulujami"),
        surveyor=_member(ctx, SURVEYOR, "Wahyu Hidayat", office, Role.KELURAHAN_STAFF),
        desk=_member(ctx, DESK, "Ika Permatasari", secretariat, Role.KECAMATAN_STAFF),
        iumk=LicenceType.objects.get(code="iumk"),
        nib=LicenceType.objects.get(code="nib"),
        now=timezone.now(),
    )
    for r in RESIDENTS:
        participant = Participant.objects.filter(nik=r.nik).first()
        if participant is None:
            # Registered online some weeks before their first step.
            participant = _register(ctx, cast, r, cast.ago(60, 8))
            STORIES[r.story](cast, participant)
        if r.nik == SHOWN_APPLICANT and participant.user is not None:
            ctx.accounts.append(DemoAccount(participant.user.username, "Peserta", r.business))
