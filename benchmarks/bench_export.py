"""Exporting a million participants to CSV and xlsx on PostgreSQL: rows per second and peak memory.

Builds ``--count`` participants (default 1,000,000) with their seven stage rows, as
``bench_participant_list.py`` does (``COPY``, funnel-shaped statuses, all kelurahan of DKI Jakarta), and one
business each (for the ``sector`` and ``business_*`` columns), in its own database
``kolabora_bench_export``; later runs reuse them (``--rebuild`` starts again). Then, for each format, a fresh
child process exports them exactly as the page, the API and the command line do (``ExportStream``), as the
province-wide programme manager (every participant, NIKs masked) or, with ``--as kecamatan``, as the
kecamatan staff of Cipayung (their kecamatan only, full NIKs), into a file in a temporary directory. Each
child reports rows, seconds, rows/s, the file's size, its resident memory before the export, while it runs
(sampled after every chunk) and its peak (``VmHWM``), so "flat memory" is a number.

    uv run python benchmarks/bench_export.py                       # builds 1,000,000 on first run
    uv run python benchmarks/bench_export.py --formats csv --via api
    uv run python benchmarks/bench_export.py --tables participants,training_enrolments --count 200000
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from common import ROOT, database_ensure, django_setup, schema_ready, staff_ready

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/kolabora_bench_export"
SECTORS = ["kuliner", "fashion", "kriya", "jasa_reparasi", "kecantikan", "perdagangan", "digital_kreatif"]


def rss_mb(field: str = "VmRSS") -> float:
    """This process's resident memory now (``VmRSS``) or at its highest (``VmHWM``), from /proc (Linux).

    Not ``ru_maxrss``: Linux carries it over from the parent across fork and exec, so a child would report
    the benchmark's own peak from building the data."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def businesses_build(chunk: int = 100_000) -> int:
    """One business per participant without one, with ``COPY`` (sector, name, scale); returns how many."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id, p.created_at FROM participants_participant p "
            "WHERE NOT EXISTS (SELECT 1 FROM participants_business b WHERE b.participant_id = p.id) ORDER BY p.id"
        )
        missing = cursor.fetchall()
    if not missing:
        return 0
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    columns = "created_at, updated_at, participant_id, name, sector, kbli_code, nib, workers, assets, monthly_turnover, scale"
    with raw.cursor() as cur:
        cur.execute("SET session_replication_role = replica")
        for offset in range(0, len(missing), chunk):
            text = io.StringIO()
            for pid, created in missing[offset : offset + chunk]:
                sector = SECTORS[pid % len(SECTORS)]
                when = created.isoformat()
                text.write(
                    f"{when}\t{when}\t{pid}\tUsaha {pid}\t{sector}\t\t\t{pid % 5}\t0\t{(pid % 40) * 250000}\tmikro\n"
                )
            with cur.copy(f"COPY participants_business ({columns}) FROM STDIN") as copy:
                copy.write(text.getvalue())
        cur.execute("SET session_replication_role = origin")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE participants_business")
    return len(missing)


def child(args: argparse.Namespace) -> None:
    """One export in this process; prints one JSON line of figures."""
    warnings.filterwarnings("ignore", message="No directory at")
    django_setup(args.db, "config.settings.base")
    staff, manager = staff_ready()
    user = staff if args.as_ == "kecamatan" else manager
    from django.test import Client

    from kolabora.exports.forms import ExportForm
    from kolabora.exports.services import ExportRequest, ExportStream, Progress

    form = ExportForm({"format": args.child, "tables": args.tables.split(",")}, user=user)
    assert form.is_valid(), form.errors
    samples: list[tuple[int, float]] = []

    def sample(progress: Progress) -> None:
        samples.append((progress.participants, rss_mb()))

    before = rss_mb()
    cpu_before = os.times()
    out_dir = Path(tempfile.mkdtemp(prefix="bench-export-"))
    target = out_dir / f"export.{args.child}"
    started = time.perf_counter()
    first_byte: float | None = (
        None  # with --via api, includes the test client's first request (URL conf, API)
    )
    with target.open("wb") as out:
        if args.via == "api":
            client = Client(HTTP_HOST="127.0.0.1")
            client.force_login(user)
            response = client.get(
                "/api/v1/exports/participants", {"format": args.child, "tables": args.tables}
            )
            assert response.status_code == 200, response.status_code
            for i, piece in enumerate(response.streaming_content):  # type: ignore[attr-defined]
                first_byte = first_byte or time.perf_counter() - started
                out.write(piece)
                if i % 50 == 0:
                    samples.append((-1, rss_mb()))
            from kolabora.core.models import AuditEvent

            rows = AuditEvent.objects.latest("id").after["row_count"]
            participants = AuditEvent.objects.latest("id").after["participants"]
        else:
            stream = ExportStream(
                ExportRequest(
                    user=user,
                    actor=user,
                    filters=form.filters(),
                    tables=tuple(form.chosen_tables()),
                    format=args.child,
                    via="cli",
                ),
                on_progress=sample,
            )
            try:
                for piece in stream:
                    first_byte = first_byte or time.perf_counter() - started
                    out.write(piece)
            finally:
                stream.close()
            rows = stream.progress.total_rows
            participants = stream.progress.participants
    seconds = time.perf_counter() - started
    cpu_after = os.times()
    cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    size = target.stat().st_size
    target.unlink()
    out_dir.rmdir()
    during = [mb for _n, mb in samples]
    marks = {}
    for fraction in (0.1, 0.5, 0.9):
        if args.via == "api":  # samples every 50 pieces of the response: place the marks by position
            marks[f"{int(fraction * 100)}%"] = during[int(len(during) * fraction)] if during else None
        else:
            wanted = participants * fraction
            marks[f"{int(fraction * 100)}%"] = next((mb for n, mb in samples if n >= wanted), None)
    print(
        json.dumps(
            {
                "format": args.child,
                "via": args.via,
                "rows": rows,
                "participants": participants,
                "seconds": seconds,
                "cpu_seconds": cpu,
                "first_byte": first_byte,
                "bytes": size,
                "rss_before": before,
                "rss_max_sampled": max(during) if during else None,
                "rss_marks": marks,
                "peak_rss": rss_mb("VmHWM"),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default=os.environ.get("BENCH_EXPORT_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true", help="empty the participants first")
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--tables", default="participants", help="comma-separated export tables")
    parser.add_argument("--as", dest="as_", choices=["manager", "kecamatan"], default="manager")
    parser.add_argument("--via", choices=["stream", "api"], default="stream", help="ExportStream, or the API")
    parser.add_argument("--child", choices=["csv", "xlsx"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    warnings.filterwarnings("ignore", message="No directory at")
    database_ensure(args.db)
    django_setup(args.db, "config.settings.base")
    schema_ready()
    staff_ready()
    from bench_participant_list import build
    from django.db import connection

    from kolabora.participants.models import Participant

    if args.rebuild:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE participants_participant RESTART IDENTITY CASCADE")
    have = Participant.objects.count()
    print(f"participants in {args.db}: {have:,}")
    if have < args.count:
        print(f"building {args.count - have:,} participants with COPY …")
        seconds = build(args.count - have)
        print(f"built in {seconds:.1f} s")
    started = time.perf_counter()
    made = businesses_build()
    if made:
        print(f"{made:,} businesses added in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        print(f"database size {cursor.fetchone()[0]}; load average {os.getloadavg()}")
    connection.close()

    print()
    print(
        f"exporting as the {'kecamatan staff of Cipayung' if args.as_ == 'kecamatan' else 'province-wide programme manager'}, "
        f"tables {args.tables}, through {'the API (test client)' if args.via == 'api' else 'ExportStream'}"
    )
    print(
        f"{'format':6} {'rows':>11} {'seconds':>8} {'rows/s':>9} {'rows/CPU-s':>10} {'first byte':>10} {'file MB':>8} "
        f"{'RSS before':>10} {'RSS 10%/50%/90%':>18} {'peak RSS':>9}"
    )
    for fmt in args.formats.split(","):
        command = [
            sys.executable,
            __file__,
            "--child",
            fmt,
            "--db",
            args.db,
            "--tables",
            args.tables,
            "--as",
            args.as_,
            "--via",
            args.via,
        ]
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT / "benchmarks", check=False)
        if done.returncode != 0:
            print(done.stdout, done.stderr)
            raise SystemExit(f"the {fmt} export failed")
        r: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        marks = r["rss_marks"]
        curve = "/".join(f"{marks[k]:.0f}" if marks.get(k) else "–" for k in ("10%", "50%", "90%"))
        print(
            f"{fmt:6} {r['rows']:>11,} {r['seconds']:>8.1f} {r['rows'] / r['seconds']:>9,.0f} "
            f"{r['rows'] / r['cpu_seconds']:>10,.0f} "
            f"{r['first_byte']:>9.1f}s {r['bytes'] / 1e6:>8.1f} {r['rss_before']:>8.0f}MB {curve:>16}MB "
            f"{r['peak_rss']:>7.0f}MB"
        )
    print(f"load average {os.getloadavg()} (other work on the same cores lowers every figure)")


if __name__ == "__main__":
    main()
