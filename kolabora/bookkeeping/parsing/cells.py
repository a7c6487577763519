"""One cell at a time: dates day first, Rupiah amounts however they are written, money in or out in
words, and the normalised text names are compared in."""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from ..choices import Direction


def cell_text(value: Any) -> str:
    """A cell as a person would read it."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y") if value.time() == dt.time() else value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = string.ascii_uppercase[rest] + letters
    return letters


def column_label(index: int, header: Sequence[Any]) -> str:
    """The column's heading, or "Column C" when it has none."""
    text = cell_text(header[index]) if index < len(header) else ""
    return text or _("Column %(letter)s") % {"letter": column_letter(index)}


def norm(text: Any) -> str:
    """Lower case, single spaces, no punctuation at the ends: the form names are compared in."""
    return " ".join(cell_text(text).casefold().split()).strip(" .:;,-_*#()[]")


MONTHS = {
    "januari": 1, "jan": 1, "january": 1,
    "februari": 2, "feb": 2, "pebruari": 2, "february": 2,
    "maret": 3, "mar": 3, "march": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "aug": 8, "august": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10, "october": 10,
    "november": 11, "nov": 11, "nop": 11,
    "desember": 12, "des": 12, "dec": 12, "december": 12,
}  # fmt: skip
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
DMY_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?: .*)?$")
NAMED_DATE = re.compile(r"^(\d{1,2})[\s\-]+([a-z]+)\.?[\s\-,]+(\d{2}|\d{4})$")


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def parse_date(value: Any) -> dt.date | None:
    """A date from a cell, day first; None when it is not one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A spreadsheet's date serial number in a cell not formatted as a date.
        if 20_000 < value < 80_000 and float(value).is_integer():
            return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
        return None
    text = " ".join(str(value).split()).casefold()
    if not text:
        return None
    try:
        if m := ISO_DATE.match(text):
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := DMY_DATE.match(text):
            return dt.date(_year(m.group(3)), int(m.group(2)), int(m.group(1)))
        if (m := NAMED_DATE.match(text)) and m.group(2) in MONTHS:
            return dt.date(_year(m.group(3)), MONTHS[m.group(2)], int(m.group(1)))
    except ValueError:
        return None
    return None


class AmountError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


THOUSANDS_DOT = re.compile(r"^\d{1,3}(\.\d{3})+$")
THOUSANDS_COMMA = re.compile(r"^\d{1,3}(,\d{3})+$")
DECIMAL = re.compile(r"^\d+[.,]\d{1,2}$")


def parse_amount(value: Any) -> int | None:
    """A signed whole-Rupiah amount from a cell; None for an empty cell; ``AmountError`` otherwise."""
    if value is None or isinstance(value, bool):
        return None if value is None else _raise("amount_invalid")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if abs(value - round(value)) > 1e-6:
            raise AmountError("amount_fraction")
        return round(value)
    text = "".join(str(value).split()).replace("\u00a0", "")
    if not text or text in ("-", "0-"):
        return None if not text or text == "-" else 0
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    if text.startswith("-"):
        negative, text = True, text[1:]
    elif text.endswith("-"):
        negative, text = True, text[:-1]
    text = re.sub(r"^(rp\.?|idr)", "", text, flags=re.IGNORECASE)
    if text.startswith("-"):
        negative, text = True, text[1:]
    if not text:
        raise AmountError("amount_invalid")
    whole, cents = _split_number(text)
    if cents:
        raise AmountError("amount_fraction")
    return -whole if negative else whole


def _raise(code: str) -> int:
    raise AmountError(code)


def _split_number(text: str) -> tuple[int, int]:
    """(whole part, cents) of a number written with dots, commas or neither."""
    if text.isdigit():
        return int(text), 0
    if "." in text and "," in text:
        decimal = "." if text.rfind(".") > text.rfind(",") else ","
        thousands = "," if decimal == "." else "."
        whole, _sep, fraction = text.rpartition(decimal)
        whole = whole.replace(thousands, "")
        if not whole.isdigit() or not fraction.isdigit() or len(fraction) > 2:
            raise AmountError("amount_invalid")
        return int(whole), int(fraction)
    if THOUSANDS_DOT.match(text) or THOUSANDS_COMMA.match(text):
        return int(text.replace(".", "").replace(",", "")), 0
    if DECIMAL.match(text):
        whole, fraction = re.split(r"[.,]", text)
        return int(whole), int(fraction)
    raise AmountError("amount_invalid")


IN_WORDS = frozenset(
    {"masuk", "pemasukan", "penerimaan", "debit", "debet", "d", "db", "in", "income", "pendapatan",
     "terima", "kas masuk", "uang masuk", "+"}
)  # fmt: skip
OUT_WORDS = frozenset(
    {"keluar", "pengeluaran", "pembayaran", "kredit", "credit", "k", "kr", "cr", "out", "expense",
     "biaya", "beban", "bayar", "kas keluar", "uang keluar", "-"}
)  # fmt: skip


def parse_direction(value: Any) -> str | None:
    word = norm(value)
    if word in IN_WORDS:
        return Direction.IN
    if word in OUT_WORDS:
        return Direction.OUT
    return None


SUMMARY = re.compile(r"^(saldo|total|jumlah|sub ?total|grand total|subtotal)\b")
