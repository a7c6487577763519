"""Staff pages for participants (namespace ``participants``)."""

from django.urls import path

from . import views

app_name = "participants"

urlpatterns = [
    path("peserta/", views.participant_list, name="list"),
    path("peserta/daftar-langsung/", views.participant_register, name="register"),
    path("peserta/duplikat/", views.duplicate_list, name="duplicates"),
    path("peserta/duplikat/gabung/", views.participant_merge, name="merge"),
    path("peserta/berisiko/", views.at_risk, name="at_risk"),
    path("peserta/permintaan-data/", views.data_request_list, name="data_requests"),
    path("peserta/permintaan-data/<int:pk>/jawab/", views.data_request_answer, name="data_request_answer"),
    path("peserta/<int:pk>/", views.participant_detail, name="detail"),
    path("peserta/<int:pk>/tahap/<str:code>/", views.stage_change, name="stage_change"),
    path("peserta/<int:pk>/verifikasi/", views.eligibility_verify, name="eligibility_verify"),
    path("peserta/<int:pk>/dokumen/<int:doc_pk>/", views.document_download, name="document"),
]
