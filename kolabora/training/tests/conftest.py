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
