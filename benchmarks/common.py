"""What the benchmarks share: a dedicated PostgreSQL database, Django set up against it, the staff who
use it, and the figures they print. Not part of the test suite."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/kolabora_bench"
KECAMATAN = "31.75.10"  # Cipayung, Jakarta Timur
KELURAHAN = "31.75.10.1001"
STAFF = "bench.kecamatan"
MANAGER = "bench.pengelola"

if TYPE_CHECKING:
    from kolabora.accounts.models import User


def database_ensure(url: str) -> None:
    """Create the benchmark database if it does not exist (connecting to the server's ``postgres``)."""
    import psycopg

    name = urlparse(url).path.lstrip("/")
    server = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def django_setup(url: str, settings: str = "config.settings.local") -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = settings
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def schema_ready() -> None:
    """Migrate, load DKI Jakarta's regions and the default programme (each only when missing)."""
    from django.core.management import call_command

    from kolabora.pathway.services import programme_default
    from kolabora.regions.models import Region
    from kolabora.regions.services import regions_load

    call_command("migrate", interactive=False, verbosity=0)
    if not Region.objects.filter(code="31").exists():
        regions_load(province_codes=["31"])
    programme_default()


def staff_ready() -> tuple[User, User]:
    """A kecamatan secretariat staff member (Cipayung) and a province-wide programme manager."""
    from kolabora.accounts.models import User
    from kolabora.organisations.choices import OrganisationType, Role
    from kolabora.organisations.models import Membership, Organisation

    dinas, _ = Organisation.objects.get_or_create(
        name="Dinas (benchmark)", region_id="31", defaults={"type": OrganisationType.GOVERNMENT_AGENCY}
    )
    secretariat, _ = Organisation.objects.get_or_create(
        name="Sekretariat Cipayung (benchmark)",
        region_id=KECAMATAN,
        defaults={"type": OrganisationType.KECAMATAN_SECRETARIAT},
    )
    people = []
    for username, org, role in (
        (STAFF, secretariat, Role.KECAMATAN_STAFF),
        (MANAGER, dinas, Role.PROGRAMME_MANAGER),
    ):
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.set_unusable_password()
            user.save()
        Membership.objects.get_or_create(user=user, organisation=org, role=role)
        people.append(user)
    return people[0], people[1]


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0–100), nearest-rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    """Milliseconds for each of ``repeat`` calls (after one warm-up call)."""
    fn()
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def summary(ms: Sequence[float]) -> str:
    return (
        f"median {statistics.median(ms):7.1f} ms   p95 {percentile(ms, 95):7.1f} ms   "
        f"max {max(ms):7.1f} ms   n={len(ms)}"
    )
