from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("pelatihan/", views.course_list, name="course_list"),
    path("pelatihan/kursus/<int:pk>/", views.course_detail, name="course_detail"),
    path("pelatihan/penyelenggara/<int:org_pk>/kursus/baru/", views.course_create, name="course_create"),
    path("pelatihan/kursus/<int:pk>/ubah/", views.course_edit, name="course_edit"),
    path("pelatihan/kursus/<int:pk>/terbitkan/", views.course_publish, name="course_publish"),
    path("pelatihan/kursus/<int:pk>/sesi/baru/", views.session_create, name="session_create"),
    path("pelatihan/sesi/<int:pk>/", views.session_detail, name="session_detail"),
    path("pelatihan/sesi/<int:pk>/ubah/", views.session_edit, name="session_edit"),
    path("pelatihan/sesi/<int:pk>/ikut/", views.session_enrol, name="session_enrol"),
    path("pelatihan/sesi/<int:pk>/daftarkan/", views.session_enrol_other, name="session_enrol_other"),
    path("pelatihan/sesi/<int:pk>/kehadiran/", views.attendance_record, name="attendance_record"),
    path("pelatihan/pendaftaran/<int:pk>/batal/", views.enrolment_cancel, name="enrolment_cancel"),
    path("pelatihan/saya/", views.my_training, name="my_training"),
    path("pelatihan/saya/hadir/", views.attendance_code, name="attendance_code"),
    path("pelatihan/tindak-lanjut/<int:pk>/", views.follow_up, name="follow_up"),
]
