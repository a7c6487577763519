"""The funnel (Tabel 2) at 1 million and 10 million participants, on PostgreSQL.

Builds participants and their seven stage rows inside the database (``INSERT … SELECT`` over
``generate_series``, statuses drawn from a hash of the id, so a build is reproducible and needs no data
through the client), with the tables' secondary indexes dropped during the load and rebuilt after it.
For each size (``--sizes``, default 1,000,000 and 10,000,000) it grows the data to that size, recounts
the aggregates (``counters_rebuild``) and times, through Django's test client with the base settings
(DEBUG off), the funnel API and the funnel page for a province-wide programme manager: province by kota,
province by kelurahan (267 rows), a kota by kecamatan with a year cohort, a kecamatan by kelurahan with a
month cohort. Prints median and p95 per case, the queries each request makes, and at the end the p95
ratio between the largest and the smallest size.

    uv run python benchmarks/bench_funnel.py [--sizes 1000000,10000000] [--repeat 50] [--db URL]

Uses its own database (default ``kolabora_bench_funnel``), created when missing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time
import warnings
from typing import Any

from common import MANAGER, database_ensure, django_setup, percentile, schema_ready, staff_ready

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/kolabora_bench_funnel"
CHUNK = 1_000_000
YEARS = 3
# East Jakarta's funnel (DESIGN.md §1) as chances, as in bench_participant_list.py, plus some drop-outs.
T3, T2, T1 = 2664 / 7294, 3159 / 7294, 6677 / 7294
P3_IF_TRAINED = 1962 / 6677
P4_IF_MENTORED = 395 / 1962
P5_IF_LICENSED, P5_OTHERWISE = 0.7, (483 - 0.7 * 395) / (1962 - 395)
P6_IF_LICENSED, P6_OTHERWISE = 0.3, (166 - 0.3 * 395) / (1962 - 395)
P7_IF_BOTH = 0.38
TABLES = ("participants_participant", "pathway_participantstage")
SAVED = "bench_saved_indexes"


def _u(k: int) -> str:
    """A uniform number in [0, 1) drawn from participant id ``g`` and stream ``k`` (deterministic)."""
    return f"((hashint8extended(g, {k}) & 9007199254740991)::float8 / 9007199254740992.0)"


STATUSES = f"""
SELECT g, reg, lvl, early,
  CASE WHEN lvl IS NOT NULL THEN CASE WHEN {_u(4)} < 0.9 THEN 'completed' ELSE 'in_progress' END
       WHEN {_u(4)} < 0.3 THEN 'dropped' ELSE 'not_started' END AS s2,
  s3, s4, s5, s6,
  CASE WHEN s4 = 'completed' AND s6 = 'completed' AND {_u(13)} < {P7_IF_BOTH}
       THEN CASE WHEN {_u(14)} < 0.6 THEN 'completed' ELSE 'in_progress' END ELSE 'not_started' END AS s7
