"""What a fresh installation starts with: product categories with the licences each needs before a product
is published (seed 003, "legality before marketing"), and the curation criteria (seed 001). Administrators
change both in the admin site; ``load`` only creates what is missing, so their changes survive."""

from __future__ import annotations

from typing import Any

# (code, Indonesian name, English name, licence type codes required before publishing)
CATEGORIES: list[tuple[str, str, str, list[str]]] = [
    ("makanan", "Makanan olahan", "Processed food", ["pirt", "halal"]),
    ("minuman", "Minuman", "Drinks", ["pirt", "halal"]),
    ("kosmetik", "Kosmetik dan perawatan diri", "Cosmetics and personal care", ["bpom"]),
    ("jamu", "Jamu dan obat tradisional", "Jamu and traditional medicine", ["bpom"]),
    ("fashion", "Fesyen dan tekstil", "Fashion and textiles", []),
    ("kriya", "Kerajinan (kriya)", "Crafts (kriya)", []),
    ("pertanian", "Hasil tani, ikan dan tanaman", "Produce, fish and plants", []),
    ("jasa", "Jasa", "Services", []),
    ("lainnya", "Barang lainnya", "Other goods", []),
]

# (code, Indonesian name, English name, Indonesian help, English help)
CRITERIA: list[tuple[str, str, str, str, str]] = [
    (
        "rasa",
        "Rasa atau mutu",
        "Taste or quality",
        "Rasa, tekstur dan konsistensi; untuk nonpangan: mutu bahan dan pengerjaan.",
        "Taste, texture and consistency; for non-food: quality of materials and workmanship.",
    ),
    (
        "kemasan",
        "Kemasan",
        "Packaging",
        "Kemasan rapi, aman, berlabel lengkap (nama, komposisi, berat, tanggal kedaluwarsa, nomor izin).",
        "Neat, safe packaging with a complete label (name, ingredients, weight, expiry date, licence numbers).",
    ),
    (
        "higiene",
        "Kebersihan produksi",
        "Hygiene",
        "Tempat dan cara produksi bersih; bahan baku tersimpan dengan baik.",
        "A clean place and way of production; raw materials stored properly.",
    ),
    (
        "halal",
        "Halal",
        "Halal",
        "Sertifikat halal berlaku dan logo halal pada kemasan (untuk pangan).",
        "A valid halal certificate and the halal logo on the package (for food).",
    ),
    (
        "foto",
        "Foto produk",
        "Product photo",
        "Foto terang, tajam, latar bersih, produk terlihat utuh.",
        "A bright, sharp photo on a clean background showing the whole product.",
    ),
]


def load(ProductCategory: Any, LicenceType: Any, CurationCriterion: Any) -> None:
    """Create the default categories and criteria that do not exist yet (used by the data migration and
    by tests that run after a live-server test has emptied the tables)."""
    for order, (code, name_id, name_en, licences) in enumerate(CATEGORIES):
        category, created = ProductCategory.objects.get_or_create(
            code=code, defaults={"name_id": name_id, "name_en": name_en, "order": order}
        )
        if created and licences:
            category.required_licences.set(LicenceType.objects.filter(code__in=licences))
    for order, (code, name_id, name_en, help_id, help_en) in enumerate(CRITERIA):
        CurationCriterion.objects.get_or_create(
            code=code,
            defaults={
                "name_id": name_id,
                "name_en": name_en,
                "help_id": help_id,
                "help_en": help_en,
                "order": order,
            },
        )
