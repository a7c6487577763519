"""Participant, staff and partner pages for marketing (namespace ``marketing``)."""

from django.urls import path

from . import views

app_name = "marketing"

urlpatterns = [
    # A participant's products and places (and the same pages for staff helping them).
    path("pemasaran/", views.mine, name="mine"),
    path("pemasaran/peserta/<int:participant_pk>/", views.participant_home, name="participant"),
    path("pemasaran/peserta/<int:participant_pk>/produk/baru/", views.product_create, name="product_create"),
    path("pemasaran/produk/<int:pk>/", views.product_detail, name="product"),
    path("pemasaran/produk/<int:pk>/ubah/", views.product_edit, name="product_edit"),
    path("pemasaran/produk/<int:pk>/foto/", views.photo_upload, name="photo_upload"),
    path("pemasaran/produk/<int:pk>/foto/<int:photo_pk>/hapus/", views.photo_delete, name="photo_delete"),
    path("pemasaran/produk/<int:pk>/tayangkan/", views.product_publish, name="product_publish"),
    path("pemasaran/produk/<int:pk>/turunkan/", views.product_unpublish, name="product_unpublish"),
    path("pemasaran/produk/<int:pk>/kurasi/", views.curation_request, name="curation_request"),
    # Curators.
    path("pemasaran/kurasi/", views.curation_queue, name="curation_queue"),
    path("pemasaran/kurasi/<int:pk>/", views.curation_review, name="curation_review"),
    # Opportunities: organisers, partners and applicants.
    path("pemasaran/peluang/", views.opportunity_list, name="opportunity_list"),
    path("pemasaran/peluang/baru/", views.opportunity_create, name="opportunity_create"),
    path("pemasaran/peluang/<int:pk>/", views.opportunity_detail, name="opportunity"),
    path("pemasaran/peluang/<int:pk>/ubah/", views.opportunity_edit, name="opportunity_edit"),
    path("pemasaran/peluang/<int:pk>/daftar/", views.opportunity_apply, name="opportunity_apply"),
    path("pemasaran/peluang/<int:pk>/alokasi/", views.opportunity_allocate, name="opportunity_allocate"),
    path("pemasaran/peluang/<int:pk>/kehadiran/", views.attendance_record, name="attendance_record"),
    path("pemasaran/peluang/<int:pk>/batalkan/", views.opportunity_cancel, name="opportunity_cancel"),
    path("pemasaran/lamaran/<int:pk>/batal/", views.application_withdraw, name="application_withdraw"),
]
