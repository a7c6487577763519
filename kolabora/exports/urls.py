"""The export page (namespace ``exports``)."""

from django.urls import path

from . import views

app_name = "exports"

urlpatterns = [
    path("ekspor/peserta/", views.export_page, name="participants"),
]
