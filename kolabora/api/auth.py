"""API authentication: the browser's session (with CSRF) or ``Authorization: Bearer <token>``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from kolabora.accounts.services import api_token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(plain=token)
        if user is not None:
            # The access gate and audit read request.user, as for a browser session.
            request.user = user
        return user


AUTH = [BearerToken(), django_auth]
