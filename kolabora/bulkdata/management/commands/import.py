"""``kolabora import participants FILE``: import a spreadsheet from the command line, with a progress
line, a summary and a rejection report next to the file; ``kolabora import resume JOB`` goes on with an
import whose worker stopped.

Exit status 0 when the file was processed (even with rejected rows), 1 when it could not be read or the
import stopped part-way.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from kolabora.accounts.models import User
from kolabora.bulkdata import selectors, services
from kolabora.bulkdata.choices import ImportChannel, ImportStatus
from kolabora.bulkdata.models import ColumnMapping, ImportJob


class Command(BaseCommand):
    help = "Import participants from an xlsx or CSV file (the import template, or any layout with --mapping)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        participants = sub.add_parser("participants", help="Import participants from FILE.")
        participants.add_argument("file", help="An .xlsx or .csv file.")
        participants.add_argument(
            "--programme", default="", help="Programme code (default: the default programme)."
        )
        participants.add_argument("--dry-run", action="store_true", help="Check and count; save nothing.")
        participants.add_argument(
            "--as", dest="username", default="", help="Import as this user (their area and audit trail)."
        )
        participants.add_argument(
            "--mapping", default="", help="A column mapping saved on the import page, by name."
        )
        participants.add_argument(
            "--columns", default="", help='The mapping as JSON, field to column name: {"nik": "NIK", ...}.'
        )
        participants.add_argument("--report", default="", help="Where to write the rejected rows (CSV).")
        participants.add_argument("--batch", type=int, default=0, help="Rows per batch (default 2000).")
        resume = sub.add_parser("resume", help="Go on with an import from its last saved row.")
        resume.add_argument("job", type=int)
        resume.add_argument("--report", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options.get("language") or "id"):
            if options["what"] == "resume":
                job = ImportJob.objects.filter(pk=options["job"]).first()
                if job is None:
                    raise CommandError(f"No import {options['job']}.")
                try:
                    services.import_job_resume(job=job, actor=None, enqueue=False)
                except ValidationError as exc:
                    raise CommandError(" ".join(exc.messages)) from None
                self._run(job, options, Path(job.file_name))
                return
            self._participants(options)

    def _participants(self, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        actor = None
        if options["username"]:
            actor = User.objects.filter(username=options["username"], is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user {options['username']!r}.")
        columns = None
        if options["columns"]:
            try:
                parsed = json.loads(options["columns"])
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict):
                raise CommandError("--columns takes a JSON object of field → column name.")
            columns = {str(k): str(v) for k, v in parsed.items()}
        elif options["mapping"]:
            found = (
                selectors.mapping_list(user=actor) if actor is not None else ColumnMapping.objects.all()
            ).filter(name=options["mapping"])
            saved = found.first()
            if saved is None:
                raise CommandError(f"No saved mapping named {options['mapping']!r}.")
            columns = dict(saved.columns)
        with path.open("rb") as stream:
            upload = File(stream, name=path.name)
            try:
                job = services.import_job_create(
                    upload=upload,
                    actor=actor,
                    programme=options["programme"],
                    dry_run=options["dry_run"],
                    columns=columns,
                    channel=ImportChannel.CLI,
                    mapping_step=False,
                )
            except ValidationError as exc:
                raise CommandError(f"{path}: " + " ".join(exc.messages)) from None
            except PermissionDenied:
                raise CommandError(f"{actor} may not import participants.") from None
        self._run(job, options, path)

    def _run(self, job: ImportJob, options: dict[str, Any], path: Path) -> None:
        started = time.monotonic()
        tty = sys.stderr.isatty()
        last = [0.0]

        def progress(j: ImportJob) -> None:
            now = time.monotonic()
            if not tty and now - last[0] < 5 and j.rows_done < (j.rows_total or 0):
                return
            last[0] = now
            elapsed = max(now - started, 1e-6)
            total = f"/{j.rows_total:,}" if j.rows_total else ""
            pct = f" ({j.rows_done * 100 // j.rows_total}%)" if j.rows_total else ""
            line = (
                f"{j.rows_done:,}{total} rows{pct} · {j.rows_done / elapsed:,.0f} rows/s · "
                f"created {j.created_count:,}, updated {j.updated_count:,}, unchanged {j.unchanged_count:,}, "
                f"rejected {j.rejected_count:,}"
            )
            self.stderr.write(("\r" + line) if tty else line, ending="")
            if not tty:
                self.stderr.write("")

        batch = options.get("batch") or None
        job = services.import_job_run(job_id=job.pk, progress=progress, batch_size=batch)
        if tty:
            self.stderr.write("")
        report = Path(options.get("report") or path.with_name(f"{path.stem}.ditolak.csv"))
        with report.open("w", encoding="utf-8", newline="") as out:
            for line in selectors.report_lines(job):
                out.write(line)
        check = " (dry run: nothing saved)" if job.dry_run else ""
        self.stdout.write(
            f"created {job.created_count}, updated {job.updated_count}, unchanged {job.unchanged_count}, "
            f"rejected {job.rejected_count}{check}"
        )
        self.stdout.write(f"rejection report: {report}")
        if job.status != ImportStatus.DONE:
            raise CommandError(
                f"import {job.pk} stopped at row {job.rows_done + 1}: {job.error} "
                f"(resume with: kolabora import resume {job.pk})"
            )
