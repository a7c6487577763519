"""Project-wide pytest fixtures."""

from __future__ import annotations

from typing import Any

import pytest

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
