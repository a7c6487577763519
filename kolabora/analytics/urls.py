"""Staff pages for the funnel and targets (namespace ``analytics``)."""

from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("analitik/", views.funnel_page, name="funnel"),
    path("analitik/peserta/", views.people, name="people"),
    path("analitik/unduh/tabel2.xlsx", views.export_xlsx, name="export_xlsx"),
    path("analitik/unduh/<slug:table>.csv", views.export_csv, name="export_csv"),
]
