"""``kolabora apitoken USERNAME``: print a new API token for that user (shown once, stored hashed)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kolabora.accounts.models import User
from kolabora.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print it. The token is shown only this once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for, e.g. the partner system.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        if not user.is_active:
            raise CommandError(f"User {user.username!r} is not active.")
        _token, plain = api_token_create(user=user, name=options["name"])
        self.stdout.write(plain)
