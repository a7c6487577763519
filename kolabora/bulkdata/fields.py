"""The fields an import file can carry, how their columns are recognised, and how a cell's value is read.

The default template has exactly ``TEMPLATE_HEADER``; any other layout goes through a column mapping
(field -> column), which ``guess_mapping`` pre-fills from header names people commonly use.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kolabora.participants.choices import EntryTrack, Sector
from kolabora.pathway.choices import StageStatus

STAGES = ("P1", "P2", "P3", "P4", "P5", "P6", "P7")
TEMPLATE_HEADER = (
    "nik",
    "full_name",
    "phone",
    "kelurahan_code",
    "entry_track",
    "sector",
    "registered_on",
    "P1",
    "P2",
    "P2_level",
    "P3",
    "P4",
    "P5",
    "P6",
    "P7",
)


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    label: str | Promise
    required: bool = False
    # Header names (normalised by ``norm``) that mean this field in files people already have.
    aliases: tuple[str, ...] = ()


FIELDS: tuple[Field, ...] = (
    Field(
        "nik", _("NIK"), True, ("nik", "no nik", "nomor nik", "nik ktp", "no ktp", "nomor induk kependudukan")
    ),
    Field("full_name", _("Full name"), True, ("nama", "nama lengkap", "nama peserta", "name", "full name")),
    Field(
        "phone",
        _("Phone"),
        True,
        (
            "telepon",
            "no telepon",
            "no hp",
            "nomor hp",
            "hp",
            "no wa",
            "whatsapp",
            "telp",
            "handphone",
            "phone",
            "no hp wa",
            "hp wa",
            "no telp",
            "nomor telepon",
            "nomor whatsapp",
        ),
    ),
    Field(
        "kelurahan_code",
        _("Kelurahan code"),
        True,
        ("kode kelurahan", "kelurahan", "kode kel", "kode wilayah", "kelurahan code"),
    ),
    Field(
        "entry_track", _("Entry track"), True, ("jalur", "jalur masuk", "kategori", "entry track", "track")
    ),
    Field("sector", _("Sector"), False, ("sektor", "sektor usaha", "bidang usaha", "jenis usaha", "sector")),
    Field(
        "registered_on",
        _("Registered on"),
        False,
        ("tanggal daftar", "tgl daftar", "tanggal pendaftaran", "tanggal registrasi", "registered on"),
    ),
    *(
        Field(code, code, False, (code.lower(), f"status {code.lower()}", f"tahap {code.lower()}"))
        for code in STAGES
    ),
    Field("P2_level", _("P2 level"), False, ("p2 level", "level p2", "level pelatihan", "tingkat pelatihan")),
    Field("business_name", _("Business name"), False, ("nama usaha", "nama toko", "business name")),
    Field("email", _("Email"), False, ("email", "e mail", "surel", "alamat email")),
    Field("address", _("Address"), False, ("alamat", "alamat rumah", "alamat domisili", "address")),
)
FIELD_BY_NAME = {f.name: f for f in FIELDS}
REQUIRED = tuple(f.name for f in FIELDS if f.required)


def norm(text: Any) -> str:
    """A header as compared: lower case, accents dropped, punctuation and runs of spaces as one space."""
    s = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", s.lower()).split())


def is_template(header: list[str]) -> bool:
    """The default template's header, exactly (ignoring case, surrounding spaces and a trailing empty)."""
    cells = [str(h or "").strip() for h in header]
    while cells and not cells[-1]:
        cells.pop()
    return [c.lower() for c in cells] == [h.lower() for h in TEMPLATE_HEADER]


def template_mapping() -> dict[str, int]:
    return {name: i for i, name in enumerate(TEMPLATE_HEADER)}


def guess_mapping(header: list[str]) -> dict[str, int]:
    """Field -> column index for the columns whose header names a field (first match wins)."""
    found: dict[str, int] = {}
    taken: set[int] = set()
    names = [norm(h) for h in header]
    for f in FIELDS:
        wanted = {norm(f.name), *f.aliases}
        for i, n in enumerate(names):
            if i not in taken and n and n in wanted:
                found[f.name] = i
                taken.add(i)
                break
    return found


# --- values -------------------------------------------------------------------------------------------

