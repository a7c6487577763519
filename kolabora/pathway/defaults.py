"""The default programme: JakPreneur's "7 Langkah PAS" with the rules DESIGN.md §1 states."""

from __future__ import annotations

STAGES = [
    {
        "code": "P1",
        "order": 1,
        "name_id": "Pendaftaran",
        "name_en": "Registration",
        "levels": 0,
        "prerequisites": [],
        "requirements_id": "Data diri lengkap, kelayakan terverifikasi (KTP DKI, atau surat domisili dari lurah untuk "
        "yang tinggal dan berusaha di Jakarta minimal 2 tahun), dan persetujuan pengolahan data untuk program.",
        "requirements_en": "Complete personal data, verified eligibility (a DKI KTP, or a lurah's domicile letter for "
        "those living and working in Jakarta for at least 2 years), and consent to processing for the programme.",
    },
    {
        "code": "P2",
        "order": 2,
        "name_id": "Pelatihan",
        "name_en": "Training",
        "levels": 3,
        "prerequisites": ["P1"],
        "requirements_id": "Ikuti pelatihan dasar (T1) sampai selesai. T2 dan T3 memperdalam keterampilan.",
        "requirements_en": "Attend basic training (T1) to the end. T2 and T3 deepen the skills.",
    },
    {
        "code": "P3",
        "order": 3,
        "name_id": "Pendampingan",
        "name_en": "Mentoring",
        "levels": 0,
        "prerequisites": ["P1"],
        "requirements_id": "Minimal dua sesi dengan pendamping dan penilaian kesiapan dengan rencana usaha singkat "
        "(produk, pelanggan, harga, langkah berikutnya). Boleh berjalan bersamaan dengan pelatihan.",
        "requirements_en": "At least two sessions with your mentor and a readiness assessment with a short business "
        "plan (product, customers, price, next step). May run alongside training.",
    },
    {
        "code": "P4",
        "order": 4,
        "name_id": "Perizinan",
        "name_en": "Licensing",
        "levels": 0,
        "prerequisites": ["P1"],
        "requirements_id": "Memiliki izin usaha: NIB dari OSS (atau IUMK), ditambah P-IRT atau sertifikat halal bila "
        "produk Anda memerlukannya. Usaha yang sudah punya NIB cukup mencatatkannya.",
        "requirements_en": "A business licence: an NIB from OSS (or an IUMK), plus P-IRT or a halal certificate where "
        "your products need them. A business that already has an NIB only records it.",
    },
    {
        "code": "P5",
        "order": 5,
        "name_id": "Pemasaran",
        "name_en": "Marketing",
        "levels": 0,
        "prerequisites": ["P4"],
        "requirements_id": "Produk pertama tayang di katalog, atau ikut bazar atau pameran. Izin usaha (P4) harus "
        "selesai lebih dulu: legalitas sebelum pemasaran.",
        "requirements_en": "A first product published in the catalogue, or a place at a bazaar or exhibition. "
        "Licensing (P4) must be complete first: legality before marketing.",
    },
    {
        "code": "P6",
        "order": 6,
        "name_id": "Pelaporan Keuangan",
        "name_en": "Financial reporting",
        "levels": 0,
        "prerequisites": ["P1"],
        "requirements_id": "Catat pemasukan dan pengeluaran usaha tiga bulan berturut-turut.",
        "requirements_en": "Record the business's income and expenses for three consecutive months.",
    },
    {
        "code": "P7",
        "order": 7,
        "name_id": "Permodalan",
        "name_en": "Capital",
        "levels": 0,
        "prerequisites": ["P4", "P6"],
        "requirements_id": "Rujukan ke bank atau lembaga keuangan disetujui. Perlu izin usaha (P4) dan pembukuan (P6) "
        "yang sudah selesai.",
        "requirements_en": "A referral to a bank or financial institution approved. Needs licensing (P4) and "
        "bookkeeping (P6) complete.",
    },
]
STAGE_CODES = [s["code"] for s in STAGES]
SUCCESS_STAGE = "P4"
DEFAULT_PROGRAMME = {"code": "jakpreneur", "name": "JakPreneur", "region": "31"}
