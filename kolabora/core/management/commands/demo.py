"""``kolabora demo``: the platform with demo data on SQLite, served at http://127.0.0.1:8000."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.utils import translation

from kolabora.core.demo import demo_seed
from kolabora.regions.models import Region


class Command(BaseCommand):
    help = "Create (or reuse) the demo database, load regions and demo data, print the accounts, and serve."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--reset", action="store_true", help="Start from an empty database.")
        parser.add_argument("--no-serve", action="store_true", help="Prepare the data and exit.")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Serve without the background worker (imports, notifications and reports then wait in the queue).",
        )
        parser.add_argument(
            "--participants",
            type=int,
            default=5000,
            metavar="N",
            help="How many demo participants to create on the first run (default 5000).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate(settings.LANGUAGE_CODE)
        started = time.monotonic()
        if options["reset"]:
            self._reset()
        call_command("migrate", interactive=False, verbosity=0)
        province = settings.KOLABORA["DEFAULT_PROVINCE"]
        if not Region.objects.filter(code=province).exists():
            self.stdout.write("Memuat wilayah Kemendagri …")
            call_command("regions", "load", "--province", province, stdout=self.stdout)
        ctx = demo_seed(participants=options["participants"])
        self.stdout.write(self.style.SUCCESS(f"Data demo siap ({time.monotonic() - started:.1f} s)."))
        self._print_accounts(ctx)
        if options["no_serve"]:
            return
        url = f"http://{options['host']}:{options['port']}"
        worker = None if options["no_worker"] else self._worker_start()
        self.stdout.write(self.style.SUCCESS(f"Kolabora berjalan di {url}  (Ctrl+C untuk berhenti)"))
        try:
            call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=False)
        finally:
            if worker is not None:
                self._worker_stop(worker)

    def _worker_start(self) -> subprocess.Popen[bytes]:
        """The background worker beside the web server, as production runs it: an upload to the import
        page is imported while the person watches its progress, and notifications and reports are made.
        A child process with this process's settings and database (both come from the environment)."""
        connection.close()  # SQLite: the child opens the file itself
        env = os.environ.copy()
        # The emails it sends (notifications, reminders) go to files rather than over the terminal, unless
        # an email backend was chosen.
        env.setdefault("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
        worker = subprocess.Popen(
            [sys.executable, "-m", "kolabora", "db_worker", "--queue-name", "*", "--no-reload", "-v", "0"],
            env=env,
        )
        self.stdout.write("Pekerja latar berjalan (impor, notifikasi, laporan).")
        if env["DJANGO_EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
            self.stdout.write(f"Email yang dikirim disimpan sebagai berkas di {settings.EMAIL_FILE_PATH}")
        return worker

    def _worker_stop(self, worker: subprocess.Popen[bytes]) -> None:
        # Ctrl+C reaches the worker too (same process group); otherwise it is asked to stop here. An import
        # it leaves part-way keeps its checkpoint, and ``kolabora sweep`` queues it again from there.
        if worker.poll() is None:
            worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()

    def _reset(self) -> None:
        db = settings.DATABASES["default"]
        if db["ENGINE"].endswith("sqlite3"):
            connection.close()
            from pathlib import Path

            path = Path(str(db["NAME"]))
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            self.stdout.write(f"Basis data {path} dihapus.")
        else:
            call_command("flush", interactive=False, verbosity=0)
            self.stdout.write("Basis data dikosongkan.")

    def _print_accounts(self, ctx: Any) -> None:
        self.stdout.write("")
        self.stdout.write(f"Akun demo (kata sandi untuk semua: {ctx.password})")
        width = max(len(a.username) for a in ctx.accounts)
        for a in ctx.accounts:
            self.stdout.write(f"  {a.username.ljust(width)}  {a.role} — {a.organisation}")
        self.stdout.write("")
