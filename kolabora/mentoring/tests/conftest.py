from __future__ import annotations

from dataclasses import dataclass

import pytest

from kolabora.accounts.models import User
from kolabora.core.testing import World

from .factories import mentor_of


@dataclass
class Mentoring:
    world: World
    mentor: User  # pendamping of the Cipayung secretariat
    mentor2: User  # a second one, created after (higher id)


@pytest.fixture
def m(world: World) -> Mentoring:
    first = mentor_of(world.cipayung, "pendamping.uji")
    second = mentor_of(world.cipayung, "pendamping.dua")
    world.users["mentor"] = first
    return Mentoring(world, first, second)
