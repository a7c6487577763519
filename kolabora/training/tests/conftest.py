from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Wrong-code counters live in the cache, keyed by participant id and day; ids repeat between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Any:
    """These tests assert on the English source messages, which say precisely which rule refused an
    action; that the same messages reach users in Indonesian is checked by the translation tests."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
