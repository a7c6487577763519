"""What the participant registry tells other parts of the platform, without importing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the withdrawal's transaction, after the consent is closed, with ``participant``,
# ``purpose`` (a ``ConsentPurpose`` value) and ``actor``. A receiver stops whatever still shares the
# participant's data for that purpose; if it raises, the withdrawal does not happen.
consent_withdrawn = Signal()
