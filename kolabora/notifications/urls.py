"""The user's own notifications (namespace ``notifications``)."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("notifikasi/", views.notification_list, name="list"),
]
