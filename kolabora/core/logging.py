"""Log filters: every line carries the request id, and no NIK, password or token ever reaches a log."""

from __future__ import annotations

import logging
import re

from . import context

# A 16-digit run is a NIK (or a card number): never log it. Bearer tokens and password/token fields in
# query strings or form bodies are cut as well.
_PATTERNS = [
    (re.compile(r"(?<!\d)\d{16}(?!\d)"), "[NIK]"),
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1[TOKEN]"),
    (
        re.compile(
            r"(?i)((?:password|passwd|pwd|token|secret|api_key|new_password\d?|old_password)[\"']?\s*[=:]\s*[\"']?)[^\s&\"',}]+"
        ),
        r"\1[REDACTED]",
    ),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        return True


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = context.current().request_id or "-"
        return True
