"""Staff and participant pages for licensing cases (namespace ``licensing``)."""

from django.urls import path

app_name = "licensing"

urlpatterns: list = []
