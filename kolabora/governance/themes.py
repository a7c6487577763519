"""Themes of participants' feedback, tagged from a small keyword list (data, shown on the feedback page).

How tagging works: the comment is lower-cased and split into words, each also read without the suffixes
-nya, -lah, -kah and -pun ("tempatnya" counts as "tempat"); a theme is tagged when one of its keywords
occurs as a whole word (or, for a keyword of several words, as a phrase). A comment may get
several themes or none. Keywords are the Indonesian (and a few English) words participants use; the list
is deliberately short and readable so that programme staff can check why a comment got its theme.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Theme:
    code: str
    label: Promise
    keywords: tuple[str, ...]


THEMES: tuple[Theme, ...] = (
    Theme(
        "speed",
        _("Waiting time and speed"),
        (
            "lama",
            "lambat",
            "menunggu",
            "antre",
            "antri",
            "terlambat",
            "telat",
            "cepat",
            "tepat waktu",
            "berhari-hari",
            "molor",
            "ditunda",
            "belum ada kabar",
            "slow",
        ),
    ),
    Theme(
        "staff",
        _("Staff attitude and help"),
        (
            "ramah",
            "sopan",
            "kasar",
            "jutek",
            "judes",
            "membantu",
            "sabar",
            "petugas",
            "pelayanan",
            "pendamping",
            "mentor",
            "helpful",
        ),
    ),
    Theme(
        "information",
        _("Clarity of information and requirements"),
        (
            "jelas",
            "bingung",
            "informasi",
            "info",
            "syarat",
            "persyaratan",
            "penjelasan",
            "tidak tahu",
            "berkas",
            "dokumen",
            "prosedur",
        ),
    ),
    Theme(
        "cost",
        _("Costs and fees"),
        ("biaya", "bayar", "pungli", "pungutan", "mahal", "gratis", "uang", "tarif"),
    ),
    Theme(
        "usefulness",
        _("Content and usefulness"),
        (
            "materi",
            "bermanfaat",
            "manfaat",
            "berguna",
            "ilmu",
            "praktik",
            "praktek",
            "pelajaran",
            "membosankan",
            "wawasan",
            "useful",
        ),
    ),
    Theme(
        "digital",
        _("Online access and apps"),
        (
            "online",
            "daring",
            "aplikasi",
            "website",
            "situs",
            "sinyal",
            "internet",
            "zoom",
            "tautan",
            "link",
            "whatsapp",
            "wa",
        ),
    ),
    Theme(
        "place_schedule",
        _("Place and schedule"),
        ("tempat", "lokasi", "jadwal", "jauh", "ruangan", "parkir", "jam", "hari kerja"),
    ),
    Theme(
        "capital",
        _("Access to capital"),
        ("modal", "pinjaman", "kredit", "kur", "bank", "agunan", "jaminan", "bunga", "cicilan"),
    ),
)
THEME_BY_CODE = {t.code: t for t in THEMES}
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SUFFIXES = ("nya", "lah", "kah", "pun")


def _stems(word: str) -> list[str]:
    return [word] + [word[: -len(s)] for s in _SUFFIXES if word.endswith(s) and len(word) - len(s) >= 3]


def tag(text: str) -> list[str]:
    """Theme codes whose keywords occur in ``text``, in the order of ``THEMES``."""
    found_words = _WORD.findall(text.lower())
    words = {stem for w in found_words for stem in _stems(w)}
    spaced = " " + " ".join(found_words) + " "
    found = []
    for theme in THEMES:
        for keyword in theme.keywords:
            if (" " in keyword and f" {keyword} " in spaced) or keyword in words:
                found.append(theme.code)
                break
    return found


def theme_label(code: str) -> str:
    theme = THEME_BY_CODE.get(code)
    return str(theme.label) if theme else code
