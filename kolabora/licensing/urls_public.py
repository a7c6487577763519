from django.urls import path

from . import views_public

app_name = "licensing_public"

urlpatterns = [
    path("verifikasi/<str:code>/", views_public.verify, name="verify"),
    path("izin/<int:pk>/sertifikat.pdf", views_public.certificate, name="certificate"),
]
