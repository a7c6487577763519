"""Marketing pages: a participant's products and places, curation, opportunities, the public catalogue."""

from .curation import curation_queue, curation_review
from .opportunities import (
    application_withdraw,
    attendance_record,
    opportunity_allocate,
    opportunity_apply,
    opportunity_cancel,
    opportunity_create,
    opportunity_detail,
    opportunity_edit,
    opportunity_list,
)
from .products import (
    curation_request,
    mine,
    participant_home,
    photo_delete,
    photo_upload,
    product_create,
    product_detail,
    product_edit,
    product_publish,
    product_unpublish,
)

__all__ = [
    "application_withdraw",
    "attendance_record",
    "curation_queue",
    "curation_request",
    "curation_review",
    "mine",
    "opportunity_allocate",
    "opportunity_apply",
    "opportunity_cancel",
    "opportunity_create",
    "opportunity_detail",
    "opportunity_edit",
    "opportunity_list",
    "participant_home",
    "photo_delete",
    "photo_upload",
    "product_create",
    "product_detail",
    "product_edit",
    "product_publish",
    "product_unpublish",
]