FROM (
  SELECT g, reg, lvl, s3, s4, s5, s6,
    (s5 IN ('in_progress', 'completed') AND s4 <> 'completed') AS early
  FROM (
    SELECT g, reg, lvl, s3, s4,
      CASE WHEN s3 IN ('in_progress', 'completed') AND {_u(9)} <
             CASE WHEN s4 IN ('in_progress', 'completed') THEN {P5_IF_LICENSED} ELSE {P5_OTHERWISE} END
           THEN CASE WHEN {_u(10)} < 0.7 THEN 'completed' ELSE 'in_progress' END ELSE 'not_started' END AS s5,
      CASE WHEN s3 IN ('in_progress', 'completed') AND {_u(11)} <
             CASE WHEN s4 IN ('in_progress', 'completed') THEN {P6_IF_LICENSED} ELSE {P6_OTHERWISE} END
           THEN CASE WHEN {_u(12)} < 0.7 THEN 'completed' ELSE 'in_progress' END ELSE 'not_started' END AS s6
    FROM (
      SELECT g, reg, lvl, s3,
        CASE WHEN s3 IN ('in_progress', 'completed') AND {_u(7)} < {P4_IF_MENTORED}
             THEN CASE WHEN {_u(8)} < 0.85 THEN 'completed' ELSE 'in_progress' END ELSE 'not_started' END AS s4
      FROM (
        SELECT g, reg, lvl,
          CASE WHEN lvl IS NULL THEN 'not_started'
               WHEN {_u(5)} < {P3_IF_TRAINED} THEN CASE WHEN {_u(6)} < 0.7 THEN 'completed' ELSE 'in_progress' END
               WHEN {_u(5)} < {P3_IF_TRAINED} + 0.1 THEN 'dropped' ELSE 'not_started' END AS s3
        FROM (
          SELECT g,
            %(start)s::timestamptz + ({_u(2)} * %(span)s) * interval '1 second' AS reg,
            CASE WHEN {_u(3)} < {T3} THEN 3 WHEN {_u(3)} < {T2} THEN 2 WHEN {_u(3)} < {T1} THEN 1 END AS lvl
          FROM generate_series(%(first)s::bigint, %(last)s::bigint) g
        ) a
      ) b
    ) c
  ) d
) e
"""  # noqa: S608  (numbers only: the values are parameters)


def _participant_sql(columns: list[str]) -> str:
    known = {
        "id": "s.g",
        "created_at": "s.reg",
        "updated_at": "s.reg",
        "user_id": "NULL",
        "nik": "substr(replace(s.kel, '.', ''), 1, 6) || to_char(DATE '1961-01-01' + (s.g / 9000)::int, 'DDMMYY') "
        "|| lpad((1000 + s.g %% 9000)::text, 4, '0')",
        "full_name": "'Peserta ' || s.g",
        "name_key": "'PESERTA ' || s.g",
        "sex": "'L'",
        "birth_date": "DATE '1961-01-01' + (s.g / 9000)::int",
        "phone": "'+62813' || lpad((s.g %% 100000000)::text, 8, '0')",
        "email": "''",
        "address": "''",
        "kelurahan_id": "s.kel",
        "kecamatan_code": "substr(s.kel, 1, 8)",
        "kota_code": "substr(s.kel, 1, 5)",
        "province_code": "'31'",
        "domicile_basis": "'ktp_dki'",
        "domicile_since": "NULL",
        "entry_track": "'pemula'",
        "eligibility_verified_at": "s.reg",
        "eligibility_verified_by_id": "NULL",
        "channel": "'import'",
        "registered_on": "(s.reg AT TIME ZONE 'Asia/Jakarta')::date",
        "registered_by_id": "NULL",
        "last_activity_at": "s.reg",
        "status": "'active'",
        "merged_into_id": "NULL",
        "rule_flags": "CASE WHEN s.early THEN '[\"P5_before_P4\"]'::jsonb ELSE '[]'::jsonb END",
    }
    missing = [c for c in columns if c not in known]
    if missing:
        raise SystemExit(f"bench_funnel does not know how to fill participants_participant.{missing}")
    values = ", ".join(known[c] for c in columns)
    return (
        f"INSERT INTO participants_participant ({', '.join(columns)}) SELECT {values} FROM ("  # noqa: S608
        f"SELECT st.*, (%(kelurahan)s::text[])[1 + ((hashint8extended(st.g, 1) & 2147483647) %% %(n)s)] AS kel "
        f"FROM ({STATUSES}) st) s"
    )


def _stage_sql(columns: list[str], stage_ids: dict[str, int]) -> str:
    rows = ", ".join(
        f"({stage_ids[c]}, '{c}', {status}, {n})"
        for n, (c, status) in enumerate(
            [
                ("P1", "'completed'"),
                ("P2", "s.s2"),
                ("P3", "s.s3"),
                ("P4", "s.s4"),
                ("P5", "s.s5"),
                ("P6", "s.s6"),
                ("P7", "s.s7"),
            ]
        )
    )
    days = "((hashint8extended(s.g, 20 + v.n) & 1023) %% 200)"
    known = {
        "participant_id": "s.g",
        "stage_id": "v.sid",
        "code": "v.code",
        "status": "v.st",
        "level": "CASE WHEN v.code = 'P2' THEN s.lvl END",
        "since": "s.reg",
        "started_at": "CASE WHEN v.st IN ('in_progress', 'completed', 'dropped') THEN s.reg END",
        "completed_at": f"CASE WHEN v.st = 'completed' THEN s.reg + {days} * interval '1 day' END",
        "reason": "CASE WHEN v.st = 'dropped' THEN 'benchmark' ELSE '' END",
        "rule_exception": "(v.code = 'P5' AND s.early)",
    }
    missing = [c for c in columns if c not in known]
    if missing:
        raise SystemExit(f"bench_funnel does not know how to fill pathway_participantstage.{missing}")
    return (
        f"INSERT INTO pathway_participantstage ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(known[c] for c in columns)} FROM ({STATUSES}) s "
        f"CROSS JOIN LATERAL (VALUES {rows}) v(sid, code, st, n)"
    )


# --- secondary indexes off during the load ----------------------------------------------------------------


def indexes_drop(cursor: Any) -> None:
    """Drop the tables' secondary indexes (and unique constraints), remembering them in a table of this
    database, so an interrupted run puts them back next time."""
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {SAVED} (tbl text, name text, is_constraint bool, definition text)"
    )
    for table in TABLES:
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid), c.conname, pg_get_constraintdef(c.oid) "
            "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary",
            [table],
        )
        for index, index_def, constraint, constraint_def in cursor.fetchall():
            if constraint:
                cursor.execute(
                    f"INSERT INTO {SAVED} VALUES (%s, %s, true, %s)",  # noqa: S608
                    [table, constraint, constraint_def],
                )
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
            else:
                cursor.execute(f"INSERT INTO {SAVED} VALUES (%s, %s, false, %s)", [table, index, index_def])  # noqa: S608
                cursor.execute(f'DROP INDEX "{index}"')


def indexes_restore(cursor: Any) -> float:
    cursor.execute("SELECT to_regclass(%s)", [SAVED])
    if cursor.fetchone()[0] is None:
        return 0.0
    started = time.perf_counter()
    cursor.execute("SET maintenance_work_mem = '1GB'")
    cursor.execute(f"SELECT tbl, name, is_constraint, definition FROM {SAVED}")  # noqa: S608
    for table, name, is_constraint, definition in cursor.fetchall():
        t = time.perf_counter()
        if is_constraint:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        else:
            cursor.execute(definition)
        print(f"    {name}: {time.perf_counter() - t:.1f} s", flush=True)
    cursor.execute(f"DROP TABLE {SAVED}")
    return time.perf_counter() - started


def grow(target: int) -> None:
    """Add participants (and their stage rows) until there are ``target``."""
    from django.db import connection

    from kolabora.participants.models import Participant
    from kolabora.pathway.models import ParticipantStage, StageDefinition
    from kolabora.pathway.services import programme_default
    from kolabora.regions.models import Region

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM participants_participant")
        have, top = cursor.fetchone()
    if have >= target:
        return
    kelurahan = list(
        Region.objects.filter(level="kelurahan", code__startswith="31.").values_list("code", flat=True)
    )
    stage_ids = {s.code: s.pk for s in StageDefinition.objects.filter(programme=programme_default())}
    p_sql = _participant_sql([str(f.column) for f in Participant._meta.concrete_fields])
    s_sql = _stage_sql(
        [str(f.column) for f in ParticipantStage._meta.concrete_fields if not f.primary_key], stage_ids
    )
    now = dt.datetime.now(dt.UTC)
    params: dict[str, Any] = {
        "start": now - dt.timedelta(days=YEARS * 365),
        "span": YEARS * 365 * 86400,
        "kelurahan": kelurahan,
        "n": len(kelurahan),
    }
    print(f"  growing from {have:,} to {target:,} participants", flush=True)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # rows consistent by construction
        cursor.execute("SET synchronous_commit = off")
        for table in TABLES:
            cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
        indexes_drop(cursor)
        first = top + 1
        last_id = top + (target - have)
        for a in range(first, last_id + 1, CHUNK):
            b = min(last_id, a + CHUNK - 1)
            t = time.perf_counter()
            cursor.execute(p_sql, {**params, "first": a, "last": b})
            cursor.execute(s_sql, {**params, "first": a, "last": b})
            print(f"    ids {a:,}–{b:,}: {time.perf_counter() - t:.1f} s", flush=True)
        loaded = time.perf_counter() - started
        print(f"  rows loaded in {loaded:.1f} s; rebuilding indexes", flush=True)
        indexed = indexes_restore(cursor)
        cursor.execute("SET session_replication_role = origin")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('participants_participant', 'id'), "
            "(SELECT MAX(id) FROM participants_participant))"
        )
        for table in TABLES:
            cursor.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")
        t = time.perf_counter()
        for table in TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
        vacuumed = time.perf_counter() - t
    print(
        f"  built {target - have:,} participants in {time.perf_counter() - started:.0f} s "
        f"(load {loaded:.0f} s, indexes {indexed:.0f} s, vacuum/analyze {vacuumed:.0f} s)",
        flush=True,
    )


# --- timing ---------------------------------------------------------------------------------------------


def cases(year: int, month: str) -> list[tuple[str, dict[str, str]]]:
    return [
        ("province by kota", {"region": "31", "level": "kota"}),
        ("province by kelurahan (267 rows)", {"region": "31", "level": "kelurahan"}),
        (
            f"kota 31.75 by kecamatan, cohort {year}",
            {"region": "31.75", "level": "kecamatan", "cohort": str(year)},
        ),
        (
            f"kecamatan 31.75.10 by kelurahan, cohort {month}",
            {"region": "31.75.10", "level": "kelurahan", "cohort": month},
        ),
    ]


def measure(
    client: Any, path: str, params: dict[str, str], repeat: int
) -> tuple[list[float], int, float, float]:
    """(milliseconds per request after a warm-up, SQL statements per request, the cold first request,
    the median CPU time of this process per request)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    t = time.perf_counter()
    response = client.get(path, params)
    cold = (time.perf_counter() - t) * 1000
    assert response.status_code == 200, (path, params, response.status_code)
    with CaptureQueriesContext(connection) as ctx:
        client.get(path, params)
    # Statements, not transaction control (the session's save is wrapped in BEGIN … COMMIT).
    control = ("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT", "ROLLBACK")
    statements = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(control)]
    out, cpus = [], []
    for _i in range(repeat):
        t, cpu = time.perf_counter(), time.thread_time()
        response = client.get(path, params)
        out.append((time.perf_counter() - t) * 1000)
        cpus.append((time.thread_time() - cpu) * 1000)
        assert response.status_code == 200
    return out, len(statements), cold, statistics.median(cpus)


