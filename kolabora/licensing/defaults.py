"""Default licence types, checklists and steps (DOMAIN.md, seed 002). Administrators change them in the
admin site; this is only what a fresh installation starts with."""

from __future__ import annotations

from typing import Any

DOCS = ["pdf", "jpg", "jpeg", "png"]
PHOTOS = ["jpg", "jpeg", "png"]

TYPES: list[dict[str, Any]] = [
    {
        "code": "iumk",
        "name_id": "Izin Usaha Mikro Kecil (IUMK)",
        "name_en": "Micro and Small Business Licence (IUMK)",
        "issued_here": True,
        "validity_years": None,
        "number_prefix": "IUMK",
        "requirements": [
            (
                "ktp",
                "Fotokopi KTP pemohon",
                "Copy of the applicant's KTP",
                DOCS,
                2,
                True,
                "Foto atau pindaian KTP yang terbaca jelas.",
                "A clear photo or scan of the KTP.",
            ),
            ("kk", "Fotokopi Kartu Keluarga", "Copy of the family card (KK)", DOCS, 2, True, "", ""),
            (
                "pengantar_rt_rw",
                "Surat pengantar RT/RW",
                "Cover letter from the RT/RW",
                DOCS,
                2,
                True,
                "Surat pengantar dari ketua RT dan RW tempat usaha.",
                "A cover letter from the heads of the RT and RW where the business is.",
            ),
            (
                "foto_usaha",
                "Foto tempat usaha",
                "Photo of the business premises",
                PHOTOS,
                5,
                True,
                "Tampak depan tempat usaha, terlihat papan nama bila ada.",
                "The front of the premises, with its sign if there is one.",
            ),
            ("pas_foto", "Pas foto 4x6 berwarna", "Colour passport photo 4x6", PHOTOS, 2, True, "", ""),
        ],
        "steps": [
            ("verification", "Pemeriksaan kelengkapan", "Completeness check", "ptsp_unit", 1),
            ("survey", "Survei lokasi oleh kelurahan", "Site survey by the kelurahan", "kelurahan_office", 3),
            ("recommendation", "Rekomendasi lurah", "Lurah's recommendation", "kelurahan_office", 2),
            ("issuance", "Penerbitan izin", "Issuance", "ptsp_unit", 1),
        ],
    },
    {
        "code": "pirt",
        "name_id": "Sertifikat Produksi Pangan Industri Rumah Tangga (SPP-IRT)",
        "name_en": "Home-industry food production certificate (SPP-IRT)",
        "issued_here": True,
        "validity_years": 5,
        "number_prefix": "P-IRT",
        "requirements": [
            ("nib", "NIB dari OSS", "NIB from OSS", DOCS, 2, True, "", ""),
            ("label", "Rancangan label produk", "Product label design", DOCS, 5, True, "", ""),
            (
                "sertifikat_pkp",
                "Sertifikat Penyuluhan Keamanan Pangan (PKP)",
                "Food-safety counselling (PKP) certificate",
                DOCS,
                2,
                True,
                "Diperoleh dari penyuluhan oleh dinas kesehatan.",
                "Obtained from the health office's counselling.",
            ),
        ],
        "steps": [
            ("verification", "Pemeriksaan kelengkapan", "Completeness check", "ptsp_unit", 1),
            (
                "survey",
                "Pemeriksaan sarana produksi (CPPB-IRT)",
                "Production site inspection (CPPB-IRT)",
                "ptsp_unit",
                5,
            ),
            ("issuance", "Penerbitan sertifikat", "Issuance", "ptsp_unit", 1),
        ],
    },
    {
        "code": "nib",
        "name_id": "Nomor Induk Berusaha (NIB)",
        "name_en": "Business ID number (NIB)",
        "issued_here": False,
        "validity_years": None,
        "number_prefix": "",
        "requirements": [
            ("bukti_nib", "Cetakan NIB dari OSS", "NIB printout from OSS", DOCS, 2, True, "", "")
        ],
        "steps": [("verification", "Verifikasi NIB", "NIB verification", "ptsp_unit", 1)],
    },
    {
        "code": "halal",
        "name_id": "Sertifikat Halal",
        "name_en": "Halal certificate",
        "issued_here": False,
        "validity_years": None,
        "number_prefix": "",
        "requirements": [
            (
                "bukti_halal",
                "Sertifikat halal dari BPJPH",
                "Halal certificate from BPJPH",
                DOCS,
                5,
                True,
                "Jalur self-declare dengan pendamping PPH (P3H) atau jalur reguler.",
                "Self-declare route with a halal-process companion (P3H), or the regular route.",
            )
        ],
        "steps": [("verification", "Verifikasi sertifikat", "Certificate verification", "ptsp_unit", 1)],
    },
    {
        "code": "merek",
        "name_id": "Pendaftaran Merek (HKI)",
        "name_en": "Trademark registration (HKI)",
        "issued_here": False,
        "validity_years": 10,
        "number_prefix": "",
        "requirements": [
            (
                "bukti_merek",
                "Bukti pendaftaran atau sertifikat merek",
                "Trademark filing receipt or certificate",
                DOCS,
                5,
                True,
                "",
                "",
            )
        ],
        "steps": [("verification", "Verifikasi bukti merek", "Trademark proof verification", "ptsp_unit", 1)],
    },
    {
        "code": "bpom",
        "name_id": "Izin Edar BPOM",
        "name_en": "BPOM distribution permit",
        "issued_here": False,
        "validity_years": 5,
        "number_prefix": "",
        "requirements": [("bukti_bpom", "Izin edar BPOM", "BPOM distribution permit", DOCS, 5, True, "", "")],
        "steps": [("verification", "Verifikasi izin edar", "Permit verification", "ptsp_unit", 1)],
    },
]


def load(LicenceType: Any, RequirementDefinition: Any, StepDefinition: Any) -> None:
    """Create the default types (skipping those that exist). Used by the data migration."""
    for t in TYPES:
        lt, created = LicenceType.objects.get_or_create(
            code=t["code"],
            defaults={
                k: t[k] for k in ("name_id", "name_en", "issued_here", "validity_years", "number_prefix")
            },
        )
        if not created:
            continue
        for order, (code, name_id, name_en, ext, max_mb, required, help_id, help_en) in enumerate(
            t["requirements"]
        ):
            RequirementDefinition.objects.create(
                licence_type=lt,
                code=code,
                name_id=name_id,
                name_en=name_en,
                extensions=ext,
                max_mb=max_mb,
                required=required,
                order=order,
                help_id=help_id,
                help_en=help_en,
            )
        for order, (code, name_id, name_en, holder, days) in enumerate(t["steps"]):
            StepDefinition.objects.create(
                licence_type=lt,
                code=code,
                order=order,
                name_id=name_id,
                name_en=name_en,
                holder_type=holder,
                service_days=days,
            )
