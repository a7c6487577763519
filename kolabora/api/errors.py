"""One error shape for the whole API: ``{"detail": ..., "errors": [{"field": ..., "message": ...}]}``."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

logger = logging.getLogger("kolabora.api")


class ApiError(Exception):
    """Raise from an endpoint to answer with a given status, message and optional field errors."""

    def __init__(self, status: int, detail: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []


def _field_of(loc: Any) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "payload", "file")]
    return ".".join(parts)


_PYDANTIC_MESSAGES = {
    "missing": gettext_noop("This field is required."),
    "string_too_long": gettext_noop("This value is too long."),
    "string_too_short": gettext_noop("This value is too short."),
    "int_parsing": gettext_noop("Enter a whole number."),
    "date_from_datetime_parsing": gettext_noop("Enter a date as YYYY-MM-DD."),
    "date_parsing": gettext_noop("Enter a date as YYYY-MM-DD."),
    "bool_parsing": gettext_noop("Enter true or false."),
    "json_invalid": gettext_noop("The request body is not valid JSON."),
    "literal_error": gettext_noop("This value is not one of the allowed choices."),
    "enum": gettext_noop("This value is not one of the allowed choices."),
    "value_error": gettext_noop("This value is not valid."),
    "model_attributes_type": gettext_noop("The request body must be a JSON object."),
}


def _message(error: dict[str, Any]) -> str:
    text = _PYDANTIC_MESSAGES.get(str(error.get("type")))
    return _(text) if text else str(error.get("msg", _("This value is not valid.")))


def error_body(detail: str, errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"detail": detail, "errors": errors or []}


def install(api: NinjaAPI) -> None:
    def respond(
        request: HttpRequest, status: int, detail: str, errors: list[dict[str, str]] | None = None
    ) -> HttpResponse:
        return api.create_response(request, error_body(detail, errors), status=status)

    @api.exception_handler(ValidationError)
    def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [{"field": _field_of(e.get("loc", ())), "message": _message(e)} for e in exc.errors]
        return respond(request, 422, _("The request has invalid fields."), errors)

    @api.exception_handler(DjangoValidationError)
    def _django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            errors = [
                {"field": "" if field == "__all__" else field, "message": str(m)}
                for field, msgs in exc.message_dict.items()
                for m in msgs
            ]
        else:
            errors = [{"field": "", "message": str(m)} for m in exc.messages]
        return respond(request, 422, _("The request has invalid fields."), errors)

    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return respond(request, exc.status, exc.detail, exc.errors)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(request, 401, _("Authentication required: log in or send a valid bearer token."))

    @api.exception_handler(PermissionDenied)
    def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(request, 403, _("You do not have permission to do this."))

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, _("Not found."))

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return respond(request, exc.status_code, str(exc))

    @api.exception_handler(Exception)
    def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("Unhandled API error")
        return respond(request, 500, _("An unexpected error occurred. It has been logged."))
