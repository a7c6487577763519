"""Default cash book categories for micro businesses (DOMAIN.md, SAK EMKM). Administrators change them in
the admin site; this is only what a fresh installation starts with. ``load`` is idempotent: it adds the
categories that are missing and leaves existing ones as administrators left them."""

from __future__ import annotations

from typing import Any

# (code, Indonesian name, English name, statement line, hint id, hint en, keywords for imports)
CATEGORIES: list[tuple[str, str, str, str, str, str, list[str]]] = [
    (
        "penjualan",
        "Penjualan",
        "Sales",
        "revenue",
        "Uang dari pembeli untuk barang yang Anda jual.",
        "Money from customers for the goods you sell.",
        ["penjualan", "jual", "omzet", "omset", "pendapatan usaha", "sales", "terjual", "pesanan"],
    ),
    (
        "jasa",
        "Pendapatan jasa",
        "Service income",
        "revenue",
        "Bayaran untuk jasa: salon, laundry, servis, les, katering.",
        "Payment for services: salon, laundry, repairs, lessons, catering.",
        ["jasa", "servis", "service", "ongkos jahit", "upah jahit", "laundry", "cuci"],
    ),
    (
        "pendapatan_lain",
        "Pendapatan lain-lain",
        "Other income",
        "other_income",
        "Uang masuk usaha di luar penjualan, misalnya bunga tabungan atau hadiah lomba.",
        "Business money in other than sales, e.g. savings interest or a competition prize.",
        ["pendapatan lain", "bunga tabungan", "hadiah", "bonus", "cashback", "lain-lain masuk"],
    ),
    (
        "setoran_modal",
        "Setoran modal pemilik",
        "Capital put in by the owner",
        "owner_contribution",
        "Uang pribadi yang Anda masukkan ke usaha. Bukan pendapatan.",
        "Your own money put into the business. Not income.",
        ["setoran modal", "modal pemilik", "tambahan modal", "modal awal", "modal"],
    ),
    (
        "pinjaman_diterima",
        "Pinjaman diterima",
        "Loan received",
        "loan_received",
        "Pinjaman dari bank, koperasi, atau keluarga yang masuk ke usaha. Bukan pendapatan.",
        "A loan from a bank, cooperative or family paid into the business. Not income.",
        ["pinjaman", "pencairan", "kredit masuk", "kur", "utang masuk", "loan"],
    ),
    (
        "bahan_baku",
        "Bahan baku & barang dagangan",
        "Raw materials and stock",
        "operating_expense",
        "Bahan untuk membuat produk, atau barang yang dibeli untuk dijual lagi.",
        "Materials to make your products, or goods bought to resell.",
        ["bahan baku", "bahan", "belanja", "beli", "pembelian", "stok", "kulakan", "dagangan", "hpp"],
    ),
    (
        "kemasan",
        "Kemasan",
        "Packaging",
        "operating_expense",
        "",
        "",
        ["kemasan", "packaging", "plastik", "kardus", "box", "label", "stiker"],
    ),
    (
        "upah",
        "Upah & gaji",
        "Wages",
        "operating_expense",
        "Bayaran untuk pekerja. Uang yang Anda ambil untuk diri sendiri dicatat sebagai prive.",
        "Pay for workers. Money you take for yourself is recorded as prive.",
        ["upah", "gaji", "honor", "karyawan", "pegawai", "tenaga kerja", "wages", "salary"],
    ),
    (
        "sewa",
        "Sewa tempat",
        "Rent",
        "operating_expense",
        "",
        "",
        ["sewa", "kontrak", "rent", "lapak", "kios"],
    ),
    (
        "utilitas",
        "Listrik, air, gas & pulsa",
        "Electricity, water, gas and phone",
        "operating_expense",
        "",
        "",
        [
            "listrik",
            "pln",
            "token",
            "air",
            "pdam",
            "gas",
            "elpiji",
            "lpg",
            "pulsa",
            "internet",
            "wifi",
            "kuota",
        ],
    ),
    (
        "transportasi",
        "Transportasi & ongkos kirim",
        "Transport and delivery",
        "operating_expense",
        "",
        "",
        ["transport", "bensin", "bbm", "ongkir", "ongkos kirim", "kirim", "ojek", "parkir", "angkut"],
    ),
    (
        "pemasaran",
        "Promosi & pemasaran",
        "Marketing",
        "operating_expense",
        "",
        "",
        ["promosi", "iklan", "pemasaran", "ads", "marketing", "brosur", "spanduk", "bazar"],
    ),
    (
        "peralatan_kecil",
        "Peralatan kecil & perawatan",
        "Small tools and upkeep",
        "operating_expense",
        "Alat murah yang cepat habis dan biaya perbaikan. Mesin atau alat mahal: pembelian peralatan usaha.",
        "Cheap tools that wear out quickly and repairs. Machines or costly tools: equipment bought.",
        ["peralatan", "alat", "perawatan", "perbaikan", "servis alat", "reparasi"],
    ),
    (
        "biaya_lain",
        "Biaya usaha lain-lain",
        "Other business expenses",
        "operating_expense",
        "",
        "",
        ["biaya lain", "lain-lain", "retribusi", "iuran", "sumbangan", "keamanan", "kebersihan"],
    ),
    (
        "bunga_bank",
        "Bunga pinjaman & biaya bank",
        "Loan interest and bank charges",
        "other_expense",
        "Bagian bunga dari angsuran, biaya administrasi bank.",
        "The interest part of an instalment, bank fees.",
        ["bunga", "biaya admin", "administrasi bank", "provisi", "denda"],
    ),
    (
        "pajak",
        "Pajak penghasilan (PPh final)",
        "Income tax (final PPh)",
        "income_tax",
        "PPh final UMKM 0,5% dari omzet.",
        "The 0.5% final income tax on turnover for MSMEs.",
        ["pajak", "pph", "tax"],
    ),
    (
        "pembelian_aset",
        "Pembelian peralatan usaha",
        "Equipment bought",
        "asset_purchase",
        "Mesin, etalase, kompor besar, motor usaha: menjadi aset, bukan beban bulan ini.",
        "Machines, display cases, large stoves, a delivery motorbike: an asset, not this month's expense.",
        ["pembelian aset", "beli mesin", "mesin", "etalase", "investasi", "aset"],
    ),
    (
        "angsuran_pokok",
        "Angsuran pokok pinjaman",
        "Loan principal repaid",
        "loan_repayment",
        "Bagian pokok dari angsuran mengurangi utang; bunganya dicatat sebagai bunga pinjaman.",
        "The principal part of an instalment reduces the debt; its interest is recorded as loan interest.",
        ["angsuran", "cicilan", "pokok pinjaman", "bayar utang", "pelunasan", "installment"],
    ),
    (
        "prive",
        "Prive (ambil untuk keperluan pribadi)",
        "Owner's withdrawal (prive)",
        "owner_withdrawal",
        "Uang usaha yang dipakai untuk rumah tangga atau diri sendiri. Bukan beban usaha.",
        "Business money used for the household or yourself. Not a business expense.",
        ["prive", "pribadi", "ambil pribadi", "keperluan rumah", "rumah tangga", "dapur rumah"],
    ),
]
# Used for imported rows whose category cannot be recognised.
FALLBACK = {"in": "pendapatan_lain", "out": "biaya_lain"}


def load(category_model: Any) -> int:
    """Create the default categories that do not exist yet; returns how many were created."""
    existing = set(category_model.objects.values_list("code", flat=True))
    rows = [
        category_model(
            code=code,
            name_id=name_id,
            name_en=name_en,
            line=line,
            hint_id=hint_id,
            hint_en=hint_en,
            keywords=keywords,
            order=(i + 1) * 10,
        )
        for i, (code, name_id, name_en, line, hint_id, hint_en, keywords) in enumerate(CATEGORIES)
        if code not in existing
    ]
    category_model.objects.bulk_create(rows)
    return len(rows)


def ensure() -> int:
    """The default categories in the running database (tests after a flush, fresh demo databases)."""
    from .models import CashCategory

    return load(CashCategory)
