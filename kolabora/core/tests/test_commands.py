from __future__ import annotations

import io
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from kolabora.accounts.models import User
from kolabora.organisations.choices import AgreementStatus
from kolabora.organisations.models import Agreement, Organisation

ROOT = Path(__file__).resolve().parents[3]

DEMO_USERS = {
    "admin",
    "pengelola",
    "kecamatan.cipayung",
    "pendamping.cipayung",
    "ptsp.ulujami",
    "lurah.ulujami",
    "bank.dki",
    "mitra.pelatihan",
}


@pytest.mark.django_db
def test_demo_prepares_accounts_and_is_idempotent() -> None:
    out = io.StringIO()
    call_command("demo", "--no-serve", "--participants", "50", stdout=out)
    text = out.getvalue()
    assert "kolabora-demo-2026" in text
    for username in DEMO_USERS:
        assert username in text
        assert User.objects.filter(username=username).exists()
    # All 44 kecamatan have a secretariat; the expired demo agreement has been swept.
    assert Organisation.objects.filter(type="kecamatan_secretariat").count() == 44
    assert Agreement.objects.filter(status=AgreementStatus.EXPIRED).count() == 1
    counts = (User.objects.count(), Organisation.objects.count(), Agreement.objects.count())
    call_command("demo", "--no-serve", "--participants", "50", stdout=io.StringIO())
    assert (User.objects.count(), Organisation.objects.count(), Agreement.objects.count()) == counts


@pytest.mark.django_db
def test_demo_accounts_share_the_documented_password() -> None:
    call_command("demo", "--no-serve", "--participants", "50", stdout=io.StringIO())
    assert User.objects.get(username="pengelola").check_password("kolabora-demo-2026")
    assert (ROOT / "README.md").read_text().count("kolabora-demo-2026") >= 1


@pytest.mark.django_db
def test_sweep_expires_agreements() -> None:
    call_command("demo", "--no-serve", "--participants", "50", stdout=io.StringIO())
    active = Agreement.objects.filter(status=AgreementStatus.ACTIVE)
    ended = active.count()
    assert ended >= 3
    active.update(ends_on="2020-12-31", starts_on="2020-01-01")
    out = io.StringIO()
    call_command("sweep", stdout=out)
    assert f"agreements expired: {ended}" in out.getvalue()
    assert not Agreement.objects.filter(status=AgreementStatus.ACTIVE).exists()


def test_production_settings_pass_the_deploy_check(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "kolabora.example.id",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "kolabora", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_a_missing_secret_key(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "kolabora", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr
