from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from kolabora.accounts.models import User
from kolabora.core.testing import World, make_member
from kolabora.organisations.choices import Role
from kolabora.organisations.models import Agreement, Organisation
from kolabora.participants.models import Participant

from .factories import make_bank, make_officer, make_ready


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Iterator[None]:
    """These tests assert on the English source messages, which say precisely which rule refused an
    action; that the same messages reach users in Indonesian is checked by the translation tests."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _products(db: Any) -> None:
    """The default products (a data migration made them; a live-server test elsewhere may have flushed
    them before these tests run)."""
    from kolabora.financing import defaults
    from kolabora.financing.models import FinancingProduct

    defaults.load(FinancingProduct)


@dataclass
class Fin:
    world: World
    bank: Organisation
    agreement: Agreement
    officer: User
    officer2: User
    bank2: Organisation
    officer_b2: User
    participant: Participant
    mentor: User

    @property
    def applicant(self) -> User:
        return self.world.user("participant")


@pytest.fixture
def fin(world: World) -> Fin:
    """The world's participant ready for credit; Bank Uji and Bank Dua under agreements covering P7; a mentor
    of the Cipayung secretariat."""
    bank, agreement = make_bank("Bank Uji", lead=world.dinas)
    bank2, _agreement2 = make_bank("Bank Dua", lead=world.dinas)
    make_ready(world.participant)
    return Fin(
        world=world,
        bank=bank,
        agreement=agreement,
        officer=make_officer("bank.uji", bank),
        officer2=make_officer("bank.uji2", bank),
        bank2=bank2,
        officer_b2=make_officer("bank.dua", bank2),
        participant=world.participant,
        mentor=make_member("pendamping.uji", world.cipayung, Role.MENTOR),
    )
