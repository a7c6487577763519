"""The public accountability pages (namespace ``analytics_public``): no login, no personal data."""

from django.urls import path

from . import views_public

app_name = "analytics_public"

urlpatterns = [
    path("capaian/", views_public.progress, name="progress"),
    path("capaian/<str:code>/", views_public.progress, name="region"),
    path("capaian/<str:code>/<slug:table>.csv", views_public.progress_csv, name="csv"),
]
