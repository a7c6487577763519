"""Potential KUR debtors as CSV, for a local government's upload to SIKP (the Ministry of Finance's credit
information system, where local governments list the MSMEs they guide so that banks know whom to approach).

Who is in it: the participants the user may export (``Action.PARTICIPANT_EXPORT``: kecamatan staff, regional
coordinators and programme managers, over their region), optionally narrowed to one kota, kecamatan or
kelurahan, who pass every rule of ``eligibility.eligibility_check``: a valid business licence, bookkeeping
(P6) complete, aged at least 21, a declaration of no current productive loan, and consent to share with
financial institutions.

The file is UTF-8 with a byte-order mark (so spreadsheet programs read it), comma-separated, one header row,
one row per participant, ordered by kelurahan code and name. Columns, in this order:

====================  ====================================================================================
``nik``               NIK, 16 digits; masked (``3175••••••••0012``) for roles that may not see full NIKs
``nama``              full name as registered (as on the KTP)
``tanggal_lahir``     birth date, YYYY-MM-DD (from the NIK)
``jenis_kelamin``     ``L`` (male) or ``P`` (female)
``no_hp``             mobile phone, +62…
``alamat``            home address
``kode_kelurahan``    Kemendagri code of the kelurahan of residence, e.g. ``31.75.10.1001``
``kelurahan``         kelurahan name
``kecamatan``         kecamatan name
``kota``              kota or kabupaten name
``nama_usaha``        name of the licensed business
``sektor_usaha``      sector (code of ``participants.choices.Sector``, e.g. ``kuliner``)
``kbli``              KBLI 2020 code, empty when not known
``mulai_usaha``       date the business started, YYYY-MM-DD, empty when not known
``tenaga_kerja``      number of workers
``omzet_bulanan``     monthly turnover, whole Rupiah
``modal_usaha``       business capital excluding land and buildings, whole Rupiah
``skala_usaha``       ``mikro``, ``kecil``, ``menengah`` or ``besar`` (PP 7/2021)
``jenis_izin``        ``NIB`` or ``IUMK``
``nomor_izin``        licence number
``tanggal_izin``      licence issue date, YYYY-MM-DD
``p6_selesai``        date bookkeeping (P6) was completed, YYYY-MM-DD
``rujukan_terakhir``  the latest referral as ``institution: status`` (status code), empty when none
====================  ====================================================================================

Every export is audited (``PERSONAL_DATA_EXPORTED``) with the filter and the number of rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.participants.models import Participant
from kolabora.pathway.models import ParticipantStage
from kolabora.regions.choices import RegionLevel
from kolabora.regions.models import Region

from .eligibility import business_licence, eligible
from .models import Referral

if TYPE_CHECKING:
    from kolabora.core.access import AnyUser

# (column, what it holds): the order of the file. Descriptions are shown on the export page.
COLUMNS: list[tuple[str, Promise]] = [
    ("nik", _("NIK, 16 digits; masked for roles that may not see full NIKs")),
    ("nama", _("Full name as registered (as on the KTP)")),
    ("tanggal_lahir", _("Birth date, YYYY-MM-DD (from the NIK)")),
    ("jenis_kelamin", _("L (male) or P (female)")),
    ("no_hp", _("Mobile phone, +62…")),
    ("alamat", _("Home address")),
    ("kode_kelurahan", _("Kemendagri code of the kelurahan of residence, e.g. 31.75.10.1001")),
    ("kelurahan", _("Kelurahan name")),
    ("kecamatan", _("Kecamatan name")),
    ("kota", _("Kota or kabupaten name")),
    ("nama_usaha", _("Name of the licensed business")),
    ("sektor_usaha", _("Sector code, e.g. kuliner")),
    ("kbli", _("KBLI 2020 code, empty when not known")),
    ("mulai_usaha", _("Date the business started, YYYY-MM-DD, empty when not known")),
    ("tenaga_kerja", _("Number of workers")),
    ("omzet_bulanan", _("Monthly turnover, whole Rupiah")),
    ("modal_usaha", _("Business capital excluding land and buildings, whole Rupiah")),
    ("skala_usaha", _("mikro, kecil, menengah or besar (PP 7/2021)")),
    ("jenis_izin", _("NIB or IUMK")),
    ("nomor_izin", _("Licence number")),
    ("tanggal_izin", _("Licence issue date, YYYY-MM-DD")),
    ("p6_selesai", _("Date bookkeeping (P6) was completed, YYYY-MM-DD")),
    ("rujukan_terakhir", _("Latest referral as “institution: status”, empty when none")),
]
HEADER = [name for name, _description in COLUMNS]


def regions_for(user: AnyUser, action: Action) -> list[Region]:
    """The regions over which the user holds ``action`` and every kota and kecamatan inside them, by code."""
    codes = ["31"] if access.is_system_admin(user) else access.region_codes(user, action)
    found: dict[str, Region] = {}
    for code in codes:
        for region in Region.objects.filter(code=code):
            found[region.code] = region
        for region in Region.objects.filter(code__startswith=code + ".").exclude(level=RegionLevel.KELURAHAN):
            found[region.code] = region
    return sorted(found.values(), key=lambda r: r.code)


def kur_candidates(*, user: AnyUser, region_code: str = "") -> QuerySet[Participant]:
    """Eligible participants the user may export, optionally inside ``region_code``."""
    qs = access.scope(user, Participant.objects.all(), Action.PARTICIPANT_EXPORT)
    if region_code:
        qs = qs.filter(access.participant_region_q([region_code]))
    return eligible(qs).select_related("kelurahan").order_by("kelurahan_id", "full_name", "pk")


@dataclass(frozen=True)
class ExportResult:
    content: bytes
    rows: int
    filename: str


def _names(codes: Iterable[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=set(codes)).values_list("code", "name"))


def _latest_referrals(ids: list[int]) -> dict[int, str]:
    latest: dict[int, str] = {}
    for participant_id, institution, status in (
        Referral.objects.filter(participant_id__in=ids)
        .order_by("participant_id", "-received_at", "-pk")
        .values_list("participant_id", "institution__name", "status")
    ):
        latest.setdefault(participant_id, f"{institution}: {status}")
    return latest


def _iso(value: object) -> str:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else ""


def kur_debtors_csv(*, user: AnyUser, region_code: str = "") -> ExportResult:
    """The CSV described in this module's docstring, and one audit row for it."""
    if not access.can(user, Action.PARTICIPANT_EXPORT):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    participants = list(kur_candidates(user=user, region_code=region_code))
    ids = [p.pk for p in participants]
    codes = {c for p in participants for c in (p.kelurahan_id, p.kecamatan_code, p.kota_code)}
    names = _names(codes)
    p6 = dict(
        ParticipantStage.objects.filter(participant_id__in=ids, code="P6").values_list(
            "participant_id", "completed_at"
        )
    )
    referrals = _latest_referrals(ids)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADER)
    full_niks = 0
    for p in participants:
        licence = business_licence(p)
        business = licence.business if licence is not None else p.businesses.order_by("created_at").first()
        full = access.can(user, Action.PARTICIPANT_NIK, p)
        full_niks += full
        completed = p6.get(p.pk)
        writer.writerow(
            [
                p.nik if full else p.nik_masked,
                p.full_name,
                p.birth_date.isoformat(),
                p.sex,
                p.phone,
                " ".join(p.address.split()),
                p.kelurahan_id,
                names.get(p.kelurahan_id, ""),
                names.get(p.kecamatan_code, ""),
                names.get(p.kota_code, ""),
                business.name if business else "",
                business.sector if business else "",
                business.kbli_code if business else "",
                _iso(business.started_on) if business else "",
                business.workers if business else "",
                business.monthly_turnover if business else "",
                business.assets if business else "",
                business.scale if business else "",
                licence.licence_type.code.upper() if licence else "",
                licence.number if licence else "",
                _iso(licence.issued_on) if licence else "",
                _iso(timezone.localdate(completed)) if completed else "",
                referrals.get(p.pk, ""),
            ]
        )
    with transaction.atomic():
        audit_record(
            actor=user,  # type: ignore[arg-type]
            action=AuditAction.PERSONAL_DATA_EXPORTED,
            organisation=access.acting_organisation(user, Action.PARTICIPANT_EXPORT, region_code or None),
            object_type="financing.kur_debtors",
            object_id=region_code or "all",
            after={
                "format": "csv",
                "purpose": "sikp",
                "filter": {"region": region_code or None},
                "rows": len(participants),
                "full_niks": full_niks,
            },
        )
    stamp = timezone.localdate().strftime("%Y%m%d")
    place = region_code.replace(".", "") if region_code else "semua"
    return ExportResult(
        content=text.getvalue().encode("utf-8-sig"),
        rows=len(participants),
        filename=f"calon-debitur-kur-{place}-{stamp}.csv",
    )
