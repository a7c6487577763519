"""Daily catch-up: P5 for participants who published or took part before their licensing (P4) was done."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from kolabora.participants.models import Participant
from kolabora.pathway.choices import StageStatus
from kolabora.pathway.models import ParticipantStage

from ..choices import ApplicationStatus, ProductStatus
from ..models import OpportunityApplication, Product
from ._common import p5_complete


def p5_catch_up() -> int:
    """Complete P5 for those with a published product or a place taken whose P5 is not complete yet, now
    that the rules may allow it (P4 done since). Returns how many were completed."""
    published = Product.objects.filter(participant=OuterRef("pk"), status=ProductStatus.PUBLISHED)
    attended = OpportunityApplication.objects.filter(
        participant=OuterRef("pk"), status=ApplicationStatus.ATTENDED
    )
    p4_done = ParticipantStage.objects.filter(
        participant=OuterRef("pk"), code="P4", status=StageStatus.COMPLETED
    )
    p5_open = ParticipantStage.objects.filter(participant=OuterRef("pk"), code="P5").exclude(
        status=StageStatus.COMPLETED
    )
    due = Participant.objects.filter(
        Q(Exists(published)) | Q(Exists(attended)), Exists(p4_done), Exists(p5_open)
    )
    done = 0
    for participant in due.order_by("pk"):
        if (
            p5_complete(
                participant=participant,
                reason=_("A product was published or a place taken before licensing (P4) was complete"),
            )
            is None
        ):
            done += 1
    return done
