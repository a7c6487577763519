"""Pages of the cash book (namespace ``bookkeeping``), under ``/pembukuan/``."""

from django.urls import path

from .views import book, imports, staff

app_name = "bookkeeping"

urlpatterns = [
    path("pembukuan/", book.mine, name="mine"),
    path("pembukuan/konsistensi/", staff.consistency, name="consistency"),
    path("pembukuan/peserta/<int:participant_pk>/", book.participant_home, name="participant"),
    path("pembukuan/usaha/<int:business_pk>/", book.cashbook, name="cashbook"),
    path("pembukuan/usaha/<int:business_pk>/ringkasan/", book.summary, name="summary"),
    path("pembukuan/usaha/<int:business_pk>/laporan/", book.statements, name="statements"),
    path("pembukuan/usaha/<int:business_pk>/aset-dan-utang/", book.declare, name="declare"),
    path("pembukuan/usaha/<int:business_pk>/laporan-bank.pdf", book.report_pdf, name="report_pdf"),
    path("pembukuan/usaha/<int:business_pk>/impor/", imports.upload, name="import_upload"),
    path("pembukuan/catatan/<int:pk>/batalkan/", book.entry_void, name="entry_void"),
    path("pembukuan/catatan/<int:pk>/struk/", book.receipt, name="receipt"),
    path("pembukuan/impor/<int:pk>/", imports.result, name="import_result"),
    path("pembukuan/impor/<int:pk>/kolom/", imports.mapping, name="import_mapping"),
    path("pembukuan/impor/<int:pk>/periksa/", imports.preview, name="import_preview"),
    path("pembukuan/impor/<int:pk>/jalankan/", imports.run, name="import_run"),
]
