"""Staff and participant pages for licensing cases (namespace ``licensing``)."""

from django.urls import path

from . import views

app_name = "licensing"

urlpatterns = [
    # The applicant's side.
    path("perizinan/", views.mine, name="mine"),
    path("perizinan/peserta/<int:participant_pk>/", views.participant_home, name="participant"),
    path("perizinan/peserta/<int:participant_pk>/ajukan/", views.apply, name="apply"),
    path(
        "perizinan/peserta/<int:participant_pk>/izin-dimiliki/", views.existing_record, name="existing_record"
    ),
    path("perizinan/<int:pk>/", views.application_detail, name="application"),
    path("perizinan/<int:pk>/syarat/<int:requirement_pk>/unggah/", views.item_upload, name="item_upload"),
    path("perizinan/<int:pk>/kirim/", views.submit, name="submit"),
    path("perizinan/<int:pk>/dokumen/<int:item_pk>/", views.item_download, name="item_download"),
    path("perizinan/<int:pk>/foto/<int:photo_pk>/", views.photo, name="photo"),
    # The organisations' side.
    path("perizinan/kotak-masuk/", views.inbox, name="inbox"),
    path("perizinan/kotak-masuk/<int:handoff_pk>/tugaskan/", views.reassign, name="reassign"),
    path("perizinan/<int:pk>/proses/", views.step, name="step"),
    path("perizinan/<int:pk>/proses/kelengkapan/", views.verify, name="verify"),
    path("perizinan/<int:pk>/proses/jadwal-survei/", views.survey_schedule, name="survey_schedule"),
    path("perizinan/<int:pk>/proses/survei/", views.survey_record, name="survey_record"),
    path("perizinan/<int:pk>/proses/rekomendasi/", views.recommend, name="recommend"),
    path("perizinan/<int:pk>/proses/terbitkan/", views.issue, name="issue"),
    path("perizinan/izin/<int:pk>/periksa/", views.licence_check, name="licence_check"),
    path("perizinan/izin/<int:pk>/bukti/", views.licence_proof, name="licence_proof"),
]
