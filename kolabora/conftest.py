"""Project-wide pytest fixtures."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections

from kolabora.core.testing import World, build_world


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """Load DKI Jakarta's regions once; every test sees them and rolls back its own rows."""
    from kolabora.regions.services import regions_load

    with django_db_blocker.unblock():
        regions_load(province_codes=["31"])


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


@pytest.fixture(autouse=True)
def _english_free(settings: Any) -> None:
    # Tests read Indonesian pages, as users do by default.
    settings.LANGUAGE_CODE = "id"


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser_page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A 360-px-wide page in headless Chromium (Debian's), driven by Playwright."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
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
        # The test's own queries ran here, while Playwright's sync API is active, on a connection of their
        # own (Django keeps one per context, and the API switches contexts). Left open, it stops
        # PostgreSQL from dropping the test database at the end of the run. A connection inside a test's
        # transaction is the test's to end.
        for conn in connections.all(initialized_only=True):
            if not conn.in_atomic_block:
                conn.close()


@pytest.fixture(scope="module")
def shared_rows_restored(django_db_blocker: Any) -> Iterator[None]:
    """For modules of transactional tests (live server): the flush after each such test also empties the
    rows every other test relies on (regions, and what the data migrations load: licence types, product
    categories and curation criteria, cash-book categories, financing products, assessment instruments).
    Module teardown runs after that flush, so this puts them back for the modules that follow."""
    yield
    from kolabora.bookkeeping.defaults import ensure as ensure_cashbook_categories
    from kolabora.financing.defaults import load as load_financing_products
    from kolabora.financing.models import FinancingProduct
    from kolabora.governance import instruments
    from kolabora.governance.models import Dimension, Framework, Item
    from kolabora.licensing.defaults import load as load_licence_types
    from kolabora.licensing.models import LicenceType, RequirementDefinition, StepDefinition
    from kolabora.marketing.defaults import load as load_marketing
    from kolabora.marketing.models import CurationCriterion, ProductCategory
    from kolabora.regions.services import regions_load

    with django_db_blocker.unblock():
        regions_load(province_codes=["31"])
        load_licence_types(LicenceType, RequirementDefinition, StepDefinition)
        load_marketing(ProductCategory, LicenceType, CurationCriterion)
        ensure_cashbook_categories()
        load_financing_products(FinancingProduct)
        instruments.load(Framework, Dimension, Item)
