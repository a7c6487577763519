"""Permission-matrix rows for the cash book pages.

The World has no cash book, so ``case(w)`` builds one per world (kept on it): the participant's entry
with a receipt photo, a declaration, an import waiting for its preview (with a category column) and an
import already done. Reading is for the participant, staff holding CASHBOOK_VIEW over their area (the
world's programme manager of Jakarta Timur plays "permitted") and the participant's mentor; writing is
for the participant (and their current mentor), so write rows are permitted as the participant. The
out-of-region persona (a programme manager of Jakarta Selatan) reads cash books in their own area, so the
lists answer them 200 without the participant, and ``mine`` sends them to their list.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kolabora.bookkeeping import defaults, services
from kolabora.bookkeeping.models import BalanceDeclaration, CashCategory, CashEntry, ImportBatch
from kolabora.core.testing import MatrixRow, World
from kolabora.core.timeutils import today

CSV = "Tanggal;Keterangan;Akun;Masuk;Keluar\n02/01/2026;Jual kue;Penjualan;150.000;\n03/01/2026;Gas;Gas Melon;;22.000\n"


def jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (250, 250, 240)).save(out, format="JPEG")
    return out.getvalue()


@dataclass
class Case:
    entry: CashEntry
    pending: ImportBatch
    done: ImportBatch


def case(w: World) -> Case:
    found: Case | None = getattr(w, "_bookkeeping_case", None)
    if found is not None:
        return found
    defaults.ensure()
    owner = w.user("participant")
    business = w.participant.businesses.get()
    entry = services.entry_record(
        business=business,
        actor=owner,
        data=services.EntryInput(
            occurred_on=today(),
            category=CashCategory.objects.get(code="penjualan"),
            amount=125_000,
            note="Nasi uduk matriks",
            receipt=ContentFile(jpeg(), name="struk.jpg"),
        ),
    )
    services.balance_declare(business=business, actor=owner, as_of=today(), amounts={"cash": 1_000_000})
    pending = services.import_upload(
        business=business, actor=owner, upload=ContentFile(CSV.encode(), name="kas.csv")
    )
    pending = services.import_map(batch=pending, actor=owner, mapping=services.imports.batch_mapping(pending))
    done = services.import_upload(
        business=business, actor=owner, upload=ContentFile(CSV.encode(), name="kas2.csv")
    )
    done = services.import_map(batch=done, actor=owner, mapping=services.imports.batch_mapping(done))
    done = services.import_run(batch=done, actor=owner)
    found = Case(entry, pending, done)
    setattr(w, "_bookkeeping_case", found)  # noqa: B010  (World is a dataclass without this field)
    return found


def _business(w: World) -> int:
    case(w)
    return w.participant.businesses.get().pk


def _url(name: str) -> Any:
    return lambda w: reverse(f"bookkeeping:{name}", args=[_business(w)])


def _entries(w: World) -> tuple[int, list[Any]]:
    return CashEntry.objects.count(), sorted(CashEntry.objects.values_list("pk", "voided_at"))


def _declarations(w: World) -> list[Any]:
    return sorted(BalanceDeclaration.objects.values_list("as_of", "cash", "inventory"))


def _batches(w: World) -> list[Any]:
    return sorted(ImportBatch.objects.values_list("pk", "status", "mapping", "category_map"))


def _mine(name: str, url: Any, **kwargs: Any) -> MatrixRow:
    return MatrixRow(name, url, permitted_as="participant", **kwargs)


ROWS = [
    _mine(
        "bookkeeping:mine",
        lambda w: (case(w), reverse("bookkeeping:mine"))[1],
        allowed=302,
        out_of_region_status=302,
    ),
    MatrixRow(
        "bookkeeping:consistency",
        lambda w: (case(w), reverse("bookkeeping:consistency"))[1],
        marker=lambda w: w.participant.full_name,
    ),
    MatrixRow(
        "bookkeeping:participant",
        lambda w: (case(w), reverse("bookkeeping:participant", args=[w.participant.pk]))[1],
        allowed=302,
    ),
    MatrixRow("bookkeeping:cashbook", _url("cashbook"), marker=lambda w: "Nasi uduk matriks"),
    _mine(
        "bookkeeping:cashbook",
        _url("cashbook"),
        method="post",
        data=lambda w: {"amount": "10.000", "category": "penjualan", "occurred_on": today().isoformat()},
        allowed=302,
        effect=_entries,
    ),
    MatrixRow("bookkeeping:summary", _url("summary"), marker=lambda w: "Nasi uduk matriks"),
    MatrixRow("bookkeeping:statements", _url("statements")),
    MatrixRow("bookkeeping:declare", _url("declare")),
    _mine(
        "bookkeeping:declare",
        _url("declare"),
        method="post",
        data=lambda w: {
            "as_of": (today() - dt.timedelta(days=1)).isoformat(),
            "cash": "500.000",
            "inventory": "1",
        },
        allowed=302,
        effect=_declarations,
    ),
    MatrixRow("bookkeeping:report_pdf", _url("report_pdf")),
    _mine(
        "bookkeeping:entry_void",
        lambda w: reverse("bookkeeping:entry_void", args=[case(w).entry.pk]),
        method="post",
        data=lambda w: {"reason": "Salah"},
        allowed=302,
        effect=_entries,
    ),
    MatrixRow("bookkeeping:receipt", lambda w: reverse("bookkeeping:receipt", args=[case(w).entry.pk])),
    _mine("bookkeeping:import_upload", _url("import_upload")),
    _mine(
        "bookkeeping:import_upload",
        _url("import_upload"),
        method="post",
        data=lambda w: {"file": SimpleUploadedFile("kas.csv", CSV.encode(), content_type="text/csv")},
        allowed=302,
        effect=_batches,
    ),
    _mine(
        "bookkeeping:import_mapping",
        lambda w: reverse("bookkeeping:import_mapping", args=[case(w).pending.pk]),
    ),
    _mine(
        "bookkeeping:import_mapping",
        lambda w: reverse("bookkeeping:import_mapping", args=[case(w).pending.pk]),
        method="post",
        data=lambda w: {
            "header_row": "1",
            "mode": "split",
            "date": "0",
            "money_in": "3",
            "money_out": "4",
            "note": "1",
        },
        allowed=302,
        effect=_batches,
    ),
    _mine(
        "bookkeeping:import_preview",
        lambda w: reverse("bookkeeping:import_preview", args=[case(w).pending.pk]),
        marker=lambda w: "Gas Melon",
    ),
    _mine(
        "bookkeeping:import_preview",
        lambda w: reverse("bookkeeping:import_preview", args=[case(w).pending.pk]),
        method="post",
        data=lambda w: {"cat_0": "utilitas", "cat_1": "penjualan"},
        allowed=302,
        effect=_batches,
    ),
    _mine(
        "bookkeeping:import_run",
        lambda w: reverse("bookkeeping:import_run", args=[case(w).pending.pk]),
        method="post",
        allowed=302,
        effect=_entries,
    ),
    _mine(
        "bookkeeping:import_result",
        lambda w: reverse("bookkeeping:import_result", args=[case(w).done.pk]),
        marker=lambda w: "kas2.csv",
    ),
]
