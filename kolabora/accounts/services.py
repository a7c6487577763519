"""Account writes: API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction

from .models import ApiToken, User

TOKEN_PREFIX = "kol_"  # noqa: S105  (a public marker, not a secret)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(*, user: User, actor: User | None = None, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for ``user`` and return it with the plain token, which is never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=plain[:8], token_hash=hash_token(plain))
        audit_record(
            actor=actor or user,
            action=AuditAction.API_TOKEN_CREATED,
            obj=token,
            after={"user": user.pk, "name": name, "prefix": token.prefix},
        )
    return token, plain


def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at", "updated_at"])
            audit_record(actor=actor, action=AuditAction.API_TOKEN_REVOKED, obj=token)
    return token


def api_token_authenticate(*, plain: str) -> User | None:
    """The active user behind a bearer token, or None."""
    if not plain.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(plain), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Write the last-use time at most once a minute so a busy integration does not write on every call.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def user_invite(*, username: str, email: str, full_name: str, actor: User, request_domain: str) -> User:
    """Create an account with no usable password and email the person a link to set one."""
    from django.contrib.auth.forms import PasswordResetForm

    first, _sep, last = full_name.strip().partition(" ")
    with transaction.atomic():
        user = User.objects.create_user(username=username, email=email, first_name=first, last_name=last)
        user.set_unusable_password()
        user.save(update_fields=["password"])
    form = PasswordResetForm(data={"email": email})
    if form.is_valid():
        # Accounts without a usable password are skipped by the reset form, so send explicitly.
        transaction.on_commit(
            lambda: form.send_mail(
                "registration/password_set_subject.txt",
                "registration/password_set_email.txt",
                form_context(user, request_domain),
                None,
                email,
            )
        )
    return user


def form_context(user: User, domain: str) -> dict[str, object]:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    return {
        "email": user.email,
        "domain": domain,
        "site_name": "Kolabora",
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if not domain.startswith(("127.", "localhost", "testserver")) else "http",
    }