def _switch(name: str) -> None:
    """Point Django's connection at another database of the same server (for interleaved timing)."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


def _report(
    results: dict[int, dict[str, list[float]]], extra: dict[int, dict[str, tuple[int, float]]]
) -> None:
    for size, cases_ in results.items():
        print(f"\n{size:,} participants")
        for case, ms in cases_.items():
            queries, cpu = extra[size][case]
            print(
                f"  {case:52} median {statistics.median(ms):6.1f} ms  p95 {percentile(ms, 95):6.1f} ms"
                f"  (this process's CPU, median {cpu:5.1f} ms)  {queries} queries"
            )
    sizes = sorted(results)
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        print(f"\np95 at {large:,} ÷ p95 at {small:,} (goal ≤ 1.2):")
        for case in results[small]:
            a, b = percentile(results[small][case], 95), percentile(results[large][case], 95)
            print(f"  {case:52} {a:6.1f} ms → {b:6.1f} ms   ratio {b / a:4.2f}")
    worst = max((percentile(ms, 95), case, size) for size, r in results.items() for case, ms in r.items())
    print(f"\nslowest p95: {worst[1]} at {worst[2]:,}: {worst[0]:.1f} ms (goal ≤ 100 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default=os.environ.get("BENCH_FUNNEL_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--no-rebuild", action="store_true", help="time without recounting the aggregates")
    parser.add_argument(
        "--against",
        metavar="DBNAME",
        help="also time this database of the same server (built by a run with --db), alternating with --db "
        "request by request, so that both sizes are timed under the same load",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    warnings.filterwarnings("ignore", message="No directory at")
    database_ensure(args.db)
    django_setup(args.db, "config.settings.base")
    schema_ready()
    staff_ready()

    from django.db import connection
    from django.test import Client

    from kolabora.accounts.models import User
    from kolabora.analytics.counters import counters_rebuild
    from kolabora.analytics.services import targets_seed

    with connection.cursor() as cursor:
        restored = indexes_restore(cursor)  # after an interrupted build
        if restored:
            print(f"indexes of an interrupted build restored in {restored:.0f} s")
    this_year = dt.date.today().year
    for y in range(this_year - YEARS, this_year + 1):
        targets_seed(year=y)
    month = f"{this_year - 1}-06"
    results: dict[int, dict[str, list[float]]] = {}
    extra: dict[int, dict[str, tuple[int, float]]] = {}

    def time_cases(client: Any, size: int, repeat: int) -> None:
        for name, params in cases(this_year - 1, month):
            for label, path in (("api ", "/api/v1/analytics/funnel"), ("page", "/analitik/")):
                ms, queries, _cold, cpu_ms = measure(client, path, params, repeat)
                results.setdefault(size, {}).setdefault(f"{label} {name}", []).extend(ms)
                extra.setdefault(size, {})[f"{label} {name}"] = (queries, cpu_ms)

    def participants() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM participants_participant")
            return int(cursor.fetchone()[0])

    for size in sizes:
        print(f"\n== {size:,} participants ==", flush=True)
        grow(size)
        if not args.no_rebuild:
            t = time.perf_counter()
            cells = counters_rebuild()
            print(f"  aggregates recounted in {time.perf_counter() - t:.1f} s ({cells:,} cells)", flush=True)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE analytics_cell")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_size_pretty(pg_database_size(current_database())), COUNT(*) FROM pathway_participantstage"
            )
            db_size, stage_rows = cursor.fetchone()
        print(f"  database {db_size}, {stage_rows:,} stage rows; load average {os.getloadavg()}", flush=True)
        if args.against:
            continue
        client = Client(HTTP_HOST="127.0.0.1")
        # Logged in just before timing: a long build outlasts the session's idle limit.
        client.force_login(User.objects.get(username=MANAGER))
        time_cases(client, size, args.repeat)
        _report({size: results[size]}, extra)
    if args.against:
        main_db = str(connection.settings_dict["NAME"])
        clients: dict[str, tuple[Any, int]] = {}
        for name in (main_db, args.against):
            _switch(name)
            client = Client(HTTP_HOST="127.0.0.1")
            client.force_login(User.objects.get(username=MANAGER))
            clients[name] = (client, participants())
        # Warm-up and the statement count per case and database (untimed).
        for name, (client, size) in clients.items():
            _switch(name)
            time_cases(client, size, 1)
        results.clear()
        cpus: dict[tuple[int, str], list[float]] = {}
        print(f"\ninterleaved request by request: {args.repeat} requests per case and database", flush=True)
        for i in range(args.repeat):
            for case, params in cases(this_year - 1, month):
                for label, path in (("api ", "/api/v1/analytics/funnel"), ("page", "/analitik/")):
                    for name, (client, size) in clients.items():
                        _switch(name)
                        connection.ensure_connection()  # the reconnection is not part of the request
                        t, cpu = time.perf_counter(), time.thread_time()
                        response = client.get(path, params)
                        results.setdefault(size, {}).setdefault(f"{label} {case}", []).append(
                            (time.perf_counter() - t) * 1000
                        )
                        cpus.setdefault((size, f"{label} {case}"), []).append(
                            (time.thread_time() - cpu) * 1000
                        )
                        assert response.status_code == 200
            if (i + 1) % max(1, args.repeat // 5) == 0:
                print(f"  {i + 1} requests per case done; load average {os.getloadavg()}", flush=True)
        _switch(main_db)
        for (size, case), values in cpus.items():
            extra[size][case] = (extra[size][case][0], statistics.median(values))
    _report(results, extra)


if __name__ == "__main__":
    main()
