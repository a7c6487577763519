"""The tables of the stages that exist today: participants with their P1–P7 statuses, training enrolments and
attendance (P2), mentoring sessions (P3), licence applications and licences (P4).

They live here rather than in their domains' apps only because they were written together with the export;
each is one ``register`` call and could move to ``kolabora/<app>/export_tables.py`` unchanged (see registry.py).
Column names of the participants table follow the import template (``nik``, ``full_name``, ``phone``,
``kelurahan_code``, ``entry_track``, ``sector``, ``registered_on``, ``P1`` … ``P7``, ``P2_level``) so an
export with full NIKs maps onto an import one to one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import Case, F, Max, TextField, When
from django.db.models.functions import Cast, TruncDate
from django.utils.translation import gettext_lazy as _

from kolabora.licensing.models import Licence, LicenceApplication
from kolabora.mentoring.models import MentoringSession
from kolabora.organisations.choices import DataCategory
from kolabora.participants.models import Business, Participant
from kolabora.pathway.models import ParticipantStage
from kolabora.regions.models import Region
from kolabora.training.models import Enrolment

from .registry import Column, ExportTable, among, label, register

STAGES = ("P1", "P2", "P3", "P4", "P5", "P6", "P7")

_PARTICIPANT_FIELDS = (
    "id",
    "full_name",
    "sex",
    "birth_date",
    "phone",
    "email",
    "address",
    "kelurahan_id",
    "kecamatan_code",
    "kota_code",
    "entry_track",
    "domicile_basis",
    "channel",
    "registered_on",
    "last_active_on",
    "flags",
)


def _stage_columns() -> list[Column]:
    columns: list[Column] = []
    for code in STAGES:
        columns.append(Column(code, label(_("%(stage)s status"), stage=code)))
        if code == "P2":
            columns.append(Column("P2_level", _("P2 training level reached (1–3)"), "int"))
        columns.append(Column(f"{code}_since", label(_("%(stage)s status since"), stage=code), "date"))
    return columns


def _region_names(codes: set[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def _stage_pivot() -> dict[str, Any]:
    """Per participant, each stage's status (and P2's level) and the Jakarta date since when: one row of
    fifteen values from the database instead of seven rows of stage records, and dates instead of
    timestamps (a timestamp costs several microseconds to read, at 8 million a million participants)."""
    values: dict[str, Any] = {}
    for code in STAGES:
        values[f"s_{code}"] = Max(Case(When(code=code, then=F("status"))))
        if code == "P2":
            values["l_P2"] = Max(Case(When(code=code, then=F("level"))))
        values[f"d_{code}"] = Max(Case(When(code=code, then=TruncDate("since"))))
    return values


_NO_STAGES = ("", None, "", None, None) + ("", None) * 5
_NO_BUSINESS = ("", "", "", "")


def _participant_rows(ids: Sequence[int]) -> Iterator[tuple[Any, ...]]:
    """One row per participant: who they are, their first business, and each stage's status and since."""
    people = list(
        Participant.objects.filter(among(ids, "id"))
        .annotate(last_active_on=TruncDate("last_activity_at"), flags=Cast("rule_flags", TextField()))
        .order_by("id")
        .values_list(*_PARTICIPANT_FIELDS)
    )
    pivot = _stage_pivot()
    stages = {
        row[0]: row[1:]
        for row in ParticipantStage.objects.filter(among(ids))
        .values("participant_id")
        .annotate(**pivot)
        .order_by()
        .values_list("participant_id", *pivot)
    }
    businesses: dict[int, tuple[str, str, str, str]] = {}
    for pid, *business in (
        Business.objects.filter(among(ids))
        .order_by("participant_id", "-created_at", "-id")
        .values_list("participant_id", "sector", "name", "scale", "nib")
    ):
        businesses[pid] = tuple(business)  # type: ignore[assignment]  # the oldest business wins (last written)
    names = _region_names({p[7] for p in people} | {p[8] for p in people})
    for person in people:
        pid, kelurahan, kecamatan, flags = person[0], person[7], person[8], person[15]
        yield (
            *person[:8],
            names.get(kelurahan, ""),
            kecamatan,
            names.get(kecamatan, ""),
            *person[9:15],
            *businesses.get(pid, _NO_BUSINESS),
            *stages.get(pid, _NO_STAGES),
            json.loads(flags) if flags and flags != "[]" else None,
        )


