from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def instruments(db: Any) -> None:
    """The default instruments come from a data migration; a live-server test elsewhere in the suite
    flushes them, so put them back (``load`` only adds what is missing)."""
    from kolabora.governance.instruments import load
    from kolabora.governance.models import Dimension, Framework, Item

    load(Framework, Dimension, Item)
