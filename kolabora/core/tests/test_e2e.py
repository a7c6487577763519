"""End to end in headless Chromium: a demo user logs in and sees the staff home."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("shared_rows_restored")]


@pytest.fixture
def demo_world(transactional_db: Any) -> Any:
    from kolabora.core.demo import demo_seed

    return demo_seed(participants=60)


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
