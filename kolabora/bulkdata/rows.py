"""One row of an import file → a participant to upsert, or the reasons it is rejected.

Every row is checked as a registration is (``participants.bulk.row_check``, which falls back on
``registration_validate`` and so gives a registration form's own messages), after its cells are read as
their fields (``fields``). A rejection names the row as a spreadsheet numbers it, the column as the file
names it, the cell's value and the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from kolabora.participants.bulk import ParticipantImport, quick_check, row_check
from kolabora.participants.choices import ConsentPurpose, EntryTrack
from kolabora.participants.services import BusinessInput, RegistrationInput
from kolabora.participants.validation import nik_plain
from kolabora.pathway.bulk import StageTarget
from kolabora.regions.models import Region

from . import fields
from .fields import FIELD_BY_NAME, STAGES, CellError
from .sources import Row

VALUE_MAX = 200

# Which column a registration error belongs to (``registration_validate``'s keys → import fields).
ERROR_FIELD = {
    "nik": "nik",
    "full_name": "full_name",
    "phone": "phone",
    "email": "email",
    "kelurahan_code": "kelurahan_code",
    "entry_track": "entry_track",
    "domicile_basis": "nik",
    "domicile_since": "nik",
    "business.name": "business_name",
    "business.sector": "sector",
    "business.nib": "sector",
    "business.started_on": "sector",
    "business.workers": "sector",
    "business.monthly_turnover": "sector",
    "business.assets": "sector",
}


def _blank(value: Any) -> bool:
    return value is None or value == "" or (type(value) is str and not value.strip())


@dataclass(frozen=True, slots=True)
class Rejection:
    row: int
    column: str
    value: str
    message: str


class Deferred:
    """A row that ``RowReader.read(row, quick=True)`` leaves to ``read(row)``."""

    __slots__ = ()


DEFERRED = Deferred()


@dataclass(frozen=True, slots=True)
class Accepted:
    row: int
    source: Row
    nik: str
    item: ParticipantImport
    facts: dict[str, Any]


class RowReader:
    """Reads rows of one file with one mapping (field → column index) for one importer.

    ``may_import(kelurahan_code)`` says whether the importer may bring people of that kelurahan in;
    ``area`` names the importer's area for the message when not.
    """

    def __init__(
        self,
        *,
        mapping: Mapping[str, int],
        header: list[str],
        kelurahan: Mapping[str, Region],
        may_import: Callable[[str], bool],
        area: str,
        source: str,
        date1904: bool = False,
        today: dt.date | None = None,
    ) -> None:
        self.mapping = dict(mapping)
        self.header = header
        self.kelurahan = kelurahan
        self.may_import = may_import
        self.area = area
        self.source = source
        self.date1904 = date1904
        self.today = today or timezone.localdate()
        self.indexes = sorted(set(self.mapping.values()))
        # Rows are padded to ``width`` cells plus one empty cell, where every field without a column
        # points: each field is then one list index away.
        self.width = max(self.indexes, default=-1) + 1
        self.at = {f.name: self.mapping.get(f.name, self.width) for f in fields.FIELDS}
        self.stage_at = [(code, self.at[code]) for code in STAGES]
        self._regions: dict[str, bool] = {}
        # Registration dates repeat across a file: read each text once, make each moment once.
        self._dates: dict[Any, dt.date | None] = {}
        self._moments: dict[dt.date, dt.datetime] = {}
        # Translated once: every row uses them.
        self.reason = _("Imported from %(file)s, row %(row)s")
        self.business_name = _("Business of %(name)s")

    def column(self, name: str) -> str:
        """The column as the file names it (the field's name when it has no column)."""
        i = self.mapping.get(name)
        if i is not None and i < len(self.header) and self.header[i]:
            return self.header[i]
        f = FIELD_BY_NAME.get(name)
        return str(f.label) if f is not None and name not in self.mapping else name

    def cell(self, cells: list[Any], name: str) -> Any:
        i = self.mapping.get(name)
        if i is None or i >= len(cells):
            return ""
        value = cells[i]
        return "" if value is None else value

    def _reject(self, row: Row, name: str, message: str, out: list[Rejection]) -> None:
        value = fields.text(self.cell(row.cells, name))
        out.append(Rejection(row.number, self.column(name), value[:VALUE_MAX], message))

    def _allowed(self, code: str) -> bool:
        found = self._regions.get(code)
        if found is None:
            found = self._regions[code] = self.may_import(code)
        return found

    def preload(self) -> None:
        """Decide now, for every kelurahan of the programme, whether the importer may bring people of
        it in, so that ``read(row, quick=True)`` needs no database (it then runs in a reading thread)."""
        for code in self.kelurahan:
            self._allowed(code)

    def read(self, row: Row, *, quick: bool = False) -> Accepted | list[Rejection] | Deferred | None:
        """The participant in ``row``; its rejections; or None for an empty row (skipped).

        ``quick``: without touching the database: a row that fails the checks that need none, or whose
        kelurahan was not ``preload``-ed, comes back as ``DEFERRED``, for ``read(row)`` to give its
        rejections in a registration form's words."""
        cells = row.cells
        if all(_blank(cells[i]) for i in self.indexes if i < len(cells)):
            return None
        missing = self.width + 1 - len(cells)
        if missing > 0:
            cells = [*cells, *([""] * missing)]
        at = self.at
        problems: list[Rejection] = []
        raw_nik = fields.digits(cells[at["nik"]])
        nik = nik_plain(raw_nik)
        registered: dt.date | None = None
        raw_date = cells[at["registered_on"]]
        try:
            registered = self._dates[raw_date]
        except (KeyError, TypeError):
            try:
                registered = fields.date(raw_date, date1904=self.date1904)
                if type(raw_date) is str and len(self._dates) < 20_000:
                    self._dates[raw_date] = registered
            except CellError as exc:
                self._reject(row, "registered_on", str(exc.args[0]), problems)
        if registered is not None and registered > self.today:
            self._reject(row, "registered_on", _("The registration date cannot be in the future."), problems)
            registered = None
        reason = self.reason % {"file": self.source, "row": row.number}
        targets: dict[str, StageTarget] = {}
        level: int | None = None
        try:
            level = fields.level(cells[at["P2_level"]])
        except CellError as exc:
            self._reject(row, "P2_level", str(exc.args[0]), problems)
        for code, i in self.stage_at:
            try:
                status = fields.stage_status(cells[i])
            except CellError as exc:
                self._reject(row, code, str(exc.args[0]), problems)
                continue
            if status is not None:
                targets[code] = StageTarget(status, level if code == "P2" else None, None, None, reason)
        if level is not None and "P2" not in targets:
            self._reject(row, "P2_level", _("A P2 level needs the P2 status in the same row."), problems)
        track = fields.entry_track(cells[at["entry_track"]])
        sector = cells[at["sector"]]
        full_name = fields.text(cells[at["full_name"]])
        business = None
        if fields.text(sector):
            name = fields.text(cells[at["business_name"]]) or self.business_name % {"name": full_name}
            business = BusinessInput(name=name[:150], sector=fields.sector(sector))
        data = RegistrationInput(
            nik=raw_nik,
            full_name=full_name,
            phone=fields.phone(cells[at["phone"]]),
            kelurahan_code=fields.text(cells[at["kelurahan_code"]]),
            entry_track=track,
            email=fields.text(cells[at["email"]]),
            address=fields.text(cells[at["address"]]),
            business=business,
            consents=[ConsentPurpose.PROGRAMME],
        )
        if quick and data.kelurahan_code in self.kelurahan and data.kelurahan_code not in self._regions:
            return DEFERRED
        if data.kelurahan_code in self.kelurahan and not self._allowed(data.kelurahan_code):
            self._reject(
                row,
                "kelurahan_code",
                _(
                    "Kelurahan %(name)s (%(code)s) is outside your area (%(area)s); you import participants of your area only."
                )
                % {
                    "name": self.kelurahan[data.kelurahan_code].name,
                    "code": data.kelurahan_code,
                    "area": self.area,
                },
                problems,
            )
        facts: dict[str, Any] | None = None
        if quick:
            facts = quick_check(data, self.kelurahan, registered or self.today)
            if facts is None:
                return DEFERRED
        else:
            try:
                facts = row_check(data, kelurahan=self.kelurahan, day=registered or self.today)
            except ValidationError as exc:
                for key, messages in exc.message_dict.items():
                    name = ERROR_FIELD.get(key, key)
                    if name == "business_name" and "business_name" not in self.mapping:
                        name = "sector"
                    if key == "business.name" and track == EntryTrack.NAIK_KELAS and business is None:
                        name = "sector"
                    self._reject(row, name, messages[0], problems)
        if problems or facts is None:
            return problems
        moment = None
        if registered is not None:
            moment = self._moments.get(registered)
            if moment is None:
                moment = self._moments[registered] = timezone.make_aware(
                    dt.datetime.combine(registered, dt.time(0, 0))
                )
        return Accepted(
            row=row.number,
            source=row,
            nik=nik,
            item=ParticipantImport(data=data, registered_at=moment, stages=targets),
            facts=facts,
        )

    def nik_of(self, row: Row) -> str:
        """The row's NIK as compared for duplicates (digits only)."""
        return nik_plain(fields.digits(self.cell(row.cells, "nik")))
