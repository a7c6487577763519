"""Registrations per second through ``POST /api/v1/participants`` on PostgreSQL.

Starts gunicorn (``config.wsgi``, several sync workers) against a dedicated benchmark database, takes a
bearer token for a kecamatan staff member from ``kolabora apitoken``, and drives the endpoint from a
pool of threads, each with its own keep-alive ``http.client`` connection to 127.0.0.1 only. Bounded by
``--seconds`` and ``--max-requests``. Prints throughput, latency percentiles and status counts.

    uv run python benchmarks/bench_registrations.py [--workers 4] [--clients 8] [--seconds 20]
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
    args = parser.parse_args()

    database_ensure(args.db)
    django_setup(args.db, args.settings)
    schema_ready()
    staff_ready()
    from kolabora.participants.models import Participant
    from kolabora.regions.models import Region

    kelurahan = list(Region.objects.filter(parent_id=KECAMATAN).values_list("code", flat=True))
    before = Participant.objects.count()
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
    try:
        wait_until_up(port)
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Connection": "keep-alive",
        }
        # A fresh stretch of the NIK space for each run, so earlier runs' participants do not collide.
        numbers = itertools.count(random.randrange(0, 4999 * 16000 * 2 - 10**7))
        lock = threading.Lock()
        results: list[tuple[float, int]] = []
        failures: Counter[str] = Counter()
        sent = 0
        stop_at = [0.0]
        measuring = threading.Event()

        def client() -> None:
            nonlocal sent
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            local: list[tuple[float, int]] = []
            while time.monotonic() < stop_at[0]:
                with lock:
                    if measuring.is_set() and sent >= args.max_requests:
                        break
                    if measuring.is_set():
                        sent += 1
                    index = next(numbers)
                    counted = measuring.is_set()
                body = payload(index, kelurahan)
                started = time.perf_counter()
                try:
                    conn.request("POST", "/api/v1/participants", body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException) as exc:
                    failures[type(exc).__name__] += 1
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=30)
                    continue
                if counted:
                    local.append(((time.perf_counter() - started) * 1000, status))
            conn.close()
            with lock:
                results.extend(local)

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
    finally:
        server.terminate()
        server.wait(timeout=30)

    statuses = Counter(status for _ms, status in results)
    latencies = [ms for ms, _status in results]
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
        f"  errors         {sum(statuses[s] for s in statuses if s != 201)} non-201, {dict(failures)} transport"
    )
    print(f"  participants   {before} before, {Participant.objects.count()} after")
    print(f"  load average   {os.getloadavg()} (other work on the same cores lowers every figure)")


if __name__ == "__main__":
    main()
