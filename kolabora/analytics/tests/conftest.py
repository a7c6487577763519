from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Any:
    """These tests assert on the English source messages, which say precisely what a figure counts or
    which parameter is wrong; that the same messages reach users in Indonesian is checked by the
    translation tests. The permission matrix (run from core) sees the pages in Indonesian."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_definitions() -> Any:
    """Stage definitions are cached per process; a test's programme is new."""
    from kolabora.analytics import counters

    counters.definitions_forget()
    yield
    counters.definitions_forget()