PARTICIPANTS = register(
    ExportTable(
        key="participants",
        title=_("Participants and their steps P1–P7"),
        category=DataCategory.PATHWAY,
        order=0,
        columns=(
            Column("full_name", _("Full name"), free_text=True),
            Column("sex", _("Sex (L male, P female)")),
            Column("birth_date", _("Birth date (only with the full NIK)"), "date", nik_bound=True),
            Column("phone", _("Phone")),
            Column("email", _("Email")),
            Column("address", _("Address"), free_text=True),
            Column("kelurahan_code", _("Kelurahan code")),
            Column("kelurahan", _("Kelurahan")),
            Column("kecamatan_code", _("Kecamatan code")),
            Column("kecamatan", _("Kecamatan")),
            Column("kota_code", _("City code")),
            Column("entry_track", _("Entry track (pemula, naik_kelas)")),
            Column("domicile_basis", _("Domicile basis")),
            Column("registered_through", _("Registered through")),
            Column("registered_on", _("Registered on"), "date"),
            Column("last_active_on", _("Last active on"), "date"),
            Column("sector", _("Sector of the business")),
            Column("business_name", _("Business name"), free_text=True),
            Column("business_scale", _("Business scale")),
            Column("nib", _("NIB")),
            *_stage_columns(),
            Column("rule_flags", _("History that breaks today's rules"), "list"),
        ),
        rows=_participant_rows,
    )
)


def _enrolment_rows(ids: Sequence[int]) -> Any:
    return (
        Enrolment.objects.filter(among(ids))
        .order_by("participant_id", "id")
        .values_list(
            "participant_id",
            "id",
            "session__course__title",
            "session__course__level",
            "session__course__topic",
            "session__course__provider__name",
            "session_id",
            "session__starts_at",
            "session__mode",
            "session__region_id",
            "status",
            "cancelled_at",
            "attendance_method",
            "attendance_recorded_at",
            "follow_up__due_on",
            "follow_up__answered_at",
            "follow_up__applied",
            "follow_up__bookkeeping",
            "follow_up__selling_online",
        )
    )


register(
    ExportTable(
        key="training_enrolments",
        title=_("Training enrolments and attendance (P2)"),
        stage="P2",
        category=DataCategory.PATHWAY,
        order=20,
        columns=(
            Column("enrolment_id", _("Enrolment number"), "int"),
            Column("course", _("Course"), free_text=True),
            Column("level", _("Level (1–3)"), "int"),
            Column("topic", _("Topic")),
            Column("provider", _("Provider"), free_text=True),
            Column("session_id", _("Session number"), "int"),
            Column("session_starts_at", _("Session starts at"), "datetime"),
            Column("session_mode", _("In person or online")),
            Column("session_kecamatan_code", _("Session kecamatan code")),
            Column("status", _("Status (enrolled, waitlisted, cancelled, attended, absent)")),
            Column("cancelled_at", _("Cancelled at"), "datetime"),
            Column("attendance_method", _("Attendance taken by (list, code)")),
            Column("attendance_recorded_at", _("Attendance recorded at"), "datetime"),
            Column("follow_up_due_on", _("Follow-up due on"), "date"),
            Column("follow_up_answered_at", _("Follow-up answered at"), "datetime"),
            Column("applies_learning", _("Applies what was learned"), "bool"),
            Column("keeps_books", _("Keeps books"), "bool"),
            Column("sells_online", _("Sells online"), "bool"),
        ),
        rows=_enrolment_rows,
    )
)


