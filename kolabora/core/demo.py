"""Demo data: the platform as a Jakarta programme office would see it on its first day.

Each domain app that has demo data exposes ``seed(ctx)`` in its own ``demo`` module; they run in the
order of ``SEEDERS`` and are idempotent (a second run finds what the first made and creates nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

SEEDERS = [
    "kolabora.organisations.demo.seed",
    "kolabora.participants.demo.seed",
    "kolabora.mentoring.demo.seed",
    "kolabora.training.demo.seed",
    "kolabora.licensing.demo.seed",
    "kolabora.marketing.demo.seed",
    "kolabora.bookkeeping.demo.seed",
    "kolabora.financing.demo.seed",
    "kolabora.governance.demo.seed",
    "kolabora.analytics.demo.seed",
    "kolabora.bulkdata.demo.seed",
]


@dataclass(frozen=True, slots=True)
class DemoAccount:
    username: str
    role: str
    organisation: str


@dataclass
class DemoContext:
    password: str
    accounts: list[DemoAccount] = field(default_factory=list)
    options: dict[str, object] = field(default_factory=dict)


def demo_seed(**options: object) -> DemoContext:
    ctx = DemoContext(password=str(settings.KOLABORA["DEMO_PASSWORD"]), options=dict(options))
    for path in SEEDERS:
        with transaction.atomic():
            import_string(path)(ctx)
    return ctx
