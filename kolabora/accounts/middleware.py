"""Session limits: 30 minutes idle (SESSION_COOKIE_AGE, refreshed per request) and 12 hours absolute."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

SESSION_LOGIN_AT = "kolabora_login_at"


class SessionLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            login_at = request.session.get(SESSION_LOGIN_AT)
            now = int(timezone.now().timestamp())
            if login_at is None:
                request.session[SESSION_LOGIN_AT] = now
            elif now - int(login_at) > settings.SESSION_ABSOLUTE_LIMIT_SECONDS:
                logout(request)
                messages.info(request, _("Your session has ended after 12 hours. Please log in again."))
        return self.get_response(request)