def _mentoring_rows(ids: Sequence[int]) -> Any:
    return (
        MentoringSession.objects.filter(among(ids))
        .order_by("participant_id", "held_on", "id")
        .values_list(
            "participant_id",
            "id",
            "held_on",
            "mode",
            "topics",
            "mentor__username",
            "organisation__name",
            "next_step",
            "next_step_due",
            "monthly_turnover",
        )
    )


register(
    ExportTable(
        key="mentoring_sessions",
        title=_("Mentoring sessions (P3)"),
        stage="P3",
        category=DataCategory.PATHWAY,
        order=30,
        columns=(
            Column("session_id", _("Session number"), "int"),
            Column("held_on", _("Date"), "date"),
            Column("mode", _("How (visit, phone, whatsapp, online, group)")),
            Column("topics", _("Topics"), "list"),
            Column("mentor", _("Mentor (username)")),
            Column("organisation", _("Acting for"), free_text=True),
            Column("next_step", _("Agreed next step"), free_text=True),
            Column("next_step_due", _("Next step due"), "date"),
            Column("monthly_turnover", _("Turnover that month (Rp)"), "int"),
        ),
        rows=_mentoring_rows,
    )
)


def _application_rows(ids: Sequence[int]) -> Any:
    return (
        LicenceApplication.objects.filter(among(ids))
        .order_by("participant_id", "id")
        .values_list(
            "participant_id",
            "id",
            "licence_type__code",
            "business__name",
            "kelurahan_id",
            "ptsp__name",
            "status",
            "created_at",
            "first_submitted_at",
            "submitted_at",
            "submissions",
            "decided_at",
            "refusal_reason",
        )
    )


register(
    ExportTable(
        key="licence_applications",
        title=_("Licence applications (P4)"),
        stage="P4",
        category=DataCategory.LICENCES,
        order=40,
        columns=(
            Column("application_id", _("Application number"), "int"),
            Column("licence_type", _("Licence type (nib, iumk, pirt, …)")),
            Column("business_name", _("Business name"), free_text=True),
            Column("location_kelurahan_code", _("Business location (kelurahan code)")),
            Column("ptsp", _("PTSP unit")),
            Column("status", _("Status")),
            Column("opened_at", _("Started at"), "datetime"),
            Column("first_submitted_at", _("First submitted at"), "datetime"),
            Column("submitted_at", _("Last submitted at"), "datetime"),
            Column("submissions", _("Times submitted"), "int"),
            Column("decided_at", _("Decided at"), "datetime"),
            Column("refusal_reason", _("Reason for refusal"), free_text=True),
        ),
        rows=_application_rows,
    )
)


def _licence_rows(ids: Sequence[int]) -> Any:
    return (
        Licence.objects.filter(among(ids))
        .order_by("participant_id", "id")
        .values_list(
            "participant_id",
            "id",
            "licence_type__code",
            "number",
            "business__name",
            "issued_on",
            "valid_until",
            "risk_level",
            "status",
            "existing",
            "verified_at",
            "application_id",
        )
    )


register(
    ExportTable(
        key="licences",
        title=_("Licences (P4)"),
        stage="P4",
        category=DataCategory.LICENCES,
        order=45,
        columns=(
            Column("licence_id", _("Licence record number"), "int"),
            Column("licence_type", _("Licence type (nib, iumk, pirt, …)")),
            Column("number", _("Licence number")),
            Column("business_name", _("Business name"), free_text=True),
            Column("issued_on", _("Issued on"), "date"),
            Column("valid_until", _("Valid until"), "date"),
            Column("risk_level", _("Risk level")),
            Column("status", _("Status (valid, pending_verification, rejected, revoked)")),
            Column("existing", _("Recorded existing licence"), "bool"),
            Column("verified_at", _("Verified at"), "datetime"),
            Column("application_id", _("Application number"), "int"),
        ),
        rows=_licence_rows,
    )
)
