"""Import pages (namespace ``bulkdata``)."""

from django.urls import path, re_path

from . import views

app_name = "bulkdata"

urlpatterns = [
    path("impor/", views.home, name="home"),
    re_path(r"^impor/templat\.(?P<fmt>xlsx|csv)$", views.template, name="template"),
    path("impor/<int:pk>/", views.job_detail, name="job"),
    path("impor/<int:pk>/kolom/", views.columns, name="columns"),
    path("impor/<int:pk>/ditolak.csv", views.report, name="report"),
    path("impor/<int:pk>/jeda/", views.pause, name="pause"),
    path("impor/<int:pk>/lanjutkan/", views.resume, name="resume"),
    path("impor/<int:pk>/batalkan/", views.cancel, name="cancel"),
    path("impor/pemetaan/<int:pk>/hapus/", views.mapping_delete, name="mapping_delete"),
]
