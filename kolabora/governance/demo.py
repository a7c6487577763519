"""Demo governance: assessment rounds answered by the demo organisations' members, and participants'
feedback on services they received, some answered (one late) and some still open (one overdue).

Assessments (region DKI Jakarta, the demo organisations of the other seeders):
- DeSeve, semester II of last year and semester I of this year, both closed: nine of the eleven invited
  members answered (the province-level group has two respondents, so its row is withheld: results need
  at least three), so the radar compares the two periods;
- Ansell & Gash, this year, open for two more weeks: four members answered; ``kecamatan.cipayung`` has
  not yet and can try the questionnaire.

Feedback: six fictitious residents with their own accounts (password: the demo password; they log in
with their phone number) register at their kecamatan desk and receive real services through the other
apps' services: a licence application at PTSP Kelurahan Ulujami, mentoring by ``pendamping.cipayung``,
a training session of Universitas Negeri Jakarta. Their feedback is given and answered on past dates
(the services accept ``at=``), so the service levels show both kept and missed answers.

Idempotent: a round or a resident that exists already is left as it is.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from kolabora.accounts.models import User
from kolabora.core.demo import DemoAccount, DemoContext
from kolabora.core.minipdf import text_pdf
from kolabora.notifications.models import Notification
from kolabora.notifications.services import notifications_mark_read
from kolabora.organisations.models import Organisation
from kolabora.participants.choices import ConsentPurpose, EntryTrack, RegistrationChannel, Sector
from kolabora.participants.models import Participant
from kolabora.participants.services import BusinessInput, RegistrationInput, participant_register
from kolabora.regions.models import Region

from . import services
from .feedback_kinds import KINDS
from .models import AssessmentRound, Framework, Invitation

SEED = 2026
PROVINCE = "31"
ORGANISATIONS = [
    "Dinas PPKUKM Provinsi DKI Jakarta",
    "Suku Dinas PPKUKM Jakarta Timur",
    "Suku Dinas PPKUKM Jakarta Selatan",
    "Sekretariat JakPreneur Kecamatan Cipayung",
    "Sekretariat JakPreneur Kecamatan Pesanggrahan",
    "PTSP Kelurahan Ulujami",
    "Kantor Kelurahan Ulujami",
    "Bank DKI",
    "Universitas Negeri Jakarta",
]
# Who leaves the closed rounds unanswered, and who has answered the open one.
SILENT = {"koordinator.jaksel", "kelurahan.ulujami"}
OPEN_ANSWERED = ["pengelola", "bank.dki", "ptsp.ulujami", "mitra.pelatihan"]
# Mean score per dimension (DeSeve's, this semester), echoing the seeds: strong commitment and information
# sharing, weak trust (drop-off between stages), unwritten boundaries, scarce resources.
DESEVE_MEANS = {
    "networked_structure": 3.6,
    "commitment": 4.2,
    "trust": 3.0,
    "boundary": 2.9,
    "rules": 3.3,
    "self_determination": 3.5,
    "network_management": 3.2,
    "access_to_authority": 3.7,
    "distributive_accountability": 3.5,
    "information_sharing": 3.9,
    "access_to_resources": 2.7,
}
ANSELL_GASH_MEANS = {
    "starting_conditions": 3.3,
    "facilitative_leadership": 4.1,
    "institutional_design": 3.2,
    "face_to_face": 3.8,
    "trust_building": 3.4,
    "commitment_to_process": 4.0,
    "shared_understanding": 3.6,
    "intermediate_outcomes": 3.5,
}


def _noon(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _scores(
    round_: AssessmentRound, means: dict[str, float], rng: random.Random, shift: float
) -> dict[int, int]:
    scores = {}
    for item in services.framework_items(round_.framework):
        mean = means.get(item.dimension.code, 3.5) + shift
        scores[item.pk] = max(1, min(5, round(rng.gauss(mean, 0.8))))
    return scores


def _round(
    manager: User,
    framework: Framework,
    title: str,
    start: dt.date,
    end: dt.date,
    opened: dt.datetime,
    organisations: list[Organisation],
) -> AssessmentRound:
    rnd = services.round_create(
        actor=manager,
        framework=framework,
        title=title,
        region=Region.objects.get(code=PROVINCE),
        period_start=start,
        period_end=end,
        closes_on=timezone.localdate(),
        organisations=organisations,
    )
    return services.round_open(round=rnd, actor=manager, at=opened)


def _history(rnd: AssessmentRound, closes_on: dt.date) -> None:
    """A round that happened before today: its deadline as it was, its invitations read long ago."""
    AssessmentRound.objects.filter(pk=rnd.pk).update(closes_on=closes_on)
    link = reverse("governance:round_respond", args=[rnd.pk])
    for user_id, ids in _notifications(link).items():
        notifications_mark_read(user=User.objects.get(pk=user_id), ids=ids)


def _notifications(link: str) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for pk, user_id in Notification.objects.filter(link=link).values_list("pk", "recipient_id"):
        found.setdefault(user_id, []).append(pk)
    return found


def _answer_all(
    rnd: AssessmentRound, means: dict[str, float], rng: random.Random, shift: float, days: int
) -> None:
    invitations = Invitation.objects.filter(round=rnd).select_related("user").order_by("user__username")
    for i, inv in enumerate(invitations):
        if inv.user.username in SILENT:
            continue
        at = rnd.opened_at + dt.timedelta(days=1 + i % days, hours=i) if rnd.opened_at else None
        services.response_submit(round=rnd, actor=inv.user, scores=_scores(rnd, means, rng, shift), at=at)


def _assessments(ctx: DemoContext) -> None:
    manager = User.objects.filter(username="pengelola").first()
    deseve = Framework.objects.filter(code="deseve").first()
    ansell = Framework.objects.filter(code="ansell_gash").first()
    if manager is None or deseve is None or ansell is None:
        return
    today = timezone.localdate()
    year = today.year
    current = f"Penilaian kolaborasi semester I {year}"
    if AssessmentRound.objects.filter(title=current).exists():
        return
    orgs = list(Organisation.objects.filter(name__in=ORGANISATIONS, is_active=True).order_by("name"))
    rng = random.Random(SEED)  # noqa: S311  (reproducible demo data, not security)

    previous = _round(
        manager,
        deseve,
        f"Penilaian kolaborasi semester II {year - 1}",
        dt.date(year - 1, 7, 1),
        dt.date(year - 1, 12, 31),
        _noon(dt.date(year, 1, 8)),
        orgs,
    )
    _answer_all(previous, DESEVE_MEANS, rng, -0.35, 10)
    services.round_close(round=previous, actor=manager, at=_noon(dt.date(year, 1, 25)))
    _history(previous, dt.date(year, 1, 24))

    semester = _round(
        manager, deseve, current, dt.date(year, 1, 1), dt.date(year, 6, 30), _noon(dt.date(year, 7, 6)), orgs
    )
    _answer_all(semester, DESEVE_MEANS, rng, 0.0, 12)
    services.round_close(round=semester, actor=manager, at=_noon(dt.date(year, 7, 27)))
    _history(semester, dt.date(year, 7, 26))

    process = services.round_create(
        actor=manager,
        framework=ansell,
        title=f"Proses kolaboratif JakPreneur {year}",
        region=Region.objects.get(code=PROVINCE),
        period_start=dt.date(year, 7, 1),
        period_end=today,
        closes_on=today + dt.timedelta(days=14),
        organisations=orgs,
    )
    services.round_open(round=process, actor=manager, at=timezone.now() - dt.timedelta(days=3))
    for i, username in enumerate(OPEN_ANSWERED):
        user = User.objects.filter(username=username).first()
        if user is not None and Invitation.objects.filter(round=process, user=user).exists():
            at = timezone.now() - dt.timedelta(days=2, hours=i)
            services.response_submit(
                round=process, actor=user, scores=_scores(process, ANSELL_GASH_MEANS, rng, 0.0), at=at
            )


# --- feedback ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resident:
    nik: str
    full_name: str
    phone: str
    kelurahan: str
    business: str
    sector: str
    service: str  # licensing | mentoring
    rating: int
    comment: str
    given_days_ago: int
    answer: str = ""
    answered_days_ago: int | None = None
    training: tuple[int, str, str, int | None] | None = None  # rating, comment, answer, answered days ago


ULUJAMI = "31.74.10.1005"
# fmt: off
RESIDENTS = [
    Resident("3174104403880061", "Wulan Anggraini", "085770011061", ULUJAMI, "Keripik Wulan", Sector.KULINER, "licensing", 2,
             "Sudah dua minggu menunggu dan belum ada kabar. Syarat yang harus dibawa juga kurang jelas.", 9,
             "Mohon maaf atas lamanya proses. Berkas Ibu sudah lengkap dan survei lokasi dijadwalkan minggu ini; daftar syarat di loket juga kami perbaiki.", 8),
    Resident("3174101205910072", "Bayu Firmansyah", "085770011072", ULUJAMI, "Cuci Sepatu Bayu", Sector.JASA_LAINNYA, "licensing", 4,
             "Petugas ramah dan membantu, tapi harus bolak-balik membawa berkas.", 7),
    Resident("3174106607850083", "Ratna Dewi", "085770011083", ULUJAMI, "Jahit Ratna", Sector.FASHION, "licensing", 3,
             "Prosesnya lumayan cepat. Semoga ada layanan online supaya tidak perlu antre.", 1),
    Resident("3175104108900091", "Siti Nurhaliza", "085770011091", "31.75.10.1001", "Dapur Siti", Sector.KULINER, "mentoring", 5,
             "Pendamping sabar dan sangat membantu menyusun rencana usaha dan harga jual.", 12,
             "Terima kasih, Bu Siti. Kami lanjutkan pendampingan untuk pembukuan bulan depan.", 3,
             (5, "Materi jualan lewat WhatsApp sangat bermanfaat, langsung praktik.", "Terima kasih atas masukannya, sampai jumpa di kelas lanjutan.", 5)),
    Resident("3175101910870104", "Andi Saputra", "085770011104", "31.75.10.1001", "Kopi Andi", Sector.KULINER, "mentoring", 4,
             "Jadwal kunjungan sering berubah, tapi materinya bermanfaat.", 8,
             "Mohon maaf, jadwal kunjungan sekarang kami kirim lewat WhatsApp seminggu sebelumnya.", 7,
             (3, "Tempat pelatihan jauh dari rumah dan ruangannya panas.", "", None)),
    Resident("3175105512930115", "Maya Anggraini", "085770011115", "31.75.10.1001", "Kerajinan Maya", Sector.KRIYA, "mentoring", 2,
             "Belum dibantu akses modal KUR ke bank, padahal sudah dua kali bertanya.", 2),
]
# fmt: on


def _working_days_ago(days: int, hour: int = 10) -> dt.datetime:
    return _noon(timezone.localdate() - dt.timedelta(days=days), hour)


def _register(ctx: DemoContext, r: Resident, desk: User, at: dt.datetime) -> Participant:
    return participant_register(
        data=RegistrationInput(
            nik=r.nik,
            full_name=r.full_name,
            phone=r.phone,
            kelurahan_code=r.kelurahan,
            entry_track=EntryTrack.PEMULA,
            address=f"{r.business}, {Region.objects.get(code=r.kelurahan).name}",
            business=BusinessInput(name=r.business, sector=r.sector, monthly_turnover=4_000_000),
            consents=[
                ConsentPurpose.PROGRAMME,
                ConsentPurpose.LICENSING_OFFICES,
                ConsentPurpose.TRAINING_PARTNERS,
            ],
            password=ctx.password,
        ),
        actor=desk,
        channel=RegistrationChannel.WALK_IN,
        at=at,
    )


def _licensing(p: Participant, days: int) -> None:
    from kolabora.licensing import services as licensing
    from kolabora.licensing.demo import png
    from kolabora.licensing.models import LicenceType

    iumk = LicenceType.objects.get(code="iumk")
    assert p.user is not None
    app = licensing.application_open(
        participant=p,
        business=p.businesses.get(),
        licence_type=iumk,
        actor=p.user,
        location_address=p.address,
    )
    for req in iumk.requirements.order_by("order"):
        if "pdf" in req.extensions:
            upload = ContentFile(text_pdf([req.name_id, p.full_name, "(demo)"]), name=f"{req.code}.pdf")
        else:
            upload = ContentFile(png(), name=f"{req.code}.png")
        licensing.item_upload(application=app, requirement=req, upload=upload, actor=p.user)
    licensing.application_submit(application=app, actor=p.user, at=_working_days_ago(days + 4, 9))


def _mentoring(p: Participant, mentor: User, days: int) -> None:
    from kolabora.mentoring import services as mentoring

    for held in (days + 20, days + 2):
        mentoring.session_log(
            participant=p,
            actor=mentor,
            data=mentoring.SessionInput(
                held_on=timezone.localdate() - dt.timedelta(days=held),
                mode="visit",
                topics=["business_plan", "pricing"],
                notes="Kunjungan ke tempat usaha (demo).",
            ),
            at=_working_days_ago(held, 11),
        )


def _training(people: list[Participant], trainer: User) -> None:
    """The residents attend a recent past session of Universitas Negeri Jakarta in Jakarta Timur (the basic
    level when there is one)."""
    from kolabora.training import services as training
    from kolabora.training.choices import ON_ROSTER
    from kolabora.training.models import TrainingSession

    session = (
        TrainingSession.objects.filter(
            course__provider__name="Universitas Negeri Jakarta",
            course__status="published",
            region__code__startswith="31.75.",
            starts_at__lt=timezone.now() - dt.timedelta(days=10),
            starts_at__gt=timezone.now() - dt.timedelta(days=60),
        )
        .order_by("course__level", "-starts_at")
        .first()
    )
    if session is None or not people:
        return
    enrolments = []
    for p in people:
        assert p.user is not None
        enrolments.append(
            training.enrolment_create(
                session=session, participant=p, actor=p.user, now=session.starts_at - dt.timedelta(days=3)
            )
        )
    # Only those who got a place: on some days the session chosen is nearly full already, and the rest of
    # these residents wait on its list.
    ids = [e.pk for e in enrolments if e.status in ON_ROSTER]
    if not ids:
        return
    training.attendance_record(
        session=session, actor=trainer, roster=ids, present=ids, now=session.starts_at + dt.timedelta(hours=3)
    )


def _give(
    p: Participant,
    kind: str,
    rating: int,
    comment: str,
    days: int,
    answer: str,
    answered: int | None,
    by: User | None,
) -> None:
    service = next((s for s in KINDS[kind].received(p)), None)
    if service is None:
        return
    assert p.user is not None
    fb = services.feedback_give(
        participant=p,
        kind=kind,
        subject_id=service.subject_id,
        rating=rating,
        comment=comment,
        actor=p.user,
        at=_working_days_ago(days, 9),
    )
    if answer and answered is not None and by is not None:
        services.feedback_answer(feedback=fb, actor=by, answer=answer, at=_working_days_ago(answered, 15))


def _feedback(ctx: DemoContext) -> None:
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=[
                "ptsp.ulujami",
                "pendamping.cipayung",
                "kecamatan.cipayung",
                "kecamatan.pesanggrahan",
                "mitra.pelatihan",
            ]
        )
    }
    if len(users) < 5 or Participant.objects.filter(nik__in=[r.nik for r in RESIDENTS]).exists():
        return
    registered = timezone.now() - dt.timedelta(days=80)
    trained: list[tuple[Participant, Resident]] = []
    for r in RESIDENTS:
        desk = users["kecamatan.pesanggrahan" if r.kelurahan == ULUJAMI else "kecamatan.cipayung"]
        p = _register(ctx, r, desk, registered)
        if r.service == "licensing":
            _licensing(p, r.given_days_ago)
            by = users["ptsp.ulujami"]
        else:
            _mentoring(p, users["pendamping.cipayung"], r.given_days_ago)
            by = users["kecamatan.cipayung"]
        _give(p, r.service, r.rating, r.comment, r.given_days_ago, r.answer, r.answered_days_ago, by)
        if r.training is not None:
            trained.append((p, r))
    _training([p for p, _r in trained], users["mitra.pelatihan"])
    for p, r in trained:
        assert r.training is not None
        rating, comment, answer, answered = r.training
        _give(
            p,
            "training",
            rating,
            comment,
            max(answered or 0, 4) + 2,
            answer,
            answered,
            users["mitra.pelatihan"],
        )
    shown = Participant.objects.filter(nik=RESIDENTS[0].nik).select_related("user").first()
    if shown is not None and shown.user is not None:
        ctx.accounts.append(
            DemoAccount(shown.user.username, "Peserta (umpan balik dijawab)", RESIDENTS[0].business)
        )


def seed(ctx: DemoContext) -> None:
    _assessments(ctx)
    _feedback(ctx)
