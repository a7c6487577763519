from django.contrib import admin
from django.urls import include, path

from kolabora.api.api import api

urlpatterns = [
    path("", include("kolabora.core.urls")),
    path("akun/", include("kolabora.accounts.urls")),
    path("", include("kolabora.organisations.urls")),
    path("", include("kolabora.participants.urls")),
    path("", include("kolabora.participants.urls_self")),
    path("", include("kolabora.licensing.urls")),
    path("", include("kolabora.licensing.urls_public")),
    path("", include("kolabora.notifications.urls")),
    path("", include("kolabora.training.urls")),
    path("", include("kolabora.mentoring.urls")),
    path("", include("kolabora.marketing.urls")),
    path("", include("kolabora.marketing.urls_public")),
    path("", include("kolabora.bookkeeping.urls")),
    path("", include("kolabora.financing.urls")),
    path("", include("kolabora.governance.urls")),
    path("", include("kolabora.analytics.urls")),
    path("", include("kolabora.analytics.urls_public")),
    path("", include("kolabora.exports.urls")),
    path("", include("kolabora.bulkdata.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler403 = "kolabora.core.errors.permission_denied"
handler404 = "kolabora.core.errors.page_not_found"
handler500 = "kolabora.core.errors.server_error"
