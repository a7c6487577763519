"""What an uploaded file really is, read from its first bytes (never from its name or the browser's word)."""

from __future__ import annotations

SIGNATURES = ((b"%PDF-", "pdf"), (b"\xff\xd8\xff", "jpg"), (b"\x89PNG\r\n\x1a\n", "png"))


def file_kind(head: bytes) -> str:
    """``pdf``, ``jpg`` or ``png`` from the first bytes of a file, or ``""`` for anything else."""
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return kind
    return ""
