"""``kolabora regions load [--province NN ...] [--all]``"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kolabora.regions.services import regions_load


class Command(BaseCommand):
    help = "Load Kemendagri regions (default: DKI Jakarta) into the region table."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="Load or refresh provinces with all their regions.")
        load.add_argument(
            "--province", action="append", default=[], help="Province code, e.g. 31 (repeatable)."
        )
        load.add_argument("--all", action="store_true", help="Load all 38 provinces.")

    def handle(self, *args: Any, **options: Any) -> None:
        default = [settings.KOLABORA["DEFAULT_PROVINCE"]]
        provinces: list[str] | None = None if options["all"] else (options["province"] or default)
        try:
            result = regions_load(province_codes=provinces)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"regions: created {result.created}, updated {result.updated}")
