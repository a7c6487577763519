"""Pages for participants themselves and public self-registration (namespace ``me``)."""

from django.urls import path

from . import views_self as views

app_name = "me"

urlpatterns = [
    path("daftar/", views.register, name="register"),
    path("daftar/<int:step>/", views.register_step, name="register_step"),
    path("daftar/ulang/", views.register_reset, name="register_reset"),
    path("saya/", views.progress, name="progress"),
    path("saya/data/", views.my_data, name="data"),
    path("saya/persetujuan/", views.consents, name="consents"),
    path("saya/persetujuan/beri/", views.consent_give, name="consent_grant"),
    path("saya/persetujuan/tarik/", views.consent_take_back, name="consent_withdraw"),
    path("saya/unduh.json", views.export_json, name="export_json"),
    path("saya/unduh.pdf", views.export_pdf, name="export_pdf"),
    path("saya/permintaan/", views.data_requests, name="requests"),
]
