"""Screenshots of the main pages at phone (360 px) and desktop (1280 px) width, for looking at them.

Run against a served demo:  uv run kolabora demo &  then  uv run python scripts/screenshots.py
Pictures go to test-artifacts/screens/.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "kolabora-demo-2026"  # noqa: S105  (the documented demo password)

# (name, user or None for anonymous, path)
PAGES = [
    ("home-public", None, "/"),
    ("login", None, "/akun/masuk/"),
    ("home-staff", "kecamatan.cipayung", "/"),
    ("home-manager", "pengelola", "/"),
    ("organisations", "pengelola", "/organisasi/"),
    ("organisation-detail", "pengelola", "/organisasi/1/"),
    ("organisation-new", "pengelola", "/organisasi/baru/"),
    ("agreements", "pengelola", "/perjanjian/"),
    ("agreement-detail", "pengelola", "/perjanjian/1/"),
    ("agreement-new", "pengelola", "/perjanjian/baru/"),
    ("forbidden", "bank.dki", "/perjanjian/baru/"),
    ("register-step1", None, "/daftar/"),
    ("my-progress", "peserta.demo", "/saya/"),
    ("my-training", "peserta.demo", "/pelatihan/saya/"),
    ("my-licences", "peserta.demo", "/perizinan/"),
    ("participants", "kecamatan.cipayung", "/peserta/"),
    ("at-risk", "kecamatan.cipayung", "/peserta/berisiko/"),
    ("mentor-home", "pendamping.cipayung", "/pendampingan/"),
    ("licensing-inbox", "ptsp.ulujami", "/perizinan/kotak-masuk/"),
    ("lurah-inbox", "lurah.ulujami", "/perizinan/kotak-masuk/"),
    ("training-courses", "mitra.pelatihan", "/pelatihan/"),
    ("home-ptsp", "ptsp.ulujami", "/"),
    ("notifications", "ptsp.ulujami", "/notifikasi/"),
    ("api-docs", None, "/api/v1/docs"),
    ("catalogue", None, "/katalog/"),
    ("public-progress", None, "/capaian/"),
    ("my-products", "peserta.demo", "/pemasaran/"),
    ("my-cashbook", "peserta.demo", "/pembukuan/"),
    ("my-capital", "peserta.demo", "/permodalan/"),
    ("curation", "kecamatan.cipayung", "/pemasaran/kurasi/"),
    ("opportunities", "pengelola", "/pemasaran/peluang/"),
    ("bookkeeping-consistency", "pendamping.cipayung", "/pembukuan/konsistensi/"),
    ("bank-inbox", "bank.dki", "/permodalan/kotak-masuk/"),
    ("funnel", "pengelola", "/analitik/"),
    ("governance", "pengelola", "/tata-kelola/"),
    ("network", "pengelola", "/tata-kelola/jaringan/"),
    ("feedback", "pengelola", "/tata-kelola/umpan-balik/"),
    ("imports", "kecamatan.cipayung", "/impor/"),
    ("exports", "kecamatan.cipayung", "/ekspor/peserta/"),
]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="test-artifacts/screens")
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    chromium = shutil.which("chromium")
    if chromium is None:
        print("chromium is not installed", file=sys.stderr)
        return 1
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
        for width in (360, 1280):
            sessions: dict[str | None, object] = {}
            for name, user, path in PAGES:
                if args.only and name not in args.only:
                    continue
                if user not in sessions:
                    ctx = browser.new_context(viewport={"width": width, "height": 800})
                    if user:
                        page = ctx.new_page()
                        page.goto(args.base + "/akun/masuk/")
                        page.fill("#id_username", user)
                        page.fill("#id_password", PASSWORD)
                        with page.expect_navigation():
                            page.click("main button[type=submit]")
                        page.close()
                    sessions[user] = ctx
                page = sessions[user].new_page()  # type: ignore[attr-defined]
                page.goto(args.base + path)
                target = out / f"{name}-{width}.png"
                page.screenshot(path=str(target), full_page=True)
                page.close()
                print(target, flush=True)
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
