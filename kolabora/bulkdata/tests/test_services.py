"""Importing participants: upsert by NIK, idempotence, rejections, flagged history, resume, scope."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from kolabora.bulkdata import services
from kolabora.bulkdata.choices import ImportStatus
from kolabora.bulkdata.models import STALL_AFTER, ColumnMapping, ImportJob, ImportRejection
from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.testing import World
from kolabora.participants.bulk import outside_message
from kolabora.participants.models import Business, Consent, Participant
from kolabora.pathway.models import ParticipantStage

from .helpers import ELSEWHERE, csv_bytes, nik, person, run, upload, xlsx_bytes

pytestmark = pytest.mark.django_db


def _stages(p: Participant) -> dict[str, tuple[str, int | None, bool]]:
    return {
        s.code: (s.status, s.level, s.rule_exception) for s in ParticipantStage.objects.filter(participant=p)
    }


def _rejections(job: ImportJob) -> list[tuple[int, str, str, str]]:
    return list(
        job.rejections.order_by("row_number", "id").values_list("row_number", "column", "value", "message")
    )


def test_a_template_file_registers_everyone_like_a_registration(world: World) -> None:
    job = run(csv_bytes([person(i) for i in range(5)]), actor=world.user("kecamatan"))
    assert (job.status, job.rows_done, job.rows_total) == ("done", 5, 5)
    assert (job.created_count, job.updated_count, job.unchanged_count, job.rejected_count) == (5, 0, 0, 0)
    p = Participant.objects.get(nik=nik(3))
    assert (p.full_name, p.phone, p.kelurahan_id, p.kecamatan_code, p.channel) == (
        "Peserta Uji 00003",
        "+6281200000003",
        "31.75.10.1004",
        "31.75.10",
        "import",
    )
    assert str(p.registered_on) == "2024-03-15"
    assert _stages(p)["P1"] == ("completed", None, False)
    assert _stages(p)["P2"] == ("completed", 1, False)
    assert _stages(p)["P3"] == ("in_progress", None, False)
    assert Business.objects.get(participant=p).sector == "kuliner"
    assert Consent.objects.filter(participant=p, purpose="programme").exists()
    registered = AuditEvent.objects.get(object_id=str(p.pk), action=AuditAction.PARTICIPANT_REGISTERED)
    assert registered.actor == world.user("kecamatan")
    assert registered.organisation == world.cipayung
    p3 = AuditEvent.objects.get(object_id=str(p.pk), action=AuditAction.P3_CHANGED)
    assert p3.after["imported"] is True
    assert p3.request_id == f"import-{job.pk}"
    assert p3.reason == gettext("Imported from %(file)s, row %(row)s") % {"file": "peserta.csv", "row": 5}


def test_the_same_file_twice_changes_nothing_the_second_time(world: World) -> None:
    content = csv_bytes([person(i, P5="selesai" if i == 1 else "") for i in range(6)])
    first = run(content, actor=world.user("kecamatan"))
    assert first.created_count == 6
    audit_before = AuditEvent.objects.count()
    stages_before = list(
        ParticipantStage.objects.order_by("pk").values_list("pk", "status", "since", "level")
    )
    people_before = list(
        Participant.objects.order_by("pk").values_list("pk", "updated_at", "last_activity_at")
    )
    second = run(content, actor=world.user("kecamatan"))
    assert (second.created_count, second.updated_count, second.unchanged_count, second.rejected_count) == (
        0,
        0,
        6,
        0,
    )
    assert AuditEvent.objects.count() == audit_before
    assert (
        list(ParticipantStage.objects.order_by("pk").values_list("pk", "status", "since", "level"))
        == stages_before
    )
    assert (
        list(Participant.objects.order_by("pk").values_list("pk", "updated_at", "last_activity_at"))
        == people_before
    )


def test_changed_fields_and_steps_update_the_known_participant_with_audit(world: World) -> None:
    staff = world.user("kecamatan")
    run(csv_bytes([person(1), person(2)]), actor=staff)
    changed = person(1, full_name="Peserta Uji Berganti", phone="081399998888", P3="selesai", P4="proses")
    job = run(csv_bytes([changed, person(2)]), actor=staff)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 1, 1)
    p = Participant.objects.get(nik=nik(1))
    assert (p.full_name, p.name_key, p.phone) == (
        "Peserta Uji Berganti",
        "PESERTA UJI BERGANTI",
        "+6281399998888",
    )
    assert _stages(p)["P3"][0] == "completed" and _stages(p)["P4"][0] == "in_progress"
    update = AuditEvent.objects.get(object_id=str(p.pk), action=AuditAction.PARTICIPANT_UPDATED)
    assert update.before == {"full_name": "Peserta Uji 00001", "phone": "+6281200000001"}
    assert update.after["full_name"] == "Peserta Uji Berganti"
    assert update.actor == staff
    moved = (
        AuditEvent.objects.filter(object_id=str(p.pk), action=AuditAction.P3_CHANGED).order_by("id").last()
    )
    assert moved is not None
    assert moved.before["status"] == "in_progress" and moved.after == {
        "stage": "P3",
        "status": "completed",
        "level": None,
        "imported": True,
        "rule_exception": False,
    }


def test_invalid_rows_are_rejected_with_row_column_value_and_reason_while_valid_rows_go_in(
    world: World,
) -> None:
    unknown_status = gettext(
        "Unknown stage status “%(value)s”: write completed, in_progress, not_started, skipped or dropped "
        "(or selesai, proses, belum, lewati, berhenti)."
    )
    rows = [
        person(1),
        person(2, nik="31751012"),
        person(3, phone="12345", P4="sudah"),
        person(4, registered_on="31/02/2024"),
        person(5, kelurahan_code="31.75.10.9999"),
        person(6),
    ]
    job = run(csv_bytes(rows), actor=world.user("kecamatan"))
    assert (job.created_count, job.rejected_count) == (2, 4)
    assert Participant.objects.filter(nik__in=[nik(1), nik(6)]).count() == 2
    found = _rejections(job)
    assert (3, "nik", "31751012", "NIK terdiri dari tepat 16 digit; yang diisi 8 karakter.") in found
    assert any(r[:3] == (4, "phone", "12345") and "bukan nomor telepon Indonesia" in r[3] for r in found)
    assert (4, "P4", "sudah", unknown_status % {"value": "sudah"}) in found
    assert any(r[:3] == (5, "registered_on", "31/02/2024") for r in found)
    assert (6, "kelurahan_code", "31.75.10.9999", "Kode kelurahan tidak dikenal: 31.75.10.9999") in found
    report = "".join(services_report(job))
    assert report.startswith("\ufeff")
    assert "3,nik,31751012,NIK terdiri dari tepat 16 digit" in report


def services_report(job: ImportJob) -> list[str]:
    from kolabora.bulkdata.selectors import report_lines

    return list(report_lines(job))


def test_history_that_breaks_todays_rules_is_kept_and_flagged(world: World) -> None:
    job = run(csv_bytes([person(1, P5="selesai")]), actor=world.user("kecamatan"))
    assert (job.created_count, job.rejected_count, job.flagged_count) == (1, 0, 1)
    p = Participant.objects.get(nik=nik(1))
    assert _stages(p)["P5"] == ("completed", None, True)
    assert p.rule_flags == ["P5_before_P4"]
    event = AuditEvent.objects.get(object_id=str(p.pk), action=AuditAction.P5_CHANGED)
    assert event.after["rule_exception"] is True and event.after["imported"] is True


def test_a_history_the_rules_refuse_rejects_the_row_not_the_file(world: World) -> None:
    staff = world.user("kecamatan")
    job = run(csv_bytes([person(1, P2="selesai", P2_level=""), person(2)]), actor=staff)
    assert (job.created_count, job.rejected_count) == (1, 1)
    assert not Participant.objects.filter(nik=nik(1)).exists()
    [(row, column, _value, message)] = _rejections(job)
    assert (row, column) == (2, "P2_level")
    assert "T1" in message
    # A known participant whose level would go down: the row is refused, the record stays as it was.
    run(csv_bytes([person(3, P2_level="2")]), actor=staff)
    again = run(csv_bytes([person(3, P2_level="1", full_name="Nama Baru")]), actor=staff)
    assert (again.updated_count, again.rejected_count) == (0, 1)
    assert Participant.objects.get(nik=nik(3)).full_name == "Peserta Uji 00003"
    assert "tidak boleh turun" in _rejections(again)[0][3]


def test_kecamatan_staff_import_into_their_kecamatan_only(world: World) -> None:
    outside = person(2, kelurahan_code=ELSEWHERE)
    job = run(csv_bytes([person(1), outside]), actor=world.user("kecamatan"))
    assert (job.created_count, job.rejected_count) == (1, 1)
    [(row, column, value, message)] = _rejections(job)
    assert (row, column, value) == (3, "kelurahan_code", ELSEWHERE)
    assert message == gettext(
        "Kelurahan %(name)s (%(code)s) is outside your area (%(area)s); you import participants of your area only."
    ) % {"name": "Bintaro", "code": ELSEWHERE, "area": "Cipayung"}
    # Someone registered elsewhere cannot be moved in or changed by Cipayung's staff.
    elsewhere = run(csv_bytes([outside]), actor=None)
    assert elsewhere.created_count == 1
    moved = run(csv_bytes([person(2)]), actor=world.user("kecamatan"))
    assert (moved.updated_count, moved.rejected_count) == (0, 1)
    assert _rejections(moved)[0][1:] == ("nik", nik(2), outside_message())
    assert Participant.objects.get(nik=nik(2)).kelurahan_id == ELSEWHERE


def test_a_nik_is_imported_once_per_file(world: World) -> None:
    job = run(csv_bytes([person(1), person(2), person(1, full_name="Dua Kali")]), actor=None, batch_size=2)
    assert (job.created_count, job.rejected_count) == (2, 1)
    assert _rejections(job)[0] == (4, "nik", nik(1), services.duplicate_in_file_message())
    assert Participant.objects.get(nik=nik(1)).full_name == "Peserta Uji 00001"


def test_a_dry_run_counts_and_reports_but_saves_nothing(world: World) -> None:
    before = (Participant.objects.count(), AuditEvent.objects.count())
    job = run(csv_bytes([person(1), person(2, phone="x")]), actor=world.user("kecamatan"), dry_run=True)
    assert (job.status, job.created_count, job.rejected_count) == ("done", 1, 1)
    assert (Participant.objects.count(), AuditEvent.objects.count()) == before
    assert job.rejections.count() == 1


def test_an_import_killed_mid_way_resumes_where_it_stopped_without_duplicates(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff = world.user("kecamatan")
    rows = [person(i, P5="selesai" if i % 4 == 0 else "") for i in range(10)] + [person(10, phone="x")]
    job = services.import_job_create(upload=upload(csv_bytes(rows)), actor=staff)
    real = services.participants_bulk_upsert
    calls = {"n": 0}

    def dies_on_the_third_batch(**kw: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("worker killed")
        return real(**kw)

    monkeypatch.setattr(services, "participants_bulk_upsert", dies_on_the_third_batch)
    with pytest.raises(KeyboardInterrupt):
        services.import_job_run(job_id=job.pk, batch_size=3)
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.created_count) == ("running", 6, 6)
    assert Participant.objects.count() == 1 + 6  # the world's participant and two batches
    monkeypatch.setattr(services, "participants_bulk_upsert", real)
    # The worker is gone: once the job is stalled, its owner resumes it.
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - STALL_AFTER * 2)
    job.refresh_from_db()
    assert job.is_stalled
    services.import_job_resume(job=job, actor=staff, enqueue=False)
    job = services.import_job_run(job_id=job.pk, batch_size=3)
    assert (job.status, job.rows_done, job.rows_total) == ("done", 11, 11)
    assert (job.created_count, job.updated_count, job.unchanged_count, job.rejected_count) == (10, 0, 0, 1)
    assert Participant.objects.filter(kecamatan_code="31.75.10").count() == 1 + 10
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.PARTICIPANT_REGISTERED, request_id=f"import-{job.pk}"
        ).count()
        == 10
    )
    assert ImportRejection.objects.filter(job=job).count() == 1
    assert job.flagged_count == 3


def test_a_second_run_of_a_job_stops_a_first_that_still_lives(world: World) -> None:
    job = services.import_job_create(upload=upload(csv_bytes([person(i) for i in range(6)])), actor=None)
    seen: list[int] = []

    def take_over(j: ImportJob) -> None:
        seen.append(j.rows_done)
        if len(seen) == 1:
            # Someone resumes while this run is alive: the new run owns the job from now on.
            ImportJob.objects.filter(pk=j.pk).update(run_token="another-run")

    services.import_job_run(job_id=job.pk, batch_size=2, progress=take_over)
    job.refresh_from_db()
    assert (job.rows_done, job.created_count, job.status) == (2, 2, "running")


def test_pause_stops_after_the_batch_and_resume_goes_on(world: World) -> None:
    staff = world.user("kecamatan")
    job = services.import_job_create(upload=upload(csv_bytes([person(i) for i in range(6)])), actor=staff)

    def pause_once(j: ImportJob) -> None:
        if j.rows_done == 2:
            services.import_job_pause(job=j, actor=staff)

    job = services.import_job_run(job_id=job.pk, batch_size=2, progress=pause_once)
    assert (job.status, job.rows_done) == ("paused", 2)
    with pytest.raises(ValidationError):
        services.import_job_pause(job=job, actor=staff)
    services.import_job_resume(job=job, actor=staff, enqueue=False)
    job = services.import_job_run(job_id=job.pk, batch_size=2)
    assert (job.status, job.rows_done, job.created_count) == ("done", 6, 6)


def test_someone_elses_job_cannot_be_paused(world: World) -> None:
    job = services.import_job_create(upload=upload(csv_bytes([person(1)])), actor=world.user("kecamatan"))
    with pytest.raises(services.PermissionDenied):
        services.import_job_pause(job=job, actor=world.user("permitted"))


def test_other_layouts_wait_for_a_mapping_that_can_be_saved_and_reused(world: World) -> None:
    staff = world.user("kecamatan")
    header = ["No", "Nama Lengkap", "NIK", "No HP", "Kode Kel.", "Jalur Masuk", "Bidang"]
    rows = [
        {"No": str(i), "Nama Lengkap": f"Orang {i}", "NIK": nik(i), "No HP": f"0813{i:08d}", "Kode Kel.": "31.75.10.1001",
         "Jalur Masuk": "Pemula", "Bidang": "Kuliner"}
        for i in range(3)
    ]  # fmt: skip
    job = services.import_job_create(upload=upload(xlsx_bytes(rows, header=header), "lama.xlsx"), actor=staff)
    assert (job.status, job.header) == ("mapping", header)
    mapping = {"nik": 2, "full_name": 1, "phone": 3, "kelurahan_code": 4, "entry_track": 5, "sector": 6}
    with pytest.raises(ValidationError) as missing:
        services.import_job_map(job=job, actor=staff, mapping={"nik": 2, "full_name": 2})
    assert set(missing.value.message_dict) >= {"full_name", "phone", "kelurahan_code"}
    services.import_job_map(job=job, actor=staff, mapping=mapping, save_as="Format lama kecamatan")
    saved = ColumnMapping.objects.get(name="Format lama kecamatan")
    assert saved.organisation == world.cipayung
    assert saved.columns == {
        "nik": "NIK",
        "full_name": "Nama Lengkap",
        "phone": "No HP",
        "kelurahan_code": "Kode Kel.",
        "entry_track": "Jalur Masuk",
        "sector": "Bidang",
    }
    job = services.import_job_run(job_id=job.pk)
    assert (job.created_count, job.rejected_count) == (3, 0)
    # The next file of that layout, its columns in another order, reuses the saved mapping by name.
    reordered = ["NIK", "No HP", "Nama Lengkap", "Bidang", "Jalur Masuk", "Kode Kel."]
    again = services.import_job_create(
        upload=upload(csv_bytes(rows, header=reordered, delimiter=";")), actor=staff, columns=saved.columns
    )
    assert again.status == "queued"
    assert again.mapping == {
        "nik": 0,
        "phone": 1,
        "full_name": 2,
        "sector": 3,
        "entry_track": 4,
        "kelurahan_code": 5,
    }
    assert services.import_job_run(job_id=again.pk).unchanged_count == 3


def test_a_mapping_naming_columns_the_file_lacks_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        services.mapping_resolve(["NIK", "Nama"], {"nik": "NIK", "full_name": "Nama Lengkap", "x": "Y"})
    errors = exc.value.message_dict
    assert errors["full_name"] == [
        gettext("The file has no column “%(column)s”.") % {"column": "Nama Lengkap"}
    ]
    assert "x" in errors and "phone" in errors


def test_refused_uploads_keep_nothing(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.import_job_create(
            upload=upload(b"%PDF-1.7 whatever", "peserta.xlsx"), actor=world.user("kecamatan")
        )
    assert "PDF" in exc.value.message_dict["file"][0]
    assert not ImportJob.objects.exists()


def test_people_without_the_import_right_cannot_start_one(world: World) -> None:
    with pytest.raises(services.PermissionDenied):
        services.import_job_create(upload=upload(csv_bytes([person(1)])), actor=world.user("other_org"))


def test_a_file_that_stops_being_text_part_way_is_refused_before_anything_is_written(world: World) -> None:
    # Past the first 256 KB that the upload check reads, a byte that is neither UTF-8 nor Windows-1252.
    rows = [person(i) for i in range(2500)]
    content = csv_bytes(rows) + b"3175101101800003,Ren" + b"\x81\x8d,081200000003\r\n"
    assert len(content) > 256 * 1024
    job = run(content, actor=None, batch_size=500)
    assert job.status == ImportStatus.FAILED
    assert "UTF-8" in job.error and "Windows-1252" in job.error
    assert (job.rows_done, job.created_count) == (0, 0)
    assert not Participant.objects.filter(nik=nik(1)).exists()


def test_a_file_unreadable_past_the_rows_already_read_fails_the_job_and_keeps_those_rows(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As when a resumed job skips the whole-file check: the rows are read (in the reading thread) until
    # the bytes stop being text; the job fails with the reason and the batches before stay imported.
    rows = [person(i) for i in range(2500)]
    content = csv_bytes(rows) + b"3175101101800003,Ren" + b"\x81\x8d,081200000003\r\n"
    monkeypatch.setattr(services.sources, "count_rows", lambda stream, info: 2501)
    job = run(content, actor=None, batch_size=500)
    assert job.status == ImportStatus.FAILED
    assert "UTF-8" in job.error, job.error
    assert (job.rows_done, job.created_count) == (2000, 2000)
    assert Participant.objects.filter(nik=nik(1)).exists()


def test_the_sweep_queues_imports_whose_worker_died_and_leaves_live_ones(world: World) -> None:
    dead = services.import_job_create(upload=upload(csv_bytes([person(1)])), actor=None)
    live = services.import_job_create(upload=upload(csv_bytes([person(2)])), actor=None)
    long_ago = timezone.now() - STALL_AFTER * 3
    ImportJob.objects.filter(pk=dead.pk).update(status="running", heartbeat_at=long_ago, run_token="gone")
    ImportJob.objects.filter(pk=live.pk).update(
        status="running", heartbeat_at=timezone.now(), run_token="alive"
    )
    assert services.imports_resume_stalled() == 1
    dead.refresh_from_db()
    live.refresh_from_db()
    assert (dead.status, dead.run_token, live.status) == ("queued", "", "running")
    assert services.import_job_run(job_id=dead.pk).created_count == 1


def test_the_funnel_aggregates_equal_a_recount_after_imports_that_create_move_and_update(
    world: World,
) -> None:
    from kolabora.analytics.services import live_cells, recount_cells

    staff = world.user("kecamatan")
    rows = [
        person(i, P4="selesai" if i % 3 == 0 else "", P5="selesai" if i % 2 == 0 else "") for i in range(9)
    ]
    run(csv_bytes(rows), actor=staff, batch_size=4)
    assert live_cells() == recount_cells()
    # A second file moves people to another kelurahan and another registration month, and moves steps on.
    changed = [
        person(i, kelurahan_code="31.75.10.1008", registered_on="2023-11-02", P3="selesai", P6="proses")
        for i in range(0, 9, 2)
    ]
    job = run(csv_bytes(changed), actor=staff)
    assert job.updated_count == 5
    assert live_cells() == recount_cells()
