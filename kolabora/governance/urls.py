"""Governance pages (namespace ``governance``): indicators, network, accountability, assessments, feedback."""

from django.urls import path

from .views import assessments, dashboard, feedback

app_name = "governance"

urlpatterns = [
    path("tata-kelola/", dashboard.indicators, name="indicators"),
    path("tata-kelola/indikator.csv", dashboard.indicators_csv, name="indicators_csv"),
    path("tata-kelola/jaringan/", dashboard.network, name="network"),
    path("tata-kelola/jaringan.csv", dashboard.network_csv, name="network_csv"),
    path("tata-kelola/akuntabilitas/", dashboard.accountability_page, name="accountability"),
    path("tata-kelola/akuntabilitas.csv", dashboard.accountability_csv, name="accountability_csv"),
    path("tata-kelola/akuntabilitas/<int:pk>/", dashboard.organisation, name="organisation"),
    path(
        "tata-kelola/akuntabilitas/<int:pk>/langkah.csv", dashboard.organisation_csv, name="organisation_csv"
    ),
    path("tata-kelola/laporan.pdf", dashboard.report, name="report"),
    # Assessments.
    path("tata-kelola/instrumen/", assessments.instruments, name="instruments"),
    path("tata-kelola/penilaian/", assessments.rounds, name="rounds"),
    path("tata-kelola/penilaian/baru/", assessments.round_create, name="round_create"),
    path("tata-kelola/penilaian/<int:pk>/", assessments.round_detail, name="round"),
    path("tata-kelola/penilaian/<int:pk>/buka/", assessments.round_open, name="round_open"),
    path("tata-kelola/penilaian/<int:pk>/tutup/", assessments.round_close, name="round_close"),
    path("tata-kelola/penilaian/<int:pk>/isi/", assessments.round_respond, name="round_respond"),
    path("tata-kelola/penilaian/<int:pk>/hasil/", assessments.round_results, name="round_results"),
    path("tata-kelola/penilaian/<int:pk>/hasil.csv", assessments.round_results_csv, name="round_results_csv"),
    # Feedback: the organisations' side and the programme's overview.
    path("tata-kelola/umpan-balik/", feedback.feedback_list, name="feedback_list"),
    path("tata-kelola/umpan-balik.csv", feedback.feedback_csv, name="feedback_csv"),
    path("tata-kelola/umpan-balik/<int:pk>/", feedback.feedback_detail, name="feedback_detail"),
    path("tata-kelola/umpan-balik/<int:pk>/jawab/", feedback.feedback_answer, name="feedback_answer"),
    # Feedback: the participant's side.
    path("umpan-balik/", feedback.my_feedback, name="my_feedback"),
    path("umpan-balik/beri/<slug:kind>/<int:subject_id>/", feedback.feedback_give, name="feedback_give"),
]
