"""Participants log in with their phone number or email as well as a username."""

from __future__ import annotations

from typing import Any

import lokal
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from .models import User


class PhoneOrEmailBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or not password:
            return None
        user: User | None = None
        if "@" in username:
            matches = list(User.objects.filter(email__iexact=username.strip())[:2])
            user = matches[0] if len(matches) == 1 else None
        else:
            phone = lokal.parse_phone(username)
            if phone.valid and phone.e164:
                user = User.objects.filter(username=phone.e164).first()
        if user is not None and user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
