"""What financing does when the participant registry says something changed."""

from __future__ import annotations

from typing import Any

from kolabora.participants.choices import ConsentPurpose


def on_consent_withdrawn(sender: Any, *, participant: Any, purpose: str, actor: Any, **kwargs: Any) -> None:
    if purpose == ConsentPurpose.FINANCIAL_INSTITUTIONS:
        from .services import referrals_stop_for_consent

        referrals_stop_for_consent(participant=participant, actor=actor)
