"""How large an import may be. Override any of these in ``settings.KOLABORA_IMPORT`` (upper-case keys)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    # The upload itself (a 1,000,000-row CSV of the template is about 110 MB).
    max_upload_bytes: int = 300 * 1024 * 1024
    # Data rows (not counting the header).
    max_rows: int = 1_000_000
    # Columns of a sheet; the template has 15.
    max_columns: int = 100
    # An xlsx is a zip: what its parts may add up to unpacked, and how much smaller than unpacked any
    # large part may be packed. Real sheets pack 5–30 times; zip bombs thousands of times.
    max_unpacked_bytes: int = 2 * 1024 * 1024 * 1024
    max_ratio: int = 100
    ratio_from_bytes: int = 1024 * 1024
    max_zip_members: int = 2000
    # Parts other than the sheet and its shared strings (styles, workbook) are read whole: keep them small.
    max_small_part_bytes: int = 20 * 1024 * 1024
