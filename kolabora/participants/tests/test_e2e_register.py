"""End to end in headless Chromium at 360 px: a resident registers in five screens and lands on their
progress page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kolabora.participants.models import Participant

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("shared_rows_restored")]


def test_a_resident_registers_on_a_phone(live_server: Any, transactional_db: None, browser_page: Any) -> None:
    page = browser_page
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Daftar").first.click()
    page.fill("[name=nik]", "3175104512900012")
    page.fill("[name=full_name]", "Siti Aminah")
    page.click("button[name=next]")
    page.fill("[name=phone]", "0812-3456-7890")
    page.click("button[name=next]")
    page.select_option("[name=kelurahan_code]", "31.75.10.1001")
    page.fill("[name=address]", "Jl. Raya Lubang Buaya 12")
    page.click("button[name=next]")
    page.check("[name=entry_track][value=pemula]")
    page.fill("[name=business_name]", "Kue Siti")
    page.select_option("[name=sector]", "kuliner")
    page.click("button[name=next]")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "register-step5-360.png"), full_page=True)
    page.check("[name=consents][value=programme]")
    page.fill("[name=password]", "kue-siti-enak-2026")
    page.fill("[name=password_confirm]", "kue-siti-enak-2026")
    page.click("button[name=next]")
    page.wait_for_url(live_server.url + "/saya/")
    body = page.locator("main").inner_text()
    assert "P1" in body and "Selesai" in body  # registration completed with a DKI KTP
    assert "Pelatihan" in body
    page.screenshot(path=str(ARTIFACTS / "my-progress-360.png"), full_page=True)
    p = Participant.objects.get(nik="3175104512900012")
    assert p.user is not None and p.channel == "online"
