"""``kolabora export participants``: the export page's file, written from the command line.

    kolabora export participants [--format csv|xlsx] [--tables participants,licences] [--region CODE]
        [--stage P4 [--status completed]] [--entry-track pemula] [--sector kuliner]
        [--registered-from 2025-01-01] [--registered-to 2025-12-31] [--as USERNAME] -o FILE

With ``--as`` the export is that user's: their scope, their NIK rule, their name in the audit row. Without
it, it runs as the system (the operator on the server, who holds the database anyway): every participant,
NIKs always masked, audited with no actor and ``via: cli``. ``-o -`` writes to standard output. A progress
line goes to standard error. The file is written next to FILE and renamed when complete, so FILE is never
half-written.

Exit codes: 0 written; 2 arguments or filters not valid (each problem on its own line); 3 the user is
unknown, inactive or may not export; 4 the output file cannot be written; 1 the export failed part-way
(nothing is left at FILE; the audit row records the rows written before the failure).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kolabora.accounts.models import User
from kolabora.core import access
from kolabora.core.access import Action
from kolabora.exports.forms import CSV, XLSX, ExportForm
from kolabora.exports.services import ExportRequest, ExportStream, Progress

EXIT_INVALID = 2
EXIT_FORBIDDEN = 3
EXIT_OUTPUT = 4


def _plain(text: str) -> str:
    return text


class Command(BaseCommand):
    help = "Export participants, their steps P1–P7 and their stage records to CSV or xlsx."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["participants"], help="what to export")
        parser.add_argument(
            "--format",
            choices=[CSV, XLSX],
            default=None,
            help="csv or xlsx (default: from FILE's suffix, else xlsx)",
        )
        parser.add_argument(
            "--tables",
            default="",
            help="comma-separated table keys (default: all in xlsx, participants in CSV)",
        )
        parser.add_argument("--region", default="", help="a kota, kecamatan or kelurahan code, e.g. 31.75.10")
        parser.add_argument(
            "--stage", default="", help="P1 … P7: participants who reached it (or with --status)"
        )
        parser.add_argument("--status", default="", help="the status in --stage, e.g. completed")
        parser.add_argument("--entry-track", default="", help="pemula or naik_kelas")
        parser.add_argument("--sector", default="", help="the business sector, e.g. kuliner")
        parser.add_argument("--registered-from", default="", help="YYYY-MM-DD or DD/MM/YYYY, included")
        parser.add_argument("--registered-to", default="", help="YYYY-MM-DD or DD/MM/YYYY, included")
        parser.add_argument(
            "--as", dest="username", default="", help="export as this user (scope, NIK, audit)"
        )
        parser.add_argument(
            "-o", "--output", required=True, help="the file to write, or - for standard output"
        )
        parser.add_argument("--quiet", action="store_true", help="no progress line")

    def handle(self, *args: Any, **options: Any) -> None:
        output: str = options["output"]
        fmt = options["format"] or (CSV if output.lower().endswith(".csv") else XLSX)
        user, actor = self._user(options["username"])
        form = ExportForm(
            {
                "format": fmt,
                "tables": [k for k in options["tables"].split(",") if k.strip()],
                "region": options["region"],
                "stage": options["stage"],
                "status": options["status"],
                "entry_track": options["entry_track"],
                "sector": options["sector"],
                "registered_from": options["registered_from"],
                "registered_to": options["registered_to"],
            },
            user=user,
        )
        if not form.is_valid():
            lines = [
                f"--{field.replace('_', '-')}: {message}" if field else message
                for field, messages in form.errors.items()
                for message in (str(m) for m in messages)
            ]
            raise CommandError("\n".join(lines), returncode=EXIT_INVALID)
        stream = ExportStream(
            ExportRequest(
                user=user,
                actor=actor,
                filters=form.filters(),
                tables=tuple(form.chosen_tables()),
                format=form.cleaned_data["format"],
                via="cli",
                nik_full=None if actor is not None else False,
            ),
            on_progress=None if options["quiet"] else self._progress_line(),
        )
        self._write(stream, output)
        progress = stream.progress
        counts = ", ".join(f"{key} {n:,}" for key, n in progress.rows.items())
        where = "standard output" if output == "-" else output
        summary = (
            f"{progress.participants:,} participants ({counts}) → {where} "
            f"({progress.bytes / 1e6:.1f} MB, {progress.seconds:.1f} s, "
            f"{progress.total_rows / max(progress.seconds, 1e-6):,.0f} rows/s)"
        )
        (self.stderr if output == "-" else self.stdout).write(summary, style_func=_plain)

    def _user(self, username: str) -> tuple[Any, User | None]:
        if not username:
            # The system: every participant, NIKs masked, no actor in the audit row.
            return User(username="system", is_superuser=True, is_active=True), None
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.", returncode=EXIT_FORBIDDEN)
        if not user.is_active:
            raise CommandError(f"User {username!r} is not active.", returncode=EXIT_FORBIDDEN)
        if not access.can(user, Action.PARTICIPANT_EXPORT):
            raise CommandError(
                f"User {username!r} may not export participants: only programme managers, regional "
                "coordinators and kecamatan staff of government offices may.",
                returncode=EXIT_FORBIDDEN,
            )
        return user, user

    def _write(self, stream: ExportStream, output: str) -> None:
        target: IO[bytes]
        part: Path | None = None
        if output == "-":
            target = sys.stdout.buffer
        else:
            path = Path(output)
            part = path.with_name(f".{path.name}.part")
            try:
                target = part.open("wb")
            except OSError as exc:
                raise CommandError(
                    f"Cannot write {output}: {exc.strerror}.", returncode=EXIT_OUTPUT
                ) from None
        failed: BaseException | None = None
        try:
            for piece in stream:
                target.write(piece)
            target.flush()
        except BaseException as exc:  # also Ctrl-C: the audit row still records what was written
            failed = exc
        finally:
            if part is not None:
                target.close()
            stream.close()
            self._progress_end()
        if failed is not None:
            if part is not None:
                part.unlink(missing_ok=True)
            if isinstance(failed, OSError) and not stream.error:
                raise CommandError(f"Cannot write {output}: {failed.strerror}.", returncode=EXIT_OUTPUT)
            if isinstance(failed, KeyboardInterrupt):
                raise failed
            raise CommandError(
                f"The export failed after {stream.progress.total_rows:,} rows: {failed}", returncode=1
            )
        if part is not None:
            try:
                os.replace(part, output)
            except OSError as exc:
                part.unlink(missing_ok=True)
                raise CommandError(
                    f"Cannot write {output}: {exc.strerror}.", returncode=EXIT_OUTPUT
                ) from None

    # --- the progress line ------------------------------------------------------------------------

    _shown = False

    def _progress_line(self) -> Any:
        tty = self.stderr.isatty()
        every = 0.5 if tty else 10.0
        last = [0.0]

        def show(progress: Progress) -> None:
            now = time.monotonic()
            if now - last[0] < every:
                return
            last[0] = now
            text = (
                f"{progress.participants:>11,} participants  {progress.total_rows:>11,} rows  "
                f"{progress.total_rows / max(progress.seconds, 1e-6):>9,.0f} rows/s  {progress.seconds:7.1f} s"
            )
            if tty:
                self.stderr.write("\r" + text, style_func=_plain, ending="")
                self._shown = True
            else:
                self.stderr.write(text, style_func=_plain)

        return show

    def _progress_end(self) -> None:
        if self._shown:
            self.stderr.write("", style_func=_plain)
            self._shown = False
