"""The JSON API at /api/v1/, with its OpenAPI document at /api/v1/openapi.json."""

from __future__ import annotations

from ninja import NinjaAPI

from kolabora.analytics.api import router as analytics_router
from kolabora.bookkeeping.api import router as bookkeeping_router
from kolabora.bulkdata.api import router as bulkdata_router
from kolabora.exports.api import router as exports_router
from kolabora.financing.api import router as financing_router
from kolabora.governance.api import router as governance_router
from kolabora.licensing.api import router as licensing_router
from kolabora.marketing.api import router as marketing_router
from kolabora.mentoring.api import router as mentoring_router
from kolabora.organisations.api import router as organisations_router
from kolabora.participants.api import router as participants_router
from kolabora.regions.api import router as regions_router
from kolabora.training.api import router as training_router

from . import errors
from .auth import AUTH
from .me import router as me_router

api = NinjaAPI(
    title="Kolabora API",
    version="1",
    description=(
        "Programme data for partner systems. Authenticate with `Authorization: Bearer <token>` "
        "(`kolabora apitoken USERNAME`) or a browser session. Errors are "
        '`{"detail": ..., "errors": [{"field": ..., "message": ...}]}`.'
    ),
    auth=AUTH,
    urls_namespace="api",
    docs_url="/docs",
)
errors.install(api)
api.add_router("/", me_router)
api.add_router("/regions", regions_router)
api.add_router("/", organisations_router)
api.add_router("/", participants_router)
api.add_router("/", licensing_router)
api.add_router("/", training_router)
api.add_router("/", mentoring_router)
api.add_router("/", marketing_router)
api.add_router("/", bookkeeping_router)
api.add_router("/", exports_router)
api.add_router("/", financing_router)
api.add_router("/", governance_router)
api.add_router("/", analytics_router)
api.add_router("/", bulkdata_router)
