"""Financing referral pages (namespace ``financing``)."""

from django.urls import path

from . import views

app_name = "financing"

urlpatterns = [
    # The participant's side (and staff who refer them).
    path("permodalan/", views.mine, name="mine"),
    path("permodalan/peserta/<int:participant_pk>/", views.participant_home, name="participant"),
    path("permodalan/peserta/<int:participant_pk>/pinjaman/", views.declare, name="declare"),
    path("permodalan/peserta/<int:participant_pk>/rujuk/", views.refer, name="refer"),
    # One referral, and its steps at the institution.
    path("permodalan/rujukan/", views.referral_list, name="referrals"),
    path("permodalan/rujukan/<int:pk>/", views.referral_detail, name="referral"),
    path("permodalan/rujukan/<int:pk>/tinjau/", views.review, name="review"),
    path("permodalan/rujukan/<int:pk>/setujui/", views.approve, name="approve"),
    path("permodalan/rujukan/<int:pk>/tolak/", views.decline, name="decline"),
    path("permodalan/rujukan/<int:pk>/cairkan/", views.disburse, name="disburse"),
    path("permodalan/rujukan/<int:pk>/tarik/", views.withdraw, name="withdraw"),
    path("permodalan/rujukan/<int:pk>/laporan-keuangan.pdf", views.report, name="report"),
    # The institution's inbox; figures; the SIKP export.
    path("permodalan/kotak-masuk/", views.inbox, name="inbox"),
    path("permodalan/angka/", views.figures, name="figures"),
    path("permodalan/calon-debitur-kur/", views.export_page, name="export"),
    path("permodalan/calon-debitur-kur.csv", views.export_csv, name="export_csv"),
]
