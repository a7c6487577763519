from django.urls import path

from . import views

app_name = "organisations"

urlpatterns = [
    path("organisasi/", views.organisation_list, name="list"),
    path("organisasi/baru/", views.organisation_create, name="create"),
    path("organisasi/<int:pk>/", views.organisation_detail, name="detail"),
    path("organisasi/<int:pk>/ubah/", views.organisation_edit, name="edit"),
    path("organisasi/<int:pk>/anggota/", views.membership_add, name="membership_add"),
    path(
        "organisasi/<int:pk>/anggota/<int:membership_pk>/akhiri/", views.membership_end, name="membership_end"
    ),
    path("perjanjian/", views.agreement_list, name="agreement_list"),
    path("perjanjian/baru/", views.agreement_create, name="agreement_create"),
    path("perjanjian/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("perjanjian/<int:pk>/dokumen/", views.agreement_document, name="agreement_document"),
    path("perjanjian/<int:pk>/ubah/", views.agreement_edit, name="agreement_edit"),
    path("perjanjian/<int:pk>/aktifkan/", views.agreement_activate, name="agreement_activate"),
    path("perjanjian/<int:pk>/akhiri/", views.agreement_terminate, name="agreement_terminate"),
]
