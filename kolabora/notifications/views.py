"""The notifications page: every logged-in person sees their own, and marks them read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kolabora.core.htmx import AuthedHttpRequest, is_htmx

from . import selectors, services

PAGE_SIZE = 25


@login_required
@require_http_methods(["GET", "POST"])
def notification_list(request: AuthedHttpRequest) -> HttpResponseBase:
    """GET lists the user's notifications newest first; POST marks them all read.

    No access check beyond the login: the selector only ever returns the user's own rows.
    """
    if request.method == "POST":
        changed = services.notifications_mark_read(user=request.user)
        if not is_htmx(request):
            if changed:
                messages.success(request, _("All notifications are marked as read."))
            return redirect("notifications:list")
    page = Paginator(selectors.notification_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    template = "notifications/notification_list.html"
    if is_htmx(request):
        template += "#results"
    return TemplateResponse(
        request,
        template,
        {"page": page, "unread": selectors.notifications_unread_count(user=request.user)},
    )
