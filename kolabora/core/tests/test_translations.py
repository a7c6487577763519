"""Bahasa Indonesia is the default: every user-facing string must have an ``id`` translation."""

from __future__ import annotations

import re
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "id" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

PY_CALL = re.compile(
    r"""\b(?:_|gettext|gettext_lazy|gettext_noop|pgettext_lazy)\(\s*(?P<q>["'])(?P<s>(?:(?!(?P=q)).)+)(?P=q)\s*[,)]"""
)
TPL_TAG = re.compile(r"""\{%\s*translate\s+(?P<q>["'])(?P<s>.+?)(?P=q)""")


def _catalogue() -> polib.POFile:
    return polib.pofile(str(PO))


def test_every_entry_is_translated_and_not_fuzzy() -> None:
    po = _catalogue()
    untranslated = [e.msgid for e in po if not e.translated()]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert not untranslated, f"Missing Indonesian translations: {untranslated}"
    assert not fuzzy, f"Fuzzy translations: {fuzzy}"


def test_compiled_catalogue_matches_the_po_file() -> None:
    po = {e.msgid: e.msgstr or e.msgstr_plural.get(0) for e in _catalogue()}
    mo = {e.msgid: e.msgstr or e.msgstr_plural.get(0) for e in polib.mofile(str(MO))}
    assert {k: v for k, v in po.items() if k} == {k: v for k, v in mo.items() if k}, (
        "django.mo is out of date: run `kolabora compilemessages -l id`"
    )


def test_every_marked_string_in_the_source_is_in_the_catalogue() -> None:
    known = {e.msgid for e in _catalogue()}
    missing: list[str] = []
    for path in ROOT.rglob("*"):
        if "tests" in path.parts or "migrations" in path.parts or not path.is_file():
            continue
        if path.suffix == ".py":
            found = [m.group("s") for m in PY_CALL.finditer(path.read_text())]
        elif path.suffix in {".html", ".txt"}:
            found = [m.group("s") for m in TPL_TAG.finditer(path.read_text())]
        else:
            continue
        missing += [
            f"{path.relative_to(ROOT)}: {s}"
            for s in found
            if s.encode().decode("unicode_escape", "ignore") not in known and s not in known
        ]
    assert not missing, "Strings without an id translation (run makemessages, then translate):\n" + "\n".join(
        missing
    )


def test_a_real_page_is_served_in_indonesian(client: object) -> None:
    body = client.get("/akun/masuk/").content.decode()  # type: ignore[attr-defined]
    assert "Nama pengguna" in body and "Kata sandi" in body and "Lupa kata sandi?" in body
