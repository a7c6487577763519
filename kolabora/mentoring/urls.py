"""Mentoring pages (namespace ``mentoring``), under /pendampingan/."""

from django.urls import path

from . import views

app_name = "mentoring"

urlpatterns = [
    path("pendampingan/", views.home, name="home"),
    path("pendampingan/peserta/<int:pk>/", views.participant_detail, name="participant"),
    path("pendampingan/peserta/<int:pk>/sesi/", views.session_log, name="session_log"),
    path("pendampingan/peserta/<int:pk>/kesiapan/", views.readiness, name="readiness"),
    path("pendampingan/peserta/<int:pk>/selesaikan/", views.complete, name="complete"),
    path("pendampingan/peserta/<int:pk>/pendamping/", views.assign, name="assign"),
    path("pendampingan/sesi/<int:pk>/foto/", views.session_photo, name="session_photo"),
    path("pendampingan/kecamatan/<str:code>/", views.board, name="board"),
    path(
        "pendampingan/kecamatan/<str:code>/bagi-otomatis/", views.assign_unmentored, name="assign_unmentored"
    ),
    path("pendampingan/target/", views.target_set, name="target"),
    path("pendampingan/ekspor/", views.export, name="export"),
]
