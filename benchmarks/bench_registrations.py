"""Registrations per second through ``POST /api/v1/participants`` on PostgreSQL.

Starts gunicorn (``config.wsgi``, several sync workers) against a dedicated benchmark database, takes a
bearer token for a kecamatan staff member from ``kolabora apitoken``, and drives the endpoint from a
pool of threads, each with its own keep-alive ``http.client`` connection to 127.0.0.1 only. Bounded by
``--seconds`` and ``--max-requests``. Prints throughput, latency percentiles and status counts.

``--batch N`` posts batches of N fresh participants to ``POST /api/v1/participants/batch`` instead, and
reports registrations per second the same way (registered participants over the measured seconds), with
each batch's latency. ``--mode both`` runs the single-request mode and then the batch mode (``--batch``,
default 100) against the same server, and prints both.

    uv run python benchmarks/bench_registrations.py [--workers 4] [--clients 8] [--seconds 20]
    uv run python benchmarks/bench_registrations.py --batch 100 [--mode both]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import itertools
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from common import (
    DEFAULT_DB,
    KECAMATAN,
    ROOT,
    STAFF,
    database_ensure,
    django_setup,
    percentile,
    schema_ready,
    staff_ready,
)

HOST = "127.0.0.1"
SINGLE_PATH = "/api/v1/participants"
BATCH_PATH = "/api/v1/participants/batch"
DEFAULT_BATCH = 100  # the batch size of ``--mode both`` when ``--batch`` is not given


def nik_for(index: int) -> str:
    """A structurally valid, unique NIK for a sequence number: Cipayung, a birth date, a serial."""
    day, serial = divmod(index, 4999)  # serials 0001–4999; the list benchmark's are 5000–9999
    birth = dt.date(1961, 1, 1) + dt.timedelta(days=day % 16000)
    female = (day // 16000) % 2 == 1
    return f"{KECAMATAN.replace('.', '')}{birth.day + (40 if female else 0):02d}{birth:%m%y}{serial + 1:04d}"


def payload(index: int, kelurahan: list[str]) -> bytes:
    return json.dumps(
        {
            "nik": nik_for(index),
            "full_name": f"Peserta Uji {index}",
            "phone": f"+62812{index % 10**8:08d}",
            "kelurahan_code": kelurahan[index % len(kelurahan)],
            "entry_track": "pemula",
            "consents": ["programme"],
            "business": {"name": f"Usaha {index}", "sector": "kuliner", "monthly_turnover": 3_000_000},
        }
    ).encode()


def batch_payload(first: int, size: int, kelurahan: list[str]) -> bytes:
    """``size`` fresh participants (numbers ``first`` onwards) as the batch endpoint's body."""
    return b'{"participants": [' + b", ".join(payload(first + i, kelurahan) for i in range(size)) + b"]}"


def wait_until_up(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/api/v1/openapi.json")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class Run:
    """One measured run: each counted request's latency (ms), HTTP status and registrations."""

    results: list[tuple[float, int, int]]
    failures: Counter[str]
    elapsed: float
    items: Counter[int] = field(default_factory=Counter)  # batch mode: each item's status
    before: int = 0
    after: int = 0
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)  # the load average when the run ended


