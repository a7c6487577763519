"""The staff participant list at a million participants, on PostgreSQL.

Builds ``--count`` participants (default 1,000,000) with their seven stage rows in the benchmark
database with ``COPY`` (skipped when they are there already; ``--rebuild`` starts again), runs
``ANALYZE``, then times page 1 and a deep page (a cursor near the end) of the list for a kecamatan
staff member and for a province-wide programme manager, with and without a stage filter (and a name search with ``--search``): directly
through ``participant_list`` + ``page_after``, and through the page at ``/peserta/`` with Django's
test client. Prints median and p95 per case, and the query plan of any selector case slower than
``--slow`` ms (``--explain`` prints them all).

    uv run python benchmarks/bench_participant_list.py [--count 1000000] [--repeat 30] [--rebuild]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

from common import (
    DEFAULT_DB,
    KECAMATAN,
    database_ensure,
    django_setup,
    percentile,
    schema_ready,
    staff_ready,
    summary,
    timed,
)

SEED = 1_000_000
PAGE = 25
# East Jakarta's funnel (DESIGN.md §1) as chances: P2 levels among registrants, then each later stage
# among those who reached the one before (P5 and P6 also without a licence, as in the seeds).
T3, T2, T1 = 2664 / 7294, 3159 / 7294, 6677 / 7294
P3_IF_TRAINED = 1962 / 6677
P4_IF_MENTORED = 395 / 1962
P5_IF_LICENSED, P5_OTHERWISE = 0.7, (483 - 0.7 * 395) / (1962 - 395)
P6_IF_LICENSED, P6_OTHERWISE = 0.3, (166 - 0.3 * 395) / (1962 - 395)
P7_IF_BOTH = 0.38


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def build(count: int, chunk: int = 50_000) -> float:
    """COPY ``count`` participants and their stage rows in; returns the seconds it took."""
    from django.db import connection

    from kolabora.participants.demo import FAMILY, FEMALE, FEMALE_SECOND, MALE, MALE_SECOND
    from kolabora.participants.models import Participant
    from kolabora.pathway.models import ParticipantStage, StageDefinition
    from kolabora.pathway.services import programme_default
    from kolabora.regions.models import Region

    rng = random.Random(SEED)
    kelurahan = list(
        Region.objects.filter(level="kelurahan", code__startswith="31.").values_list("code", flat=True)
    )
    stage_ids = {s.code: s.pk for s in StageDefinition.objects.filter(programme=programme_default())}
    p_fields = [f for f in Participant._meta.concrete_fields]
    p_columns = [str(f.column) for f in p_fields]
    s_columns = [
        "participant_id",
        "stage_id",
        "code",
        "status",
        "level",
        "since",
        "started_at",
        "completed_at",
    ]
    s_columns += ["reason", "rule_exception"]
    now = dt.datetime.now(dt.UTC)
    start = now - dt.timedelta(days=3 * 365)
    per_kecamatan: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM participants_participant")
        first_id = int(cursor.fetchone()[0]) + 1
    started = time.perf_counter()
    connection.ensure_connection()  # autocommit: each COPY commits its chunk
    raw = connection.connection
    assert raw is not None
    with raw.cursor() as cur:
        # The rows are consistent by construction; skipping the per-row foreign-key triggers halves the load.
        cur.execute("SET session_replication_role = replica")
        for offset in range(0, count, chunk):
            people = io.StringIO()
            stages = io.StringIO()
            for i in range(offset, min(count, offset + chunk)):
                pid = first_id + i
                kel = rng.choice(kelurahan)
                kec = kel[:8]
                n = per_kecamatan.get(kec, 0)
                per_kecamatan[kec] = n + 1
                day, serial = divmod(n, 5000)
                birth = dt.date(1961, 1, 1) + dt.timedelta(days=day)
                female = rng.random() < 0.58
                given, second = (FEMALE, FEMALE_SECOND) if female else (MALE, MALE_SECOND)
                name = f"{rng.choice(given)} {rng.choice(second + FAMILY)}"
                nik = f"{kec.replace('.', '')}{birth.day + (40 if female else 0):02d}{birth:%m%y}{5000 + serial:04d}"
                registered = start + dt.timedelta(seconds=(i / count) * 3 * 365 * 86400)
                u = rng.random()
                level = 3 if u < T3 else 2 if u < T2 else 1 if u < T1 else None
                status = {"P1": "completed"}
                if level:
                    status["P2"] = "completed" if rng.random() < 0.9 else "in_progress"
                    if rng.random() < P3_IF_TRAINED:
                        status["P3"] = "completed" if rng.random() < 0.7 else "in_progress"
                if "P3" in status and rng.random() < P4_IF_MENTORED:
                    status["P4"] = "completed" if rng.random() < 0.85 else "in_progress"
                if "P3" in status:
                    licensed = "P4" in status
                    for code, chance in (
                        ("P5", P5_IF_LICENSED if licensed else P5_OTHERWISE),
                        ("P6", P6_IF_LICENSED if licensed else P6_OTHERWISE),
                    ):
                        if rng.random() < chance:
                            status[code] = "completed" if rng.random() < 0.7 else "in_progress"
                if status.get("P4") == status.get("P6") == "completed" and rng.random() < P7_IF_BOTH:
                    status["P7"] = "completed" if rng.random() < 0.6 else "in_progress"
                early = "P5" in status and status.get("P4") != "completed"
                last = registered + dt.timedelta(days=rng.randint(0, 300))
                values = {
                    "id": pid,
                    "created_at": registered,
                    "updated_at": last,
                    "user_id": None,
                    "nik": nik,
                    "full_name": name,
                    "name_key": name.upper(),
                    "sex": "P" if female else "L",
                    "birth_date": birth,
                    "phone": f"+62813{pid % 10**8:08d}",
                    "email": "",
                    "address": "",
                    "kelurahan_id": kel,
                    "kecamatan_code": kec,
                    "kota_code": kel[:5],
                    "province_code": "31",
                    "domicile_basis": "ktp_dki",
                    "domicile_since": None,
                    "entry_track": "pemula" if rng.random() < 0.8 else "naik_kelas",
                    "eligibility_verified_at": registered,
                    "eligibility_verified_by_id": None,
                    "channel": "import",
                    "registered_on": registered.date(),
                    "registered_by_id": None,
                    "last_activity_at": last,
                    "status": "active",
                    "merged_into_id": None,
                    "rule_flags": '["P5_before_P4"]' if early else "[]",
                }
                people.write("\t".join(_copy_text(values[f.attname]) for f in p_fields) + "\n")
                for code, sid in stage_ids.items():
                    st = status.get(code, "not_started")
                    done = registered if st == "completed" else None
                    begun = registered if st != "not_started" else None
                    row = [pid, sid, code, st, level if code == "P2" else None, registered, begun, done, ""]
                    row.append(code == "P5" and early)
                    stages.write("\t".join(_copy_text(v) for v in row) + "\n")
            with cur.copy(f"COPY participants_participant ({', '.join(p_columns)}) FROM STDIN") as copy:
                copy.write(people.getvalue())
            with cur.copy(f"COPY pathway_participantstage ({', '.join(s_columns)}) FROM STDIN") as copy:
                copy.write(stages.getvalue())
            done_rows = min(count, offset + chunk)
            print(f"  {done_rows:>9,} participants  {time.perf_counter() - started:6.1f} s", flush=True)
        cur.execute("SET session_replication_role = origin")
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('participants_participant', 'id'), "
            "(SELECT MAX(id) FROM participants_participant))"
        )
    elapsed = time.perf_counter() - started
    analyze_started = time.perf_counter()
    with connection.cursor() as cursor:
        # What autovacuum does soon after a load this size: statistics and the visibility map.
        for table in (Participant._meta.db_table, ParticipantStage._meta.db_table):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"  VACUUM ANALYZE {time.perf_counter() - analyze_started:.1f} s")
    return elapsed


STATISTICS = "bench_pstage_code_status"


def statistics_set(on: bool) -> None:
    """Create or drop extended statistics on the stage rows' (code, status): the fix this benchmark
    proposes, so a run with ``--statistics`` shows its effect (see README.md)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if on:
            cursor.execute(
                f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} (mcv) ON code, status FROM pathway_participantstage"
            )
        else:
            cursor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")
        cursor.execute("ANALYZE pathway_participantstage")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true", help="empty the participants first")
    parser.add_argument("--stage", default="P4", help="the stage filter to time (default P4)")
    parser.add_argument("--slow", type=float, default=300.0, help="print the plan of cases slower than this")
    parser.add_argument("--explain", action="store_true", help="print every selector case's plan")
    parser.add_argument("--search", default="", help="also time a name search for this text")
    parser.add_argument(
        "--statistics",
        action="store_true",
        help="with extended statistics on the stage rows' (code, status), the fix proposed in README.md",
    )
    args = parser.parse_args()

    warnings.filterwarnings("ignore", message="No directory at")  # no collected static files here
    database_ensure(args.db)
    # The base settings (DEBUG off): the figures should not include Django's debug query log.
    django_setup(args.db, "config.settings.base")
    schema_ready()
    staff, manager = staff_ready()

    from django.db import connection
    from django.test import Client

    from kolabora.core import access
    from kolabora.participants.models import Participant
    from kolabora.participants.selectors import ParticipantFilters, page_after, participant_list

    if args.rebuild:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE participants_participant RESTART IDENTITY CASCADE")
    have = Participant.objects.count()
    print(f"participants in {args.db}: {have:,}")
    if have < args.count:
        print(f"building {args.count - have:,} participants with COPY …")
        seconds = build(args.count - have)
        total = Participant.objects.count()
        print(
            f"built in {seconds:.1f} s ({(args.count - have) / seconds:,.0f} participants/s); {total:,} in all"
        )
    statistics_set(args.statistics)
    print(
        f"extended statistics on pathway_participantstage (code, status): {'yes' if args.statistics else 'no'}"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        print(f"database size {cursor.fetchone()[0]}; load average {os.getloadavg()}")

    def selector_case(user: Any, filters: dict[str, Any], after: int | None) -> Callable[[], Any]:
        def run() -> Any:
            access.forget(user)  # a request starts without the membership cache
            qs = participant_list(user=user, filters=ParticipantFilters(**filters))
            return page_after(qs, after=after, size=PAGE)

        return run

    def deep_cursor(user: Any, filters: dict[str, Any]) -> int | None:
        """The cursor before the last page: the 26th-smallest id of the list (None if it is shorter)."""
        qs = participant_list(user=user, filters=ParticipantFilters(**filters))
        ids = list(qs.order_by("id").values_list("id", flat=True)[: PAGE + 1])
        return ids[-1] if len(ids) > PAGE else None

    def explain(user: Any, filters: dict[str, Any], after: int | None) -> str:
        qs = participant_list(user=user, filters=ParticipantFilters(**filters))
        if after is not None:
            qs = qs.filter(id__lt=after)
        return qs.select_related("kelurahan")[: PAGE + 1].explain(analyze=True, buffers=True)

    clients: dict[str, Client] = {}
    for name, user in (("kecamatan", staff), ("province", manager)):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        clients[name] = client

    cases: list[tuple[str, dict[str, Any]]] = [
        ("no filter", {}),
        (f"stage {args.stage}", {"stage": args.stage}),
    ]
    if args.search:
        cases.append((f"search {args.search!r}", {"q": args.search}))
    print()
    print(f"{'case':58} through  figures ({args.repeat} runs each, page size {PAGE})")
    rows: list[tuple[str, list[float]]] = []
    for name, user in (("kecamatan staff " + KECAMATAN, staff), ("programme manager, province", manager)):
        key = "kecamatan" if user == staff else "province"
        for case, filters in cases:
            deep = deep_cursor(user, filters)
            for page, after in (("page 1", None), ("deep page", deep)):
                label = f"{name}, {case}, {page}"
                if page == "deep page" and deep is None:
                    print(f"{label:58} (fewer than {PAGE + 1} rows: no deep page)")
                    continue
                ms = timed(selector_case(user, filters, after), args.repeat)
                rows.append((label + " [selector]", ms))
                print(f"{label:58} selector {summary(ms)}")
                query: dict[str, Any] = {**filters, **({"after": after} if after else {})}
                client = clients[key]

                def page_get(client: Client = client, query: dict[str, Any] = query) -> None:
                    response = client.get("/peserta/", query)
                    assert response.status_code == 200, response.status_code

                ms_page = timed(page_get, args.repeat)
                rows.append((label + " [page]", ms_page))
                print(f"{'':58} page     {summary(ms_page)}")
                if args.explain or statistics.median(ms) > args.slow:
                    print(explain(user, filters, after))
    worst = max(rows, key=lambda r: percentile(r[1], 95))
    print()
    print(
        f"slowest p95: {worst[0]}: {percentile(worst[1], 95):.1f} ms (goal: page 1 and a deep page ≤ 300 ms)"
    )


if __name__ == "__main__":
    main()
