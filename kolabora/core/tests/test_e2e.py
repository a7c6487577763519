"""End to end in headless Chromium: a demo user logs in and sees the staff home."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"

pytestmark = [pytest.mark.e2e]


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def browser_page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    path = _chromium()
    if path is None:
        if os.environ.get("KOLABORA_E2E_REQUIRED"):
            pytest.fail("Chromium is required for the end-to-end tests but is not installed.")
        pytest.skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls happen outside it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 360, "height": 800}, locale="id-ID")
        yield context.new_page()
        context.close()
        browser.close()


@pytest.fixture
def demo_world(transactional_db: Any) -> Iterator[Any]:
    from kolabora.core.demo import demo_seed
    from kolabora.regions.services import regions_load

    ctx = demo_seed(participants=60)
    yield ctx
    # The live server's database is flushed after the test; put the shared regions back.
    regions_load(province_codes=["31"])


def test_demo_user_logs_in_and_sees_the_staff_home(
    live_server: Any, demo_world: Any, browser_page: Any
) -> None:
    page = browser_page
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "id"
    page.get_by_role("link", name="Masuk").first.click()
    page.get_by_label("Nama pengguna").fill("kecamatan.cipayung")
    page.get_by_label("Kata sandi").fill(demo_world.password)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(live_server.url + "/")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert "Selamat datang" in heading
    body = page.locator("main").inner_text()
    assert "Sekretariat JakPreneur Kecamatan Cipayung" in body
    assert "Staf sekretariat kecamatan" in body
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "staff-home-360.png"), full_page=True)
    # What they may not open stays closed.
    response = page.goto(live_server.url + "/perjanjian/baru/")
    assert response is not None and response.status == 403
