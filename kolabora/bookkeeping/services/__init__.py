"""Writes of the bookkeeping domain (HackSoft-style services): entries, declarations, imports, reminders."""

from .declarations import balance_declare
from .entries import (
    EntryInput,
    cashbook_lock,
    cashbook_refresh,
    entry_record,
    entry_validate,
    entry_void,
    p6_progress,
    rules_for,
    rules_for_programme,
)
from .imports import (
    ImportPreview,
    import_categories_set,
    import_map,
    import_preview,
    import_run,
    import_upload,
    mapping_validate,
)
from .receipts import receipt_prepare
from .reminders import cashbook_reminders_send, import_files_purge, p6_catch_up

__all__ = [
    "EntryInput",
    "ImportPreview",
    "balance_declare",
    "cashbook_lock",
    "cashbook_refresh",
    "cashbook_reminders_send",
    "entry_record",
    "entry_validate",
    "entry_void",
    "import_categories_set",
    "import_files_purge",
    "import_map",
    "import_preview",
    "import_run",
    "import_upload",
    "mapping_validate",
    "p6_catch_up",
    "p6_progress",
    "receipt_prepare",
    "rules_for",
    "rules_for_programme",
]
