"""The served demo, as someone trying it would use it: a spreadsheet uploaded on the import page is
imported by the demo's own background worker while the page shows its progress, the email about it is
kept as a file, and stopping the demo stops the worker too.

``kolabora demo`` runs in a process of its own, on a SQLite file of its own, as the README starts it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .helpers import csv_bytes, nik

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts"
PASSWORD = "kolabora-demo-2026"

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def served_demo(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "KOLABORA_DATA_DIR": str(tmp_path / "data"),
    }
    log = (tmp_path / "demo.log").open("wb")
    demo = subprocess.Popen(  # noqa: S603  (this interpreter, fixed arguments)
        [sys.executable, "-m", "kolabora", "demo", "--participants", "50", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as a terminal gives it: Ctrl+C reaches all of it
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    try:
        while True:
            try:
                with urllib.request.urlopen(url + "/akun/masuk/", timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                pass
            if demo.poll() is not None or time.monotonic() > deadline:
                pytest.fail("The demo did not start:\n" + (tmp_path / "demo.log").read_text()[-3000:])
            time.sleep(0.5)
        yield url, demo
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGINT)  # Ctrl+C
            try:
                demo.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(demo.pid, signal.SIGKILL)
                demo.wait()
        log.close()


def test_an_upload_to_the_demo_is_imported_while_the_page_shows_progress(
    served_demo: tuple[str, subprocess.Popen[bytes]], browser_page: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    url, demo = served_demo
    header = ["NIK KTP", "Nama Lengkap", "No HP", "Kode Kelurahan", "Jalur", "Sektor Usaha"]
    rows = [
        {"NIK KTP": nik(9100), "Nama Lengkap": "Sekar Ayuningtyas", "No HP": "081377710001",
         "Kode Kelurahan": "31.75.10.1001", "Jalur": "pemula", "Sektor Usaha": "kuliner"},
        {"NIK KTP": nik(9101), "Nama Lengkap": "Galih Prasetyo", "No HP": "081377710002",
         "Kode Kelurahan": "31.75.10.1002", "Jalur": "pemula", "Sektor Usaha": "kriya"},
        {"NIK KTP": "31751012", "Nama Lengkap": "Baris Salah", "No HP": "081377710003",
         "Kode Kelurahan": "31.75.10.1003", "Jalur": "pemula", "Sektor Usaha": "kuliner"},
    ]  # fmt: skip
    upload = tmp_path / "peserta-lama.csv"
    upload.write_bytes(csv_bytes(rows, header=header, delimiter=";"))

    page = browser_page
    page.goto(url + "/akun/masuk/")
    page.get_by_label("Nama pengguna").fill("admin")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(url + "/")
    page.goto(url + "/impor/")
    page.set_input_files("input[type=file]", str(upload))
    page.locator("form[enctype] button[type=submit]").click()
    # Not the template's columns: the mapping step, with the columns recognised by their names.
    page.wait_for_url("**/kolom/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pilih kolom")
    page.get_by_role("button", name="Mulai impor").click()
    page.wait_for_url("**/impor/*/")
    # The demo's worker takes the job; the page follows it (htmx) to the end without a reload.
    expect(page.locator("main")).to_contain_text("Selesai", timeout=90_000)
    body = page.locator("main").inner_text()
    assert "100%" in body
    assert "Baru\n2" in body and "Ditolak\n1" in body
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo-import-done-360.png"), full_page=True)

    # The worker's emails are kept as files, not printed over the demo's terminal.
    mail = tmp_path / "data" / "mail"
    deadline = time.monotonic() + 30
    while not any("peserta-lama.csv" in f.read_text(errors="replace") for f in mail.glob("*.log")):
        assert time.monotonic() < deadline, "no email about the import"
        time.sleep(0.5)

    # Ctrl+C stops the web server and its worker alike: nothing of the demo keeps running.
    os.killpg(demo.pid, signal.SIGINT)
    demo.wait(timeout=60)
    deadline = time.monotonic() + 30
    while _group_alive(demo.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _group_alive(demo.pid)