STATUS_WORDS = {
    "completed": StageStatus.COMPLETED,
    "selesai": StageStatus.COMPLETED,
    "in progress": StageStatus.IN_PROGRESS,
    "proses": StageStatus.IN_PROGRESS,
    "not started": StageStatus.NOT_STARTED,
    "belum": StageStatus.NOT_STARTED,
    "skipped": StageStatus.SKIPPED,
    "lewati": StageStatus.SKIPPED,
    "dropped": StageStatus.DROPPED,
    "berhenti": StageStatus.DROPPED,
}
TRACK_WORDS = {
    "pemula": EntryTrack.PEMULA,
    "naik kelas": EntryTrack.NAIK_KELAS,
}
_TRACK_EXACT = frozenset(EntryTrack.values)
_SECTOR_EXACT = frozenset(Sector.values)
SECTOR_WORDS: dict[str, str] = {norm(value): value for value in Sector.values} | {
    norm(str(label)): value for value, label in Sector.choices
}
EXCEL_EPOCH = dt.date(1899, 12, 30)
EXCEL_EPOCH_1904 = dt.date(1904, 1, 1)


class CellError(ValueError):
    """A cell that cannot be read as its field; the message says what was expected."""


def text(value: Any) -> str:
    """A cell as text: whole numbers without ``.0`` (spreadsheets store digits as numbers)."""
    if type(value) is str:  # most cells
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def digits(value: Any) -> str:
    """A NIK or similar number: a numeric cell without its ``.0``; text as written."""
    if type(value) is str:
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return text(value)


def phone(value: Any) -> str:
    """A phone number; a numeric cell lost its leading 0 (``81234567890``) or +, which comes back."""
    if type(value) is str:
        return value.strip()
    if isinstance(value, float | int) and not isinstance(value, bool):
        raw = digits(value)
        if raw.startswith("8"):
            return "0" + raw
        if raw.startswith("62"):
            return "+" + raw
        return raw
    return text(value)


# The exact spellings of the template, looked up before any normalising (most cells are these).
_STATUS_EXACT: dict[Any, str | None] = {"": None, None: None} | {
    spelling: str(status)
    for word, status in STATUS_WORDS.items()
    for spelling in (word, word.replace(" ", "_"), word.capitalize(), word.upper())
}


def stage_status(value: Any) -> str | None:
    """A stage status in English or Indonesian; None for an empty cell."""
    if type(value) is str and value in _STATUS_EXACT:
        return _STATUS_EXACT[value]
    word = norm(value)
    if not word:
        return None
    status = STATUS_WORDS.get(word)
    if status is None:
        raise CellError(
            _(
                "Unknown stage status “%(value)s”: write completed, in_progress, not_started, skipped or "
                "dropped (or selesai, proses, belum, lewati, berhenti)."
            )
            % {"value": text(value)}
        )
    return str(status)


def level(value: Any) -> int | None:
    if value == "" or value is None:
        return None
    if type(value) is str and value in ("1", "2", "3"):
        return int(value)
    raw = norm(value)
    if not raw:
        return None
    m = re.fullmatch(r"t?\s?([0-9]+)(?: 0+)?", raw)
    if m is None or not 1 <= int(m.group(1)) <= 3:
        raise CellError(_("The P2 level is 1, 2 or 3 (or empty); not “%(value)s”.") % {"value": text(value)})
    return int(m.group(1))


def entry_track(value: Any) -> str:
    if value in _TRACK_EXACT:
        return str(value)
    word = norm(value)
    return str(TRACK_WORDS.get(word, word.replace(" ", "_")))


def sector(value: Any) -> str:
    """A sector code from its code or its name in either language; the raw text when unknown."""
    if value in _SECTOR_EXACT:
        return str(value)
    word = norm(value)
    return SECTOR_WORDS.get(word, text(value))


_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def date(value: Any, *, date1904: bool = False) -> dt.date | None:
    """A date cell, ``YYYY-MM-DD`` or ``DD/MM/YYYY`` text, or an Excel serial number; None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float | int) and not isinstance(value, bool) and 1 <= value < 2_958_466:
        return (EXCEL_EPOCH_1904 if date1904 else EXCEL_EPOCH) + dt.timedelta(
            days=int(value)
        )  # up to 9999-12-31
    raw = text(value)
    try:
        if m := _YMD.fullmatch(raw):
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := _DMY.fullmatch(raw):
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        raise CellError(_("“%(value)s” is not a real date.") % {"value": raw}) from None
    if raw.split(" ")[0] != raw:
        return date(raw.split(" ")[0])
    raise CellError(_("Write the date as YYYY-MM-DD or DD/MM/YYYY; not “%(value)s”.") % {"value": raw})