def drive(
    args: argparse.Namespace,
    port: int,
    headers: dict[str, str],
    numbers: Iterator[int],
    kelurahan: list[str],
    size: int,
) -> Run:
    """Post from ``args.clients`` threads for ``args.warmup`` seconds unmeasured, then ``args.seconds``
    measured: one participant a request to the single endpoint (``size`` 0), or ``size`` a batch."""
    lock = threading.Lock()
    results: list[tuple[float, int, int]] = []
    failures: Counter[str] = Counter()
    items: Counter[int] = Counter()
    sent = 0
    stop_at = [0.0]
    measuring = threading.Event()
    path = BATCH_PATH if size else SINGLE_PATH
    timeout = 30 if not size else max(30, size // 2)

    def client() -> None:
        nonlocal sent
        conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        local: list[tuple[float, int, int]] = []
        local_items: Counter[int] = Counter()
        while time.monotonic() < stop_at[0]:
            with lock:
                if measuring.is_set() and sent >= args.max_requests:
                    break
                if measuring.is_set():
                    sent += 1
                index = next(numbers)
                for _ in range(size - 1):
                    next(numbers)
                counted = measuring.is_set()
            body = batch_payload(index, size, kelurahan) if size else payload(index, kelurahan)
            started = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                raw = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                failures[type(exc).__name__] += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
                continue
            ms = (time.perf_counter() - started) * 1000
            if not size:
                created = 1 if status == 201 else 0
            elif status == 200:
                answer = json.loads(raw)
                created = answer["created"]
                if counted:
                    local_items.update(r["status"] for r in answer["results"])
            else:
                created = 0
            if counted:
                local.append((ms, status, created))
        conn.close()
        with lock:
            results.extend(local)
            items.update(local_items)

    stop_at[0] = time.monotonic() + args.warmup + args.seconds
    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for t in threads:
        t.start()
    time.sleep(args.warmup)
    measuring.set()
    started = time.monotonic()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return Run(results=results, failures=failures, elapsed=elapsed, items=items, load=os.getloadavg())


def report_single(args: argparse.Namespace, run: Run) -> None:
    results, elapsed = run.results, run.elapsed
    statuses = Counter(status for _ms, status, _n in results)
    latencies = [ms for ms, _status, _n in results]
    created = statuses.get(201, 0)
    print()
    print(
        f"POST /api/v1/participants  gunicorn -w {args.workers}, {args.clients} keep-alive clients, {args.db}"
    )
    print(f"  measured       {elapsed:6.1f} s after {args.warmup:.0f} s warm-up, {len(results)} requests")
    print(
        f"  throughput     {len(results) / elapsed:6.1f} requests/s   {created / elapsed:6.1f} registrations (201)/s"
    )
    if latencies:
        print(
            f"  latency        median {statistics.median(latencies):.1f} ms   p95 {percentile(latencies, 95):.1f} ms"
            f"   p99 {percentile(latencies, 99):.1f} ms   max {max(latencies):.1f} ms"
        )
    print(f"  statuses       {dict(sorted(statuses.items()))}")
    print(
        f"  errors         {sum(statuses[s] for s in statuses if s != 201)} non-201, {dict(run.failures)} transport"
    )
    print(f"  participants   {run.before} before, {run.after} after")
    print(f"  load average   {run.load} (other work on the same cores lowers every figure)")


def report_batch(args: argparse.Namespace, run: Run, size: int) -> None:
    results, elapsed = run.results, run.elapsed
    statuses = Counter(status for _ms, status, _n in results)
    latencies = [ms for ms, _status, _n in results]
    created = sum(n for _ms, _status, n in results)
    print()
    print(
        f"POST {BATCH_PATH}  {size} a batch, gunicorn -w {args.workers}, {args.clients} keep-alive clients,"
        f" {args.db}"
    )
    print(
        f"  measured       {elapsed:6.1f} s after {args.warmup:.0f} s warm-up, {len(results)} requests"
        f" ({len(results) * size} registrations sent)"
    )
    print(
        f"  throughput     {len(results) / elapsed:6.1f} batches/s   {created / elapsed:6.1f} registrations (201)/s"
    )
    if latencies:
        print(
            f"  latency        median {statistics.median(latencies):.1f} ms   p95 {percentile(latencies, 95):.1f} ms"
            f"   p99 {percentile(latencies, 99):.1f} ms   max {max(latencies):.1f} ms   a batch"
        )
        print(f"                 median {statistics.median(latencies) / size:.2f} ms a registration")
    print(f"  statuses       {dict(sorted(statuses.items()))}   items {dict(sorted(run.items.items()))}")
    print(
        f"  errors         {sum(statuses[s] for s in statuses if s != 200)} non-200,"
        f" {sum(run.items[s] for s in run.items if s != 201)} items refused, {dict(run.failures)} transport"
    )
    print(f"  participants   {run.before} before, {run.after} after")
    print(f"  load average   {run.load} (other work on the same cores lowers every figure)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client connections")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured duration")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured requests first")
    parser.add_argument("--max-requests", type=int, default=50_000)
    parser.add_argument("--settings", default="config.settings.local")
    parser.add_argument("--gunicorn-config", default="", help="a gunicorn config file (-c) for experiments")
    parser.add_argument(
        "--batch",
        type=int,
        default=0,
        metavar="N",
        help=f"post batches of N participants to {BATCH_PATH} (0: one participant a request)",
    )
    parser.add_argument(
        "--mode",
        choices=("single", "batch", "both"),
        help=f"single requests, batches, or both in turn (default: batch when --batch is given; "
        f"batches of {DEFAULT_BATCH} unless --batch says otherwise)",
    )
    args = parser.parse_args()
    if not 0 <= args.batch <= 500:
        parser.error("--batch takes 1 to 500 participants (0: single requests)")
    mode = args.mode or ("batch" if args.batch else "single")
    size = args.batch or DEFAULT_BATCH

    database_ensure(args.db)
    django_setup(args.db, args.settings)
    schema_ready()
    staff_ready()
    from kolabora.participants.models import Participant
    from kolabora.regions.models import Region

    kelurahan = list(Region.objects.filter(parent_id=KECAMATAN).values_list("code", flat=True))
    env = {**os.environ, "DATABASE_URL": args.db, "DJANGO_SETTINGS_MODULE": args.settings}
    token = subprocess.run(
        [sys.executable, "-m", "kolabora", "apitoken", STAFF, "--name", "benchmark"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()

    port = free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "config.wsgi", "-w", str(args.workers)),
            *("-b", f"{HOST}:{port}", "--log-level", "warning", "--keep-alive", "30"),
            *(("-c", args.gunicorn_config) if args.gunicorn_config else ()),
        ],
        cwd=ROOT,
        env=env,
    )
    runs: list[tuple[int, Run]] = []
    try:
        wait_until_up(port)
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Connection": "keep-alive",
        }
        # A fresh stretch of the NIK space for each run, so earlier runs' participants do not collide.
        numbers = itertools.count(random.randrange(0, 4999 * 16000 * 2 - 10**7))
        for batch in ([0] if mode != "batch" else []) + ([size] if mode != "single" else []):
            before = Participant.objects.count()
            run = drive(args, port, headers, numbers, kelurahan, batch)
            run.before, run.after = before, Participant.objects.count()
            runs.append((batch, run))
    finally:
        server.terminate()
        server.wait(timeout=30)

    for batch, run in runs:
        if batch:
            report_batch(args, run, batch)
        else:
            report_single(args, run)
    if len(runs) == 2:
        single, batched = (sum(n for _ms, _status, n in r.results) / r.elapsed for _b, r in runs)
        ratio = f"   ({batched / single:.1f}x)" if single else ""
        print()
        print(f"registrations (201)/s   single {single:.1f}   batches of {size} {batched:.1f}{ratio}")


if __name__ == "__main__":
    main()
